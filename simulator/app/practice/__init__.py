"""The practice app and its screens."""

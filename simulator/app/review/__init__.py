"""The review app (quality assurance) and its screens."""

"""The Textual practice app: a thin face on the core (no decisions are made here)."""

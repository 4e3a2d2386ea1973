"""Coding what the trainee says: the code set, the rule-based and learned coders, and code mappings."""

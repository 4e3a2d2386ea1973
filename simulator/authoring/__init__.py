"""Helping trainers write scenarios: validation, playtesting, drafting, the template and trainee styles."""

"""Scoring a coded conversation against a rubric, and the feedback built from the score."""

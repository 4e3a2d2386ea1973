"""Offline consultation skills training simulator."""

__version__ = "0.1.0"

"""Where the product keeps the user's files (platformdirs, overridable for tests and shared drives)."""

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The user's data folder; SIMULATOR_DATA_DIR overrides it."""
    override = os.environ.get("SIMULATOR_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir("simulator", appauthor=False))


def session_dir() -> Path:
    """Where transcripts of practice sessions are written."""
    return data_dir() / "sessions"


def user_scenario_dir() -> Path:
    """Where a user's own scenario files are picked up from."""
    return data_dir() / "scenarios"

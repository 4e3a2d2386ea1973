"""Every place on disk the product reads or writes, in one module.

Built-in content (scenarios, the rubric, model manifests and the trained coder) sits inside the package,
under `simulator/builtin/`: in the wheel as real folders, in a source checkout as links to the
repository's top-level `scenarios/`, `rubrics/` and `models/`. It is found the same way either way,
through `importlib.resources`. The user's own files live in platformdirs' folders, which environment
variables move (the tests use them; so can a shared drive).
"""

import os
from importlib.resources import files
from pathlib import Path

import platformdirs

APP = "simulator"
# The environment variables the product reads, named once.
DATA_DIR_VARIABLE = "SIMULATOR_DATA_DIR"
MODEL_DIR_VARIABLE = "SIMULATOR_MODEL_DIR"
CONFIG_VARIABLE = "SIMULATOR_CONFIG"
SCENARIOS_VARIABLE = "SIMULATOR_SCENARIOS"


def builtin() -> Path:
    """The folder of built-in content inside the installed package."""
    return Path(str(files("simulator") / "builtin"))


def builtin_scenario_dir() -> Path:
    """The scenarios shipped with the product."""
    return builtin() / "scenarios"


def builtin_rubric() -> Path:
    """The rubric the product scores with unless told otherwise."""
    return builtin() / "rubrics" / "what-matters.yaml"


def coder_dir() -> Path:
    """The trained coder's head and manifest."""
    return builtin() / "models" / "coder"


def model_manifest_dir() -> Path:
    """The manifests (source, checksum, licence) of the patient models `models pull` knows."""
    return builtin() / "models" / "patient"


def data_dir() -> Path:
    """The user's data folder; SIMULATOR_DATA_DIR overrides it."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    return Path(override) if override else Path(platformdirs.user_data_dir(APP, appauthor=False))


def session_dir() -> Path:
    """Where transcripts of practice sessions are written."""
    return data_dir() / "sessions"


def user_scenario_dir() -> Path:
    """Where a user's own scenario files are picked up from."""
    return data_dir() / "scenarios"


def extra_scenario_dirs() -> list[Path]:
    """More scenario folders, from SIMULATOR_SCENARIOS (separated like PATH)."""
    extra = os.environ.get(SCENARIOS_VARIABLE, "")
    return [Path(part) for part in extra.split(os.pathsep) if part]


def library_file() -> Path:
    """The SQLite index of the transcripts that quality assurers review."""
    return data_dir() / "library.sqlite3"


def report_dir() -> Path:
    """Where the review app writes HTML reports."""
    return data_dir() / "reports"


def model_dir() -> Path:
    """Where patient models are kept; SIMULATOR_MODEL_DIR overrides it."""
    override = os.environ.get(MODEL_DIR_VARIABLE)
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP, appauthor=False)) / "models"


def config_file() -> Path:
    """The configuration file; SIMULATOR_CONFIG overrides it."""
    override = os.environ.get(CONFIG_VARIABLE)
    return Path(override) if override else Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"

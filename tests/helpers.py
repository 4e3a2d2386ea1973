"""Helpers shared by test modules: where the checkout, the tests' own data and the trainee scripts are.

Every test folder reaches this module as `from helpers import ...` (pyproject.toml puts tests/ on the path).
"""

from pathlib import Path

from simulator import locations

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"
SCRIPTS = TESTS / "scripts"
STYLES = ROOT / "simulator" / "authoring" / "styles"
SHIPPED = sorted(locations.builtin_scenario_dir().glob("*.yaml"))


def script_path(name: str) -> Path:
    """A trainee script: a built-in playtest style, or one of the tests' own."""
    return STYLES / name if (STYLES / name).exists() else SCRIPTS / name


def script(name: str) -> list[str]:
    """A trainee script's utterances, one per line."""
    return [line for line in script_path(name).read_text(encoding="utf-8").splitlines() if line.strip()]

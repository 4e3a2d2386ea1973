"""Helpers shared by test modules."""

from pathlib import Path

from simulator.scenario_loader import builtin_scenario_dir

SCRIPTS = Path(__file__).parent / "scripts"
SHIPPED = sorted(builtin_scenario_dir().glob("*.yaml"))


def script(name: str) -> list[str]:
    """A trainee script from tests/scripts, one utterance per line."""
    return [line for line in (SCRIPTS / name).read_text(encoding="utf-8").splitlines() if line.strip()]

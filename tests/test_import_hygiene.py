"""The core runs without a screen: importing it, or the command line, loads no Textual or Rich, and the
command line loads no torch. Each check runs in a fresh interpreter, as the test process has them all."""

import json
import subprocess
import sys

import pytest

CHECK = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in ("textual", "rich", "torch") if m in sys.modules)))
"""


def loaded_by(module: str) -> set[str]:
    """Which of textual, rich and torch a fresh interpreter holds after importing `module`."""
    done = subprocess.run([sys.executable, "-c", CHECK, module], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("module", ["simulator.practice.session", "simulator.scoring.score",
                                    "simulator.quality.library", "simulator.cli"])
def test_core_imports_no_textual_or_rich(module: str) -> None:
    assert loaded_by(module) & {"textual", "rich"} == set()


def test_cli_imports_no_torch() -> None:
    assert "torch" not in loaded_by("simulator.cli")

"""The first screen must not wait for heavy libraries: the app's import chain stays light."""

import subprocess
import sys

CHECK = """
import sys
import simulator.cli, simulator.app.practice.app
heavy = sorted(m for m in ("torch", "transformers", "numpy") if m in sys.modules)
print(",".join(heavy))
"""


def test_app_and_cli_import_no_model_libraries() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""

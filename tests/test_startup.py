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


PICKER_ONLY = """
import sys
import simulator.app.practice.app
later = ("simulator.practice", "simulator.scoring", "simulator.patient", "simulator.coding.coder",
         "simulator.content.rubric", "simulator.app.practice.consultation", "simulator.app.practice.feedback")
print(",".join(sorted(m for m in sys.modules if m.startswith(later))))
"""


def test_the_first_screen_imports_only_what_the_picker_needs() -> None:
    # The practice core, the visit's screens and the rubric are imported after the picker is up.
    done = subprocess.run([sys.executable, "-c", PICKER_ONLY], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == ""

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


FIRST_SCREEN = """
import sys
from simulator.cli import parser
import simulator.app.practice.app
parser()
later = ("simulator.practice", "simulator.scoring", "simulator.quality", "simulator.patient", "simulator.storage.events",
         "simulator.coding.coder", "simulator.content.rubric", "simulator.app.practice.consultation",
         "simulator.app.practice.feedback")
print(",".join(sorted(m for m in sys.modules if m.startswith(later))))
"""


def test_the_first_screen_imports_only_what_the_picker_needs() -> None:
    # `simulator` builds every command's parser, then opens the app on the picker: the practice core, the
    # visit's screens, the rubric and each command's own machinery are imported when first used.
    done = subprocess.run([sys.executable, "-c", FIRST_SCREEN], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == ""

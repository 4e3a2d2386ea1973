"""What the app needs from its surroundings, gathered in one place so tests can fix it."""

import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from simulator import locations
from simulator.content.scenario_loader import scenario_dirs
from simulator.errors import SimulatorError
from simulator.settings import PatientSettings, Settings
from simulator.storage.jsonl import write_whole

# Only named here: importing them would bring the practice core in before the app's first screen.
if TYPE_CHECKING:
    from simulator.coding.choice import CoderName
    from simulator.practice.session import Clock


def _utc_now() -> datetime:
    """The practice core's clock, imported when first read (after the first screen)."""
    from simulator.practice.session import utc_now

    return utc_now()


@dataclass(frozen=True)
class AppConfig:
    """Folders, seed, clocks, coder and patient for one run of the app."""

    scenario_dirs: list[Path] = field(default_factory=scenario_dirs)
    session_dir: Path = field(default_factory=locations.session_dir)
    seed: int | None = None
    # Seconds on a monotonic clock, for the elapsed-time display; tests pass a frozen one.
    clock: Callable[[], float] = time.monotonic
    # Reload the scenario file when it is saved (for authors); tests switch it off.
    watch_scenarios: bool = True
    # Wall-clock time for transcripts and session names.
    now: "Clock" = _utc_now
    # Which coder codes each visit (and so drives the patient and is scored): best (learned if it loads,
    # else rules), learned or rules.
    coder: "CoderName" = "best"
    rubric: Path = field(default_factory=locations.builtin_rubric)
    # Who plays the patient: authored lines only (scripted), or a local or remote model wording them.
    patient: PatientSettings = field(default_factory=PatientSettings)
    # Recorded as the trainee on each transcript.
    trainee: str | None = None
    # Where to remember the trainee's name once the app has asked it (the config file), when none was given;
    # None: never ask.
    remember_name_in: Path | None = None


# The [user] table's header line as people write it (a comment may follow).
_USER_TABLE = re.compile(r"^[ \t]*\[[ \t]*user[ \t]*\][ \t]*(?:#[^\n]*)?$", re.MULTILINE)


def remember_name(name: str, path: Path) -> None:
    """Keep `name` as the config file's [user] name, changing nothing else in the file (its comments and
    layout included): the line goes under an existing [user] header, else a [user] table is added at the
    end. The new file is checked before it is written, and written whole or not at all. SimulatorError
    when the file cannot take the name that way (it is left as it was); OSError when it cannot be written."""
    try:
        before = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        before = ""
    except (OSError, UnicodeDecodeError) as error:
        raise SimulatorError(f"cannot add your name to {path}: {error}") from None
    entry = f"name = {_toml_string(name)}"
    header = _USER_TABLE.search(before)
    if header is not None:
        after = f"{before[: header.end()]}\n{entry}{before[header.end():]}"
    else:
        gap = "" if not before else "\n" if before.endswith("\n") else "\n\n"
        after = f"{before}{gap}[user]\n{entry}\n"
    try:
        expected = tomllib.loads(before)
        expected.setdefault("user", {})["name"] = name
        if tomllib.loads(after) != expected:
            raise ValueError("the file would say something else")
        Settings.model_validate(expected)
    except (tomllib.TOMLDecodeError, ValidationError, ValueError, AttributeError, TypeError) as error:
        raise SimulatorError(f"cannot add your name to {path} ({error}); add it yourself, under [user]: "
                             f"{entry}") from None
    write_whole(path, after.encode("utf-8"))


def _toml_string(text: str) -> str:
    """`text` as a TOML basic string (a name is one line of printable text; anything else is escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\U{ord(c):08x}" for c in escaped) + '"'

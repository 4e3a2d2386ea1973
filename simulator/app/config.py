"""What the app needs from its surroundings, gathered in one place so tests can fix it."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from simulator import locations
from simulator.coding.choice import CoderName
from simulator.content.rubric_loader import BUILTIN as BUILTIN_RUBRIC
from simulator.content.scenario_loader import scenario_dirs
from simulator.practice.session import Clock, utc_now
from simulator.settings import PatientSettings


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
    now: Clock = utc_now
    # Which coder codes each visit (and so drives the patient and is scored): best (learned if it loads,
    # else rules), learned or rules.
    coder: CoderName = "best"
    rubric: Path = BUILTIN_RUBRIC
    # Who plays the patient: authored lines only (scripted), or a local or remote model wording them.
    patient: PatientSettings = field(default_factory=PatientSettings)
    # Recorded as the trainee on each transcript.
    trainee: str | None = None

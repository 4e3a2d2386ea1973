"""Driving the two Textual apps with Pilot, as a trainee or a reviewer would with the keyboard alone.

The fixed terminal sizes and clocks the Pilot and snapshot tests share, and the keystrokes they repeat.
tests/conftest.py turns these into fixtures (`app_config`) and stops every cursor blinking; test modules
import the rest as `from pilot import ...`.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from simulator import locations
from simulator.app.config import AppConfig
from simulator.app.review.app import ReviewApp
from simulator.quality.library import Library

# The practice app's terminal, and the review app's (its library list has more columns).
SIZE = (100, 32)
REVIEW_SIZE = (120, 36)
# The wall clock both apps see.
WHEN = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def practice_config(folder: Path) -> AppConfig:
    """A frozen, isolated configuration: the built-in scenarios, sessions under `folder`, a clock that
    does not move, the rule coder and no watching of scenario files."""
    return AppConfig(scenario_dirs=[locations.builtin_scenario_dir()], session_dir=folder / "sessions", seed=1,
                     clock=lambda: 0.0, coder="rules", watch_scenarios=False, now=lambda: WHEN)


def review_app(library: Library, reviewer: str = "Sam") -> ReviewApp:
    """The review app over `library` at a fixed time, without rescanning the folders when it opens."""
    return ReviewApp(library, reviewer, now=lambda: WHEN, rescan=False)


async def choose(pilot: Pilot, scenario_id: str = "p6-knee-pain", visit: str = "", prepare: bool = True) -> None:
    """Pick a scenario (and visit) in the picker with the keyboard, by its row, then (unless told not
    to) go straight past the preparation screen into the conversation."""
    table = pilot.app.screen.query_one(DataTable)
    target = table.get_row_index(f"{scenario_id}:{visit}")
    await pilot.press(*["down"] * (target - table.cursor_row), "enter")
    await pilot.pause()
    if prepare:
        await pilot.press("f5")
        await pilot.pause()


async def end_and_plan(pilot: Pilot) -> None:
    """End the consultation and save the plan form as it stands, on to the feedback."""
    await pilot.press("f10", "enter")  # F10 asks first
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("f5")
    await pilot.pause()


async def until(pilot: Pilot, condition: Callable[[], bool], what: str, seconds: float) -> None:
    """Let the app run until `condition` holds; fail, saying what was awaited, if it does not in `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {seconds} s: {what}"
        await pilot.pause(0.05)


def notes(app: App[None]) -> str:
    """Every notification the app has shown, one a line."""
    return "\n".join(n.message for n in app._notifications)


async def say(pilot: Pilot, text: str) -> None:
    """Put a line in the input as if pasted, send it with Enter, and wait for the patient's reply."""
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()

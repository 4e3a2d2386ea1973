"""Snapshots of each main screen at a fixed size, with a frozen clock and no cursor blink.

Update them after an intended change with: pytest tests/app/test_snapshots.py --snapshot-update
"""

from helpers import script
from pilot import SIZE, choose, end_and_plan
from textual.pilot import Pilot
from textual.widgets import Input

from simulator.app.config import AppConfig
from simulator.app.practice.app import SimulatorApp


async def _consult(pilot: Pilot) -> None:
    await choose(pilot, "p1-taxi-driver")
    for line in script("person-centred.txt")[:3]:
        pilot.app.screen.query_one(Input).value = line
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _feedback(pilot: Pilot) -> None:
    await _consult(pilot)
    await end_and_plan(pilot)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_picker(snap_compare, app_config: AppConfig) -> None:  # noqa: ANN001 - fixture from the plugin
    assert snap_compare(SimulatorApp(app_config), terminal_size=SIZE)


def test_consultation(snap_compare, app_config: AppConfig) -> None:  # noqa: ANN001
    assert snap_compare(SimulatorApp(app_config), terminal_size=SIZE, run_before=_consult)


async def _letter(pilot: Pilot) -> None:
    await choose(pilot, "p1-taxi-driver")
    await pilot.press("f2")


def test_results_letter(snap_compare, app_config: AppConfig) -> None:  # noqa: ANN001
    assert snap_compare(SimulatorApp(app_config), terminal_size=SIZE, run_before=_letter)


def test_feedback(snap_compare, app_config: AppConfig) -> None:  # noqa: ANN001
    assert snap_compare(SimulatorApp(app_config), terminal_size=SIZE, run_before=_feedback)


def test_help(snap_compare, app_config: AppConfig) -> None:  # noqa: ANN001
    assert snap_compare(SimulatorApp(app_config), terminal_size=SIZE, press=["f1"])


async def _prepare(pilot: Pilot) -> None:
    await choose(pilot, "p2-widow-copd", prepare=False)
    await pilot.press(*"Ask about the brown inhaler", "enter", *"Explore FEV1 58 vs 61")
    await pilot.pause()


def test_prepare(snap_compare, app_config: AppConfig) -> None:  # noqa: ANN001
    assert snap_compare(SimulatorApp(app_config), terminal_size=SIZE, run_before=_prepare)


async def _plan(pilot: Pilot) -> None:
    await _consult(pilot)
    await pilot.press("f10", "enter")
    await pilot.press(*"Keep my badge", "enter", *"Stay on the road", "enter", *"Walk after shifts")
    await pilot.pause()


def test_plan_form(snap_compare, app_config: AppConfig) -> None:  # noqa: ANN001
    assert snap_compare(SimulatorApp(app_config), terminal_size=SIZE, run_before=_plan)


async def _review_feedback(pilot: Pilot) -> None:
    await _feedback(pilot)
    await pilot.press("r", "f5")
    await pilot.pause()
    pilot.app.screen.query_one(Input).value = "How have things been going since we last met?"
    await pilot.press("enter")
    await end_and_plan(pilot)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_review_feedback(snap_compare, app_config: AppConfig) -> None:  # noqa: ANN001
    assert snap_compare(SimulatorApp(app_config), terminal_size=SIZE, run_before=_review_feedback)

"""The practice app when things go wrong: a visit quit or killed (`kill -9`) at the plan form resumes there and
reaches its feedback; a full disk during a turn, F2 or F10 is a message, with nothing lost, the words kept in
the box and the retry giving what an uninterrupted visit gives; a paste too long for a turn is refused out loud.
Every wait is bounded, so a hang fails the test instead of stalling the suite."""

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from faults import DiskFull
from helpers import ROOT, TESTS
from pilot import SIZE, choose, notes, say
from pilot import until as wait_until
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from simulator.app.config import AppConfig
from simulator.app.practice.app import SimulatorApp
from simulator.app.practice.consultation import MAX_UTTERANCE, ConsultationScreen
from simulator.app.practice.document import DocumentScreen
from simulator.app.practice.feedback import FeedbackScreen
from simulator.app.practice.plan import PlanScreen
from simulator.app.widgets.turn import Turn
from simulator.content.scenario_loader import resolve
from simulator.practice.session import Session
from simulator.storage import transcript
from simulator.storage.events import PatientRated, PatientTurn, PlanRecorded, ScoreRecorded, SessionEnded, TraineeTurn
from simulator.storage.transcript import read_transcript

LINES = ["What matters most to you at the moment?", "That sounds really hard.",
         "What would you like to be able to do again?", "Tell me more about the choir."]
# Far longer than any of these steps takes; only a hang reaches it.
LIMIT_S = 15.0
# Waits fail, naming what was awaited, after LIMIT_S: a hang is a failure, not a stuck suite.
until = partial(wait_until, seconds=LIMIT_S)




def played(events_: list[transcript.Event]) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """What was said and coded, turn by turn, without the times."""
    return [(type(e).__name__, e.text, tuple(getattr(e, "codes", ())), tuple(getattr(e, "released", ())))
            for e in events_ if isinstance(e, TraineeTurn | PatientTurn)]


def uninterrupted(folder: Path, lines: list[str]) -> Session:
    """The same visit as the app plays it (scenario, seed 1, rule coder), said straight through."""
    session = Session.start(resolve("p6-knee-pain"), seed=1, directory=folder)
    for line in lines:
        session.say(line)
    return session


async def feedback_shown(pilot: Pilot) -> FeedbackScreen:
    """Save the plan (F5) and wait, bounded, for the feedback to be scored and shown."""
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(pilot.app.screen, FeedbackScreen), "the feedback screen")
    screen = pilot.app.screen
    assert isinstance(screen, FeedbackScreen)
    await until(pilot, lambda: screen.report is not None, "the feedback (stuck on 'Scoring your consultation…'?)")
    await pilot.pause()
    shown = "\n".join(str(w.render()) for w in screen.query(Static))
    assert "Overall" in shown and "Scoring your consultation" not in shown
    return screen


def complete(path: Path) -> None:
    """The visit on disk: ended once, its final plan and its score recorded, every event numbered once."""
    read = read_transcript(path)
    assert read.problems == [] and read.complete
    kinds = [type(e) for e in read.events]
    assert kinds.count(SessionEnded) == 1 and kinds.count(PatientRated) == 1 and kinds.count(ScoreRecorded) == 1
    assert [e.seq for e in read.events] == list(range(len(read.events)))


@pytest.fixture
def coder_never_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The coder that coded the visit cannot be loaded again (it would load for ever): neither resuming nor
    the feedback may wait for it, since the feedback scores the codes recorded on the turns."""
    from simulator.coding import choice
    from simulator.coding.coder import RuleCoder

    class Recorded(RuleCoder):
        version = "recorded-1"

    released = threading.Event()

    def never(version: str) -> choice.Chosen:
        # Gives up in the end, so that an app wrongly waiting for it fails the test rather than hangs it.
        released.wait(2 * LIMIT_S)
        raise AssertionError("the coder was never meant to load")

    monkeypatch.setattr(choice, "choose", lambda name: choice.Chosen(Recorded()))
    monkeypatch.setattr("simulator.practice.visit.choose", lambda name: choice.Chosen(Recorded()))
    monkeypatch.setattr("simulator.practice.visit.choose_version", never)
    yield
    released.set()  # let the loading thread finish


async def test_quitting_at_the_plan_form_then_resuming_reaches_the_feedback(app_config: AppConfig,
                                                                            coder_never_loads: None) -> None:
    config = replace(app_config, coder="best")
    app = SimulatorApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await say(pilot, LINES[0])
        await pilot.press("f10", "enter")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), "the plan form")
        path = app.screen.session.path  # type: ignore[attr-defined]
        await pilot.press(*"Walk to the shop")
        await pilot.press("ctrl+q")  # before the draft's autosave: the form opens as last saved
    resumed = SimulatorApp(config, resume=path)
    async with resumed.run_test(size=SIZE) as pilot:
        assert isinstance(resumed.screen, PlanScreen)
        resumed.screen.query_one("#goal", TextArea).text = "Walk to the shop and back"
        screen = await feedback_shown(pilot)
        assert screen.scored is not None and screen.scored.score.coder_version == "recorded-1"
    complete(path)
    final = [e for e in read_transcript(path).events if isinstance(e, PlanRecorded)][-1]
    assert final.final and final.plan.goal == "Walk to the shop and back"


# The app in another process, at the plan form with a draft saved, waiting to be killed.
AT_THE_PLAN_FORM = """
import asyncio, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from pilot import SIZE, choose, practice_config, say
from simulator.app.autosave import SAVE_AFTER
from simulator.app.practice.app import SimulatorApp

async def main():
    app = SimulatorApp(practice_config(Path(sys.argv[1])))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await say(pilot, "What matters most to you at the moment?")
        await pilot.press("f10", "enter")
        while type(app.screen).__name__ != "PlanScreen":
            await pilot.pause(0.05)
        await pilot.press(*"Walk to the shop")
        session = app.screen.session
        while session.plan is None:
            await pilot.pause(SAVE_AFTER / 4)
        print(session.path, flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_an_app_killed_at_the_plan_form_resumes_there_and_reaches_the_feedback(
        app_config: AppConfig, tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", AT_THE_PLAN_FORM, str(tmp_path), str(TESTS)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "TERM": "dumb"})
    try:
        assert child.stdout is not None
        ready: list[str] = []
        reader = threading.Thread(target=lambda: ready.append(child.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(60)
        assert ready and ready[0].strip(), "the app in the other process never reached the plan form"
        path = Path(ready[0].strip())
        child.send_signal(signal.SIGKILL)  # kill -9, with the visit open (and locked) at the plan form
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    resumed = SimulatorApp(app_config, resume=path)  # the lock died with the process
    async with resumed.run_test(size=SIZE) as pilot:
        assert isinstance(resumed.screen, PlanScreen)
        assert resumed.screen.query_one("#what_matters", TextArea).text == "Walk to the shop"  # the autosaved draft
        await feedback_shown(pilot)
    complete(path)


@pytest.mark.parametrize("failing", [1, 2], ids=["trainee's turn", "patient's reply"])
async def test_a_full_disk_during_a_turn_keeps_the_words_and_the_retry_is_as_if_it_never_failed(
        app_config: AppConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int) -> None:
    expected = uninterrupted(tmp_path / "uninterrupted", LINES)
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        for line in LINES[:2]:
            await say(pilot, line)
        screen = app.screen
        assert isinstance(screen, ConsultationScreen)
        path, on_disk, shown = screen.session.path, screen.session.path.read_bytes(), len(screen.query(Turn))

        DiskFull(monkeypatch, failing)
        await say(pilot, LINES[2])
        assert app.screen is screen and screen.query_one(Input).value == LINES[2]  # still open, words in the box
        assert len(screen.query(Turn)) == shown  # the exchange taken back off the screen
        assert "No space left on device" in notes(app) and str(path) in notes(app)
        assert "Your words are back in the box" in notes(app)
        read = read_transcript(path)
        assert read.problems == [] and [e.seq for e in read.events] == list(range(len(read.events)))
        if failing == 1:
            assert path.read_bytes() == on_disk  # nothing of the failed turn on disk

        await pilot.press("enter")  # the disk has room again: send the same words
        await until(pilot, lambda: not screen._speaking, "the patient's reply")
        await say(pilot, LINES[3])
        assert screen.query_one(Input).value == ""
        assert played(screen.session.events) == played(expected.events)
    saved = read_transcript(path)
    assert saved.problems == [] and played(saved.events) == played(expected.events)
    assert [e.seq for e in saved.events] == list(range(len(saved.events)))


async def test_a_full_disk_at_f2_opens_the_letter_with_a_warning_and_keeps_the_words(
        app_config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await say(pilot, LINES[0])
        screen = app.screen
        assert isinstance(screen, ConsultationScreen)
        path, on_disk = screen.session.path, screen.session.path.read_bytes()
        screen.query_one(Input).value = "Half a thought"
        DiskFull(monkeypatch, 1)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)  # the letter opens anyway
        assert "Could not save" in notes(app) and "No space left on device" in notes(app)
        assert path.read_bytes() == on_disk
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.query_one(Input).value == "Half a thought"
        await pilot.press("f2")  # room again: this time the opening is recorded
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await say(pilot, LINES[1])
    read = read_transcript(path)
    assert read.problems == [] and [e.seq for e in read.events] == list(range(len(read.events)))
    assert [e.kind for e in read.events if e.type == "system" and e.kind == "letter_opened"] == ["letter_opened"]


@pytest.mark.parametrize("failing", [1, 2, 3], ids=["goodbye", "patient's ratings", "end marker"])
async def test_a_full_disk_at_f10_leaves_the_consultation_open_and_f10_again_ends_it_once(
        app_config: AppConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int) -> None:
    expected = uninterrupted(tmp_path / "uninterrupted", LINES[:1])
    expected.end()
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await say(pilot, LINES[0])
        screen = app.screen
        assert isinstance(screen, ConsultationScreen)
        path = screen.session.path
        screen.query_one(Input).value = "One more thing"
        DiskFull(monkeypatch, failing)
        await pilot.press("f10", "enter")
        await until(pilot, lambda: not screen._speaking, "the end to be tried")
        await pilot.pause()
        assert app.screen is screen and not screen.session.finished
        assert "No space left on device" in notes(app) and "try F10 again" in notes(app)
        assert screen.query_one(Input).value == "One more thing"
        read = read_transcript(path)
        assert read.problems == [] and [e.seq for e in read.events] == list(range(len(read.events)))
        await pilot.press("f10", "enter")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), "the plan form")
        await feedback_shown(pilot)
    complete(path)
    assert played(read_transcript(path).events) == played(expected.events)


async def test_a_full_disk_when_the_plan_is_saved_keeps_it_on_screen_and_f5_again_saves_it(
        app_config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await say(pilot, LINES[0])
        await pilot.press("f10", "enter")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), "the plan form")
        form = app.screen
        form.query_one("#goal", TextArea).text = "Walk to the shop"
        DiskFull(monkeypatch, 1)
        await pilot.press("f5")
        await pilot.pause()
        assert app.screen is form and form.query_one("#goal", TextArea).text == "Walk to the shop"
        assert "Could not save the plan" in notes(app) and "No space left on device" in notes(app)
        path = form.session.path  # type: ignore[attr-defined]
        await feedback_shown(pilot)
    complete(path)


async def test_a_paste_too_long_for_a_turn_is_refused_out_loud_and_the_box_kept(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        box = app.screen.query_one(Input)
        box.value = "Before I forget,"
        box.post_message(events.Paste("x" * 1500))
        await pilot.pause()
        assert box.value == "Before I forget,"  # neither pasted in part nor lost what was there
        told = notes(app)
        assert "1,500 characters" in told and f"at most {MAX_UTTERANCE:,}" in told
        box.post_message(events.Paste(" how are\nthings at home?"))  # every line of a paste is kept
        await pilot.pause()
        assert box.value == "Before I forget, how are things at home?"
        await pilot.press("enter")
        await until(pilot, lambda: not app.screen._speaking, "the patient's reply")  # type: ignore[attr-defined]
        said = [e.text for e in app.screen.session.events if isinstance(e, TraineeTurn)]  # type: ignore[attr-defined]
        assert said == ["Before I forget, how are things at home?"]

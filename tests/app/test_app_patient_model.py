"""The practice app with a language model wording the patient: loading, streaming, typing meanwhile."""

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from pilot import SIZE, choose
from textual.pilot import Pilot
from textual.widgets import Input, Static

from simulator.app.config import AppConfig
from simulator.app.practice.app import SimulatorApp
from simulator.app.widgets.turn import Turn
from simulator.patient.backends import Message, OnText, choice
from simulator.settings import PatientSettings
from simulator.storage.events import PatientTurn, SystemEvent
from simulator.storage.transcript import read_transcript


async def wait_for_backend(pilot: Pilot) -> None:
    """Let the background load finish and the screen notice it."""
    future = pilot.app.kit.voice()  # type: ignore[attr-defined]
    for _ in range(200):
        if future.done():
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)


async def send(pilot: Pilot, text: str) -> None:
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")


def voice(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#voice", Static).render())


async def test_a_local_model_words_the_patient_and_the_transcript_says_how(app_config: AppConfig, tiny: Path) -> None:
    app = SimulatorApp(replace(app_config, patient=PatientSettings(backend="local", model=str(tiny))))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "p2-widow-copd")
        await wait_for_backend(pilot)
        assert voice(pilot) == f"Patient: local: {tiny.name}"
        await send(pilot, "What matters most to you at the moment?")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        shown = str(list(screen.query(Turn))[-1].render())
        path = screen.session.path
    reply = [e for e in read_transcript(path).events if isinstance(e, PatientTurn)][-1]
    # A random model's words never pass the checks: the trainee saw the authored line, and the
    # transcript says so, with the refused attempts.
    assert reply.source == "authored" and reply.text in shown
    assert reply.meta["backend"] == f"local: {tiny.name}" and "rejected_2" in reply.meta


class Held:
    """A backend that speaks only when the test lets it, to catch the app mid-reply."""

    name = "fake: held"

    def __init__(self) -> None:
        self.go = threading.Event()

    def warm(self, messages: list[Message]) -> None:
        pass

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        text = "It's mostly the stairs. I have to stop halfway up and hold the banister."
        if on_text is not None:
            on_text("It's mostly ")
        self.go.wait(10)
        if on_text is not None:
            on_text(text)
        return text


async def test_typing_while_the_patient_speaks_keeps_the_words(app_config: AppConfig,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    held = Held()
    monkeypatch.setattr(choice, "open_backend", lambda settings: held)
    app = SimulatorApp(replace(app_config, patient=PatientSettings(backend="local")))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "p2-widow-copd")
        await wait_for_backend(pilot)
        await send(pilot, "How are your breathing and the stairs?")
        await pilot.pause(0.2)
        screen = app.screen
        assert str(list(screen.query(Turn))[-1].render()).endswith("It's mostly")  # streamed, not finished
        await send(pilot, "And at night?")
        await pilot.pause()
        assert screen.query_one(Input).value == "And at night?"  # not sent, not lost
        await pilot.press("f10")  # ending mid-reply waits too
        assert app.screen is screen
        held.go.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(list(screen.query(Turn))[-1].render()).endswith("hold the banister.")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one(Input).value == "" and screen.session.turn == 2


async def test_a_missing_model_is_a_message_and_the_patient_goes_on_scripted(tmp_path: Path, app_config: AppConfig,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATOR_MODEL_DIR", str(tmp_path / "no-models"))
    app = SimulatorApp(replace(app_config, patient=PatientSettings(backend="local")))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "p2-widow-copd")
        await wait_for_backend(pilot)
        assert voice(pilot) == "Patient: scripted (model unavailable)"
        assert any("simulator models pull" in str(n.message) for n in app._notifications)
        await send(pilot, "What matters most to you?")
        await pilot.pause()
        path = app.screen.session.path
        assert app.screen.session.turn == 1
    notes = [e for e in read_transcript(path).events if isinstance(e, SystemEvent)]
    assert any(e.kind == "backend_unavailable" and "models pull" in e.detail for e in notes)


def test_background_loads_run_one_at_a_time() -> None:
    from simulator.practice.loading import in_background

    running, overlaps = [], []
    release = threading.Event()

    def load(name: str) -> str:
        overlaps.append(len(running))
        running.append(name)
        release.wait(5)
        running.remove(name)
        return name

    first, second = in_background(lambda: load("coder")), in_background(lambda: load("patient model"))
    release.set()
    assert {first.result(5), second.result(5)} == {"coder", "patient model"}
    assert overlaps == [0, 0]  # neither started while the other was loading

"""Save, then move: a turn that cannot be written leaves the session and the patient exactly where they were,
and trying again gives what an uninterrupted run gives."""

import random
from pathlib import Path

import pytest
from faults import DiskFull
from helpers import script

from simulator.content.scenario_loader import ScenarioFile, resolve
from simulator.patient.backends import Message, OnText
from simulator.patient.engine import PatientEngine
from simulator.patient.realiser import Realiser
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.storage.events import PatientTurn, TraineeTurn
from simulator.storage.transcript import read_transcript

LINES = script("person-centred.txt")


def _engine_state(engine: PatientEngine) -> tuple[object, ...]:
    state = engine.state
    return (state.trust, state.resistance, dict(state.counts), list(state.released), set(state.cued), state.turns,
            list(state.said), state.confidence, state.agreed, list(state.offered), engine._rng.getstate())


def _played(session: Session) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """What was said and coded, turn by turn, without the times."""
    return [(type(e).__name__, e.text, tuple(getattr(e, "codes", ())), tuple(getattr(e, "released", ())))
            for e in session.events if isinstance(e, TraineeTurn | PatientTurn)]


@pytest.fixture
def margaret() -> ScenarioFile:
    return resolve("p2-widow-copd")


def _uninterrupted(scenario: ScenarioFile, folder: Path) -> Session:
    session = Session.start(scenario, seed=5, directory=folder)
    for line in LINES:
        session.say(line)
    return session


@pytest.mark.parametrize("failing", [1, 2], ids=["trainee turn", "patient's reply"])
def test_a_failed_write_changes_nothing_and_the_retry_is_as_if_it_never_failed(
        margaret: ScenarioFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int) -> None:
    expected = _uninterrupted(margaret, tmp_path / "uninterrupted")
    session = Session.start(margaret, seed=5, directory=tmp_path / "interrupted")
    middle = len(LINES) // 2
    for line in LINES[:middle]:
        session.say(line)
    before = _engine_state(session.engine)
    on_disk = session.path.read_bytes()
    events = len(session.events)

    DiskFull(monkeypatch, failing)
    with pytest.raises(OSError):
        session.say(LINES[middle])
    # The patient has not moved: trust, counts, released facts and the line rotation are as they were.
    assert _engine_state(session.engine) == before
    if failing == 1:
        assert session.path.read_bytes() == on_disk and len(session.events) == events
    else:
        # The trainee's turn is saved; the reply was not written at all, not even in part.
        assert session.path.read_bytes().startswith(on_disk) and len(session.events) == events + 1
        assert read_transcript(session.path).problems == []

    for line in LINES[middle:]:  # the trainee says it again, then carries on
        session.say(line)
    assert _played(session) == _played(expected)
    assert _engine_state(session.engine) == _engine_state(expected.engine)
    saved = read_transcript(session.path)
    assert saved.problems == [] and saved.integrity.status == "unfinished"  # chained throughout, not yet ended
    assert [e.seq for e in saved.events] == list(range(len(saved.events)))  # no duplicate or missing seq

    session.close()
    resumed = Session.resume(session.path)
    assert "differ" not in resumed.events[-1].detail  # type: ignore[union-attr]


@pytest.mark.parametrize("failing", [1, 2, 3], ids=["goodbye", "patient's ratings", "end marker"])
def test_a_failed_write_at_the_end_leaves_the_consultation_open(margaret: ScenarioFile, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch, failing: int) -> None:
    expected = Session.start(margaret, seed=5, directory=tmp_path / "uninterrupted")
    expected.say(LINES[0])
    expected.end()
    session = Session.start(margaret, seed=5, directory=tmp_path / "interrupted")
    session.say(LINES[0])
    before = _engine_state(session.engine)
    DiskFull(monkeypatch, failing)
    with pytest.raises(OSError):
        session.end()
    assert not session.finished
    if failing == 1:
        assert _engine_state(session.engine) == before
    session.end()  # F10 again
    assert session.finished
    kinds = [type(e).__name__ for e in read_transcript(session.path).events]
    assert kinds == [type(e).__name__ for e in expected.events]  # one goodbye, one rating, one end
    assert _played(session) == _played(expected)


class Recording:
    """A model that says the authored line back, and notes the seed it was given each time."""

    name = "recording"

    def __init__(self) -> None:
        self.seeds: list[int] = []

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        self.seeds.append(seed)
        return random.Random(seed).choice(["I suppose so.", "It's hard to say, really.", "Maybe, yes."])

    def warm(self, messages: list[Message]) -> None:
        return None


def test_generated_replies_are_seeded_by_turn_not_by_what_happened_around_them(margaret: ScenarioFile,
                                                                               tmp_path: Path) -> None:
    plain, busy = Recording(), Recording()
    quiet = Session.start(margaret, seed=9, directory=tmp_path / "a", voice=ready(Realiser(plain)))
    noisy = Session.start(margaret, seed=9, directory=tmp_path / "b", voice=ready(Realiser(busy)))
    for line in LINES[:5]:
        quiet.say(line)
        noisy.note("letter_opened")  # F2, F3 and saved notes are events too
        noisy.prepare(f"note {line}")
        noisy.say(line)
    assert plain.seeds and busy.seeds == plain.seeds
    assert [e.text for e in noisy.events if isinstance(e, PatientTurn)] == [
        e.text for e in quiet.events if isinstance(e, PatientTurn)]

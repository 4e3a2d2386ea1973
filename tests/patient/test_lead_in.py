"""A turn about something whose story needs an earlier fact brings out that earlier fact: asked about her
granddaughter before she has said who Ava is, Denise says who Ava is, not an unrelated fact and not yet what
matters most about her."""

import pytest

from simulator.coding.coder import Coder, code_turns, learned_coder
from simulator.coding.meaning import meaning_of
from simulator.content.scenario_loader import resolve
from simulator.patient.engine import PatientEngine, PatientReply


@pytest.fixture(scope="module")
def coder() -> Coder:
    return learned_coder()


def _say(engine: PatientEngine, coder: Coder, text: str) -> PatientReply:
    return engine.respond(text, code_turns(coder, [text], [""], [False])[0])


@pytest.mark.parametrize("turn", [
    "It sounds like the knees are stopping you playing with your granddaughter the way you'd like.",
    "What's it like getting down on the floor to play with your granddaughter?",
])
def test_asked_about_someone_not_yet_introduced_they_introduce_them(coder: Coder, turn: str) -> None:
    scenario = resolve("p6-knee-pain").scenario
    introduces = next(f for f in scenario.hidden_facts if f.priority).after
    assert introduces  # the priority builds on who Ava is
    engine = PatientEngine(scenario, 0, meaning=lambda: meaning_of(coder))
    for line in ("Hi Denise, come in and take whichever chair suits your knees.", "How have the knees been?",
                 "That sounds really wearing."):
        _say(engine, coder, line)
    assert not set(introduces) & set(engine.state.released)
    assert _say(engine, coder, turn).released == tuple(introduces)

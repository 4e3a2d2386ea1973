"""A turn about something whose story needs an earlier fact brings out that earlier fact: asked about her
granddaughter before she has said who Ava is, Denise says who Ava is, not an unrelated fact and not yet what
matters most about her."""

import pytest
from helpers import patient, respond

from simulator.coding.coder import Coder


@pytest.mark.parametrize("turn", [
    "It sounds like the knees are stopping you playing with your granddaughter the way you'd like.",
    "What's it like getting down on the floor to play with your granddaughter?",
])
def test_asked_about_someone_not_yet_introduced_they_introduce_them(coder: Coder, turn: str) -> None:
    engine = patient("p6-knee-pain", coder)
    introduces = next(f for f in engine.scenario.hidden_facts if f.priority).after
    assert introduces  # the priority builds on who Ava is
    for line in ("Hi Denise, come in and take whichever chair suits your knees.", "How have the knees been?",
                 "That sounds really wearing."):
        respond(engine, coder, line)
    assert not set(introduces) & set(engine.state.released)
    assert respond(engine, coder, turn).released == tuple(introduces)

"""While the trainee types, the model reads the start of the next reply's prompt: the trainee's Enter then
waits only for their own words and the line to say. The guess must be the prompt's real start, on turns that
tell a fact too, and the session writes nothing for it."""

from pathlib import Path

from helpers import Recording

from simulator.content.scenario_loader import resolve
from simulator.patient.prompt import Exchange
from simulator.patient.realiser import Realiser
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.storage.events import PatientTurn

# Natural turns in which Margaret tells several facts (each telling changes what the prompt says was shared).
TURNS = [
    "Hello Margaret, come in. How have things been since we last saw you?",
    "How are you getting on with the stairs?",
    "What's a normal day like for you at the moment?",
    "It sounds like getting out has become harder. What else is on your mind?",
    "What would you like to be able to do again?",
]


def test_each_reply_reads_on_from_what_was_read_ahead(tmp_path: Path) -> None:
    backend = Recording()
    realiser = Realiser(backend)
    scenario_file = resolve("p2-widow-copd")
    realiser.prepare(scenario_file.scenario)
    session = Session.start(scenario_file, seed=1, directory=tmp_path, voice=ready(realiser))
    for turn in TURNS:
        session.read_ahead()
        session.say(turn)
    told = {fact for event in session.events if isinstance(event, PatientTurn) for fact in event.released}
    assert len(told) >= 2  # the guess held on turns that told something too
    pairs = list(zip(backend.read, backend.read[1:], strict=False))
    guesses = [(ahead, request) for (kind, ahead), (then, request) in pairs if kind == "warm" and then == "generate"]
    assert len(guesses) == len(TURNS)
    for ahead, request in guesses:
        assert request.startswith(ahead + " "), (ahead, request)


def test_reading_ahead_writes_nothing_and_waits_for_the_patient(tmp_path: Path) -> None:
    backend = Recording()
    realiser = Realiser(backend)
    scenario = resolve("p2-widow-copd").scenario
    realiser.read_ahead(scenario, released=[], recent=[Exchange("Margaret", "Hello, dear.")])
    assert backend.read == []  # the prompt's fixed start not read yet: nothing to read on from
    session = Session.start(resolve("p2-widow-copd"), seed=1, directory=tmp_path, voice=ready(realiser))
    written = len(session.events)
    session.read_ahead()
    assert len(session.events) == written and backend.read[-1][0] == "warm"
    session.end()
    backend.read.clear()
    session.read_ahead()  # the consultation is over: nothing more to say
    assert backend.read == []

"""A turn is coded utterance by utterance: the transcript keeps each utterance's codes, and the feedback
quotes the utterance that earned a code, not the whole turn."""

from pathlib import Path

from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import resolve
from simulator.practice.session import Session
from simulator.scoring.scored_transcript import score_recorded
from simulator.storage.events import TraineeTurn
from simulator.storage.transcript import read_transcript

REFLECT = "It sounds like the pain has been wearing you down for a long time."
ADVISE = "Why don't you try swimming?"


def _played(folder: Path) -> Path:
    session = Session.start(resolve("p6-knee-pain"), seed=3, directory=folder)
    session.say("What would you like to get out of today?")
    session.say(f"{REFLECT} {ADVISE}")
    session.close()
    return session.path


def test_the_transcript_keeps_each_utterance_and_its_codes(tmp_path: Path) -> None:
    read = read_transcript(_played(tmp_path))
    turn = [e for e in read.events if isinstance(e, TraineeTurn)][1]
    assert [u.text for u in turn.utterances] == [REFLECT, ADVISE]
    assert "persuade" in turn.utterances[1].codes
    assert "persuade" not in turn.utterances[0].codes
    assert turn.coding().quote({*turn.utterances[1].codes}) == ADVISE


def test_feedback_quotes_the_utterance_that_earned_the_code(tmp_path: Path) -> None:
    scored = score_recorded(read_transcript(_played(tmp_path)), load_rubric())
    evidence = {b.id: [e.words for e in b.evidence] for b in scored.score.behaviours}
    assert ADVISE in evidence["R12"]
    assert all(REFLECT not in words for words in evidence["R12"])
    assert REFLECT in evidence["R06"]

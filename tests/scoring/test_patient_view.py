"""The patient's view: CollaboRATE answers derived from the conversation."""

from pathlib import Path

import pytest
from helpers import SHIPPED, script

from simulator.content.scenario_loader import load_scenario
from simulator.practice.session import Session
from simulator.scoring.feedback import disclosures
from simulator.scoring.patient_view import patient_view
from simulator.storage.events import PatientRated, SessionEnded
from simulator.storage.transcript import read_transcript


def _played(path: Path, style: str, folder: Path) -> Session:
    session = Session.start(load_scenario(path), seed=0, directory=folder)
    for line in script(f"{style}.txt"):
        session.say(line)
    session.end()
    return session


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_patient_rates_a_person_centred_nurse_above_a_checklist_or_a_lecture(path: Path, tmp_path: Path) -> None:
    totals = {}
    for style in ("person-centred", "checklist", "lecturing"):
        session = _played(path, style, tmp_path)
        answers = patient_view(session.events, disclosures(session.scenario, session.events))
        assert [a.key for a in answers] == ["understand", "listen", "include"]
        assert all(0 <= a.score <= 4 for a in answers)
        totals[style] = sum(a.score for a in answers)
    assert totals["person-centred"] > totals["checklist"] >= totals["lecturing"]


def test_the_answers_are_in_the_transcript_with_reasons(tmp_path: Path) -> None:
    session = _played(SHIPPED[0], "person-centred", tmp_path)
    events = read_transcript(session.path).events
    rated = [e for e in events if isinstance(e, PatientRated)]
    assert len(rated) == 1 and isinstance(events[-1], SessionEnded)
    answers = patient_view(session.events, disclosures(session.scenario, session.events))
    assert rated[0].answers == {a.key: a.score for a in answers}
    listen = answers[1]
    assert listen.score >= 3 and "You asked what matters to me." in listen.because
    lecture = patient_view(_played(SHIPPED[0], "lecturing", tmp_path / "2").events,
                           disclosures(session.scenario, []))
    assert lecture[2].score == 0 and "The plan was yours, not mine." in lecture[2].because

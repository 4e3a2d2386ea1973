"""Sessions and transcripts: every event on disk as it happens, and nothing lost when the process dies."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import script

from simulator.content.scenario_loader import ScenarioFile
from simulator.errors import ContentError, SessionClosed
from simulator.practice.session import Session, list_sessions
from simulator.storage.events import PatientTurn, SessionEnded, SessionStarted, TraineeTurn
from simulator.storage.transcript import read_transcript

KILLED_CHILD = """
import sys, time
from pathlib import Path
from simulator.content.scenario_loader import resolve
from simulator.practice.session import Session
session = Session.start(resolve("p1-taxi-driver"), seed=4, directory=Path(sys.argv[1]))
for line in sys.argv[2:]:
    session.say(line)
print(session.path, flush=True)
time.sleep(120)
"""


def _patient_texts(session: Session) -> list[str]:
    return [e.text for e in session.events if isinstance(e, PatientTurn)]


def test_every_event_is_on_disk_as_soon_as_it_happens(taxi: ScenarioFile, tmp_path: Path) -> None:
    session = Session.start(taxi, seed=1, directory=tmp_path)
    session.say("What matters to you?")
    on_disk = read_transcript(session.path)
    assert on_disk.problems == []
    assert on_disk.events == session.events
    started = on_disk.started
    assert isinstance(started, SessionStarted)
    assert started.scenario_hash == taxi.content_hash and started.seed == 1
    assert started.at.utcoffset() is not None and started.at.utcoffset().total_seconds() == 0


def test_killed_process_loses_nothing_and_resumes_where_it_was(taxi: ScenarioFile, tmp_path: Path) -> None:
    lines = script("person-centred.txt")
    said, rest = lines[:5], lines[5:]
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(tmp_path), *said],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    path = Path(child.stdout.readline().strip())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    resumed = Session.resume(path)
    assert [e.text for e in resumed.events if isinstance(e, TraineeTurn)] == said
    assert resumed.engine.state.turns == len(said)
    for line in rest:
        resumed.say(line)
    resumed.end()

    uninterrupted = Session.start(taxi, seed=4, directory=tmp_path / "other")
    for line in lines:
        uninterrupted.say(line)
    uninterrupted.end()
    assert _patient_texts(resumed) == _patient_texts(uninterrupted)
    assert [e.kind for e in resumed.events if e.type == "system"] == ["resumed"]


def test_a_line_cut_short_is_reported_and_the_rest_resumes(taxi: ScenarioFile, tmp_path: Path) -> None:
    session = Session.start(taxi, seed=2, directory=tmp_path)
    session.say("What would you like to talk about?")
    session.close()
    with session.path.open("ab") as handle:
        handle.write(b'{"seq": 4, "type": "trai')
    read = read_transcript(session.path)
    assert len(read.events) == 4
    assert "cut short" in read.problems[0].message and read.problems[0].line == 5
    resumed = Session.resume(session.path)
    resumed.say("Tell me more.")
    after = read_transcript(session.path)
    assert [e.text for e in after.events if isinstance(e, TraineeTurn)] == [
        "What would you like to talk about?", "Tell me more."]
    assert "line cut short" in next(e.detail for e in after.events if e.type == "system")


def test_a_trainee_turn_without_its_answer_is_answered_on_resume(taxi: ScenarioFile, tmp_path: Path) -> None:
    session = Session.start(taxi, seed=2, directory=tmp_path)
    session.say("What would you like to talk about?")
    session.close()
    lines = session.path.read_bytes().splitlines(keepends=True)
    session.path.write_bytes(b"".join(lines[:-1]))  # as if killed before the patient's answer was written
    resumed = Session.resume(session.path)
    assert isinstance(resumed.events[-2], PatientTurn)
    assert resumed.events[-2].text == session.events[-1].text


def test_an_ended_conversation_resumes_only_to_record_its_plan(taxi: ScenarioFile, tmp_path: Path) -> None:
    from simulator.storage.care_plan import CarePlan

    session = Session.start(taxi, seed=2, directory=tmp_path)
    goodbye = session.end()
    assert goodbye.intent == "closing" and isinstance(session.events[-1], SessionEnded)
    with pytest.raises(SessionClosed):
        session.say("One more thing?")
    session.record_plan(CarePlan(goal="Keep my badge"), final=False)
    session.close()  # then the process is killed (which lets go of the visit)
    resumed = Session.resume(session.path)
    assert resumed.finished and resumed.plan is not None and resumed.plan.plan.goal == "Keep my badge"
    assert [s.complete for s in list_sessions(tmp_path)] == [False]
    resumed.record_plan(CarePlan(goal="Keep my badge"), final=True)
    assert [s.complete for s in list_sessions(tmp_path)] == [True]
    with pytest.raises(ContentError, match="visit is complete"):
        Session.resume(session.path)


def test_a_file_that_is_not_a_transcript_is_refused_with_its_path(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.jsonl"
    bogus.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        Session.resume(bogus)
    assert str(bogus) in str(caught.value) and "not a simulator transcript" in str(caught.value)


def test_blank_utterances_are_ignored(taxi: ScenarioFile, tmp_path: Path) -> None:
    session = Session.start(taxi, seed=2, directory=tmp_path)
    assert session.say("   \x1b[2J  ") is None
    assert len(session.events) == 2


def test_sessions_started_in_the_same_second_get_their_own_files(taxi: ScenarioFile, tmp_path: Path) -> None:
    first = Session.start(taxi, seed=1, directory=tmp_path)
    second = Session.start(taxi, seed=1, directory=tmp_path, clock=lambda: first.events[0].at)
    assert first.path != second.path
    listed = list_sessions(tmp_path)
    assert {s.path for s in listed} == {first.path, second.path}
    assert not any(s.complete for s in listed)


def test_reloading_a_scenario_that_lost_the_visit_is_refused(tmp_path: Path) -> None:
    from simulator.content.scenario_loader import load_scenario, resolve

    original = resolve("p2-widow-copd")
    session = Session.start(original, seed=1, directory=tmp_path, visit="review")
    session.say("How have the last few weeks been?")
    edited = tmp_path / "p2.yaml"
    text = original.path.read_text(encoding="utf-8")
    edited.write_text(text[: text.index("visits:")], encoding="utf-8")
    with pytest.raises(ContentError, match="the visit 'review' this session plays is no longer in the file"):
        session.reload(load_scenario(edited))
    assert session.scenario.persona.opening_line.startswith("Hello, dear. I went.")

"""A sample library of practice transcripts, to try the review app or measure the library at scale.

Every consultation is played for real with the scripted patient. A trainee's script mixes the
person-centred style's turns with the checklist's and the lecturer's, the person-centred share growing
over their sessions (with good and bad days), so that scores spread from poor to good and progress
charts show something. Most visits end with a care plan as good as the conversation; some end without
one, some are left unfinished, and some are review visits of a plan the trainee recorded before.

A conversation is played once for each scenario, skill level and kind of visit, then retold: given to a
trainee at a date, cut where it was left unfinished or before its plan, and re-sealed with its own
content hash. So a large library is quick to write.
"""

import random
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from simulator import locations
from simulator.authoring.playtest import builtin_style
from simulator.content.scenario_loader import ScenarioFile, discover
from simulator.patient.engine import Intent
from simulator.practice.session import Session
from simulator.storage.care_plan import CarePlan
from simulator.storage.events import Event, PatientTurn, PlanRecorded, SessionEnded, SessionStarted, TraineeTurn
from simulator.storage.transcript import TranscriptWriter, write_transcript

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# The share of a trainee's turns taken from the person-centred style, at each skill level.
SKILL = (0.1, 0.3, 0.5, 0.7, 0.9)
# How a visit ends, and how often: with a care plan, ended without one, or left unfinished.
Ending = Literal["plan", "no plan", "unfinished"]
ENDINGS: tuple[tuple[Ending, float], ...] = (("plan", 0.7), ("no plan", 0.15), ("unfinished", 0.15))
# The share of a trainee's later sessions that review a plan they recorded before.
REVIEWS = 0.3
# Sessions each trainee has when the number of trainees is not given.
SESSIONS_EACH = 8


@dataclass(frozen=True)
class _Planned:
    """One sample session before it is played: whose, when, what, how well, how it ends."""

    trainee: str
    at: datetime
    scenario: ScenarioFile
    skill: int
    ending: Ending
    cycle: str | None  # a review's first visit (its session id); None for a first visit


def build_sample_library(out: Path, count: int, trainees: int | None = None, seed: int = 0) -> list[Path]:
    """Write `count` transcripts under `out` (one subfolder per trainee) for `trainees` trainees (by default
    one for every SESSIONS_EACH transcripts, at most 20); return their paths."""
    rng = random.Random(seed)
    trainees = trainees or max(1, min(20, count // SESSIONS_EACH))
    scenarios = sorted(discover([locations.builtin_scenario_dir()])[0], key=lambda s: s.scenario.id)
    sessions_each = max(1, -(-count // trainees))
    planned: list[tuple[_Planned, str, Path]] = []
    # Each trainee's first visits that ended with a plan, by scenario id: what a review can follow.
    plans: dict[str, dict[str, str]] = {}
    for index in range(count):
        trainee, nth = f"Trainee {index % trainees + 1:02d}", index // trainees
        progress = nth / max(1, sessions_each - 1)
        skill = min(len(SKILL) - 1, max(0, round(progress * 3 + rng.gauss(0.5, 0.9))))
        ending = rng.choices([e for e, _ in ENDINGS], [w for _, w in ENDINGS])[0]
        followed = plans.setdefault(trainee, {})
        at = START + timedelta(days=nth, minutes=index % trainees * 7)
        if followed and rng.random() < REVIEWS:
            scenario_id = rng.choice(sorted(followed))
            scenario = next(s for s in scenarios if s.scenario.id == scenario_id)
            session = _Planned(trainee, at, scenario, skill, ending, followed.pop(scenario_id))
        else:
            session = _Planned(trainee, at, rng.choice(scenarios), skill, ending, None)
        slug = re.sub(r"[^a-z0-9]+", "-", trainee.lower())
        session_id = f"{at:%Y%m%d-%H%M%S}-{session.scenario.scenario.id}{'-review' if session.cycle else ''}-{slug}"
        if session.cycle is None and ending == "plan" and session.scenario.scenario.visits:
            followed[session.scenario.scenario.id] = session_id
        planned.append((session, session_id, out / slug / f"{session_id}.jsonl"))
    played: dict[tuple[str, int, bool], list[Event]] = {}
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as scratch:
        for session, session_id, path in planned:
            key = (session.scenario.scenario.id, session.skill, session.cycle is not None)
            if key not in played:
                played[key] = _play(session.scenario, session.skill, session.cycle is not None, Path(scratch), seed)
            _write(path, _retold(_ended(played[key], session.ending, rng), session_id, session))
            written.append(path)
    return written


def _script(skill: int, rng: random.Random) -> list[str]:
    """A trainee's turns at `skill`: each the person-centred style's turn at that point, or else a turn of
    the checklist's or the lecturer's at the same stage of theirs (the styles differ in length)."""
    kind = builtin_style("person-centred")
    others = [builtin_style("checklist"), builtin_style("lecturing")]
    turns = []
    for i in range(len(kind)):
        other = rng.choice(others) if rng.random() >= SKILL[skill] else None
        turns.append(kind[i] if other is None else other[i * len(other) // len(kind)])
    return turns


def _play(scenario: ScenarioFile, skill: int, review: bool, scratch: Path, seed: int) -> list[Event]:
    """Play a whole visit at `skill`, to the end and a care plan (a review follows a first visit played
    at the same skill); its events."""
    rng = random.Random(f"{seed}:{scenario.scenario.id}:{skill}")
    session = _visit(Session.start(scenario, seed=seed, directory=scratch, clock=lambda: START), skill, rng)
    if review:
        first = session
        session = _visit(first.next_visit(seed=seed), skill, rng)
        first.close()
    session.close()
    return session.events


def _visit(session: Session, skill: int, rng: random.Random) -> Session:
    """Say the script, end the consultation and record a plan as good as the skill."""
    for line in _script(skill, rng):
        session.say(line)
    session.end()
    session.record_plan(_plan(session.events, skill), final=True)
    return session


def _plan(events: list[Event], skill: int) -> CarePlan:
    """The care plan a trainee at `skill` records: more of it filled in, and in the person's words, the
    better they are."""
    patient = [e for e in events if isinstance(e, PatientTurn)]
    disclosed = next((e.text for e in patient if e.released), "")
    rated = next((e.text for e in patient if e.intent == Intent.RATE_CONFIDENCE), "")
    said = re.search(r"\b(10|[0-9])\b", rated)
    step = {"step_what": "Walk to the shops", "step_when": "Mornings after breakfast",
            "step_where": "Round the park", "step_how_much": "Ten minutes", "start_date": "Monday"}
    return CarePlan(
        what_matters=disclosed if skill >= 2 else "", goal="Feel more in control" if skill >= 1 else "Lose weight",
        **dict(list(step.items())[:skill + 1]),
        confidence=int(said.group()) if said and skill >= 2 else None,
        support="Practice nurse, and the walking group" if skill >= 3 else "",
        if_not_working="Ring the surgery and we will think again" if skill >= 3 else "",
        review_date="In four weeks" if skill >= 3 else "")


def _ended(events: list[Event], ending: Ending, rng: random.Random) -> list[Event]:
    """A whole visit's events as they stand for `ending`: all of them, up to the end of the conversation,
    or cut short a few turns in."""
    if ending == "plan":
        return events
    if ending == "no plan":
        return [e for e in events if not isinstance(e, PlanRecorded)]
    turns = [i for i, e in enumerate(events) if isinstance(e, TraineeTurn)]
    return events[:turns[rng.randint(3, max(3, len(turns) - 3))]]


def _retold(events: list[Event], session_id: str, session: _Planned) -> list[Event]:
    """The same conversation as another trainee's session at another time (a review, as following that
    trainee's own first visit)."""
    first = events[0]
    assert isinstance(first, SessionStarted)
    shift = session.at - first.at
    update: dict[str, object] = {"session_id": session_id, "trainee": session.trainee, "at": session.at}
    if session.cycle is not None:
        update["cycle_id"] = session.cycle
    return [first.model_copy(update=update)] + [event.model_copy(update={"at": event.at + shift})
                                                for event in events[1:]]


def _write(path: Path, events: list[Event]) -> None:
    """Write a transcript as the app would have left it: sealed once the conversation ended, unsealed while
    it is unfinished."""
    if any(isinstance(e, SessionEnded) for e in events):
        write_transcript(path, events)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = TranscriptWriter(path)
    try:
        for event in events:
            writer.append(event)
    finally:
        writer.close()

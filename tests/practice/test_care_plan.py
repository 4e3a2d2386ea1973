"""The care and support plan: checked against the conversation, recorded as it is typed."""

import re
from pathlib import Path

import pytest
from helpers import SHIPPED, script

from simulator.content.scenario_loader import load_scenario
from simulator.patient.engine import Intent
from simulator.patient.reply_checks import COMMON, words
from simulator.practice.plan_outcome import OPENINGS, RANK, Outcome, carry, draw
from simulator.practice.session import Session
from simulator.scoring.plan_checks import check_plan
from simulator.storage.care_plan import CarePlan
from simulator.storage.events import PatientTurn, PlanRecorded, SessionStarted
from simulator.storage.transcript import read_transcript

REVIEW = "Shall we book you in to review how it's going in four weeks?"
VAGUE = CarePlan(goal="Lose weight and take your medication properly", step_what="Be more active",
                 confidence=8)


def planned_session(path: Path, folder: Path) -> Session:
    """A person-centred conversation that ends by agreeing a review."""
    session = Session.start(load_scenario(path), seed=0, directory=folder)
    for line in [*script("person-centred.txt"), REVIEW]:
        session.say(line)
    session.end()
    return session


def own_plan(session: Session) -> CarePlan:
    """A plan in the patient's own words, about what matters most to them, with a SMART step and the
    confidence they stated."""
    priority = session.scenario.priority
    assert priority is not None
    stated = next(e.text for e in session.events if isinstance(e, PatientTurn) and e.intent is Intent.RATE_CONFIDENCE)
    confidence = int(re.search(r"\d+", stated).group())  # type: ignore[union-attr]
    # The trainee writes down the patient's own sentence about it: the first that names it.
    markers = {t.lower() for t in priority.topics} | (set(words(priority.summary)) - COMMON)
    sentences = re.split(r"(?<=[.!?])\s+", priority.text.strip())
    theirs = next(s for s in sentences if markers & set(words(s)))
    return CarePlan(what_matters=theirs, goal=theirs, step_what="Ten minutes' practice at home",
                    step_when="Monday, Wednesday and Friday mornings", step_where="At home",
                    step_how_much="3 times a week, 10 minutes", start_date="This Monday", confidence=confidence,
                    support="Daughter; local support group leaflet", if_not_working="Ring the practice nurse",
                    review_date="In four weeks")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_persons_own_smart_plan_scores_above_an_imposed_vague_one(path: Path, tmp_path: Path) -> None:
    session = planned_session(path, tmp_path)
    good = check_plan(own_plan(session), session.events, session.scenario)
    vague = check_plan(VAGUE, session.events, session.scenario)
    assert good.score == 100, [c for c in good.checks if not c.met]
    assert vague.score <= 50 < good.score


def test_checks_say_what_is_missing(tmp_path: Path) -> None:
    session = planned_session(SHIPPED[0], tmp_path)
    checks = {c.name: c for c in check_plan(VAGUE, session.events, session.scenario).checks}
    step = checks["The first step is specific (what, when, where, how much, start)"]
    assert not step.met and step.detail == "missing: when, where, how much, start date"
    confidence = checks["The confidence recorded is the one they stated"]
    assert not confidence.met and "you recorded 8" in confidence.detail
    assert checks["The review was agreed in the conversation"].detail == "no review date recorded"


def test_drafts_and_the_final_plan_are_appended_after_the_end(tmp_path: Path) -> None:
    session = planned_session(SHIPPED[0], tmp_path)
    session.record_plan(CarePlan(goal="draft"), final=False)
    session.record_plan(CarePlan(goal="draft"), final=False)  # unchanged: not saved again
    session.record_plan(CarePlan(goal="agreed"), final=True)
    plans = [e for e in read_transcript(session.path).events if isinstance(e, PlanRecorded)]
    assert [(p.plan.goal, p.final) for p in plans] == [("draft", False), ("agreed", True)]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_an_own_smart_plan_makes_a_better_review_visit_than_an_imposed_vague_one(path: Path, tmp_path: Path) -> None:
    own_session = planned_session(path, tmp_path / "own")
    own_session.record_plan(own_plan(own_session), final=True)
    vague_session = planned_session(path, tmp_path / "vague")
    vague_session.record_plan(VAGUE, final=True)
    own = carry(own_session.events, own_session.scenario, own_session.cycle_id, 0)
    vague = carry(vague_session.events, vague_session.scenario, vague_session.cycle_id, 0)
    assert own is not None and vague is not None and own.quality > vague.quality
    activation = own_session.scenario.persona.activation
    ranks = [(RANK[draw(own.quality, activation, seed)], RANK[draw(vague.quality, activation, seed)])
             for seed in range(40)]
    assert all(a >= b for a, b in ranks)  # for any draw, the better plan never goes worse
    assert sum(a for a, _ in ranks) > sum(b for _, b in ranks) + 20

    review = own_session.next_visit(seed=1)
    started = review.events[0]
    assert isinstance(started, SessionStarted) and started.visit == "review"
    assert started.plan == own_session.plan.plan and started.cycle_id == own_session.path.stem  # type: ignore[union-attr]
    assert review.events[1].text == OPENINGS[Outcome(started.outcome)]  # type: ignore[union-attr]
    exchange = review.say("How have things been going since we last met?")
    assert exchange is not None and exchange[1].released == ["plan-report"]
    assert "Ten minutes' practice at home" in exchange[1].text
    review.close()  # let go of the visit, as quitting does
    resumed = Session.resume(review.path)  # a review resumes with the same plan and outcome
    assert resumed.carried == review.carried and resumed.scenario.persona == review.scenario.persona


def test_a_vague_plan_is_reported_as_not_knowing_what_to_do(tmp_path: Path) -> None:
    session = planned_session(SHIPPED[0], tmp_path)
    session.record_plan(CarePlan(), final=True)
    review = session.next_visit(seed=0)
    assert review.carried is not None and review.carried.quality < 0.2
    reply = review.say("How have things been going since we last met?")
    assert reply is not None and "wasn't sure what I was meant to be doing" in reply[1].text


def test_the_rubric_caps_plan_behaviours_by_the_recorded_plan(tmp_path: Path) -> None:
    from simulator.content.rubric_loader import load_rubric
    from simulator.scoring.scored_transcript import score_recorded

    scores = {}
    for name in ("own", "vague", "none"):
        session = planned_session(SHIPPED[0], tmp_path / name)
        if name != "none":
            session.record_plan(own_plan(session) if name == "own" else VAGUE, final=True)
        scores[name] = score_recorded(session.transcript, load_rubric()).score
    levels = {name: {b.id: b.level for b in score.behaviours} for name, score in scores.items()}
    assert levels["own"] == levels["none"]  # a plan true to the conversation takes nothing away
    assert levels["vague"]["R15"] == 0 and levels["vague"]["R16"] == 0 and levels["vague"]["R19"] == 0
    r15 = next(b for b in scores["vague"].behaviours if b.id == "R15")
    assert r15.rationale.endswith("the recorded plan meets 0 of 1 of its checks")
    assert scores["own"].overall > scores["vague"].overall

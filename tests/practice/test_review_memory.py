"""A review visit remembers the first: nothing told then is told again as news, the feedback counts it as
known, and the patient reports their own step in the author's words for how it went."""

from pathlib import Path

from helpers import script

from simulator.content.scenario_loader import resolve
from simulator.practice.plan_outcome import own_step
from simulator.practice.session import Session
from simulator.scoring.feedback import disclosures
from simulator.scoring.patient_view import patient_view
from simulator.storage.care_plan import CarePlan
from simulator.storage.events import PatientTurn, SessionStarted


def _first_visit(tmp_path: Path, plan: CarePlan) -> Session:
    session = Session.start(resolve("p2-widow-copd"), seed=0, directory=tmp_path)
    for line in script("person-centred.txt"):
        session.say(line)
    session.end()
    session.record_plan(plan, final=True)
    return session


def test_a_review_tells_nothing_again_that_was_told_at_the_first_visit(tmp_path: Path) -> None:
    first = _first_visit(tmp_path, CarePlan(goal="Sing again", step_what="Ring Jean on Sunday about practice"))
    told = {f for e in first.events if isinstance(e, PatientTurn) for f in e.released}
    assert "choir" in told
    review = first.next_visit(seed=3)
    started = review.events[0]
    assert isinstance(started, SessionStarted) and set(started.known) == told
    for line in script("person-centred.txt"):
        review.say(line)
    again = {f for e in review.events if isinstance(e, PatientTurn) for f in e.released} & told
    assert again == set()
    outcome = next(o for o in disclosures(review.scenario, review.events).hidden if o.fact.id == "choir")
    assert outcome.reached and outcome.words == "told at the last visit"


def test_the_patients_own_step_is_reported_in_the_authors_words(tmp_path: Path) -> None:
    scenario = resolve("p2-widow-copd").scenario
    assert scenario.planning is not None
    first = _first_visit(tmp_path, CarePlan(goal="Sing again", step_what=scenario.planning.step))
    review = first.next_visit(seed=3)
    carried = review.carried
    assert carried is not None and own_step(carried.plan, scenario, None)
    visit = scenario.visits[0]
    assert visit.openings is not None and visit.step_went is not None
    assert review.events[1].text == getattr(visit.openings, carried.outcome.value)
    report = next(f for f in review.scenario.free_facts if f.id == "plan-report")
    assert report.text == getattr(visit.step_went, carried.outcome.value)


def test_a_step_written_as_an_order_is_quoted_not_pasted_into_the_patients_mouth(tmp_path: Path) -> None:
    first = _first_visit(tmp_path, CarePlan(step_what="Go to the Singing for Lung Health group", review_date="3 months"))
    review = first.next_visit(seed=3)
    report = next(f for f in review.scenario.free_facts if f.id == "plan-report")
    assert '"Go to the Singing for Lung Health group"' in report.text and not report.text.startswith("I did it. Go")
    assert review.scenario.title.endswith("(3 months)")


def test_a_plan_the_patient_named_is_not_called_the_nurses(tmp_path: Path) -> None:
    first = _first_visit(tmp_path, CarePlan())
    answers = {a.key: a for a in patient_view(first.events, disclosures(first.scenario, first.events))}
    assert "We worked out a step together." in answers["include"].because
    assert "But the plan was yours, not mine." not in answers["include"].because

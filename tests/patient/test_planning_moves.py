"""Planning moves read as a nurse words them: leave asked to share ideas, with a choice to come, is taken as
leave; a review proposed after a step was agreed is taken as a review, however guarded the patient is."""

import pytest
from helpers import patient, respond

from simulator.coding.coder import Coder, RuleCoder
from simulator.content.scenario_loader import resolve
from simulator.patient.engine import RESISTS_FROM, Intent, PatientEngine


@pytest.mark.parametrize("asked", [
    "Could I share a couple of things that have helped other people, and you tell me if any of them appeal?",
    "Would it help if I mentioned a few ideas? Then you can say which of those sounds doable.",
])
def test_leave_to_share_ideas_is_given_before_anything_is_chosen(coder: Coder, asked: str) -> None:
    engine = patient("p2-widow-copd", coder)
    respond(engine, coder, "Hello Margaret, it's good to see you. How have you been keeping?")
    reply = respond(engine, coder, asked)
    assert reply.intent is Intent.PERMIT, reply


def test_a_review_after_an_agreed_step_is_agreed_even_by_a_guarded_patient(coder: Coder) -> None:
    scenario = resolve("p1-taxi-driver").scenario
    assert scenario.planning is not None
    engine = patient("p1-taxi-driver", coder)
    engine.state.agreed = scenario.planning.step
    engine.state.resistance = RESISTS_FROM * 3  # pushed back earlier in the visit
    reply = respond(engine, coder, "Shall we get you booked in for a month's time to see how the Sunday plan went?")
    assert reply.intent is Intent.REVIEW and reply.text == scenario.planning.review
    engine.state.agreed = None  # with no step agreed, a guarded patient does not sign up to meeting again
    engine.state.said.clear()
    reply = respond(engine, coder, "Shall we get you booked in for a month's time to see how you've got on?")
    assert reply.intent is Intent.UNSURE


def test_without_an_encoder_a_topic_is_found_in_its_plural_and_singular() -> None:
    rules = RuleCoder()
    engine = PatientEngine(resolve("p2-widow-copd").scenario, 0)
    respond(engine, rules, "Hello Margaret, come and sit down. Take your time.")
    assert "puffers" not in {topic for fact in engine.scenario.free_facts for topic in fact.topics}
    reply = respond(engine, rules, "How are you getting on with the puffers?")
    assert reply.released == ("inhalers",), reply

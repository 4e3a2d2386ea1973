"""The patient answers the question asked, takes part in planning, and never says a line twice in a visit.

Turns are coded by the learned coder, whose encoder also tells the patient what a question is about, as
in the app; the wording is a nurse's, not the scenario's topic words.
"""

import pytest
from helpers import patient, respond

from simulator.coding.coder import Coder, RuleCoder, code_turns
from simulator.coding.codes import Code
from simulator.content.scenario_loader import ScenarioFile, resolve
from simulator.patient.engine import AGAIN, Intent, PatientEngine, with_article

WARM_UP = [
    "Hi Gary, I'm Sam. We've got about twenty minutes and I'd like it to be about what matters to you.",
    "How have things been since your last check-up?",
    "Sounds like the night shifts make it hard to keep any kind of routine.",
    "It sounds like the job is about more than money for you, it's who you are.",
]


def _warmed(coder: Coder) -> PatientEngine:
    engine = patient("p1-taxi-driver", coder)
    for line in WARM_UP:
        respond(engine, coder, line)
    return engine


def test_a_question_is_answered_with_the_fact_it_asks_about_in_other_words(coder: Coder) -> None:
    engine = patient("p2-widow-copd", coder)
    respond(engine, coder, "Hello Margaret, come and sit down. Take your time.")
    reply = respond(engine, coder, "How are you finding the puffers at the moment?")
    assert reply.released == ("inhalers",)
    reply = respond(engine, coder, "Who have you got around you these days?")
    assert reply.released and reply.released[0] in {"claire", "ron"}


def test_a_question_the_scenario_holds_nothing_on_gets_no_unrelated_fact(coder: Coder) -> None:
    engine = patient("p2-widow-copd", coder)
    respond(engine, coder, "Hello Margaret, come and sit down. Take your time.")
    reply = respond(engine, coder, "What did you think of the football at the weekend?")
    assert reply.released == () and reply.intent is Intent.UNSURE
    assert reply.text in resolve("p2-widow-copd").scenario.planning.unknown  # type: ignore[union-attr]


def test_closed_questions_get_the_records_answer_not_a_random_yes_or_no(coder: Coder) -> None:
    engine = patient("p2-widow-copd", coder)
    reply = respond(engine, coder, "Are you still smoking at all?")
    assert reply.intent is Intent.ANSWER_BRIEF and reply.text.lower().startswith("no")


def test_planning_goal_options_step_confidence_teach_back_and_review(coder: Coder) -> None:
    engine = _warmed(coder)
    planning = engine.scenario.planning
    assert planning is not None
    goal = respond(engine, coder, "If things were going better in six months, what would be different for you?")
    assert goal.intent in {Intent.GOAL, Intent.DISCLOSE}
    assert respond(engine, coder, "Would it be alright if I told you about something that's helped other drivers?"
                ).intent is Intent.PERMIT
    offered = respond(engine, coder, "There's a slow-release metformin that's often kinder on the stomach. Which of "
                                  "those appeals, if either?")
    option = next(o for o in planning.options if o.id == "slow-release-metformin")
    assert offered.intent is Intent.STEP and offered.text == option.step
    rated = respond(engine, coder, "How sure are you, from nought to ten, that you'll do that?")
    assert rated.intent is Intent.RATE_CONFIDENCE
    assert with_article(engine.state.confidence or 0) in rated.text.lower()
    why = respond(engine, coder, "What makes it that number and not a lower one?")
    assert why.text == planning.confidence.why_not_lower
    raise_it = respond(engine, coder, "What would help it go up a point or two?")
    assert raise_it.text == planning.confidence.would_raise
    back = respond(engine, coder, "Just so I know I've explained it properly, could you tell me in your own words "
                               "what you're going to do?")
    assert back.intent is Intent.TEACH_BACK and back.text == planning.teach_back.format(step=option.step)
    review = respond(engine, coder, "Shall we meet again in six weeks to see how it's gone?")
    assert review.intent is Intent.REVIEW and review.text == planning.review


def test_a_rejected_option_is_turned_down_in_the_persons_words(coder: Coder) -> None:
    engine = _warmed(coder)
    planning = engine.scenario.planning
    assert planning is not None
    reply = respond(engine, coder, "Some people find a brisk walk at the end of your shift helps.")
    walking = next(o for o in planning.options if o.id == "walking")
    assert not walking.welcome and reply.text == walking.reply


def test_the_patient_names_their_own_small_step_when_asked(coder: Coder) -> None:
    engine = _warmed(coder)
    reply = respond(engine, coder, "So what could be a first small step for you, before I see you next?")
    assert reply.intent is Intent.STEP and reply.text == engine.scenario.planning.step  # type: ignore[union-attr]
    back = respond(engine, coder, "Can you run me through what you're going to do, so I know I've explained it?")
    assert engine.scenario.planning.step in back.text  # type: ignore[union-attr]


def test_teach_back_with_nothing_agreed_says_so(coder: Coder) -> None:
    engine = _warmed(coder)
    back = respond(engine, coder, "Can you tell me in your own words what we've agreed?")
    assert back.text == engine.scenario.planning.unsure_plan  # type: ignore[union-attr]


@pytest.mark.parametrize("scenario", ["p1-taxi-driver", "p2-widow-copd"])
def test_no_line_is_said_twice_in_a_visit_however_often_the_same_thing_is_asked(scenario: str) -> None:
    engine = PatientEngine(resolve(scenario).scenario, 3)
    said = [engine.respond(text, code_turns(RuleCoder(), [text], [""], [False])[0]).text for text in [
        "Okay.", "Right.", "I see.", "Do you smoke?", "Do you smoke?", "What's your favourite film?",
        "What's your favourite film?", "What's your favourite film?", "Thanks.", "Okay.", "Right.",
        "Do you smoke?", "Do you smoke?", "Okay.", "What's your favourite film?", "Right."]]
    assert len(said) == len(set(said)), [s for s in said if said.count(s) > 1]
    assert any(s.startswith(AGAIN) for s in said)


def test_a_fact_that_names_someone_waits_until_they_are_introduced() -> None:
    scenario = resolve("p6-knee-pain").scenario
    waiting = next(f for f in [*scenario.free_facts, *scenario.hidden_facts] if f.after)
    engine = PatientEngine(scenario, 0)
    engine.state.trust = 1.0
    engine.state.counts.update({code: 5 for code in Code})
    text = "What matters most to you at the moment?"
    for _ in range(10):
        engine.respond(text, code_turns(RuleCoder(), [text], [""], [False])[0])
    told = engine.state.released
    assert waiting.id in told
    assert set(waiting.after) <= set(told[: told.index(waiting.id)])


def test_without_planning_content_the_patient_still_gives_a_number_and_agrees_a_review(taxi: ScenarioFile) -> None:
    engine = PatientEngine(taxi.scenario.model_copy(update={"planning": None}), 0)
    rated = engine.respond("How confident are you, 0 to 10?", code_turns(
        RuleCoder(), ["How confident are you, 0 to 10?"], [""], [False])[0])
    assert rated.intent is Intent.RATE_CONFIDENCE


def test_confidence_reads_as_english() -> None:
    assert [with_article(n) for n in (6, 8, 11, 18, 3)] == ["a 6", "an 8", "an 11", "an 18", "a 3"]


def test_a_summary_checked_back_gets_a_yes_not_a_fact(coder: Coder) -> None:
    engine = _warmed(coder)
    reply = respond(engine, coder, "So it's the shifts and the tablets together. Have I got that right?")
    assert reply.intent is Intent.AGREE and reply.released == ()


def test_a_secret_once_told_is_not_denied_when_asked_about_again(coder: Coder) -> None:
    engine = _warmed(coder)
    fact = next(f for f in engine.scenario.hidden_facts if f.id == "licence-fear")
    engine.state.released.append(fact.id)
    reply = respond(engine, coder, "Are you worried about insulin and your licence?")
    assert reply.text != fact.brief and reply.text in fact.text

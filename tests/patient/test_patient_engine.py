"""The scripted patient: deterministic, moved by behaviour, disclosing only when conditions hold."""

from helpers import script

from simulator import locations
from simulator.coding.coder import RuleCoder, code_turns
from simulator.coding.codes import Code
from simulator.content.scenario_loader import ScenarioFile
from simulator.patient.engine import Intent, PatientEngine, PatientReply


def _say(engine: PatientEngine, text: str) -> PatientReply:
    return engine.respond(text, code_turns(RuleCoder(), [text], [""], [False])[0])


def _play(scenario_file: ScenarioFile, lines: list[str], seed: int = 7) -> list[PatientReply]:
    engine = PatientEngine(scenario_file.scenario, seed)
    return [_say(engine, line) for line in lines]


def test_same_seed_same_conversation(taxi: ScenarioFile) -> None:
    lines = script("checklist-lecture.txt") + script("person-centred.txt")
    assert _play(taxi, lines, seed=3) == _play(taxi, lines, seed=3)


def test_different_seeds_vary_the_wording(taxi: ScenarioFile) -> None:
    lines = ["What's your favourite colour?"] * 6
    assert [r.text for r in _play(taxi, lines, 1)] != [r.text for r in _play(taxi, lines, 2)]


def test_closed_questions_get_short_answers(taxi: ScenarioFile) -> None:
    replies = _play(taxi, ["Do you smoke?", "Are you taking your tablets?"])
    assert all(reply.intent is Intent.ANSWER_BRIEF for reply in replies)
    # A closed question on a topic gets that topic's brief answer, not the whole story.
    assert replies[1].text == "Mostly, yeah."
    assert all(len(reply.text.split()) <= 8 for reply in replies)


def test_lecturing_makes_the_patient_guarded(taxi: ScenarioFile) -> None:
    engine = PatientEngine(taxi.scenario, 1)
    before = (engine.state.trust, engine.state.resistance)
    reply = _say(engine, "You need to lose weight and you should stop eating kebabs.")
    assert reply.intent is Intent.RESIST
    assert engine.state.trust < before[0] and engine.state.resistance > before[1]
    _say(engine, "You really must take this seriously.")
    # Now even a good open question is deflected.
    assert _say(engine, "What would you like to talk about?").intent is Intent.DEFLECT


def test_asking_what_matters_and_reflecting_opens_up(taxi: ScenarioFile) -> None:
    engine = PatientEngine(taxi.scenario, 1)
    reply = _say(engine, "What would you like to talk about today?")
    assert reply.intent is Intent.OPEN_UP and reply.released
    assert engine.state.trust > taxi.scenario.resistance.trust


def test_a_question_about_a_topic_gets_that_topic(taxi: ScenarioFile) -> None:
    engine = PatientEngine(taxi.scenario, 1)
    _say(engine, "What would you like to talk about today?")
    reply = _say(engine, "How do you get on with your tablets?")
    assert reply.released == ("skips-metformin",)


def test_hidden_priority_needs_behaviour_not_just_keywords(taxi: ScenarioFile) -> None:
    engine = PatientEngine(taxi.scenario, 1)
    reply = _say(engine, "Are you worried about insulin and your licence?")
    assert "licence-fear" not in reply.released
    assert reply.text == "Insulin? No. I'm not going on that."


def test_cue_then_complex_reflection_releases(taxi: ScenarioFile) -> None:
    engine = PatientEngine(taxi.scenario, 1)
    for line in ["What's been happening since we last saw you?", "How's work going?",
                 "How do you find the food on nights?", "What about your tablets?",
                 "How are things at home?"]:
        _say(engine, line)
    # With the free facts shared and trust building, he hints before he tells.
    replies = [_say(engine, "What else is going on for you?") for _ in range(8)]
    assert any(r.intent is Intent.HINT and r.cue == "licence-fear" for r in replies)
    reply = _say(engine, "It sounds like something about driving is really worrying you.")
    assert reply.intent is Intent.DISCLOSE and reply.released == ("licence-fear",)


def test_no_line_repeats_until_the_others_are_used(taxi: ScenarioFile) -> None:
    engine = PatientEngine(taxi.scenario, 5)
    lines = taxi.scenario.lines.resist
    replies = [_say(engine, "You must stop that.") for _ in lines]
    assert sorted(r.text for r in replies) == sorted(lines)


def test_persona_sensitivities_double_the_effect(taxi: ScenarioFile) -> None:
    assert Code.GIVING_INFORMATION in taxi.scenario.resistance.hardens
    engine = PatientEngine(taxi.scenario, 1)
    start = engine.state.resistance
    _say(engine, "Your HbA1c is 71.")
    assert round(engine.state.resistance - start, 2) == 0.06


def test_the_patient_brings_up_their_preparation_when_invited() -> None:
    from simulator.content.scenario_loader import load_scenario

    scenario = load_scenario(locations.builtin_scenario_dir() / "p2-widow-copd.yaml").scenario
    assert scenario.preparation is not None and scenario.preparation.prepared
    engine = PatientEngine(scenario, 0)
    assert _say(engine, "Did you get a chance to look at the letter?").text == "Yes, I had a look at it."
    reply = _say(engine, "What did you make of the letter before you came?")
    assert reply.text == scenario.preparation.text and reply.released == ("preparation",)


def test_the_patient_agrees_a_review_and_rates_their_confidence_with_a_number(taxi: ScenarioFile) -> None:
    engine = PatientEngine(taxi.scenario, 0)
    agreed = _say(engine, "Shall we book you in to review it in four weeks?")
    assert agreed.intent is Intent.REVIEW and agreed.text == taxi.scenario.planning.review  # type: ignore[union-attr]
    rated = _say(engine, "How confident do you feel, on a scale of 0 to 10?")
    assert rated.intent is Intent.RATE_CONFIDENCE and str(engine.confidence()) in rated.text

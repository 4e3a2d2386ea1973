"""The rule-based coder on utterances a trainee nurse would type."""

import pytest

from simulator.coding.care_tags import step_elements
from simulator.coding.coder import RuleCoder, code_turns
from simulator.coding.codes import CARE_TAGS, Code
from simulator.coding.rules import CoderContext, asks_permission, code_utterance

C = Code


@pytest.mark.parametrize(
    ("utterance", "expected"),
    [
        ("What matters most to you at the moment?", {C.OPEN_QUESTION, C.ASKS_WHAT_MATTERS}),
        ("Could you tell me a bit about a good day for you?", {C.OPEN_QUESTION, C.ASKS_WHAT_MATTERS}),
        ("How are things at home?", {C.OPEN_QUESTION}),
        ("Tell me more about that", {C.OPEN_QUESTION}),
        ("Do you take your tablets?", {C.CLOSED_QUESTION}),
        ("Is there anything else?", {C.CLOSED_QUESTION}),
        ("You've been busy.", {C.SIMPLE_REFLECTION}),
        ("You're worried about what insulin would mean for your work.", {C.COMPLEX_REFLECTION}),
        ("It sounds like being able to drive means a lot to you.", {C.COMPLEX_REFLECTION}),
        ("You should really cut down on sugar.", {C.PERSUADE}),
        ("Take your tablets every morning.", {C.PERSUADE}),
        ("You need to lose weight or you'll end up on insulin.", {C.PERSUADE}),
        ("Your HbA1c is 68, which is higher than last time.", {C.GIVING_INFORMATION}),
        ("It's up to you what we focus on.", {C.EMPHASISING_AUTONOMY}),
        ("Well done for coming in, you've clearly put a lot of thought into this.", {C.AFFIRM}),
        ("You're just making excuses.", {C.CONFRONT}),
        ("Shall we look at your results together?", {C.CLOSED_QUESTION, C.SEEKING_COLLABORATION}),
        ("[bold]hello[/bold]", {C.OTHER}),
        ("ok", {C.OTHER}),
    ],
)
def test_codes(utterance: str, expected: set[Code]) -> None:
    assert set(code_utterance(utterance)) - CARE_TAGS == expected


@pytest.mark.parametrize(
    ("utterance", "tag"),
    [
        ("This is your time, and we'll make a plan together.", C.ORIENTS),
        ("Is there anything else you'd like to talk about?", C.AGENDA_SETTING),
        ("What did you make of your results?", C.EXPLORES_RESULTS),
        ("What would you like to be able to do in six months?", C.ELICITS_GOAL),
        ("So what would be a small first step?", C.ACTION_STEP),
        ("On a scale of 0 to 10, how confident are you?", C.CONFIDENCE_RULER),
        ("Just so I know I've explained it well, can you tell me in your own words?", C.TEACH_BACK),
        ("There's a walking group at the leisure centre, if you'd like to know more.", C.SIGNPOSTING),
        ("Shall we book you in to see me again in four weeks?", C.REVIEW_ARRANGED),
    ],
)
def test_care_planning_tags(utterance: str, tag: Code) -> None:
    assert tag in code_utterance(utterance)


def test_step_elements() -> None:
    assert step_elements("I'll walk to the park for 20 minutes after tea, starting Monday") == {
        "what", "where", "when", "how_much", "start"}
    assert step_elements("I'll try to be more active") == {"what"}


def test_a_turn_carries_the_codes_of_its_utterances() -> None:
    coding = code_turns(RuleCoder(), ["Are you still smoking? You really need to stop."], [""], [False])[0]
    assert {C.CLOSED_QUESTION, C.PERSUADE} <= coding.codes
    assert coding.questions == 1
    assert coding.quote({C.PERSUADE}) == "You really need to stop."


def test_summary_pulls_threads_together() -> None:
    coding = code_utterance("So you've told me about work, you mentioned your daughter, and you're tired "
                            "of being told what to do. Have I got that right?")
    assert C.SUMMARY in coding


def test_advice_after_asking_permission_is_advice_with_permission() -> None:
    ask = "Would it be ok if I shared some information about walking?"
    assert asks_permission(ask)
    advice = "You could go for a short walk after meals; it helps with sugar."
    assert C.PERSUADE_WITH_PERMISSION in code_utterance(advice, CoderContext(permission_asked=True))
    assert C.PERSUADE in code_utterance(advice)


def test_advice_framed_as_a_choice_counts_as_permitted() -> None:
    assert code_utterance("Some people find a short walk after meals helps.") == {
        C.PERSUADE_WITH_PERMISSION}


def test_stacked_questions_are_counted() -> None:
    assert code_turns(RuleCoder(), ["How's work? Are you sleeping? What about food?"], [""], [False])[0].questions == 3


def test_curly_apostrophes_code_like_straight_ones() -> None:
    assert code_utterance("You\u2019re worried about your job.") == code_utterance("You're worried about your job.")

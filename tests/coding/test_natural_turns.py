"""Turns as nurses type them, coded by each coder the product ships: utterance by utterance, with the forms
of advice, permission, affirming, confronting and the care-planning moves in natural words."""

import pytest

from simulator.coding.coder import Coder, RuleCoder, code_turns, learned_coder
from simulator.coding.codes import QUESTIONS, REFLECTIONS, Code, Coding
from simulator.coding.rules import asks_permission

C = Code


@pytest.fixture(scope="module", params=["rules", "learned"])
def coder(request: pytest.FixtureRequest) -> Coder:
    return RuleCoder() if request.param == "rules" else learned_coder()


def coded(coder: Coder, text: str, context: str = "", permission: bool = False) -> Coding:
    return code_turns(coder, [text], [context], [permission])[0]


@pytest.mark.parametrize("text", [
    "You need to lose some weight.",
    "You really must cut down on sugar and fatty food.",
    "Why don't you join a gym?",
    "Takeaways and crisps will push your sugar right up. You really need to cut those out",
    "I'd cut out the crisps if I were you.",
])
def test_blunt_advice_is_advice_without_permission(coder: Coder, text: str) -> None:
    codes = coded(coder, text, "I just can't seem to shift the weight.").codes
    assert C.PERSUADE in codes
    assert not codes & REFLECTIONS
    assert C.OPEN_QUESTION not in codes


def test_advice_dressed_as_a_question_is_advice_not_a_question(coder: Coder) -> None:
    coding = coded(coder, "Have you thought about swimming? It's much easier on the knees.",
                   "I just can't seem to shift the weight.")
    assert coding.quote({C.PERSUADE}) == "Have you thought about swimming?"
    assert not coding.codes & QUESTIONS


def test_a_kind_review_offer_is_not_advice(coder: Coder) -> None:
    codes = coded(coder, "Let's have a catch-up in six weeks to see how it's going - would a Tuesday morning after "
                         "the school run suit you?", "That sounds doable.").codes
    assert C.REVIEW_ARRANGED in codes
    assert C.PERSUADE not in codes


def test_a_preamble_leaves_an_open_question_open(coder: Coder) -> None:
    codes = coded(coder, "Before we look at the numbers, how have things been for you lately?").codes
    assert C.OPEN_QUESTION in codes and C.CLOSED_QUESTION not in codes


def test_a_turn_that_reflects_then_asks_counts_both_and_quotes_each(coder: Coder) -> None:
    coding = coded(coder, "It sounds like the nights are the hardest part. What would help?",
                   "I'm up three or four times a night and then I'm shattered all day.")
    assert coding.codes & REFLECTIONS and C.OPEN_QUESTION in coding.codes
    assert coding.quote(REFLECTIONS) == "It sounds like the nights are the hardest part."
    assert coding.quote(QUESTIONS) == "What would help?"


def test_generic_praise_is_not_an_affirm_but_a_named_effort_is(coder: Coder) -> None:
    assert C.AFFIRM not in coded(coder, "Well done.", "I did go to the pharmacy.").codes
    assert C.AFFIRM in coded(coder, "You kept that food diary going right through your night shifts - that takes "
                                    "real commitment.", "I wrote everything down, even on nights.").codes


def test_asking_permission_is_collaboration_and_permits_the_advice_after_it(coder: Coder) -> None:
    ask = "Would it be alright if I shared what some other people have found helps?"
    codes = coded(coder, ask, "I don't know where to start, honestly.").codes
    assert C.SEEKING_COLLABORATION in codes and C.PERSUADE not in codes
    assert asks_permission(ask)
    advice = coded(coder, "Some people find a ten minute walk after tea makes a real difference to their sugars.",
                   "Go on then.", permission=True).codes
    assert C.PERSUADE_WITH_PERMISSION in advice and C.PERSUADE not in advice


@pytest.mark.parametrize(("text", "tag"), [
    ("How sure do you feel, from nought to ten, that you'll manage it this week?", C.CONFIDENCE_RULER),
    ("What makes it a six rather than a three?", C.CONFIDENCE_RULER),
    ("What will you tell your daughter we decided today?", C.TEACH_BACK),
    ("We've got about twenty minutes, and I'd like us to come out of it with a plan that works for you.", C.ORIENTS),
    ("Is there anything else on your mind you'd like us to get to today?", C.AGENDA_SETTING),
    ("Did you get a chance to look at the letter with your blood results?", C.EXPLORES_RESULTS),
    ("If things went well over the next few months, what would you like to be able to do again?", C.ELICITS_GOAL),
    ("So what's one small thing you could try before we next meet?", C.ACTION_STEP),
    ("There's a Breathe Easy group that meets at the library on Thursdays, if that's of any interest.",
     C.SIGNPOSTING),
])
def test_care_planning_moves_in_natural_words(coder: Coder, text: str, tag: Code) -> None:
    assert tag in coded(coder, text).codes


def test_a_reflection_typed_with_a_question_mark_is_a_reflection(coder: Coder) -> None:
    codes = coded(coder, "So the nights are the worst?", "The nights are the worst, to be honest.").codes
    assert codes & REFLECTIONS and not codes & QUESTIONS


def test_a_confronting_question_is_confront(coder: Coder) -> None:
    codes = coded(coder, "Do you really think the biscuits aren't the problem?",
                  "It's not the biscuits, it's my metabolism.").codes
    assert C.CONFRONT in codes

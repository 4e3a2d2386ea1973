"""The patient hears what a turn asks: a greeting or a preamble before the question does not blur it, leave
asked to explain is leave, asked how information went down they react to it, and what an illness stops them
doing asks a goal, not what might get in the way."""

import pytest
from helpers import patient, respond

from simulator.coding.coder import Coder
from simulator.patient.engine import Intent
from simulator.patient.hearing import asked_part


def test_the_question_is_the_part_that_asks() -> None:
    assert asked_part("Morning both, come on in and grab a seat. Arthur, how have you been?") == \
        "Arthur, how have you been?"
    assert asked_part("Tell me more about the stairs.") == "Tell me more about the stairs."
    assert asked_part("Is it the stairs? Or the shops?") == "Is it the stairs? Or the shops?"


def test_a_greeting_before_an_invitation_still_invites(coder: Coder) -> None:
    engine = patient("p3-heart-failure-daughter", coder)
    reply = respond(engine, coder, "Good morning to you both, come in and make yourselves comfortable, there's a "
                                "chair by the window. Arthur, how have you been keeping lately?")
    assert reply.intent is Intent.OPEN_UP and reply.released, reply


@pytest.mark.parametrize("asked", ["Could I explain what the kidney number means?",
                                   "May I go through what the results show?"])
def test_leave_to_explain_is_given(coder: Coder, asked: str) -> None:
    engine = patient("p3-heart-failure-daughter", coder)
    respond(engine, coder, "Hello Arthur, hello Susan. How are things at home?")
    assert respond(engine, coder, asked).intent is Intent.PERMIT


@pytest.mark.parametrize("asked", [
    "Your kidney number has dropped a little, which is why we keep an eye on the water tablet. How does that sound?",
    "The swelling can be fluid building up, and weighing yourself daily helps us spot it early. What do you make "
    "of that?",
])
def test_asked_how_information_went_down_they_react_to_it(coder: Coder, asked: str) -> None:
    engine = patient("p3-heart-failure-daughter", coder)
    respond(engine, coder, "Hello Arthur, hello Susan. How are things at home?")
    reply = respond(engine, coder, asked)
    assert reply.intent in (Intent.AGREE, Intent.UNSURE) and not reply.released, reply


def test_what_the_illness_stops_them_doing_asks_a_goal_not_barriers(coder: Coder) -> None:
    engine = patient("p6-knee-pain", coder)
    for turn in ("Hi Denise, come in and sit wherever is comfy.", "How have the knees been lately?",
                 "It sounds like they're grinding you down."):
        respond(engine, coder, turn)
    reply = respond(engine, coder, "What's one thing you'd really like to get back to, that your knees stop you doing now?")
    assert reply.intent is not Intent.BARRIER, reply
    reply = respond(engine, coder, "What might stop you from making a start on that?")
    assert reply.intent is Intent.BARRIER, reply


@pytest.mark.parametrize("asked", ["Does anyone help you out at home?",
                                   "Shall we start with whatever is on your mind?"])
def test_a_question_put_collaboratively_is_still_answered(coder: Coder, asked: str) -> None:
    engine = patient("p6-knee-pain", coder)
    respond(engine, coder, "Hi Denise, come in and sit wherever is comfy. How have the knees been?")
    reply = respond(engine, coder, asked)
    assert reply.intent not in (Intent.AGREE, Intent.PERMIT), reply

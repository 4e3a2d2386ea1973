"""A reworded reply keeps the authored line's meaning, or the patient says the authored line.

The learned coder's encoder compares a rewording with its line by meaning; cheap word checks catch what
embeddings miss (who is who, numbers, yes or no) and remain when the rules code the turns.
"""

from collections.abc import Sequence
from pathlib import Path

import pytest
from helpers import streamed

from simulator.coding.choice import Chosen
from simulator.coding.coder import learned_coder
from simulator.coding.codes import Code
from simulator.coding.learned import LearnedCoder
from simulator.coding.rules import CoderContext, code_utterance
from simulator.content.scenario_loader import resolve
from simulator.patient.backends import Message, OnText
from simulator.patient.engine import Intent, PatientReply
from simulator.patient.realiser import Realiser
from simulator.patient.reply_checks import ReplyContext, reply_problems
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.storage.events import PatientTurn


class Saying:
    """A backend that says the same words every time it is asked."""

    name = "fake: saying"

    def __init__(self, text: str) -> None:
        self.text = text

    def warm(self, messages: list[Message]) -> None:
        pass

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        return streamed(self.text, on_text)


@pytest.fixture(scope="module")
def coder() -> LearnedCoder:
    found = learned_coder()
    assert isinstance(found, LearnedCoder)
    return found


# The rewordings the issue saw shown, each with the line it was reworded from.
NONSENSE = [
    ("p4-single-parent-asthma", Intent.DISCLOSE,
     "The flat's damp. There's black mould in the kids' room, I'm forever bleaching it.",
     "I'm forever bleaching the roof of my flat every day."),
    ("p2-widow-copd", Intent.DISCLOSE,
     "I use the blue one a lot, five or six times a day some days. The brown one, I'm never sure if I'm doing it right.",
     "You use the blue one a lot. I'm never sure if you're doing it right…"),
    ("p4-single-parent-asthma", Intent.RATE_CONFIDENCE, "I'd say about a six.", "Yes, I am. 8!"),
    ("p4-single-parent-asthma", Intent.HINT, "I'm fine. I'm just tired. Everyone's tired, aren't they.",
     "You're fine. I'm just a little tired"),
    ("p2-widow-copd", Intent.OPEN_UP, "I'm sorry, I'm rambling. You're very kind to listen.",
     "I was too kind to listen, but you're just a patient."),
]


def _realise(scenario_id: str, intent: Intent, line: str, said: str, coder: LearnedCoder | None):  # noqa: ANN202
    scenario = resolve(scenario_id).scenario
    return Realiser(Saying(said)).realise(scenario, PatientReply(line, intent), released=[], recent=[], earlier=[],
                                          seed=1, meaning=coder)


@pytest.mark.parametrize(("scenario", "intent", "line", "said"), NONSENSE)
def test_the_rewordings_the_issue_saw_fall_back_to_the_authored_line(
        coder: LearnedCoder, scenario: str, intent: Intent, line: str, said: str) -> None:
    result = _realise(scenario, intent, line, said, coder)
    assert (result.how, result.text) == ("authored", line), result.rejected


@pytest.mark.parametrize(("scenario", "intent", "line", "said"), [
    ("p4-single-parent-asthma", Intent.DISCLOSE,
     "The flat's damp. There's black mould in the kids' room, I'm forever bleaching it.",
     "The flat's damp. There's black mould in the kids' room and I'm forever bleaching it."),
    ("p2-widow-copd", Intent.RESIST, "I know I should, but it makes me breathless.",
     "I know I should. It just makes me so breathless."),
    ("p4-single-parent-asthma", Intent.RATE_CONFIDENCE, "I'd say about a six.", "About a six, I'd say."),
    ("p1-taxi-driver", Intent.RESIST, "Easy to say when you're not sat in a cab twelve hours a night.",
     "Easy for you to say. You're not sat in a cab twelve hours a night."),
])
def test_a_rewording_that_keeps_the_meaning_is_shown(
        coder: LearnedCoder, scenario: str, intent: Intent, line: str, said: str) -> None:
    result = _realise(scenario, intent, line, said, coder)
    assert (result.how, result.text) == ("generated", said), result.rejected


@pytest.mark.parametrize(("line", "said", "why"), [
    ("I use the blue one a lot. The brown one, I'm never sure if I'm doing it right.",
     "You use the blue one a lot. I'm never sure if you're doing it right.", "swaps who is who"),
    ("I'm sorry, I'm rambling. You're very kind to listen.", "I'm sorry, you're rambling. I'm very kind to listen.",
     "swaps who is who"),
    ("Susan does them for me.", "I'm taking them for you, Susan.", "swaps who is who"),
    ("Easy for you to say.", "Easy for me to say.", "swaps who is who"),
    ("Thank you, nurse. You've been very patient with me.", "Thank you, nurse. I've been very patient with you.",
     "swaps who is who"),
    ("That's not on the list, but go on.", "That's on the list, but I'm not ready to talk about it.",
     "answers the opposite way"),
    ("Can't you just tell me what I need to do? I've got a shift at six.",
     "Just tell me what I've got to do, can't you? I've got a shift at six.", None),
    ("Donna made me come. I didn't read the letter, she did. She said to ask about the tablets.",
     "Donna made me come. I didn't read the letter, she did. That's what I missed most.",
     "adds something the line does not say"),
    ("I'm fine. Honestly. Just tired.", "I'm fine. I just feel tired, and I have to take a nap right now.",
     "adds something the line does not say"),
    ("Easy to say. I've got two kids and nights.", "Easy for you to say. I've got two kids and nights.", None),
    ("I'd say about a six.", "I'd say about an eight.", "says a number the line does not"),
    ("I sleep on three pillows now.", "I sleep on pillows now.", "leaves out a number"),
    ("I've been doing this for twenty-five years.", "I've been doing this for 25 years.", None),
    ("No, not really.", "Yeah, really.", "answers the opposite way"),
    ("I'm not moaning. Loads of people have it worse.", "I'm moaning. Nobody has it worse than me.",
     "answers the opposite way"),
    ("Right. Thanks. Better than I expected, anyway.", "Right. Thanks. Worse than I expected, anyway.",
     "answers the opposite way"),
    ("I'm eighty-two, love. I'm not going to start running marathons.",
     "I'm eighty-two, love. I won't be running marathons now.", None),
    ("Thank you, dear. I'll see you next time.", "Thank you, dear. I'll see you next time, then.", None),
])
def test_without_the_learned_coder_the_word_checks_still_hold(line: str, said: str, why: str | None) -> None:
    problems = reply_problems(said, ReplyContext(authored=line))
    if why is None:
        assert problems == []
    else:
        assert any(why in problem for problem in problems), problems


class Distant:
    """A coder (the rules' codes) whose sense of meaning finds every two texts unrelated."""

    version = "fake-distant"

    def __init__(self) -> None:
        self.compared: list[tuple[str, list[str]]] = []

    def similarity(self, text: str, others: Sequence[str]) -> list[float]:
        self.compared.append((text, list(others)))
        return [0.0 for _ in others]

    def code_utterances(self, texts: Sequence[str], contexts: Sequence[str],
                        permissions: Sequence[bool]) -> list[frozenset[Code]]:
        return [code_utterance(t, CoderContext(permission_asked=p)) for t, p in zip(texts, permissions, strict=True)]


def test_the_session_checks_rewordings_by_the_coders_sense_of_meaning(tmp_path: Path) -> None:
    # Word for word what the engine chose would pass every word check; the coder's meaning refuses it.
    class Echo(Saying):
        def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                     on_text: OnText | None = None) -> str:
            self.text = messages[-1]["content"].rsplit("Meaning: ", 1)[1]
            return super().generate(messages, seed=seed, max_new_tokens=max_new_tokens, on_text=on_text)

    distant = Distant()
    session = Session.start(resolve("p2-widow-copd"), seed=3, directory=tmp_path, voice=ready(Realiser(Echo(""))),
                            coder=ready(Chosen(distant)))
    exchange = session.say("How have you been?")
    assert exchange is not None
    reply = exchange[1]
    assert isinstance(reply, PatientTurn) and reply.source == "authored"
    assert any("means something else" in why for key, why in reply.meta.items() if key.startswith("rejected_"))
    assert any(others == [reply.text] for _, others in distant.compared)  # the rewording against its line



def test_a_rewording_is_not_cut_before_it_has_said_every_sentence_of_its_line() -> None:
    line = "I don't know what else to tell you. I feel alright, most days."
    said = "I do not know what else to tell you. I feel alright, most days."
    result = _realise("p1-taxi-driver", Intent.OPEN_UP, line, said, None)
    assert (result.how, result.text) == ("generated", said), result.rejected


def test_a_rewording_stops_once_it_is_as_long_as_its_line() -> None:
    line = "I'm fine. Honestly. Just tired."
    said = "I'm fine. Honestly, just tired. That's what I need to talk about."
    result = _realise("p4-single-parent-asthma", Intent.DEFLECT, line, said, None)
    assert (result.how, result.text) == ("generated", "I'm fine. Honestly, just tired."), result.rejected

"""How the consultation felt from the other chair: the patient's answers to the three CollaboRATE
questions, derived from what happened in the conversation.

CollaboRATE (Elwyn et al., 2013) asks a patient three questions, each answered 0 (no effort was made)
to 4 (every effort was made). The simulated patient answers from the codes it reacted to during the
consultation (the ones recorded in the transcript) and from what it got to say, so the answers can
be explained turn by turn. A pure function: the same conversation always gets the same answers.
"""

from collections import Counter
from dataclasses import dataclass

from simulator.coding.codes import Code
from simulator.scoring.feedback import Disclosure
from simulator.storage.events import Event, TraineeTurn

QUESTIONS = {
    "understand": "How much effort was made to help you understand your health issues?",
    "listen": "How much effort was made to listen to the things that matter most to you about your health issues?",
    "include": "How much effort was made to include what matters most to you in choosing what to do next?",
}
SCALE = ("No effort was made", "A little effort was made", "Some effort was made", "A lot of effort was made",
         "Every effort was made")


@dataclass(frozen=True)
class Answer:
    """One CollaboRATE answer, 0 to 4, with the patient's reasons in their own voice."""

    key: str
    question: str
    score: int
    because: tuple[str, ...]

    @property
    def label(self) -> str:
        return SCALE[self.score]


def _clamp(points: int) -> int:
    return min(4, max(0, points))


def patient_view(events: list[Event], disclosure: Disclosure) -> list[Answer]:
    """The patient's three answers, from the codes recorded on the trainee's turns and what came out."""
    turns = [e for e in events if isinstance(e, TraineeTurn)]
    counts: Counter[Code] = Counter(code for turn in turns for code in set(turn.codes))
    n = max(1, len(turns))
    righting = counts[Code.PERSUADE] + counts[Code.CONFRONT]
    reflections = counts[Code.SIMPLE_REFLECTION] + counts[Code.COMPLEX_REFLECTION]
    questions = counts[Code.OPEN_QUESTION] + counts[Code.CLOSED_QUESTION]

    understand: list[tuple[int, str]] = [
        (min(2, counts[Code.EXPLORES_RESULTS]), "You went through my results with me."),
        (1 if counts[Code.PERSUADE_WITH_PERMISSION] else 0, "You asked before telling me things."),
        (1 if counts[Code.TEACH_BACK] else 0, "You checked I'd understood."),
        (1 if counts[Code.SUMMARY] else 0, "You put it all together for me."),
        (-1 if righting >= 2 else 0, "I was told what to do more than it was explained."),
    ]
    listen: list[tuple[int, str]] = [
        (2 if reflections / n >= 0.3 else 1 if reflections / n >= 0.15 else 0, "You listened and said it back."),
        (1 if counts[Code.ASKS_WHAT_MATTERS] else 0, "You asked what matters to me."),
        (1 if disclosure.priority_reached else 0, "I got to say what really matters to me."),
        (-1 if righting >= 2 else 0, "You talked over what I was saying."),
        (-1 if questions >= 4 and counts[Code.CLOSED_QUESTION] > 0.6 * questions else 0,
         "It felt like a list of questions."),
    ]
    include: list[tuple[int, str]] = [
        (1 if counts[Code.SEEKING_COLLABORATION] or counts[Code.AGENDA_SETTING] else 0,
         "You asked what I wanted to do."),
        (1 if counts[Code.EMPHASISING_AUTONOMY] else 0, "You left the choice with me."),
        (1 if counts[Code.ELICITS_GOAL] or counts[Code.ACTION_STEP] else 0, "We worked out a step together."),
        (1 if disclosure.priority_reached else 0, "What matters to me was part of it."),
        (-min(2, righting), "The plan was yours, not mine."),
    ]
    return [_answer("understand", understand), _answer("listen", listen), _answer("include", include)]


def _answer(key: str, parts: list[tuple[int, str]]) -> Answer:
    because = tuple(why for points, why in parts if points)
    return Answer(key, QUESTIONS[key], _clamp(sum(points for points, _ in parts)), because)

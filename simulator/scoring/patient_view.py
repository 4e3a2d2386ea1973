"""How the consultation felt from the other chair: the patient's answers to the three CollaboRATE
questions, derived from what happened in the conversation.

CollaboRATE (Elwyn et al., 2013) asks a patient three questions, each answered 0 (no effort was made)
to 4 (every effort was made). The simulated patient answers from the codes it reacted to during the
consultation (the ones recorded in the transcript), how it took them, and what it got to say, so the
answers can be explained turn by turn. Like the score, it credits only what the trainee did with the
patient, not what they told them to do. A pure function: the same conversation always gets the same answers.
"""

from collections import Counter
from dataclasses import dataclass

from simulator.coding.codes import QUESTIONS as QUESTION_CODES
from simulator.coding.codes import REFLECTIONS, Code, Part
from simulator.patient.engine import Intent
from simulator.scoring.feedback import Disclosure
from simulator.scoring.score import CodedTurn
from simulator.storage.events import Event, PatientTurn, TraineeTurn

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
    """The patient's three answers, from the codes recorded on the trainee's turns, how the patient took
    them, and what came out. A move said as unsolicited advice is not one the patient felt included in
    ("You should walk every day" is no step worked out together), and a step counts as worked out together
    only where the patient went along with it."""
    turns = [e for e in events if isinstance(e, TraineeTurn)]
    credited = [CodedTurn(i, t.text, frozenset(t.codes), t.coding().parts).credited for i, t in enumerate(turns)]
    counts: Counter[Code] = Counter(code for codes in credited for code in codes)
    n = max(1, len(turns))
    righting = counts[Code.PERSUADE] + counts[Code.CONFRONT]
    reflections = counts[Code.SIMPLE_REFLECTION] + counts[Code.COMPLEX_REFLECTION]
    questions = counts[Code.OPEN_QUESTION] + counts[Code.CLOSED_QUESTION]
    replies = _replies(events)
    together = any(codes & {Code.ELICITS_GOAL, Code.ACTION_STEP} and replies.get(turn.turn) in WENT_ALONG
                   for turn, codes in zip(turns, credited, strict=True))
    # The patient named the step or the goal themselves: the plan is theirs, whatever else was said.
    theirs = any(intent in {Intent.STEP, Intent.GOAL} for intent in replies.values())
    together = together or theirs

    understand: list[tuple[int, str]] = [
        (min(2, sum(map(_went_through_results, turns))), "You went through my results with me."),
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
        (1 if together else 0, "We worked out a step together."),
        (1 if disclosure.priority_reached else 0, "What matters to me was part of it."),
        (0 if theirs else -min(2, righting), "The plan was yours, not mine."),
    ]
    return [_answer("understand", understand), _answer("listen", listen), _answer("include", include)]


# How a patient takes a step or a goal they work on with the nurse (not a yes to a closed question).
WENT_ALONG = {Intent.AGREE, Intent.OPEN_UP, Intent.RATE_CONFIDENCE, Intent.DISCLOSE, Intent.GOAL, Intent.STEP,
              Intent.EXPLAIN_CONFIDENCE, Intent.TEACH_BACK, Intent.REVIEW}


def _went_through_results(turn: TraineeTurn) -> bool:
    """Whether the turn went through the results with the patient: asked about them, said back what the
    patient made of them, or asked before explaining; not read them out, nor with advice in the same breath."""
    parts = turn.coding().parts or (Part(turn.text, frozenset(turn.codes)),)
    return any(Code.EXPLORES_RESULTS in part.codes and part.codes & WITH_THEM
               and not part.codes & {Code.PERSUADE, Code.CONFRONT} for part in parts)


WITH_THEM = QUESTION_CODES | REFLECTIONS | {Code.PERSUADE_WITH_PERMISSION, Code.SUMMARY}


def _replies(events: list[Event]) -> dict[int, Intent | None]:
    """How the patient took each trainee turn (by its number): the intent of their answer to it."""
    taken: dict[int, Intent | None] = {}
    waiting: int | None = None
    for event in events:
        if isinstance(event, TraineeTurn):
            waiting = event.turn
        elif isinstance(event, PatientTurn) and waiting is not None:
            taken[waiting] = event.intent
            waiting = None
    return taken


# What the patient says when nothing was done for a question at all.
NOTHING = {
    "understand": "Nobody went through what any of it means for me.",
    "listen": "I didn't really get to say anything.",
    "include": "Nobody asked me what I wanted to do.",
}


def _answer(key: str, parts: list[tuple[int, str]]) -> Answer:
    good = [why for points, why in parts if points > 0]
    # What went wrong, after what went right, as a person would put it: "..., but the plan was yours."
    bad = [f"But {why[:1].lower()}{why[1:]}" if good else why for points, why in parts if points < 0]
    because = tuple(good + bad) or (NOTHING[key],)
    return Answer(key, QUESTIONS[key], _clamp(sum(points for points, _ in parts)), because)

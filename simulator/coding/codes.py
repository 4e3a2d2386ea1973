"""The behaviour codes given to each trainee utterance (MITI 4.2.1 style, plus care-planning tags), and a
coded turn."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Code(StrEnum):
    """One behaviour an utterance shows. An utterance may carry several."""

    OPEN_QUESTION = "open_question"
    CLOSED_QUESTION = "closed_question"
    SIMPLE_REFLECTION = "simple_reflection"
    COMPLEX_REFLECTION = "complex_reflection"
    GIVING_INFORMATION = "giving_information"
    PERSUADE = "persuade"
    PERSUADE_WITH_PERMISSION = "persuade_with_permission"
    AFFIRM = "affirm"
    SEEKING_COLLABORATION = "seeking_collaboration"
    EMPHASISING_AUTONOMY = "emphasising_autonomy"
    CONFRONT = "confront"
    SUMMARY = "summary"
    ASKS_WHAT_MATTERS = "asks_what_matters"
    OTHER = "other"
    # Care and support planning tags (DOMAIN.md), carried beside the MITI-style codes.
    ORIENTS = "orients"
    AGENDA_SETTING = "agenda_setting"
    EXPLORES_RESULTS = "explores_results"
    ELICITS_GOAL = "elicits_goal"
    ACTION_STEP = "action_step"
    CONFIDENCE_RULER = "confidence_ruler"
    TEACH_BACK = "teach_back"
    SIGNPOSTING = "signposting"
    REVIEW_ARRANGED = "review_arranged"

    @property
    def label(self) -> str:
        """The code as a person would write it."""
        return LABELS[self]

    @property
    def short(self) -> str:
        """A few letters for the code, where a column is narrow (MITI's abbreviations where it has them)."""
        return SHORT[self]


LABELS: dict[Code, str] = {
    Code.OPEN_QUESTION: "Open question",
    Code.CLOSED_QUESTION: "Closed question",
    Code.SIMPLE_REFLECTION: "Simple reflection",
    Code.COMPLEX_REFLECTION: "Complex reflection",
    Code.GIVING_INFORMATION: "Giving information",
    Code.PERSUADE: "Advice without permission",
    Code.PERSUADE_WITH_PERMISSION: "Advice with permission",
    Code.AFFIRM: "Affirm",
    Code.SEEKING_COLLABORATION: "Seeking collaboration",
    Code.EMPHASISING_AUTONOMY: "Emphasising autonomy",
    Code.CONFRONT: "Confront",
    Code.SUMMARY: "Summary",
    Code.ASKS_WHAT_MATTERS: "Asks what matters",
    Code.OTHER: "Other",
    Code.ORIENTS: "Orients to the conversation",
    Code.AGENDA_SETTING: "Agenda setting",
    Code.EXPLORES_RESULTS: "Explores results",
    Code.ELICITS_GOAL: "Elicits goal",
    Code.ACTION_STEP: "Action step",
    Code.CONFIDENCE_RULER: "Confidence ruler",
    Code.TEACH_BACK: "Teach-back",
    Code.SIGNPOSTING: "Signposting",
    Code.REVIEW_ARRANGED: "Review arranged",
}

SHORT: dict[Code, str] = {
    Code.OPEN_QUESTION: "OQ", Code.CLOSED_QUESTION: "CQ", Code.SIMPLE_REFLECTION: "SR",
    Code.COMPLEX_REFLECTION: "CR", Code.GIVING_INFORMATION: "GI", Code.PERSUADE: "Pers",
    Code.PERSUADE_WITH_PERMISSION: "PwP", Code.AFFIRM: "AF", Code.SEEKING_COLLABORATION: "Seek",
    Code.EMPHASISING_AUTONOMY: "Aut", Code.CONFRONT: "Con", Code.SUMMARY: "Sum", Code.ASKS_WHAT_MATTERS: "WM",
    Code.OTHER: "Oth", Code.ORIENTS: "Ori", Code.AGENDA_SETTING: "Agn", Code.EXPLORES_RESULTS: "Res",
    Code.ELICITS_GOAL: "Goal", Code.ACTION_STEP: "Step", Code.CONFIDENCE_RULER: "Conf", Code.TEACH_BACK: "TB",
    Code.SIGNPOSTING: "Sign", Code.REVIEW_ARRANGED: "Rev",
}

QUESTIONS = frozenset({Code.OPEN_QUESTION, Code.CLOSED_QUESTION})
REFLECTIONS = frozenset({Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION})
# The MITI-style behaviour codes; an utterance with none of them is coded OTHER.
MITI = frozenset({
    Code.OPEN_QUESTION, Code.CLOSED_QUESTION, Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION,
    Code.GIVING_INFORMATION, Code.PERSUADE, Code.PERSUADE_WITH_PERMISSION, Code.AFFIRM,
    Code.SEEKING_COLLABORATION, Code.EMPHASISING_AUTONOMY, Code.CONFRONT,
})
CARE_TAGS = frozenset({
    Code.ORIENTS, Code.AGENDA_SETTING, Code.EXPLORES_RESULTS, Code.ELICITS_GOAL, Code.ACTION_STEP,
    Code.CONFIDENCE_RULER, Code.TEACH_BACK, Code.SIGNPOSTING, Code.REVIEW_ARRANGED,
})
# Moves that invite the person to say more: a disclosure only ever answers one of these.
INVITING = frozenset({Code.OPEN_QUESTION, Code.ASKS_WHAT_MATTERS, Code.SUMMARY} | REFLECTIONS)


@dataclass(frozen=True)
class Part:
    """One utterance of a turn, as MITI coders split turns, and the codes it earned."""

    text: str
    codes: frozenset[Code]


@dataclass(frozen=True)
class Coding:
    """A coded turn: the union of its utterances' codes, the utterances themselves, and how many asked a
    question (stacked questions matter)."""

    codes: frozenset[Code]
    questions: int = 0
    parts: tuple[Part, ...] = ()

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def quote(self, wanted: Iterable[Code]) -> str | None:
        """The first utterance that earned one of `wanted`, or None when no utterance is known to have."""
        wanted = set(wanted)
        return next((part.text for part in self.parts if part.codes & wanted), None)

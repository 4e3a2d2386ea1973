"""Scoring a coded conversation against a rubric: a pure function, the same input always the same score.

Credit is only for behaviour shown: a behaviour nobody could see in the conversation scores 0, and a
move said as unsolicited advice ("You should walk every day" names a step) is the nurse's move, not one
made with the person, so it earns no credit for the collaborative behaviour it resembles.
"""

from collections import Counter
from dataclasses import dataclass, field

from simulator.coding.care_tags import step_elements
from simulator.coding.codes import QUESTIONS as QUESTION_CODES
from simulator.coding.codes import REFLECTIONS as REFLECTION_CODES
from simulator.coding.codes import Code, Part
from simulator.content.rubric import Behaviour, Evidence, Level, Rubric

QUESTIONS = (Code.OPEN_QUESTION, Code.CLOSED_QUESTION)
REFLECTIONS = (Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION)
SHARING = (Code.SEEKING_COLLABORATION, Code.EMPHASISING_AUTONOMY, Code.ASKS_WHAT_MATTERS, Code.AFFIRM)
RIGHTING = (Code.PERSUADE, Code.CONFRONT)
INFORMING = (Code.GIVING_INFORMATION, Code.PERSUADE_WITH_PERMISSION)
# Moves that are only made with the person when they are not said as unsolicited advice or confrontation.
# Raising the results and arranging a review are left out: they happen even when told (the rubric's
# partial levels say so).
COLLABORATIVE = frozenset({
    Code.ORIENTS, Code.AGENDA_SETTING, Code.ASKS_WHAT_MATTERS, Code.ELICITS_GOAL, Code.ACTION_STEP,
    Code.CONFIDENCE_RULER, Code.TEACH_BACK, Code.SEEKING_COLLABORATION, Code.EMPHASISING_AUTONOMY,
    Code.SIGNPOSTING,
})
RELATIONAL_METHOD = (
    "Estimated from the codes, not rated by a person: empathy = 1 + 4 x min(1, reflections per clinician "
    "turn / 0.4); partnership = 1 + 4 x clamp(0.55 + 1.5 x sharing - 2.5 x righting - 1 x informing "
    "+ 0.5 x reflections, 0, 1), each per clinician turn, where sharing counts seeking collaboration, "
    "emphasising autonomy, asking what matters and affirming (not when said as advice), righting counts "
    "unsolicited advice and confronting, and informing counts information and advice with permission. "
    "MITI warns that globals are unreliable under about ten minutes of talk."
)
# What a group of codes is called in plain words, and what doing it is called: for the findings.
NOUNS: dict[frozenset[Code], tuple[str, str]] = {
    QUESTION_CODES: ("question", "asked"),
    REFLECTION_CODES: ("reflection", "reflected"),
}


@dataclass(frozen=True)
class CodedTurn:
    """One clinician turn with its codes, and what the patient said either side of it."""

    number: int
    text: str
    codes: frozenset[Code]
    parts: tuple[Part, ...] = ()
    heard: str = ""  # the patient's words just before the turn
    reply: str = ""  # the patient's words answering it

    @property
    def credited(self) -> frozenset[Code]:
        """The codes the turn earns credit for: its collaborative codes only from utterances that were not
        unsolicited advice or confrontation (without utterances, from none, when the turn was)."""
        righting = set(RIGHTING)
        if not self.codes & righting:
            return self.codes
        earned = set(self.codes - COLLABORATIVE)
        for part in self.parts:
            if not part.codes & righting:
                earned |= part.codes & COLLABORATIVE
        return frozenset(earned)

    def words(self, wanted: set[Code]) -> str:
        """The trainee's words that earned one of `wanted`: the utterance where it is known (one that was not
        advice, when advice is not what is wanted), else the turn."""
        found = [part for part in self.parts if part.codes & wanted]
        if not wanted & set(RIGHTING):
            found.sort(key=lambda part: bool(part.codes & set(RIGHTING)))
        return found[0].text if found else self.text


@dataclass(frozen=True)
class Conversation:
    """What the scorer reads: the coded clinician turns and how much each side said."""

    turns: list[CodedTurn]
    clinician_words: int
    patient_words: int
    # The recorded care plan's checks (id: holds), or None when no plan was recorded.
    plan_checks: dict[str, bool] | None = None


@dataclass(frozen=True)
class EvidenceItem:
    """A turn that evidences a behaviour, with the trainee's exact words."""

    turn: int
    words: str


@dataclass(frozen=True)
class BehaviourScore:
    """One behaviour's level, why, and what the trainee reads about it.

    `finding` says in plain words what happened; `rationale` gives the measure behind the level (for the
    MITI view and reviewers). `evidence` are the turns that show the behaviour; `missed` the turns where it
    was called for and another move came instead (a closed question, a question where a reflection could
    have been, unsolicited advice), which is what a development area quotes."""

    id: str
    name: str
    level: int
    weight: float
    evidence: list[EvidenceItem]
    rationale: str
    feedback: str
    instead: str | None
    finding: str = ""
    missed: list[EvidenceItem] = field(default_factory=list)


@dataclass(frozen=True)
class Miti:
    """MITI summary measures and the estimated relational globals."""

    counts: dict[str, int]
    reflection_question_ratio: float | None
    percent_complex_reflections: float | None
    percent_open_questions: float | None
    clinician_talk_share: float | None
    empathy_estimate: float
    partnership_estimate: float
    relational_estimate: float
    relational_method: str = RELATIONAL_METHOD


@dataclass(frozen=True)
class Score:
    """A scored conversation."""

    overall: float
    behaviours: list[BehaviourScore]
    miti: Miti
    rubric_id: str
    rubric_version: str
    coder_version: str
    notes: list[str] = field(default_factory=list)


def score(conversation: Conversation, rubric: Rubric, coder_version: str) -> Score:
    """Score every behaviour of `rubric` on `conversation`, the MITI measures, and the overall 0-100."""
    miti = miti_summary(conversation)
    behaviours = [_behaviour(b, conversation, miti) for b in rubric.behaviours]
    total_weight = sum(b.weight for b in behaviours)
    overall = 100 * sum(b.level * b.weight for b in behaviours) / (2 * total_weight) if total_weight else 0.0
    return Score(round(overall, 1), behaviours, miti, rubric.id, rubric.version, coder_version)


def miti_summary(conversation: Conversation) -> Miti:
    """Counts, the MITI ratios, talk share and relational estimates."""
    counts: Counter[Code] = Counter()
    credited: Counter[Code] = Counter()
    for turn in conversation.turns:
        counts.update(turn.codes)
        credited.update(turn.credited)
    questions = sum(counts[c] for c in QUESTIONS)
    reflections = sum(counts[c] for c in REFLECTIONS)
    n = max(1, len(conversation.turns))
    rate = {name: sum(credited[c] for c in codes) / n
            for name, codes in (("sharing", SHARING), ("righting", RIGHTING), ("informing", INFORMING))}
    empathy = 1 + 4 * min(1.0, reflections / n / 0.4)
    partnership = 1 + 4 * _clamp(0.55 + 1.5 * rate["sharing"] - 2.5 * rate["righting"] - rate["informing"]
                                 + 0.5 * reflections / n)
    words = conversation.clinician_words + conversation.patient_words
    return Miti(
        counts={code.value: counts[code] for code in Code},
        reflection_question_ratio=_round(reflections / questions) if questions else None,
        percent_complex_reflections=_round(100 * counts[Code.COMPLEX_REFLECTION] / reflections) if reflections else None,
        percent_open_questions=_round(100 * counts[Code.OPEN_QUESTION] / questions) if questions else None,
        clinician_talk_share=_round(conversation.clinician_words / words) if words else None,
        empathy_estimate=_round(empathy),
        partnership_estimate=_round(partnership),
        relational_estimate=_round((empathy + partnership) / 2),
    )


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _round(value: float) -> float:
    return round(value, 3)


def _with(turns: list[CodedTurn], codes: list[Code]) -> list[CodedTurn]:
    wanted = set(codes)
    return [turn for turn in turns if turn.credited & wanted]


def _asked(turn: CodedTurn, wanted: set[Code]) -> bool:
    """Whether the turn made one of `wanted` moves as a question or a reflection, not as information given
    ('Your sugar is higher than last year' raises the results; 'What did you make of them?' explores them)."""
    if not turn.credited & wanted:
        return False
    parts = [p for p in turn.parts if p.codes & wanted] or [Part(turn.text, turn.credited)]
    return any(Code.GIVING_INFORMATION not in p.codes or p.codes & (QUESTION_CODES | REFLECTION_CODES)
               for p in parts)


def _without(turns: list[CodedTurn], codes: list[Code], but: list[Code]) -> list[CodedTurn]:
    """Turns carrying one of `codes` and none of `but`."""
    wanted, unwanted = set(codes), set(but)
    return [turn for turn in turns if turn.credited & wanted and not turn.credited & unwanted]


# A behaviour's levels, in order, as the rubric's per-level texts are keyed.
LEVELS: tuple[Level, ...] = (0, 1, 2)


def _level_at_least(value: float, levels: list[float]) -> int:
    return 2 if value >= levels[1] else 1 if value >= levels[0] else 0


@dataclass(frozen=True)
class _Judged:
    """A behaviour's level on the conversation, the turns behind it, and why, measured and in plain words."""

    level: int
    evidence: list[CodedTurn]
    rationale: str
    finding: str
    missed: list[CodedTurn] = field(default_factory=list)


def _behaviour(behaviour: Behaviour, conversation: Conversation, miti: Miti) -> BehaviourScore:
    judged = _evaluate(behaviour.evidence, conversation, miti)
    level, rationale, finding = judged.level, judged.rationale, judged.finding
    spec = behaviour.evidence
    # What a quote of the evidence should show: for an avoided move credited, the exploring that earned it.
    wanted = set(spec.of) if spec.kind == "absent" and not judged.missed else set(spec.codes) | set(spec.then)
    if behaviour.plan is not None and conversation.plan_checks is not None:
        held = [check for check in behaviour.plan.checks if conversation.plan_checks.get(check)]
        cap = 2 if len(held) == len(behaviour.plan.checks) else 1 if held else 0
        if cap < level:
            finding += f" Your recorded plan holds it back: it meets {len(held)} of {len(behaviour.plan.checks)} " \
                       f"of the plan checks that go with it."
        level = min(level, cap)
        rationale += f"; the recorded plan meets {len(held)} of {len(behaviour.plan.checks)} of its checks"
    missed_wanted = set(spec.codes) if spec.kind == "absent" else set(spec.of)
    return BehaviourScore(
        id=behaviour.id, name=behaviour.name, level=level, weight=behaviour.weight,
        evidence=[EvidenceItem(t.number, t.words(wanted)) for t in judged.evidence], rationale=rationale,
        feedback=behaviour.feedback[LEVELS[level]], instead=behaviour.instead, finding=finding,
        missed=[EvidenceItem(t.number, t.words(missed_wanted)) for t in judged.missed],
    )


def _names(codes: list[Code]) -> str:
    return ", ".join(code.label.lower() for code in codes)


def _noun(codes: list[Code]) -> tuple[str, str]:
    """What turns with `codes` are called, and what doing them is called, in plain words."""
    return NOUNS.get(frozenset(codes), ("turn", "did"))


def _count(n: int, noun: str) -> str:
    """'no questions', '1 question', '5 questions'."""
    return f"{n or 'no'} {noun}" + ("" if n == 1 else "s")


def _times(turns: list[CodedTurn]) -> str:
    """'once (turn 4)', '3 times (turns 2, 5 and 9)', '16 times (turns 2, 3, 4, 6, 10, …)'."""
    numbers = sorted(t.number for t in turns)
    shown = [str(n) for n in numbers[:5]]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown) + ", …" if len(numbers) > 5 else \
        ", ".join(shown[:-1]) + " and " + shown[-1]
    often = "once" if len(turns) == 1 else "twice" if len(turns) == 2 else f"{len(turns)} times"
    return f"{often} (turn{'s' if len(turns) > 1 else ''} {listed})"


def _evaluate(spec: Evidence, conversation: Conversation, miti: Miti) -> _Judged:
    turns = conversation.turns
    hits = _with(turns, spec.codes)
    names = _names(spec.codes)
    if spec.kind == "count":
        assert spec.at_least is not None
        return _Judged(_level_at_least(len(hits), spec.at_least), hits,
                       f"{len(hits)} turn(s) with {names}; {spec.at_least[0]:g} for partial, "
                       f"{spec.at_least[1]:g} for done well",
                       f"You did this {_times(hits)}." if hits else "Not seen in this conversation.")
    if spec.kind in {"share", "ratio"}:
        return _measured(spec, turns, hits)
    if spec.kind == "early":
        if not hits:
            return _Judged(0, [], f"no turn with {names}", "Not seen in this conversation.")
        level = 2 if hits[0].number <= spec.within else 1
        return _Judged(level, hits[:1],
                       f"first at turn {hits[0].number} (within {spec.within} counts as done well)",
                       f"At turn {hits[0].number}." if level == 2 else
                       f"Only at turn {hits[0].number}, once the conversation was under way.")
    if spec.kind == "followed_up":
        if not hits:
            return _Judged(0, [], f"no turn with {names}", "Not seen in this conversation.")
        # Each turn paired with the one after it, in one pass (looking each hit up in the list was quadratic).
        wanted, follow_ups = set(spec.codes), set(spec.then)
        followed = next(((t, after) for t, after in zip(turns, turns[1:], strict=False)
                         if _asked(t, wanted) and after.credited & follow_ups), None)
        if followed is not None:
            first, then = followed
            return _Judged(2, [first, then], f"turn {first.number} was followed up at the next turn",
                           f"At turn {first.number}, and you followed the answer up at turn {then.number}.")
        if not any(_asked(t, wanted) for t in hits):
            return _Judged(1, hits[:1], f"turn {hits[0].number} told rather than asked",
                           f"At turn {hits[0].number}, told rather than asked, so there was no answer to follow up.")
        return _Judged(1, hits[:1], f"turn {hits[0].number} was not followed up with "
                       f"{' or '.join(c.label.lower() for c in spec.then)}",
                       f"At turn {hits[0].number}, but the answer was not followed up.")
    if spec.kind == "absent":
        return _absent(spec, turns, hits)
    if spec.kind == "step":
        return _step(spec, hits)
    assert spec.at_least is not None
    value = miti.relational_estimate
    level = _level_at_least(value, spec.at_least)
    return _Judged(level, [], f"relational estimate {value:.1f} of 5 (fair {spec.at_least[0]:g}, good "
                   f"{spec.at_least[1]:g})", ("Partnership and empathy came through well." if level == 2 else
                                              "Some partnership and empathy came through." if level == 1 else
                                              "Little partnership or empathy came through."))


def _measured(spec: Evidence, turns: list[CodedTurn], hits: list[CodedTurn]) -> _Judged:
    """`share` and `ratio`: turns with `codes` against turns with `of`. The turns with `of` and without `codes`
    are the ones missed (a closed question where an open one could have been; a question with no reflection)."""
    assert spec.at_least is not None
    whole = _with(turns, spec.of)
    missed = _without(turns, spec.of, spec.codes)
    part, part_verb = _noun(spec.codes)
    noun, verb = _noun(spec.of)
    if spec.kind == "share":
        if not whole:
            return _Judged(0, [], f"no turns with {_names(spec.of)} to measure against",
                           f"You {verb} no {noun}s." if noun != "turn" else "Not seen in this conversation.")
        value = len(hits) / len(whole)
        levels = [f"{100 * x:.0f}%" for x in spec.at_least]
        return _Judged(_level_at_least(value, spec.at_least), hits,
                       f"{100 * value:.0f}% ({len(hits)} of {len(whole)}); {levels[0]} for partial, {levels[1]} "
                       f"for done well", _share_finding(spec, len(hits), len(whole)), missed)
    # A ratio with nothing to divide by is as many as were done (two reflections and no questions: 2).
    value = len(hits) / max(1, len(whole))
    measured = (f"{value:.2f} ({len(hits)} to {len(whole)}); {spec.at_least[0]:g} for partial, "
                f"{spec.at_least[1]:g} for done well")
    # "Far more" is a claim about a pattern: not made of one or two questions.
    if len(whole) >= 3 and len(whole) > 2 * len(hits):
        finding = f"You {verb} far more than you {part_verb}: {_count(len(whole), noun)} and {_count(len(hits), part)}."
    elif not whole and not hits:
        finding = f"You {verb} no {noun}s and made no {part}s."
    else:
        finding = f"{_count(len(hits), part).capitalize()} to {_count(len(whole), noun)}."
    return _Judged(_level_at_least(value, spec.at_least), hits, measured, finding, missed)


def _share_finding(spec: Evidence, hits: int, whole: int) -> str:
    """'7 of your 9 questions were open', where the codes are a kind of what they are counted among."""
    noun, _ = _noun(spec.of)
    kinds = [code.label.lower().removesuffix(noun).strip() for code in spec.codes]
    if noun != "turn" and all(code.label.lower().endswith(noun) for code in spec.codes):
        return f"{hits} of your {_count(whole, noun)} {'was' if hits == 1 else 'were'} {_listed(kinds, 'or')}."
    return f"{hits} of {_count(whole, 'turn')} with {_names(spec.of)} had {_names(spec.codes)}."


def _absent(spec: Evidence, turns: list[CodedTurn], hits: list[CodedTurn]) -> _Judged:
    """Fewer is better, but not doing something is only credited where the trainee showed the alternative:
    at least `at_least` turns carrying one of `of` (any turn, without `of`) and none of `codes`."""
    assert spec.at_most is not None
    shown = _without(turns, spec.of, spec.codes) if spec.of else [t for t in turns if not t.credited & set(spec.codes)]
    needed = spec.at_least or [1.0, 1.0]
    by_count = 2 if len(hits) <= spec.at_most[1] else 1 if len(hits) <= spec.at_most[0] else 0
    level = min(by_count, _level_at_least(len(shown), needed))
    rationale = (f"{len(hits)} turn(s) with {_names(spec.codes)}; at most {spec.at_most[1]:g} for done well; "
                 f"{len(shown)} turn(s) showing the alternative ({needed[0]:g} for partial, {needed[1]:g} for done well)")
    if hits:
        finding = f"{_names(spec.codes).capitalize()}: {_times(hits)}."
    elif len(shown) < needed[0]:
        finding = "Too little of the conversation to credit: not doing it only counts alongside exploring."
    else:
        finding = f"None, across {_count(len(shown), 'turn')} of exploring instead."
    # The turns the level rests on: the advice where there was some, else the exploring that earned it,
    # listening first (what a quote of it should show).
    listening = sorted(shown, key=lambda t: next((i for i, codes in enumerate(INSTEAD_OF_TELLING) if t.credited & codes),
                                                 len(INSTEAD_OF_TELLING)))
    return _Judged(level, hits or listening, rationale, finding, hits)


# What shows best that a trainee held back from telling, in order: leaving the choice with the person,
# asking their view, asking before informing, reflecting meaning, asking openly.
INSTEAD_OF_TELLING: tuple[frozenset[Code], ...] = (
    frozenset({Code.EMPHASISING_AUTONOMY}), frozenset({Code.SEEKING_COLLABORATION}),
    frozenset({Code.PERSUADE_WITH_PERMISSION}), frozenset({Code.COMPLEX_REFLECTION}), frozenset({Code.OPEN_QUESTION}),
)
STEP_ELEMENTS = {"what": "what", "where": "where", "when": "when", "how_much": "how much", "start": "a start"}


def _step(spec: Evidence, hits: list[CodedTurn]) -> _Judged:
    """The SMART elements named in the turns with `codes` and in the patient's answers to them: a step the
    person names themselves, asked what, when and where, is theirs."""
    assert spec.at_least is not None
    named_in = {turn.number: step_elements(f"{turn.text} {turn.reply}") for turn in hits}
    elements = set().union(*named_in.values())
    named = ", ".join(sorted(elements)) or "none"
    missing = [plain for key, plain in STEP_ELEMENTS.items() if key not in elements]
    said = [plain for key, plain in STEP_ELEMENTS.items() if key in elements]
    if not said:
        finding = "No step with what, where, when, how much or a start was named in the conversation."
    elif len(elements) < spec.at_least[0]:
        finding = f"Only {_listed(said)} came up, not a step."
    else:
        finding = f"The step named {_listed(said)}" + (f"; it did not say {_listed(missing, 'or')}." if missing
                                                        else ".")
    return _Judged(_level_at_least(len(elements), spec.at_least), [t for t in hits if named_in[t.number]],
                   f"{len(elements)} of 5 step elements named ({named}), by you or in their answers", finding)


def _listed(items: list[str], last: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]

"""Scoring a coded conversation against a rubric: a pure function, the same input always the same score."""

from collections import Counter
from dataclasses import dataclass, field

from simulator.coding.care_tags import step_elements
from simulator.coding.codes import Code, Part
from simulator.content.rubric import Behaviour, Evidence, Level, Rubric

QUESTIONS = (Code.OPEN_QUESTION, Code.CLOSED_QUESTION)
REFLECTIONS = (Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION)
SHARING = (Code.SEEKING_COLLABORATION, Code.EMPHASISING_AUTONOMY, Code.ASKS_WHAT_MATTERS, Code.AFFIRM)
RIGHTING = (Code.PERSUADE, Code.CONFRONT)
INFORMING = (Code.GIVING_INFORMATION, Code.PERSUADE_WITH_PERMISSION)
RELATIONAL_METHOD = (
    "Estimated from the codes, not rated by a person: empathy = 1 + 4 x min(1, reflections per clinician "
    "turn / 0.4); partnership = 1 + 4 x clamp(0.55 + 1.5 x sharing - 2.5 x righting - 1 x informing "
    "+ 0.5 x reflections, 0, 1), each per clinician turn, where sharing counts seeking collaboration, "
    "emphasising autonomy, asking what matters and affirming, righting counts unsolicited advice and "
    "confronting, and informing counts information and advice with permission. MITI warns that globals "
    "are unreliable under about ten minutes of talk."
)


@dataclass(frozen=True)
class CodedTurn:
    """One clinician turn with its codes."""

    number: int
    text: str
    codes: frozenset[Code]
    parts: tuple[Part, ...] = ()

    def words(self, wanted: set[Code]) -> str:
        """The trainee's words that earned one of `wanted`: the utterance where it is known, else the turn."""
        return next((part.text for part in self.parts if part.codes & wanted), self.text)


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
    """One behaviour's level, why, and what the trainee reads about it."""

    id: str
    name: str
    level: int
    weight: float
    evidence: list[EvidenceItem]
    rationale: str
    feedback: str
    instead: str | None


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
    for turn in conversation.turns:
        counts.update(turn.codes)
    questions = sum(counts[c] for c in QUESTIONS)
    reflections = sum(counts[c] for c in REFLECTIONS)
    n = max(1, len(conversation.turns))
    rate = {name: sum(counts[c] for c in codes) / n
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
    return [turn for turn in turns if turn.codes & wanted]


# A behaviour's levels, in order, as the rubric's per-level texts are keyed.
LEVELS: tuple[Level, ...] = (0, 1, 2)


def _level_at_least(value: float, levels: list[float]) -> int:
    return 2 if value >= levels[1] else 1 if value >= levels[0] else 0


def _behaviour(behaviour: Behaviour, conversation: Conversation, miti: Miti) -> BehaviourScore:
    level, evidence, rationale = _evaluate(behaviour.evidence, conversation, miti)
    wanted = set(behaviour.evidence.codes) | set(behaviour.evidence.then)
    if behaviour.plan is not None and conversation.plan_checks is not None:
        held = [check for check in behaviour.plan.checks if conversation.plan_checks.get(check)]
        cap = 2 if len(held) == len(behaviour.plan.checks) else 1 if held else 0
        level = min(level, cap)
        rationale += f"; the recorded plan meets {len(held)} of {len(behaviour.plan.checks)} of its checks"
    return BehaviourScore(
        id=behaviour.id, name=behaviour.name, level=level, weight=behaviour.weight,
        evidence=[EvidenceItem(t.number, t.words(wanted)) for t in evidence], rationale=rationale,
        feedback=behaviour.feedback[LEVELS[level]], instead=behaviour.instead,
    )


def _evaluate(spec: Evidence, conversation: Conversation, miti: Miti) -> tuple[int, list[CodedTurn], str]:
    turns = conversation.turns
    hits = _with(turns, spec.codes)
    names = ", ".join(code.label.lower() for code in spec.codes)
    if spec.kind == "count":
        assert spec.at_least is not None
        return _level_at_least(len(hits), spec.at_least), hits, \
            f"{len(hits)} turn(s) with {names}; {spec.at_least[0]:g} for partial, {spec.at_least[1]:g} for done well"
    if spec.kind in {"share", "ratio"}:
        assert spec.at_least is not None
        whole = len(_with(turns, spec.of))
        if not whole:
            return 0, [], f"no turns with {', '.join(c.label.lower() for c in spec.of)} to measure against"
        value = len(hits) / whole
        shown = f"{100 * value:.0f}%" if spec.kind == "share" else f"{value:.2f}"
        levels = [f"{100 * x:.0f}%" if spec.kind == "share" else f"{x:g}" for x in spec.at_least]
        return _level_at_least(value, spec.at_least), hits, \
            f"{shown} ({len(hits)} of {whole}); {levels[0]} for partial, {levels[1]} for done well"
    if spec.kind == "early":
        if not hits:
            return 0, [], f"no turn with {names}"
        level = 2 if hits[0].number <= spec.within else 1
        return level, hits[:1], f"first at turn {hits[0].number} (within {spec.within} counts as done well)"
    if spec.kind == "followed_up":
        if not hits:
            return 0, [], f"no turn with {names}"
        # Each turn paired with the one after it, in one pass (looking each hit up in the list was quadratic).
        wanted, follow_ups = set(spec.codes), set(spec.then)
        followed = next(((t, after) for t, after in zip(turns, turns[1:], strict=False)
                         if t.codes & wanted and after.codes & follow_ups), None)
        if followed is not None:
            first, then = followed
            return 2, [first, then], f"turn {first.number} was followed up at the next turn"
        return 1, hits[:1], f"turn {hits[0].number} was not followed up with a reflection or open question"
    if spec.kind == "absent":
        assert spec.at_most is not None
        level = 2 if len(hits) <= spec.at_most[1] else 1 if len(hits) <= spec.at_most[0] else 0
        return level, hits, f"{len(hits)} turn(s) with {names}; at most {spec.at_most[1]:g} for done well"
    if spec.kind == "step":
        assert spec.at_least is not None
        named_in = {turn.number: step_elements(turn.text) for turn in hits}
        elements = set().union(*named_in.values())
        named = ", ".join(sorted(elements)) or "none"
        return _level_at_least(len(elements), spec.at_least), [t for t in hits if named_in[t.number]], \
            f"{len(elements)} of 5 step elements named ({named})"
    assert spec.at_least is not None
    value = miti.relational_estimate
    return _level_at_least(value, spec.at_least), [], \
        f"relational estimate {value:.1f} of 5 (fair {spec.at_least[0]:g}, good {spec.at_least[1]:g})"

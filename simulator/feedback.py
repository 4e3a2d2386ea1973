"""First feedback on a consultation: code counts, the two headline ratios, and what the patient shared."""

from collections import Counter
from dataclasses import dataclass

from simulator.codes import Code
from simulator.scenario import HiddenFact, Scenario
from simulator.transcript import Event, PatientTurn, TraineeTurn


@dataclass(frozen=True)
class FactOutcome:
    """Whether one hidden fact came out, and at which trainee turn."""

    fact: HiddenFact
    turn: int | None

    @property
    def reached(self) -> bool:
        return self.turn is not None


@dataclass(frozen=True)
class Feedback:
    """The measures shown on the feedback screen and printed by `simulator play`."""

    turns: int
    counts: Counter[Code]
    reflections_to_questions: float | None
    percent_open_questions: float | None
    percent_complex_reflections: float | None
    trainee_talk_share: float | None
    hidden: list[FactOutcome]
    free_shared: int
    free_total: int

    @property
    def priority_reached(self) -> bool:
        return any(outcome.reached and outcome.fact.priority for outcome in self.hidden)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def summarise(scenario: Scenario, events: list[Event]) -> Feedback:
    """Compute first-version feedback from a transcript's events (a pure function of them)."""
    counts: Counter[Code] = Counter()
    trainee_words = patient_words = turns = 0
    released_at: dict[str, int] = {}
    for event in events:
        if isinstance(event, TraineeTurn):
            turns += 1
            counts.update(event.codes)
            trainee_words += len(event.text.split())
        elif isinstance(event, PatientTurn):
            patient_words += len(event.text.split())
            for fact_id in event.released:
                released_at.setdefault(fact_id, event.turn)
    questions = counts[Code.OPEN_QUESTION] + counts[Code.CLOSED_QUESTION]
    reflections = counts[Code.SIMPLE_REFLECTION] + counts[Code.COMPLEX_REFLECTION]
    free_ids = {fact.id for fact in scenario.free_facts}
    return Feedback(
        turns=turns,
        counts=counts,
        reflections_to_questions=_ratio(reflections, questions),
        percent_open_questions=_percent(counts[Code.OPEN_QUESTION], questions),
        percent_complex_reflections=_percent(counts[Code.COMPLEX_REFLECTION], reflections),
        trainee_talk_share=_ratio(trainee_words, trainee_words + patient_words),
        hidden=[FactOutcome(fact, released_at.get(fact.id)) for fact in scenario.hidden_facts],
        free_shared=len(free_ids & released_at.keys()),
        free_total=len(free_ids),
    )


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None

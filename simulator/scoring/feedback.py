"""Feedback on a consultation beyond the score: what the patient shared, strengths, development
areas and moments to replay, all tied to the trainee's own words."""

from dataclasses import dataclass

from simulator.coding.codes import Code
from simulator.content.scenario import HiddenFact, Scenario
from simulator.scoring.score import BehaviourScore, Conversation, Score
from simulator.storage.events import Event, PatientTurn, TraineeTurn


@dataclass(frozen=True)
class FactOutcome:
    """Whether one hidden fact came out, and at which trainee turn."""

    fact: HiddenFact
    turn: int | None

    @property
    def reached(self) -> bool:
        return self.turn is not None


@dataclass(frozen=True)
class Disclosure:
    """What the patient shared: free facts and, above all, hidden ones reached or missed."""

    turns: int
    hidden: list[FactOutcome]
    free_shared: int
    free_total: int

    @property
    def priority_reached(self) -> bool:
        return any(outcome.reached and outcome.fact.priority for outcome in self.hidden)


def disclosures(scenario: Scenario, events: list[Event]) -> Disclosure:
    """Which facts came out, and when, from a transcript's events (a pure function of them)."""
    released_at: dict[str, int] = {}
    for event in events:
        if isinstance(event, PatientTurn):
            for fact_id in event.released:
                released_at.setdefault(fact_id, event.turn)
    free_ids = {fact.id for fact in scenario.free_facts}
    return Disclosure(
        turns=sum(1 for event in events if isinstance(event, TraineeTurn)),
        hidden=[FactOutcome(fact, released_at.get(fact.id)) for fact in scenario.hidden_facts],
        free_shared=len(free_ids & released_at.keys()),
        free_total=len(free_ids),
    )


@dataclass(frozen=True)
class Point:
    """A strength or a development area: the behaviour, what to read, and the trainee's own words."""

    behaviour: str
    level: int
    message: str
    quote: str | None
    instead: str | None


@dataclass(frozen=True)
class Moment:
    """A turn where a different move would have helped, with an example of what to say instead."""

    turn: int
    words: str
    why: str
    instead: str


@dataclass(frozen=True)
class Advice:
    """Feedback v2: strengths, development areas and moments, all tied to the trainee's words."""

    strengths: list[Point]
    development: list[Point]
    moments: list[Moment]


# A turn worth replaying: the code that marks it, why, and the rubric behaviour whose example helps.
MOMENT_RULES: tuple[tuple[Code, str, str], ...] = (
    (Code.CONFRONT, "This confronts the person, which hardens resistance.", "R12"),
    (Code.PERSUADE, "Advice the person did not ask for (the righting reflex).", "R12"),
)
CLOSED_RUN = "Another closed question in a row: the person can only answer yes or no."
MAX_MOMENTS = 5


def advise(result: Score, conversation: Conversation, max_points: int = 2) -> Advice:
    """Strongest and weakest weighted behaviours, and the moments worth replaying."""
    strongest = sorted(result.behaviours, key=lambda b: (-b.level, -b.weight))
    strengths = [_point(b) for b in strongest if b.level == 2 and b.evidence][:max_points]
    # Among equally weak, prefer those with the trainee's own words to quote.
    weakest = sorted(result.behaviours, key=lambda b: (b.level, -b.weight, not b.evidence))
    development = [_point(b) for b in weakest if b.level < 2][:max_points]
    return Advice(strengths, development, _moments(result, conversation))


def _point(behaviour: BehaviourScore) -> Point:
    quote = behaviour.evidence[0].words if behaviour.evidence else None
    return Point(f"{behaviour.id} {behaviour.name}", behaviour.level, behaviour.feedback, quote, behaviour.instead)


def _moments(result: Score, conversation: Conversation) -> list[Moment]:
    examples = {b.id: b.instead for b in result.behaviours if b.instead}
    moments: list[Moment] = []
    previous_closed = False
    for turn in conversation.turns:
        rule = next((r for r in MOMENT_RULES if r[0] in turn.codes), None)
        closed = Code.CLOSED_QUESTION in turn.codes and Code.OPEN_QUESTION not in turn.codes
        if rule is not None and rule[2] in examples:
            moments.append(Moment(turn.number, turn.words({rule[0]}), rule[1], examples[rule[2]] or ""))
        elif closed and previous_closed and "R05" in examples:
            moments.append(Moment(turn.number, turn.words({Code.CLOSED_QUESTION}), CLOSED_RUN, examples["R05"] or ""))
        previous_closed = closed
    return moments[:MAX_MOMENTS]

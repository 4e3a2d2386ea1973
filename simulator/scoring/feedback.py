"""Feedback on a consultation beyond the score: what the patient shared, strengths, development
areas and moments to replay, all tied to the trainee's own words."""

from dataclasses import dataclass

from simulator.coding.codes import REFLECTIONS, Code
from simulator.content.rubric import Rubric
from simulator.content.scenario import HiddenFact, Scenario
from simulator.patient.engine import Intent
from simulator.scoring.instead import (
    Scene,
    evoke_instead,
    move_of,
    open_instead,
    reflect_instead,
    telling,
    write_instead,
)
from simulator.scoring.score import BehaviourScore, CodedTurn, Conversation, Score
from simulator.storage.events import Event, PatientTurn, SessionStarted, TraineeTurn


@dataclass(frozen=True)
class FactOutcome:
    """Whether one hidden fact came out, and at which trainee turn."""

    fact: HiddenFact
    turn: int | None

    @property
    def reached(self) -> bool:
        return self.turn is not None

    @property
    def words(self) -> str:
        """When it came out, in words (turn 0: the patient told it at the last visit)."""
        if self.turn is None:
            return "missed"
        return "told at the last visit" if self.turn == 0 else f"reached at turn {self.turn}"


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
    """Which facts came out, and when, from a transcript's events (a pure function of them). At a review,
    what the patient told at the last visit counts as out from the start (turn 0)."""
    released_at: dict[str, int] = {}
    for event in events:
        if isinstance(event, SessionStarted):
            released_at.update(dict.fromkeys(event.known, 0))
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
    """A strength or a development area: the behaviour, what happened, what to read, the trainee's own
    words (for a development area, the turn where another move was called for), and what to say instead."""

    behaviour: str
    level: int
    message: str
    quote: str | None
    instead: str | None
    finding: str = ""


@dataclass(frozen=True)
class Moment:
    """A turn where a different move would have helped, with an example of what to say instead."""

    turn: int
    words: str
    why: str
    instead: str


@dataclass(frozen=True)
class Advice:
    """Strengths, development areas and moments, all tied to the trainee's words and written for this
    patient."""

    strengths: list[Point]
    development: list[Point]
    moments: list[Moment]


MAX_MOMENTS = 5


def advise(result: Score, conversation: Conversation, rubric: Rubric, scene: Scene | None,
           max_points: int = 2) -> Advice:
    """Strongest and weakest weighted behaviours, and the moments worth replaying. A strength needs turns
    that show it; a development area quotes the turn where another move was called for, with a line for
    this patient and that moment."""
    behaviours = {b.id: b for b in rubric.behaviours}
    strongest = sorted(result.behaviours, key=lambda b: (-b.level, -b.weight))
    strengths = [_point(b, None, None) for b in strongest if b.level == 2 and b.evidence][:max_points]
    # Among equally weak, prefer what a trainee can practise (a move with a line to try), then the weightiest,
    # then those with the trainee's own words to quote.
    weakest = sorted(result.behaviours, key=lambda b: (b.level, b.id in behaviours and move_of(behaviours[b.id]) is None,
                                                       -b.weight, not (b.missed or b.evidence)))
    # Something to avoid is only worth working on where it happened: not advising is not shown by silence
    # or a checklist, but that is what the behaviours about exploring say.
    workable = [b for b in weakest if b.level < 2 and not (b.id in behaviours and not b.missed
                                                            and behaviours[b.id].evidence.kind == "absent")]
    development = []
    for b in workable[:max_points]:
        moment = _moment_of(b, conversation)
        instead = write_instead(behaviours[b.id], scene, moment, conversation) if b.id in behaviours else b.instead
        development.append(_point(b, moment, instead))
    # A turn a development area already quotes, with its line to try, is not replayed again.
    quoted = {_moment_of(b, conversation) for b in workable[:max_points]}
    moments = [m for m in _moments(conversation, scene) if m.turn not in {t.number for t in quoted if t}]
    return Advice(strengths, development, moments[:MAX_MOMENTS])


def _moment_of(behaviour: BehaviourScore, conversation: Conversation) -> CodedTurn | None:
    """The turn a development area is about: of the turns where another move was called for, the one after
    the patient had said most; else the partial attempt."""
    turns = conversation.turns
    if behaviour.missed:
        candidates = [turns[item.turn - 1] for item in behaviour.missed]
        return max(candidates, key=lambda t: (len(t.heard), -t.number))
    return turns[behaviour.evidence[0].turn - 1] if behaviour.evidence else None


def _point(behaviour: BehaviourScore, moment: CodedTurn | None, instead: str | None) -> Point:
    quote: str | None
    if moment is not None:
        item = next((m for m in [*behaviour.missed, *behaviour.evidence] if m.turn == moment.number), None)
        quote = item.words if item is not None else moment.text
    else:
        quote = behaviour.evidence[0].words if behaviour.evidence else None
    return Point(f"{behaviour.id} {behaviour.name}", behaviour.level, behaviour.feedback, quote,
                 instead if behaviour.level < 2 else None, behaviour.finding)


def _moments(conversation: Conversation, scene: Scene | None) -> list[Moment]:
    """Turns worth replaying: advice or confrontation, a cue or disclosure moved on from without a
    reflection, and a second closed question in a row; each with a line for that moment."""
    said = {s.turn: s for s in scene.said} if scene is not None else {}
    name = scene.name if scene is not None else "the person"
    moments: list[Moment] = []
    previous_closed = False
    for turn in conversation.turns:
        codes = turn.credited
        # A closed question checking a summary or a reflection ("Have I got that right?") is not a yes-or-no list.
        closed = Code.CLOSED_QUESTION in codes and not codes & (REFLECTIONS | {Code.OPEN_QUESTION, Code.SUMMARY})
        before = said.get(turn.number - 1)
        moved_on = before is not None and (before.intent is Intent.HINT or (
            before.intent is Intent.DISCLOSE and before.released)) and not codes & (REFLECTIONS | {Code.SUMMARY})
        moment: Moment | None = None
        if codes & {Code.PERSUADE, Code.CONFRONT}:
            code = Code.CONFRONT if Code.CONFRONT in codes else Code.PERSUADE
            why = (f"This confronts {name}, which hardens resistance." if code is Code.CONFRONT else
                   f"Advice {name} had not asked for (the righting reflex).")
            if turn.reply:
                why += f" {name} answered: “{turn.reply}”"
            moment = _moment(turn, turn.words({code}), why, evoke_instead(scene, turn, conversation))
        elif moved_on and before is not None:
            what = "hinted at something that matters" if before.intent is Intent.HINT else \
                "told you something that matters"
            why = f"{name} had just {what} (“{telling(before.text) or before.text}”), and this turn moved on " \
                  f"without saying it back."
            moment = _moment(turn, turn.text, why, reflect_instead(scene, before.text, before.intent is Intent.HINT))
        elif closed and previous_closed:
            why = f"Another closed question in a row: {name} can only answer yes or no."
            moment = _moment(turn, turn.words({Code.CLOSED_QUESTION}), why,
                             open_instead(scene, turn, conversation))
        if moment is not None:
            moments.append(moment)
        previous_closed = closed
    return moments


def _moment(turn: CodedTurn, words: str, why: str, instead: str | None) -> Moment | None:
    return Moment(turn.number, words, why, instead) if instead else None

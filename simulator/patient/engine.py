"""The scripted patient: a seeded state machine that decides what the patient does each turn.

Trust and resistance move with the trainee's coded behaviour; hidden facts come out when their
release conditions hold (see `disclosure`); each turn ends in a reply intent realised by an authored
line. The engine decides *what* happens; a realiser (authored lines here) decides how it is said.
"""

import copy
import random
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from enum import StrEnum

from simulator.coding.codes import REFLECTIONS, Code, Coding
from simulator.content.scenario import Fact, Scenario
from simulator.patient.disclosure import can_release, ready_to_hint


class Intent(StrEnum):
    """What the patient does with a turn."""

    OPENING = "opening"
    ANSWER_BRIEF = "answer_brief"
    OPEN_UP = "open_up"
    HINT = "hint"
    DISCLOSE = "disclose"
    DEFLECT = "deflect"
    RESIST = "resist"
    AGREE = "agree"
    ACKNOWLEDGE = "acknowledge"
    UNSURE = "unsure"
    RATE_CONFIDENCE = "rate_confidence"
    CLOSING = "closing"


# (trust, resistance) change per code. Listening builds trust; the righting reflex builds resistance.
EFFECTS: dict[Code, tuple[float, float]] = {
    Code.OPEN_QUESTION: (0.05, 0.0),
    Code.CLOSED_QUESTION: (-0.01, 0.0),
    Code.SIMPLE_REFLECTION: (0.06, -0.03),
    Code.COMPLEX_REFLECTION: (0.10, -0.05),
    Code.ASKS_WHAT_MATTERS: (0.10, -0.02),
    Code.AFFIRM: (0.05, -0.02),
    Code.SEEKING_COLLABORATION: (0.04, -0.08),
    Code.EMPHASISING_AUTONOMY: (0.05, -0.10),
    Code.SUMMARY: (0.06, -0.03),
    Code.GIVING_INFORMATION: (-0.02, 0.03),
    Code.PERSUADE: (-0.10, 0.15),
    Code.PERSUADE_WITH_PERMISSION: (0.0, 0.0),
    Code.CONFRONT: (-0.20, 0.25),
    Code.ORIENTS: (0.03, -0.02),
    Code.AGENDA_SETTING: (0.03, -0.02),
    Code.EXPLORES_RESULTS: (0.02, 0.0),
}
# How the patient answers a confidence ruler; {n} is their confidence, 0 to 10.
CONFIDENCE_LINES = ("I'd say about a {n}.", "Maybe a {n}, if I'm honest.", "{n}, I think. Out of ten.")
GUARDED_RESISTANCE = 0.65
GUARDED_TRUST = 0.15
RESISTS_FROM = 0.25
# Trust from which the patient talks freely even when they have no particular fact left to share.
OPEN_TRUST = 0.5
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class PatientReply:
    """One patient turn: what was said, why, and which facts came out with it."""

    text: str
    intent: Intent
    released: tuple[str, ...] = ()
    cue: str | None = None


@dataclass
class PatientState:
    """Everything the engine knows mid-conversation. Rebuilt on resume by replaying trainee turns."""

    trust: float
    resistance: float
    counts: Counter[Code] = field(default_factory=Counter)
    released: list[str] = field(default_factory=list)
    cued: set[str] = field(default_factory=set)
    turns: int = 0


class PatientEngine:
    """Plays one scenario's patient, deterministically for a given seed."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.state = PatientState(trust=scenario.resistance.trust, resistance=scenario.resistance.level)
        self._rng = random.Random(seed)
        self._recent: dict[str, deque[str]] = {}

    def opening(self) -> PatientReply:
        """The patient's first words as they sit down."""
        return PatientReply(self.scenario.persona.opening_line, Intent.OPENING)

    def closing(self) -> tuple[PatientReply, "PatientEngine"]:
        """The patient's last words as the consultation ends, and the engine once they are said; this
        engine is unchanged."""
        after = self._copy()
        return PatientReply(after._line(Intent.CLOSING), Intent.CLOSING), after

    def step(self, text: str, coding: Coding) -> tuple[PatientReply, "PatientEngine"]:
        """The reply to one coded trainee utterance, and the engine as it will be once that exchange is
        kept; this engine is unchanged, so a turn that fails to save leaves the patient where they were."""
        after = self._copy()
        return after.respond(text, coding), after

    def _copy(self) -> "PatientEngine":
        twin = copy.copy(self)  # the scenario is shared: it never changes during a conversation
        twin.state = copy.deepcopy(self.state)
        twin._rng = random.Random()
        twin._rng.setstate(self._rng.getstate())
        twin._recent = {intent: deque(lines, maxlen=lines.maxlen) for intent, lines in self._recent.items()}
        return twin

    def respond(self, text: str, coding: Coding) -> PatientReply:
        """React to one coded trainee utterance in place: move trust and resistance, then choose and realise
        an intent. (`step` does the same without changing this engine.)"""
        codes = coding.codes
        self._move(codes)
        state = self.state
        state.turns += 1
        words = set(_WORD.findall(text.lower()))

        for fact in self.scenario.hidden_facts:
            if fact.id not in state.released and can_release(
                fact, counts=state.counts, trust=state.trust, released=state.released,
                cued=fact.id in state.cued, turn_codes=codes,
            ):
                state.released.append(fact.id)
                return PatientReply(fact.text, Intent.DISCLOSE, released=(fact.id,))

        if codes & {Code.CONFRONT, Code.PERSUADE}:
            return self._say(Intent.RESIST if state.resistance >= RESISTS_FROM else Intent.AGREE)
        if Code.REVIEW_ARRANGED in codes and state.resistance < RESISTS_FROM * 2:
            return self._say(Intent.AGREE)  # agreeing when to meet again, unless they have dug in
        if Code.CONFIDENCE_RULER in codes:
            return PatientReply(self._rng.choice(CONFIDENCE_LINES).format(n=self.confidence()), Intent.RATE_CONFIDENCE)
        if codes & {Code.OPEN_QUESTION, Code.ASKS_WHAT_MATTERS}:
            if state.resistance > GUARDED_RESISTANCE or state.trust < GUARDED_TRUST:
                return self._say(Intent.DEFLECT)
            return self._share(words) or self._hint() or self._say(
                Intent.OPEN_UP if state.trust >= OPEN_TRUST else Intent.UNSURE)
        if codes & (REFLECTIONS | {Code.SUMMARY}):
            if state.resistance <= GUARDED_RESISTANCE:
                shared = self._share(words, topical_only=state.trust < OPEN_TRUST) or self._hint()
                if shared:
                    return shared
            return self._say(Intent.AGREE if Code.SUMMARY in codes else Intent.ACKNOWLEDGE)
        if Code.CLOSED_QUESTION in codes:
            asked = self._topic_fact(words, self._facts())
            if asked is not None and asked.brief:
                return PatientReply(asked.brief, Intent.ANSWER_BRIEF)
            return self._say(Intent.ANSWER_BRIEF)
        if codes & {Code.PERSUADE_WITH_PERMISSION, Code.SEEKING_COLLABORATION, Code.EMPHASISING_AUTONOMY}:
            return self._say(Intent.AGREE if state.resistance < 0.5 else Intent.UNSURE)
        if codes & {Code.GIVING_INFORMATION, Code.AFFIRM}:
            return self._say(Intent.ACKNOWLEDGE)
        return self._say(Intent.UNSURE)

    def confidence(self) -> int:
        """How confident the patient feels about acting on what was discussed, 0 to 10: higher with
        trust and activation, lower with resistance."""
        state, activation = self.state, self.scenario.persona.activation
        return min(10, max(0, round(2 + 6 * state.trust - 3 * state.resistance + (activation - 2))))

    def _move(self, codes: frozenset[Code]) -> None:
        """Add up the turn's effects, then clamp once, so the result never depends on code order."""
        state = self.state
        hardens, softens = set(self.scenario.resistance.hardens), set(self.scenario.resistance.softens)
        trust_change = resistance_change = 0.0
        for code in sorted(codes):  # a fixed order: float sums must not depend on set order
            trust, resistance = EFFECTS.get(code, (0.0, 0.0))
            # A persona's sensitivities double the effect of the codes named in its file.
            if (code in hardens and (trust < 0 or resistance > 0)) or \
                    (code in softens and (trust > 0 or resistance < 0)):
                trust, resistance = trust * 2, resistance * 2
            trust_change += trust
            resistance_change += resistance
            state.counts[code] += 1
        state.trust = min(1.0, max(0.0, state.trust + trust_change))
        state.resistance = min(1.0, max(0.0, state.resistance + resistance_change))

    def _free_facts(self) -> list[Fact]:
        """What the patient shares when invited: their preparation for the visit first, if any."""
        preparation = self.scenario.preparation
        return [*([preparation.as_fact()] if preparation else []), *self.scenario.free_facts]

    def _facts(self) -> list[Fact]:
        return [*self._free_facts(), *self.scenario.hidden_facts]

    def _share(self, words: set[str], topical_only: bool = False) -> PatientReply | None:
        """Open up about a free fact not yet shared: the one the trainee asked about, else the next."""
        unshared: list[Fact] = [f for f in self._free_facts() if f.id not in self.state.released]
        fact = self._topic_fact(words, unshared)
        if fact is None and not topical_only and unshared:
            fact = unshared[0]
        if fact is None:
            return None
        self.state.released.append(fact.id)
        return PatientReply(fact.text, Intent.OPEN_UP, released=(fact.id,))

    def _hint(self) -> PatientReply | None:
        for fact in self.scenario.hidden_facts:
            if fact.id not in self.state.released and fact.id not in self.state.cued \
                    and ready_to_hint(fact, self.state.trust):
                self.state.cued.add(fact.id)
                return PatientReply(fact.cue or "", Intent.HINT, cue=fact.id)
        return None

    @staticmethod
    def _topic_fact(words: set[str], facts: list[Fact]) -> Fact | None:
        best, best_hits = None, 0
        for fact in facts:
            hits = sum(1 for topic in fact.topics if set(_WORD.findall(topic.lower())) <= words)
            if hits > best_hits:
                best, best_hits = fact, hits
        return best

    def _say(self, intent: Intent) -> PatientReply:
        return PatientReply(self._line(intent), intent)

    def _line(self, intent: Intent) -> str:
        """An authored line for `intent`, never one of the last few used, chosen by the seeded generator."""
        lines: list[str] = getattr(self.scenario.lines, intent.value)
        recent = self._recent.setdefault(intent.value, deque(maxlen=max(0, len(lines) - 1)))
        fresh = [line for line in lines if line not in recent] or lines
        choice = self._rng.choice(fresh)
        recent.append(choice)
        return choice

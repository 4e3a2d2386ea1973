"""The scripted patient: a seeded state machine that decides what the patient does each turn.

Trust and resistance move with the trainee's coded behaviour; what the turn asks and what it is about
is heard by `hearing`; hidden facts come out when their release conditions hold (see `disclosure`); the
patient's part in planning (goals, options, their step, confidence, teach-back) is in `planning`. Each
turn ends in a reply intent realised by an authored line, never one already said in this visit. The
engine decides *what* happens; a realiser (authored lines here) decides how it is said.
"""

import copy
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from simulator.coding.codes import REFLECTIONS, Code, Coding
from simulator.coding.meaning import Meaning
from simulator.content.scenario import Fact, HiddenFact, Option, Scenario
from simulator.patient.disclosure import can_release, ready_to_hint
from simulator.patient.hearing import Asked, Heard, Hearing
from simulator.patient.planning import Plans


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
    PERMIT = "permit"
    GOAL = "goal"
    OPTION = "option"
    STEP = "step"
    BARRIER = "barrier"
    EXPLAIN_CONFIDENCE = "explain_confidence"
    TEACH_BACK = "teach_back"
    REVIEW = "review"
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
# How the patient answers a confidence ruler; {n} is their confidence, 0 to 10, with its article.
CONFIDENCE_LINES = ("I'd say about {n}.", "Maybe {n}, if I'm honest.", "{N}, I think. Out of ten.")
# Said before something the patient has already said this visit, so no line is said twice word for word.
AGAIN = ("Like I said, ", "As I say, ", "Same as I said: ")
GUARDED_RESISTANCE = 0.65
GUARDED_TRUST = 0.15
RESISTS_FROM = 0.25
# Trust from which the patient talks freely even when they have no particular fact left to share.
OPEN_TRUST = 0.5


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
    said: list[str] = field(default_factory=list)  # every line said this visit, to say none twice
    confidence: int | None = None  # the number given, once asked
    agreed: str | None = None  # the step agreed in this conversation, in the patient's words
    offered: list[str] = field(default_factory=list)  # planning options the nurse has named


class PatientEngine:
    """Plays one scenario's patient, deterministically for a given seed."""

    def __init__(self, scenario: Scenario, seed: int, *, known: Iterable[str] = (),
                 meaning: Callable[[], Meaning | None] = lambda: None) -> None:
        """`known`: facts told at an earlier visit, never told again as news; `meaning`: the coder's sense of
        meaning, asked for when a turn must be matched to a fact (None: topic words)."""
        self.scenario = scenario
        self.state = PatientState(trust=scenario.resistance.trust, resistance=scenario.resistance.level,
                                  released=list(dict.fromkeys(known)))
        self._rng = random.Random(seed)
        options = scenario.planning.options if scenario.planning else []
        self._hearing = Hearing(self._facts(), options, meaning, names=[scenario.persona.name])

    def opening(self) -> PatientReply:
        """The patient's first words as they sit down."""
        return PatientReply(self.scenario.persona.opening_line, Intent.OPENING)

    def closing(self) -> tuple[PatientReply, "PatientEngine"]:
        """The patient's last words as the consultation ends, and the engine once they are said; this
        engine is unchanged."""
        after = self._copy()
        return after._say(Intent.CLOSING), after

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
        return twin

    def respond(self, text: str, coding: Coding) -> PatientReply:
        """React to one coded trainee utterance in place: move trust and resistance, then choose and realise
        an intent. (`step` does the same without changing this engine.)"""
        codes = coding.codes
        self._move(codes)
        state = self.state
        state.turns += 1
        heard = self._hearing.hear(text, coding, rated=state.confidence is not None, told=state.released)
        reply = self._reply(replace(heard, fact=self._lead_in(heard.fact)), codes, text)
        state.said.append(reply.text)
        return reply

    def _reply(self, heard: Heard, codes: frozenset[Code], text: str) -> PatientReply:
        state = self.state
        offered = [o for o in heard.options if o.id not in state.offered]
        state.offered += [o.id for o in offered]
        disclosed = self._disclose(heard, codes, text)
        if disclosed is not None:
            return disclosed
        if codes & {Code.CONFRONT, Code.PERSUADE} and not offered and heard.asked is not Asked.REVIEW:
            return self._say(Intent.RESIST if state.resistance >= RESISTS_FROM else Intent.AGREE)
        planned = self._plan(heard, offered)
        if planned is not None:
            return planned
        if heard.asked is Asked.UNKNOWN:  # about nothing they hold, however the coder read its tone
            return self._answer(heard, codes)
        if heard.asked is Asked.CHECK:
            return self._say(Intent.AGREE if state.resistance < GUARDED_RESISTANCE else Intent.UNSURE)
        # A question about their life is answered, however collaboratively it was put ("Is there anyone who
        # helps you out?", "Where would you like to start?"): agreeing to it would answer nothing.
        if heard.asked in (Asked.FACT, Asked.GENERAL, Asked.GOAL):
            return self._answer(heard, codes)
        if heard.asked is Asked.PERMISSION or codes & {Code.PERSUADE_WITH_PERMISSION, Code.SEEKING_COLLABORATION}:
            if state.resistance >= 0.5:
                return self._say(Intent.UNSURE)
            return self._say(Intent.PERMIT if heard.asked is Asked.PERMISSION else Intent.AGREE)
        if codes & (REFLECTIONS | {Code.SUMMARY}):
            if state.resistance <= GUARDED_RESISTANCE:
                topical = heard.fact if heard.fact is not None and heard.fact in self._free_facts() else None
                shared = self._share(topical, next_one=state.trust >= OPEN_TRUST) or self._hint()
                if shared:
                    return shared
            return self._say(Intent.AGREE if Code.SUMMARY in codes else Intent.ACKNOWLEDGE)
        if Code.EMPHASISING_AUTONOMY in codes:
            return self._say(Intent.AGREE if state.resistance < 0.5 else Intent.UNSURE)
        if codes & {Code.GIVING_INFORMATION, Code.AFFIRM} or heard.asked is Asked.NOTHING:
            return self._say(Intent.ACKNOWLEDGE)
        return self._say(Intent.UNSURE)

    def _disclose(self, heard: Heard, codes: frozenset[Code], text: str) -> PatientReply | None:
        """A hidden fact whose release conditions now hold, unless the turn asks about something else: the
        patient answers what was asked and keeps the disclosure for an invitation (a question they cannot
        place brings it out only if it is at least loosely about it)."""
        if heard.asked not in (Asked.FACT, Asked.GENERAL, Asked.GOAL, Asked.UNKNOWN, Asked.NOTHING):
            return None
        state = self.state
        for fact in self.scenario.hidden_facts:
            if fact.id in state.released or (heard.asked is Asked.FACT and heard.fact is not None
                                             and heard.fact.id != fact.id):
                continue
            if heard.asked is Asked.UNKNOWN and not self._hearing.near(text, fact):
                continue
            if heard.asked is Asked.GOAL and not fact.priority and self.scenario.planning is not None:
                continue  # asked about the future, they name a goal; only what matters most comes out instead
            if self._ready(fact) and can_release(
                fact, counts=state.counts, trust=state.trust, released=state.released,
                cued=fact.id in state.cued, turn_codes=codes,
            ):
                state.released.append(fact.id)
                return PatientReply(fact.text, Intent.DISCLOSE, released=(fact.id,))
        return None

    def _plan(self, heard: Heard, offered: list[Option]) -> PatientReply | None:
        """The patient's part in planning, when the turn asks for it (the file says what they bring; without
        it they give a number, agree a review and are unsure of the rest)."""
        state, asked, planning = self.state, heard.asked, self.scenario.planning
        if asked is Asked.CONFIDENCE or (asked in (Asked.CONFIDENCE_WHY, Asked.CONFIDENCE_RAISE) and planning is None):
            if state.confidence is None:
                state.confidence = self.confidence()
            number = with_article(state.confidence)
            line = self._rng.choice(CONFIDENCE_LINES)
            return self._plain(line.format(n=number, N=number[0].upper() + number[1:]), Intent.RATE_CONFIDENCE)
        if asked is Asked.REVIEW:
            # Asked to meet again, they push back only on a plan they never agreed: resisting lines answer advice.
            if state.resistance >= RESISTS_FROM * 2 and state.agreed is None:
                return self._say(Intent.UNSURE)
            return self._plain(planning.review, Intent.REVIEW) if planning else self._say(Intent.AGREE)
        if planning is None:
            planning_asks = (Asked.CHOICE, Asked.STEP, Asked.TEACH_BACK, Asked.BARRIERS)
            return self._plain(self._unknown(), Intent.UNSURE) if asked in planning_asks else None
        plans = Plans(planning)
        if offered:  # the nurse named something they might do: they say how they take it
            option = offered[0]
            if option.welcome and option.step:
                state.agreed = option.step
                if asked is Asked.CHOICE:
                    return self._plain(option.step, Intent.STEP)
            return self._plain(option.reply, Intent.OPTION)
        if asked is Asked.CHOICE:
            chosen = plans.choose(heard.options or [o for o in planning.options if o.id in state.offered])
            if chosen is not None and chosen.step:
                state.agreed = chosen.step
                return self._plain(chosen.step, Intent.STEP)
            return self._plain(self._unknown(), Intent.UNSURE)
        if asked is Asked.CONFIDENCE_WHY:
            return self._plain(planning.confidence.why_not_lower, Intent.EXPLAIN_CONFIDENCE)
        if asked is Asked.CONFIDENCE_RAISE:
            return self._plain(planning.confidence.would_raise, Intent.EXPLAIN_CONFIDENCE)
        if asked is Asked.TEACH_BACK:
            if state.agreed is None:
                return self._plain(planning.unsure_plan, Intent.TEACH_BACK)
            return self._plain(planning.teach_back.format(step=state.agreed), Intent.TEACH_BACK)
        if asked is Asked.BARRIERS:
            return self._plain(self._fresh(planning.barriers, planning.unknown), Intent.BARRIER)
        if asked not in (Asked.STEP, Asked.GOAL):
            return None
        if state.trust < planning.trust or state.resistance > GUARDED_RESISTANCE:
            return self._plain(self._unknown(), Intent.UNSURE)
        if asked is Asked.STEP:
            state.agreed = state.agreed or planning.step
            return self._plain(state.agreed, Intent.STEP)
        goal = plans.goal(state.released, state.said)
        return self._plain(goal, Intent.GOAL) if goal is not None else None

    def _answer(self, heard: Heard, codes: frozenset[Code]) -> PatientReply:
        """An answer to a question about the patient's life: the fact asked about (its short answer to a
        closed question), any fact when invited in general, and never an unrelated fact to a question about
        something the scenario does not hold."""
        state = self.state
        closed = Code.CLOSED_QUESTION in codes and Code.OPEN_QUESTION not in codes
        guarded = state.resistance > GUARDED_RESISTANCE or state.trust < GUARDED_TRUST
        fact = heard.fact
        if fact is not None and fact.id in state.released:
            if not closed:
                fact = None  # told already: asked openly again, they go on to something new
            elif isinstance(fact, HiddenFact) or not fact.brief:
                # A hidden fact's brief is what they said while holding it back; now it is out, they say it.
                return self._plain(first_sentence(fact.text), Intent.ANSWER_BRIEF)
        if fact is not None:
            hidden = isinstance(fact, HiddenFact) and fact.id not in state.released
            if closed or hidden or fact.id in state.released or guarded:
                if isinstance(fact, HiddenFact) and hidden and not closed and fact.cue and fact.id not in state.cued:
                    state.cued.add(fact.id)
                    return PatientReply(fact.cue, Intent.HINT, cue=fact.id)
                if fact.brief:
                    return self._plain(fact.brief, Intent.ANSWER_BRIEF)
                return self._say(Intent.DEFLECT if guarded else Intent.ANSWER_BRIEF)
            shared = self._share(fact)
            if shared is not None:
                return shared
        if guarded:
            return self._say(Intent.DEFLECT)
        if heard.asked is Asked.UNKNOWN or (heard.asked is Asked.GOAL and fact is None):
            return self._plain(self._unknown(), Intent.UNSURE)
        if closed:
            return self._say(Intent.ANSWER_BRIEF)
        return self._share(None) or self._hint() or self._say(
            Intent.OPEN_UP if state.trust >= OPEN_TRUST else Intent.UNSURE)

    def confidence(self) -> int:
        """How confident the patient feels about acting on what was discussed, 0 to 10: higher with
        trust and activation, lower with resistance."""
        state, activation = self.state, self.scenario.persona.activation
        # A step of their own, agreed, is easier to feel sure of than a plan still in the air.
        step = 1 if state.agreed else -1
        return min(9, max(1, round(1 + 5 * state.trust - 3 * state.resistance + (activation - 2) + step)))

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

    def _lead_in(self, fact: Fact | None) -> Fact | None:
        """What a turn about `fact` brings out: the fact itself once the story is ready for it, else the first
        thing it builds on that is still untold (asked about "your granddaughter", they first say who Ava is)."""
        facts = {f.id: f for f in self._facts()}
        seen: set[str] = set()
        while fact is not None and not self._ready(fact) and fact.id not in seen:
            seen.add(fact.id)
            earlier = next((facts[name] for name in fact.after
                            if name not in self.state.released and name in facts), None)
            if earlier is None:
                break
            fact = earlier
        return fact

    def _ready(self, fact: Fact) -> bool:
        """Whether everything the fact builds on has been said (someone it names, introduced first)."""
        return all(name in self.state.released for name in fact.after)

    def _share(self, fact: Fact | None, next_one: bool = True) -> PatientReply | None:
        """Open up about a free fact not yet shared: `fact`, or (with `next_one`) the next one the story is
        ready for."""
        unshared = [f for f in self._free_facts() if f.id not in self.state.released and self._ready(f)]
        if fact is None or fact not in unshared:
            fact = unshared[0] if next_one and unshared and fact is None else None
        if fact is None:
            return None
        self.state.released.append(fact.id)
        return PatientReply(fact.text, Intent.OPEN_UP, released=(fact.id,))

    def _hint(self) -> PatientReply | None:
        for fact in self.scenario.hidden_facts:
            if fact.id not in self.state.released and fact.id not in self.state.cued \
                    and ready_to_hint(fact, self.state.trust) and self._ready(fact):
                self.state.cued.add(fact.id)
                return PatientReply(fact.cue or "", Intent.HINT, cue=fact.id)
        return None

    def _say(self, intent: Intent) -> PatientReply:
        return PatientReply(self._line(intent), intent)

    def _plain(self, text: str, intent: Intent) -> PatientReply:
        """`text` as the reply, marked as said before if it was (and, asked once too often, a plain
        acknowledgement)."""
        if text not in self.state.said:
            return PatientReply(text, intent)
        lowered = text if text.startswith(("I ", "I'")) else text[0].lower() + text[1:]
        again = next((f"{prefix}{lowered}" for prefix in AGAIN if f"{prefix}{lowered}" not in self.state.said), None)
        return PatientReply(again, intent) if again else self._say(Intent.ACKNOWLEDGE)

    def _fresh(self, lines: list[str], *spares: list[str]) -> str:
        """One of `lines` not yet said this visit, chosen by the seeded generator; else one of the first of
        `spares` with any left; else the one of `lines` said longest ago."""
        for pool in (lines, *spares):
            fresh = [line for line in pool if line not in self.state.said]
            if fresh:
                return self._rng.choice(fresh)
        return min(lines, key=lambda line: max(i for i, said in enumerate(self.state.said) if said == line))

    def _line(self, intent: Intent) -> str:
        """An authored line for `intent`, never one already said this visit while any is left (then the lines
        of a close intent), chosen by the seeded generator."""
        lines = self.scenario.lines
        choices: list[str] = {Intent.PERMIT: lines.permit or lines.agree}.get(intent) or getattr(lines, intent.value)
        return self._fresh(choices, *[getattr(lines, near.value) for near in NEAR.get(intent, ())])

    def _unknown(self) -> str:
        """Asked something they have not thought about: never a yes or a no, never an unrelated fact."""
        planning, lines = self.scenario.planning, self.scenario.lines
        return self._fresh(planning.unknown if planning else lines.unsure, lines.unsure, lines.deflect,
                           lines.acknowledge)


# Where an intent's lines have all been said, these intents' lines say much the same.
NEAR: dict[Intent, tuple[Intent, ...]] = {
    Intent.ACKNOWLEDGE: (Intent.AGREE, Intent.UNSURE),
    Intent.AGREE: (Intent.ACKNOWLEDGE,),
    Intent.PERMIT: (Intent.AGREE, Intent.ACKNOWLEDGE),
    Intent.UNSURE: (Intent.DEFLECT, Intent.ACKNOWLEDGE),
    Intent.DEFLECT: (Intent.UNSURE, Intent.ACKNOWLEDGE),
    Intent.ANSWER_BRIEF: (Intent.UNSURE, Intent.ACKNOWLEDGE),
    Intent.OPEN_UP: (Intent.ACKNOWLEDGE, Intent.UNSURE),
    Intent.RESIST: (Intent.DEFLECT, Intent.UNSURE),
}


def first_sentence(text: str) -> str:
    """The first sentence of `text` (all of it if it has only one)."""
    end = next((i for i, c in enumerate(text) if c in ".!?" and i + 1 < len(text) and text[i + 1] == " "), None)
    return text.strip() if end is None else text[: end + 1].strip()


def with_article(number: int) -> str:
    """'a 6', 'an 8', 'an 11'."""
    return f"{'an' if number in (8, 11, 18) or str(number).startswith('8') else 'a'} {number}"

"""How the plan went by the review visit: drawn from the plan's quality and the patient's activation, and
how the patient tells it.

A small, owned, specific step that the person felt confident about mostly works; an imposed or vague
one mostly does not. The draw is seeded, so the same cycle always gives the same review. Where the plan's
step is the one the patient would have chosen themselves, they tell how it went in the author's words.
"""

import random
import re
from dataclasses import dataclass, field
from enum import StrEnum

from simulator.coding.meaning import Meaning
from simulator.content.scenario import Fact, Scenario
from simulator.scoring.plan_checks import check_plan
from simulator.storage.care_plan import CarePlan
from simulator.storage.events import Event, PatientTurn, PlanRecorded, latest


class Outcome(StrEnum):
    """What happened to the first step between the visits."""

    WORKED = "worked"
    PARTLY = "partly"
    DID_NOT = "did_not"


RANK = {Outcome.DID_NOT: 0, Outcome.PARTLY: 1, Outcome.WORKED: 2}
OPENINGS = {
    Outcome.WORKED: "Hello again. I've got something to tell you, actually.",
    Outcome.PARTLY: "Hello again. Well, I did try. Some of it, anyway.",
    Outcome.DID_NOT: "Hello again. I'm not sure you'll be pleased with me.",
}


@dataclass(frozen=True)
class CarriedPlan:
    """The plan a review visit starts from, how good it was, and how it went."""

    plan: CarePlan
    quality: float
    outcome: Outcome
    cycle_id: str
    known: tuple[str, ...] = field(default=())  # facts told at the last visit


def likelihood(quality: float, activation: int) -> float:
    """The chance the step worked: mostly the plan's quality, a little the person's activation (1-4)."""
    return 0.1 + 0.6 * quality + 0.2 * (activation - 1) / 3


def draw(quality: float, activation: int, seed: int) -> Outcome:
    """How the step went, for this plan, this person and this seed."""
    chance, roll = likelihood(quality, activation), random.Random(seed).random()
    if roll < chance:
        return Outcome.WORKED
    return Outcome.PARTLY if roll < chance + (1 - chance) / 2 else Outcome.DID_NOT


# A recorded step this close in meaning to the step the patient would choose is that step.
SAME_STEP = 0.55
_WORD = re.compile(r"[a-z0-9']+")


def own_step(plan: CarePlan, scenario: Scenario, meaning: Meaning | None) -> bool:
    """Whether the recorded step is the one the patient would have chosen themselves (or an option they
    welcomed): by meaning where the coder's encoder is loaded, else by shared words."""
    step = plan.step_what.strip() or plan.goal.strip()
    planning = scenario.planning
    if planning is None or not step:
        return False
    theirs = [planning.step, *(o.step for o in planning.options if o.welcome and o.step)]
    if meaning is not None:
        return max(meaning.similarity(step, theirs)) >= SAME_STEP
    said = {w for w in _WORD.findall(step.lower()) if len(w) > 3}
    # Without an encoder: most of the recorded step's words are theirs.
    return any(len(said & {w for w in _WORD.findall(t.lower()) if len(w) > 3}) >= max(2, len(said) * 0.6)
               for t in theirs)


def opening(scenario: Scenario, visit_id: str, outcome: Outcome, own: bool) -> str:
    """The review's first words: the author's for this outcome when the step was the patient's own (their
    opening line if it went well and they wrote no others), else a few words that fit any step."""
    visit = next(v for v in scenario.visits if v.id == visit_id)
    if own and visit.openings:
        return str(getattr(visit.openings, outcome.value))
    return visit.opening_line if own and outcome is Outcome.WORKED else OPENINGS[outcome]


def report(plan: CarePlan, outcome: Outcome, scenario: Scenario | None = None, visit_id: str | None = None,
           own: bool = False) -> Fact:
    """What the patient tells the nurse about the step when invited: the first thing on their mind. In the
    author's words where the step is `own` (the one they would have chosen); else the plan's words, quoted."""
    brief = {Outcome.WORKED: "Yes, I did.", Outcome.PARTLY: "Some of the time.", Outcome.DID_NOT: "Not really, no."}
    step = (plan.step_what or plan.goal).strip().rstrip(".")
    topics = ["step", "plan", "went", "going", "manage", "managed", "tried", "try", "since", "last",
              *{w.lower() for w in step.split() if len(w) > 3}]
    questions = ["How did you get on?", "How did it go with what we planned?", "Did you manage to do it?",
                 "How have the last few weeks been with the step we agreed?"]
    summary = f"How the first step went: {outcome.value.replace('_', ' ')}"
    visit = next((v for v in scenario.visits if v.id == visit_id), None) if scenario else None
    if own and visit is not None and visit.step_went:
        return Fact(id="plan-report", summary=summary, text=str(getattr(visit.step_went, outcome.value)),
                    brief=brief[outcome], topics=topics, questions=questions)
    if not step:
        text = "To be honest, I wasn't sure what I was meant to be doing, so I didn't really do anything."
    elif outcome is Outcome.WORKED:
        text = f"What we wrote down, \"{step}\": I did it, most weeks anyway. I surprised myself, to be honest."
    elif outcome is Outcome.PARTLY:
        text = f"What we wrote down, \"{step}\": I did it the first couple of weeks, then it slipped."
    else:
        text = f"What we wrote down, \"{step}\": I didn't really get on with it. It wasn't me, if I'm honest."
    return Fact(id="plan-report", summary=summary, text=text, brief=brief[outcome], topics=topics,
                questions=questions)


def carry(events: list[Event], scenario: Scenario, cycle_id: str, seed: int) -> CarriedPlan | None:
    """The plan recorded at the end of a visit, checked against its conversation, with how it went by
    the next visit and what the patient told; None if no plan was recorded."""
    saved = latest(events, PlanRecorded)
    if saved is None:
        return None
    quality = check_plan(saved.plan, events, scenario).quality
    told = tuple(dict.fromkeys(f for e in events if isinstance(e, PatientTurn) for f in e.released))
    return CarriedPlan(saved.plan, quality, draw(quality, scenario.persona.activation, seed), cycle_id, told)

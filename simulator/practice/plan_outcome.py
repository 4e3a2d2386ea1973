"""How the plan went by the review visit: drawn from the plan's quality and the patient's activation.

A small, owned, specific step that the person felt confident about mostly works; an imposed or vague
one mostly does not. The draw is seeded, so the same cycle always gives the same review.
"""

import random
from dataclasses import dataclass
from enum import StrEnum

from simulator.content.scenario import Fact, Scenario
from simulator.scoring.plan_checks import check_plan
from simulator.storage.care_plan import CarePlan
from simulator.storage.events import Event, PlanRecorded, latest


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


def likelihood(quality: float, activation: int) -> float:
    """The chance the step worked: mostly the plan's quality, a little the person's activation (1-4)."""
    return 0.1 + 0.6 * quality + 0.2 * (activation - 1) / 3


def draw(quality: float, activation: int, seed: int) -> Outcome:
    """How the step went, for this plan, this person and this seed."""
    chance, roll = likelihood(quality, activation), random.Random(seed).random()
    if roll < chance:
        return Outcome.WORKED
    return Outcome.PARTLY if roll < chance + (1 - chance) / 2 else Outcome.DID_NOT


def report(plan: CarePlan, outcome: Outcome) -> Fact:
    """What the patient tells the nurse about the step when invited: the first thing on their mind."""
    step = (plan.step_what or plan.goal).strip().rstrip(".")
    if not step:
        text = "To be honest, I wasn't sure what I was meant to be doing, so I didn't really do anything."
    elif outcome is Outcome.WORKED:
        text = f"I did it. {step[0].upper()}{step[1:]}, most weeks anyway. I surprised myself, to be honest."
    elif outcome is Outcome.PARTLY:
        text = (f"I tried. {step[0].upper()}{step[1:]}, the first couple of weeks, then it slipped when things "
                "got busy.")
    else:
        text = f"I didn't really get on with it. {step[0].upper()}{step[1:]} wasn't really me, if I'm honest."
    return Fact(id="plan-report", summary=f"How the first step went: {outcome.value.replace('_', ' ')}", text=text,
                brief={Outcome.WORKED: "Yes, I did.", Outcome.PARTLY: "Some of the time.",
                       Outcome.DID_NOT: "Not really, no."}[outcome],
                topics=["step", "plan", "went", "going", "manage", "managed", "tried", "try", "since", "last",
                        *{w.lower() for w in step.split() if len(w) > 3}])


def carry(events: list[Event], scenario: Scenario, cycle_id: str, seed: int) -> CarriedPlan | None:
    """The plan recorded at the end of a visit, checked against its conversation, with how it went by
    the next visit; None if no plan was recorded."""
    saved = latest(events, PlanRecorded)
    if saved is None:
        return None
    quality = check_plan(saved.plan, events, scenario).quality
    return CarriedPlan(saved.plan, quality, draw(quality, scenario.persona.activation, seed), cycle_id)

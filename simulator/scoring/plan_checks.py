"""Checking a care and support plan against the conversation it came from: is the goal the patient's
own, in their words; does the first step carry the SMART elements; did the patient state the
confidence recorded; was the review agreed. Read as a person would read the conversation, not by the
codes alone."""

import re
from dataclasses import dataclass

from simulator.coding.codes import Code
from simulator.content.rubric import PlanCheckId
from simulator.content.scenario import Scenario
from simulator.patient.engine import Intent
from simulator.patient.reply_checks import COMMON, words
from simulator.storage.care_plan import CarePlan
from simulator.storage.events import Event, PatientTurn, TraineeTurn

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
# Share of the goal's own words that must have come from the patient for it to be "in their words".
OWN_WORDS = 0.5



@dataclass(frozen=True)
class PlanCheck:
    """One thing checked about the plan, whether it holds, and why; rubrics name checks by `id`."""

    id: PlanCheckId
    name: str
    met: bool
    detail: str


@dataclass(frozen=True)
class PlanChecks:
    """Every check on a plan, and the share met."""

    checks: list[PlanCheck]

    @property
    def quality(self) -> float:
        """The share of checks met, 0 to 1."""
        return sum(c.met for c in self.checks) / len(self.checks)

    @property
    def score(self) -> int:
        return round(100 * self.quality)

    @property
    def met(self) -> dict[str, bool]:
        """Each check's id and whether it holds (what the transcript records and the rubric reads)."""
        return {check.id: check.met for check in self.checks}


def _stem(word: str) -> str:
    """A word without the endings that change between saying and writing it down (towers, tower; singing, sing)."""
    for ending in ("ing", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _content(text: str) -> set[str]:
    return {_stem(w) for w in words(text) if w not in COMMON and len(w) > 2}


# A trainee turn that proposes meeting again: a review word and a time, or the code for it.
REVIEW_WORDS = re.compile(r"\b(review|again|follow[- ]?up|check[- ]?in|come back|come in|see (you|how)|meet|"
                          r"appointment|catch up|touch base|ring|call|phone|book)\b", re.I)
WHEN_AGAIN = re.compile(r"\b((in|after|within) (a|one|two|three|four|five|six|eight|ten|twelve|\d+|a couple of|"
                        r"a few) (days?|weeks?|months?)|next (week|month)|\d+ (weeks?|months?)|a (week|month))\b", re.I)
# How people say yes to a suggestion, and how they say no.
AGREEING = re.compile(r"\b(yes|yeah|yep|ok|okay|alright|all right|fine|sure|sensible|sounds (good|great|fine|right|"
                      r"like a plan)|that works|suits me|go on then|lovely|great|good idea|could do|will do|"
                      r"why not|perfect)\b", re.I)
REFUSING = re.compile(r"\b(no|not|nope|never|rather not|can't|won't|don't)\b|n't\b", re.I)


def _agrees(reply: PatientTurn) -> bool:
    """Whether a reply says yes to what was just put to the patient, as a person reading it would take it."""
    if reply.intent in {Intent.AGREE, Intent.REVIEW, Intent.STEP, Intent.PERMIT}:
        return True
    if reply.intent in {Intent.RESIST, Intent.DEFLECT, Intent.UNSURE}:
        return False
    return bool(AGREEING.search(reply.text)) and not REFUSING.search(reply.text)


def _review_agreed(events: list[Event], plan: CarePlan) -> tuple[TraineeTurn, PatientTurn] | None:
    """The trainee turn that proposed a review and the patient's reply agreeing to it, if any: a review put
    to the patient (the review code, or meeting again at a time, or the date the plan records) and a yes."""
    recorded = _content(plan.review_date)
    proposal: TraineeTurn | None = None
    for event in events:
        if isinstance(event, TraineeTurn):
            text = event.text
            proposal = event if (Code.REVIEW_ARRANGED in event.codes
                                 or (REVIEW_WORDS.search(text) and WHEN_AGAIN.search(text))
                                 or (recorded and recorded <= _content(text))) else None
        elif isinstance(event, PatientTurn) and proposal is not None:
            if _agrees(event):
                return proposal, event
            proposal = None
    return None


def check_plan(plan: CarePlan, events: list[Event], scenario: Scenario) -> PlanChecks:
    """Check a plan against the conversation it came from (a pure function of both), reading it as a person
    would: the patient's own words, what they said when their priority came out, their yes to a review."""
    patient = " ".join(e.text for e in events if isinstance(e, PatientTurn))
    said_by_patient = _content(patient)
    released = {fact_id for e in events if isinstance(e, PatientTurn) for fact_id in e.released}
    trainee = [e for e in events if isinstance(e, TraineeTurn)]

    goal_words = _content(plan.goal) | _content(plan.what_matters)
    theirs = goal_words & said_by_patient
    in_their_words = bool(goal_words) and len(theirs) >= OWN_WORDS * len(goal_words)

    priority = scenario.priority
    came_out = bool(priority and priority.id in released)
    about_priority = False
    if priority is not None and came_out:
        # What the priority is about: the trainer's summary and topics (one word of them will do), or the
        # words the patient said as it came out, hinted or told (two of them, so a stray word does not).
        named = _content(priority.summary) | {_stem(t.lower()) for t in priority.topics}
        told = _content(" ".join(e.text for e in events if isinstance(e, PatientTurn)
                                 and (priority.id in e.released or e.cue == priority.id)))
        about_priority = bool(goal_words & named) or len(goal_words & told) >= 2

    elements = plan.step_elements
    missing = [name for name, present in elements.items() if not present]
    has_amount = bool(re.search(r"\d|\b(" + "|".join(NUMBER_WORDS) + r")\b", plan.step_how_much + plan.step_when,
                                re.I))

    # Numbers the patient gave when asked how confident they felt (not every number they said).
    stated = _numbers_said(" ".join(e.text for e in events
                                    if isinstance(e, PatientTurn) and e.intent is Intent.RATE_CONFIDENCE))
    confidence_checked = any(Code.CONFIDENCE_RULER in e.codes for e in trainee)
    agreed = _review_agreed(events, plan)

    has_review = bool(plan.review_date.strip())
    has_support = bool(plan.support.strip() and plan.if_not_working.strip())
    checks = [
        PlanCheck("own_words", "The goal is in the person's own words", in_their_words,
                  f"{len(theirs)} of {len(goal_words)} of its words were the patient's" if goal_words
                  else "no goal recorded"),
        PlanCheck("what_matters_most", "It is what matters most to them", about_priority, _priority_detail(
            about_priority, came_out=came_out)),
        PlanCheck("smart_step", "The first step is specific (what, when, where, how much, start)", not missing and has_amount,
                  _step_detail(missing, has_amount)),
        PlanCheck("stated_confidence", "The confidence recorded is the one they stated", plan.confidence in stated,
                  _confidence_detail(plan.confidence, stated, confidence_checked)),
        PlanCheck("agreed_review", "The review was agreed in the conversation", agreed is not None and has_review,
                  "no review date recorded" if not has_review else
                  f"agreed at turn {agreed[0].turn} (they said: “{agreed[1].text}”)" if agreed is not None
                  else "not agreed with them in the conversation"),
        PlanCheck("support_recorded", "Support and what to do if it is not working are recorded", has_support,
                  "both recorded" if has_support else "not both recorded"),
    ]
    return PlanChecks(checks)


def _priority_detail(met: bool, came_out: bool) -> str:
    if met:
        return "it picks up what they told you matters most"
    return "it does not pick up what they said matters most" if came_out else \
        "what matters most to them did not come out"


def _step_detail(missing: list[str], has_amount: bool) -> str:
    if missing:
        return "missing: " + ", ".join(missing)
    return "all five elements, with an amount" if has_amount else "no amount or frequency in numbers"


def _confidence_detail(recorded: int | None, stated: set[int], asked: bool) -> str:
    if recorded is None:
        return "no confidence recorded"
    if recorded in stated:
        return f"they said {recorded}"
    if not asked:
        return "you did not ask how confident they felt"
    return f"they said {', '.join(map(str, sorted(stated))) or 'no number'}, you recorded {recorded}"


def _numbers_said(text: str) -> set[int]:
    """Numbers 0 to 10 the patient said, in digits or words."""
    found = {int(n) for n in re.findall(r"\b(10|[0-9])\b", text)}
    found |= {NUMBER_WORDS.index(w) for w in words(text) if w in NUMBER_WORDS}
    return found

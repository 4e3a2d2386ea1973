"""The feedback report: everything a face shows about one scored consultation, built in one place.

The practice app's feedback screen, `simulator play` and the HTML report all render a `FeedbackReport`
built by `build_report`, so they show the same codes, the same score and the same advice.
"""

from dataclasses import dataclass
from typing import NamedTuple

from simulator.content.rubric import MeasureName, Threshold
from simulator.content.rubric_loader import RubricFile
from simulator.content.scenario import Scenario
from simulator.scoring.feedback import Advice, Disclosure, advise, disclosures
from simulator.scoring.instead import scene_of
from simulator.scoring.patient_view import Answer, patient_view
from simulator.scoring.plan_checks import PlanChecks, check_plan
from simulator.scoring.score import Miti
from simulator.scoring.scored_transcript import ScoredTranscript, score_recorded
from simulator.storage.events import PlanRecorded, latest
from simulator.storage.transcript import TranscriptRead


def format_measure(value: float | None, kind: str) -> str:
    """A measure as shown to a trainee: '—' when there was nothing to measure."""
    if value is None:
        return "—"
    return f"{value:.0f}%" if kind == "percent" else f"{value:.2f}"


class Measure(NamedTuple):
    """One MITI summary measure as shown: its name, value, kind, and the rubric's fair and good levels."""

    name: str
    value: float | None
    kind: str  # "ratio" or "percent"
    threshold: Threshold | None

    @property
    def shown(self) -> str:
        return format_measure(self.value, self.kind)


def miti_measures(miti: Miti, thresholds: dict[MeasureName, Threshold]) -> list[Measure]:
    """The MITI summary measures every face shows, in the order they show them."""
    talk = None if miti.clinician_talk_share is None else 100 * miti.clinician_talk_share
    return [
        Measure("Reflections to questions", miti.reflection_question_ratio, "ratio",
                thresholds.get("reflection_question_ratio")),
        Measure("Complex reflections", miti.percent_complex_reflections, "percent",
                thresholds.get("percent_complex_reflections")),
        Measure("Open questions", miti.percent_open_questions, "percent", thresholds.get("percent_open_questions")),
        Measure("Relational (estimated, 1-5)", miti.relational_estimate, "ratio", thresholds.get("relational")),
        Measure("Your share of the talk", talk, "percent", None),
    ]


@dataclass(frozen=True)
class Carried:
    """For a review visit: how the plan recorded at the last visit did."""

    quality: float
    outcome: str  # worked, partly or did_not


@dataclass(frozen=True)
class FeedbackReport:
    """One consultation's feedback. `disclosure`, `plan` and `patient_view` need the scenario the
    transcript was played from, and are empty without it."""

    scored: ScoredTranscript
    advice: Advice
    measures: list[Measure]
    disclosure: Disclosure | None
    plan: PlanChecks | None
    patient_view: list[Answer]
    carried: Carried | None
    patient: str = "the patient"  # the patient's first name, where the scenario is known

    def headline(self) -> str:
        """The consultation in a sentence, in plain words: what it came to for this person."""
        turns = len(self.scored.conversation.turns)
        if not turns:
            return "You did not say anything, so there is nothing to credit yet."
        said = f"{turns} turn{'s' if turns != 1 else ''}"
        disclosure = self.disclosure
        if disclosure is None:
            return f"{said}."
        reached = next((o for o in disclosure.hidden if o.fact.priority and o.reached), None)
        if reached is not None:
            return f"You reached what matters most to {self.patient} (at turn {reached.turn}), in {said}."
        return f"What matters most to {self.patient} did not come out this time ({said})."


# A behaviour's level in words, as every face shows it.
LEVEL_WORDS = {0: "not yet", 1: "partly", 2: "done well"}


def build_report(read: TranscriptRead, rubric: RubricFile, scenario: Scenario | None = None) -> FeedbackReport:
    """The feedback on a transcript, scored with the codes recorded on its turns (those the patient reacted
    to); `scenario` is the scenario as played at its visit, where it is known."""
    scored = score_recorded(read, rubric)
    disclosure = disclosures(scenario, read.events) if scenario is not None else None
    saved = latest(read.events, PlanRecorded)
    started = read.started
    carried = None
    if started is not None and started.plan_quality is not None and started.outcome is not None:
        carried = Carried(started.plan_quality, started.outcome)
    return FeedbackReport(
        scored=scored,
        advice=advise(scored.score, scored.conversation, rubric.rubric,
                      scene_of(scenario, read.events) if scenario is not None else None),
        measures=miti_measures(scored.score.miti, rubric.rubric.thresholds),
        disclosure=disclosure,
        plan=check_plan(saved.plan, read.events, scenario) if saved is not None and scenario is not None else None,
        patient_view=patient_view(read.events, disclosure) if disclosure is not None else [],
        carried=carried,
        patient=scenario.persona.name.split()[0] if scenario is not None else "the patient",
    )

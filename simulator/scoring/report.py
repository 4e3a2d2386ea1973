"""Plain-text renderings of a transcript and its feedback, for the command line."""

from typing import NamedTuple

from simulator.coding.codes import Code
from simulator.content.scenario import Scenario
from simulator.scoring.feedback import Disclosure
from simulator.scoring.score import Miti, Score
from simulator.storage.transcript import Event, PatientTurn, SystemEvent, TraineeTurn


def transcript_lines(scenario: Scenario, events: list[Event]) -> list[str]:
    """The conversation, one line per turn, with the trainee's codes and the patient's intent."""
    lines: list[str] = []
    for event in events:
        if isinstance(event, TraineeTurn):
            codes = ", ".join(code.label for code in event.codes) or "no code"
            lines.append(f"Nurse: {event.text}  [{codes}]")
        elif isinstance(event, PatientTurn):
            extra = f"; released {', '.join(event.released)}" if event.released else ""
            lines.append(f"{scenario.persona.name}: {event.text}  [{event.intent.value}{extra}]")
        elif isinstance(event, SystemEvent):
            lines.append(f"-- {event.kind}{': ' + event.detail if event.detail else ''}")
    return lines


def format_measure(value: float | None, kind: str) -> str:
    """A measure as shown to a trainee: '—' when there was nothing to measure."""
    if value is None:
        return "—"
    return f"{value:.0f}%" if kind == "percent" else f"{value:.2f}"


class Measure(NamedTuple):
    """One MITI summary measure as shown: its name, value, kind, and the rubric threshold that judges it."""

    name: str
    value: float | None
    kind: str  # "ratio" or "percent"
    threshold: str  # the key in the rubric's thresholds ('' for none)

    @property
    def shown(self) -> str:
        return format_measure(self.value, self.kind)


def miti_measures(miti: Miti) -> list[Measure]:
    """The MITI summary measures every face shows, in the order they show them."""
    talk = None if miti.clinician_talk_share is None else 100 * miti.clinician_talk_share
    return [
        Measure("Reflections to questions", miti.reflection_question_ratio, "ratio", "reflection_question_ratio"),
        Measure("Complex reflections", miti.percent_complex_reflections, "percent", "percent_complex_reflections"),
        Measure("Open questions", miti.percent_open_questions, "percent", "percent_open_questions"),
        Measure("Relational (estimated, 1-5)", miti.relational_estimate, "ratio", "relational"),
        Measure("Your share of the talk", talk, "percent", ""),
    ]


def feedback_lines(shared: Disclosure, result: Score) -> list[str]:
    """Feedback as text: the score, code counts, MITI measures, hidden facts reached and missed."""
    miti = result.miti
    lines = [f"Overall: {result.overall:.0f} / 100 (rubric {result.rubric_id} v{result.rubric_version}, "
             f"coder {result.coder_version})", f"Turns: {shared.turns}", "Codes:"]
    lines += [f"  {code.label}: {miti.counts[code.value]}" for code in Code if miti.counts[code.value]]
    lines += [f"{measure.name}: {measure.shown}" for measure in miti_measures(miti)]
    lines += [
        "Behaviours: " + " ".join(f"{b.id}={b.level}" for b in result.behaviours),
        f"Facts shared freely: {shared.free_shared} of {shared.free_total}",
        "Hidden facts:",
    ]
    for outcome in shared.hidden:
        mark = "reached at turn " + str(outcome.turn) if outcome.reached else "missed"
        priority = " (hidden priority)" if outcome.fact.priority else ""
        lines.append(f"  {outcome.fact.summary}{priority}: {mark}")
    return lines

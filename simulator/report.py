"""Plain-text renderings of a transcript and its feedback, for the command line."""

from simulator.codes import Code
from simulator.feedback import Feedback
from simulator.scenario import Scenario
from simulator.transcript import Event, PatientTurn, SystemEvent, TraineeTurn


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


def feedback_lines(feedback: Feedback) -> list[str]:
    """First-version feedback as text: counts, headline ratios, hidden facts reached and missed."""
    lines = [f"Turns: {feedback.turns}", "Codes:"]
    lines += [f"  {code.label}: {feedback.counts[code]}" for code in Code if feedback.counts[code]]
    lines += [
        f"Reflections to questions: {format_measure(feedback.reflections_to_questions, 'ratio')}",
        f"Open questions: {format_measure(feedback.percent_open_questions, 'percent')}",
        f"Complex reflections: {format_measure(feedback.percent_complex_reflections, 'percent')}",
        f"Your share of the talk: {format_measure(_as_percent(feedback.trainee_talk_share), 'percent')}",
        f"Facts shared freely: {feedback.free_shared} of {feedback.free_total}",
        "Hidden facts:",
    ]
    for outcome in feedback.hidden:
        mark = "reached at turn " + str(outcome.turn) if outcome.reached else "missed"
        priority = " (hidden priority)" if outcome.fact.priority else ""
        lines.append(f"  {outcome.fact.summary}{priority}: {mark}")
    return lines


def _as_percent(share: float | None) -> float | None:
    return None if share is None else 100 * share

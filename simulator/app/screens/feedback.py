"""Feedback after a consultation (first version): codes, headline measures, what the patient shared."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from simulator.codes import Code
from simulator.feedback import Feedback, summarise
from simulator.report import format_measure
from simulator.session import Session

# Expert-opinion thresholds from MITI 4.2.1 (see DOMAIN.md); talk share has no MITI threshold.
THRESHOLDS = {
    "Reflections to questions": ("1.00", "2.00"),
    "Complex reflections": ("40%", "50%"),
}


class FeedbackScreen(Screen[str]):
    """What happened in the consultation; N starts another, Ctrl+Q quits."""

    DEFAULT_CSS = """
    FeedbackScreen #headline { padding: 1 2; text-style: bold; height: auto; }
    FeedbackScreen #tables { height: auto; }
    FeedbackScreen DataTable { width: 1fr; height: auto; margin: 0 1 1 1; }
    FeedbackScreen #facts { height: auto; margin: 0 2 1 2; }
    FeedbackScreen #saved { padding: 0 2 1 2; color: $text-muted; height: auto; }
    """
    BINDINGS = [
        Binding("n", "new", "New consultation"),
        Binding("f1", "app.help", "Help"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.feedback: Feedback = summarise(session.scenario, session.events)

    def compose(self) -> ComposeResult:
        feedback = self.feedback
        if feedback.priority_reached:
            headline = "You reached what matters most to this person."
        else:
            headline = "What matters most to this person did not come out this time."
        yield Header()
        with VerticalScroll():
            yield Static(f"{headline}  ({feedback.turns} turns)", id="headline", markup=False)
            with Horizontal(id="tables"):
                yield DataTable(id="codes", show_cursor=False)
                yield DataTable(id="measures", show_cursor=False)
            yield Static(self._facts(), id="facts", markup=False)
            yield Static(f"Transcript saved as {self.session.path.name} (simulator resume --list shows"
                         " unfinished ones)", id="saved", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Feedback: {self.session.scenario.persona.name}"
        feedback = self.feedback
        codes = self.query_one("#codes", DataTable)
        codes.add_columns("Behaviour", "Count")
        for code in Code:
            codes.add_row(code.label, str(feedback.counts[code]))
        measures = self.query_one("#measures", DataTable)
        measures.add_columns("Measure", "You", "Fair", "Good")
        talk = None if feedback.trainee_talk_share is None else 100 * feedback.trainee_talk_share
        for name, value, kind in [
            ("Reflections to questions", feedback.reflections_to_questions, "ratio"),
            ("Open questions", feedback.percent_open_questions, "percent"),
            ("Complex reflections", feedback.percent_complex_reflections, "percent"),
            ("Your share of the talk", talk, "percent"),
        ]:
            fair, good = THRESHOLDS.get(name, ("", ""))
            measures.add_row(name, format_measure(value, kind), fair, good)
        measures.add_row("Facts shared freely", f"{feedback.free_shared} of {feedback.free_total}", "", "")

    def _facts(self) -> str:
        lines = ["What the patient kept back:"]
        for outcome in self.feedback.hidden:
            reached = f"reached at turn {outcome.turn}" if outcome.reached else "missed"
            priority = "Hidden priority: " if outcome.fact.priority else ""
            lines.append(f"  • {priority}{outcome.fact.summary} ({reached})")
        return "\n".join(lines)

    def action_new(self) -> None:
        """Back to the scenario picker."""
        self.dismiss("new")

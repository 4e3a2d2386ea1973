"""Feedback after a consultation: score, strengths and development areas in the trainee's own words,
each behaviour with its evidence, MITI measures against thresholds, moments to replay, hidden facts."""

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

from simulator.content.rubric_loader import RubricFile
from simulator.practice.session import Session
from simulator.practice.visit import feedback
from simulator.scoring.feedback import Advice
from simulator.scoring.report import FeedbackReport
from simulator.scoring.scored_transcript import ScoredTranscript

LEVEL_MARKS = {0: "○○ not yet", 1: "●○ partly", 2: "●● done well"}


class FeedbackScreen(Screen[str]):
    """Scores the ended consultation on a worker thread, then shows the feedback; N starts another."""

    DEFAULT_CSS = """
    FeedbackScreen .title { padding: 1 2 0 2; text-style: bold; height: auto; }
    FeedbackScreen .section { padding: 1 2 0 2; text-style: bold; color: $accent; height: auto; }
    FeedbackScreen .body { padding: 0 2 0 4; height: auto; }
    FeedbackScreen DataTable { height: auto; margin: 1 2 0 2; }
    FeedbackScreen .muted { padding: 1 2; color: $text-muted; height: auto; }
    FeedbackScreen LoadingIndicator { height: 3; }
    """
    BINDINGS = [
        Binding("n", "new", "New consultation"),
        Binding("r", "review", "Review visit, from your plan"),
        Binding("f1", "app.help", "Help"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self, session: Session, rubric: RubricFile) -> None:
        super().__init__()
        self.session = session
        self.rubric = rubric
        self.report: FeedbackReport | None = None

    @property
    def scored(self) -> ScoredTranscript | None:
        """The consultation's score, once the report is built."""
        return self.report.scored if self.report is not None else None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="page"):
            yield Static("Scoring your consultation…", classes="title", id="status")
            yield LoadingIndicator()
        yield Footer()

    def on_mount(self) -> None:
        visit = ", review visit" if self.session.visit else ""
        self.title = f"Feedback: {self.session.scenario.persona.name}{visit}"
        self._score()

    @work(thread=True, exclusive=True)
    def _score(self) -> None:
        report = feedback(self.session, self.rubric)
        note = None
        try:
            self.session.scored(report.scored)
        except OSError as error:
            note = f"The score could not be saved beside the transcript ({error.strerror or error}); it is shown here."
        self.app.call_from_thread(self._show, report, note)

    def _show(self, report: FeedbackReport, note: str | None) -> None:
        self.report = report
        page = self.query_one("#page", VerticalScroll)
        page.remove_children()
        page.mount_all([*self._summary(report), *self._advice(report.advice), *self._behaviours(report.scored),
                        *self._plan(report), *self._patient_view(report), *self._measures(report),
                        *self._facts(report), *self._versions(report.scored, note)])

    def _summary(self, report: FeedbackReport) -> list[Static]:
        disclosure = report.disclosure
        reached = ("You reached what matters most to this person." if disclosure and disclosure.priority_reached
                   else "What matters most to this person did not come out this time.")
        turns = len(report.scored.conversation.turns)
        widgets = [Static(f"Overall {report.scored.score.overall:.0f} / 100 · {reached} ({turns} turns)",
                          classes="title", markup=False)]
        carried = report.carried
        if carried is not None:
            went = {"worked": "mostly worked", "partly": "partly worked", "did_not": "did not work"}[carried.outcome]
            widgets.append(Static(f"Review visit. The plan you recorded last time met {carried.quality:.0%} of its "
                                  f"checks, and its first step {went}.", classes="body", markup=False))
        return widgets

    def _advice(self, advice: Advice) -> list[Static]:
        widgets: list[Static] = []
        for title, points in (("Strengths", advice.strengths), ("To work on", advice.development)):
            widgets.append(Static(title, classes="section"))
            lines = []
            for point in points:
                lines.append(f"• {point.behaviour}: {point.message}")
                if point.quote:
                    lines.append(f"    You said: “{point.quote}”")
                if point.level < 2 and point.instead:
                    lines.append(f"    Try: “{point.instead}”")
            widgets.append(Static("\n".join(lines) or "—", classes="body", markup=False))
        widgets.append(Static("Moments to replay", classes="section"))
        moments = [f"• Turn {m.turn}: “{m.words}”\n    {m.why} Try: “{m.instead}”" for m in advice.moments]
        widgets.append(Static("\n".join(moments) or "None: no advice without permission, confrontation or "
                              "runs of closed questions.", classes="body", markup=False))
        return widgets

    def _behaviours(self, scored: ScoredTranscript) -> list[Static]:
        lines = []
        for b in scored.score.behaviours:
            turns = ", ".join(str(e.turn) for e in b.evidence[:6])
            where = f" [turns {turns}]" if turns else ""
            lines.append(f"{b.id} {b.name}: {LEVEL_MARKS[b.level]}. {b.rationale}{where}")
        return [Static("Each behaviour", classes="section"), Static("\n".join(lines), classes="body", markup=False)]

    def _plan(self, report: FeedbackReport) -> list[Static]:
        """The recorded plan, checked against the conversation."""
        checked = report.plan
        if checked is None:
            return []
        lines = [f"{'✓' if c.met else '✗'} {c.name}: {c.detail}." for c in checked.checks]
        return [Static(f"Your care and support plan: {checked.score} / 100", classes="section"),
                Static("\n".join(lines), classes="body", markup=False)]

    def _patient_view(self, report: FeedbackReport) -> list[Static]:
        """The patient's CollaboRATE answers, beside the rubric's view."""
        lines = []
        for answer in report.patient_view:
            lines.append(f"{answer.question}\n    {answer.score} of 4, {answer.label.lower()}."
                         + (f" “{' '.join(answer.because)}”" if answer.because else ""))
        return [Static("How it felt from the other chair (CollaboRATE, answered by the patient)", classes="section"),
                Static("\n".join(lines), classes="body", markup=False)]

    def _measures(self, report: FeedbackReport) -> list[Static | DataTable]:
        """The MITI summary against the rubric's thresholds, and how the relational score was estimated."""
        table: DataTable = DataTable(show_cursor=False)
        table.add_columns("Measure", "You", "Fair", "Good")
        for measure in report.measures:
            limit = measure.threshold
            fair, good = (f"{limit.fair:g}", f"{limit.good:g}") if limit else ("", "")
            table.add_row(measure.name, measure.shown, fair, good)
        method = Static(report.scored.score.miti.relational_method, classes="muted", markup=False)
        return [Static("MITI measures", classes="section"), table, method]

    def _facts(self, report: FeedbackReport) -> list[Static]:
        lines = []
        for outcome in report.disclosure.hidden if report.disclosure else []:
            reached = f"reached at turn {outcome.turn}" if outcome.reached else "missed"
            priority = "Hidden priority: " if outcome.fact.priority else ""
            lines.append(f"• {priority}{outcome.fact.summary} ({reached})")
        return [Static("What the patient kept back", classes="section"),
                Static("\n".join(lines), classes="body", markup=False)]

    def _versions(self, scored: ScoredTranscript, note: str | None) -> list[Static]:
        score = scored.score
        text = (f"Rubric {score.rubric_id} v{score.rubric_version}; coded by {score.coder_version}, the codes the "
                f"patient reacted to. Transcript saved as {self.session.path.name}.")
        return [Static(f"{note}\n{text}" if note else text, classes="muted", markup=False)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The review visit is offered after a first visit whose scenario has one."""
        if action == "review":
            return self.session.visit is None and any(v.kind == "review" for v in self.session.scenario.visits)
        return True

    def action_review(self) -> None:
        """See this patient again for the review visit, which starts from the plan just recorded."""
        self.dismiss("review")

    def action_new(self) -> None:
        """Back to the scenario picker."""
        self.dismiss("new")

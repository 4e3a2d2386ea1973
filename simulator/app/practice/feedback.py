"""Feedback after a consultation, in plain words: the score and what it came to, strengths and development
areas in the trainee's own words with what to say instead, moments to replay, each behaviour, the plan's
checks, the patient's view and what they kept back. The MITI figures behind it are one key (M) away."""

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

from simulator.coding.codes import Code
from simulator.content.rubric_loader import RubricFile
from simulator.practice.session import Session
from simulator.practice.visit import feedback
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
    FeedbackScreen #miti { height: auto; }
    FeedbackScreen .point { padding: 0 2 0 4; height: auto; }
    FeedbackScreen .detail { padding: 0 2 0 8; height: auto; }
    FeedbackScreen .try { color: $success; }
    FeedbackScreen LoadingIndicator { height: 3; }
    """
    BINDINGS = [
        Binding("n", "new", "New visit", tooltip="Choose another patient or visit"),
        Binding("r", "review", "Review visit", tooltip="The review visit, from the plan you recorded"),
        Binding("m", "miti", "MITI figures"),
        Binding("f1", "app.help", "Help"),
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
        figures = Vertical(*self._measures(report), id="miti")
        figures.display = False
        page.mount_all([*self._summary(report), *self._advice(report), *self._behaviours(report.scored),
                        *self._plan(report), *self._patient_view(report), *self._facts(report),
                        Static("The MITI figures behind the score: press m.", classes="muted", id="miti-hint"),
                        figures, *self._versions(report.scored, note)])

    def _summary(self, report: FeedbackReport) -> list[Static]:
        widgets = [Static(f"Overall {report.scored.score.overall:.0f} / 100 · {report.headline()}",
                          classes="title", markup=False)]
        carried = report.carried
        if carried is not None:
            went = {"worked": "mostly worked", "partly": "partly worked", "did_not": "did not work"}[carried.outcome]
            widgets.append(Static(f"Review visit. The plan you recorded last time met {carried.quality:.0%} of its "
                                  f"checks, and its first step {went}.", classes="body", markup=False))
        return widgets

    def _advice(self, report: FeedbackReport) -> list[Static]:
        """Strengths and what to work on, each point its own block so that wrapped lines stay under it."""
        advice = report.advice
        widgets: list[Static] = []
        for title, points in (("Strengths", advice.strengths), ("To work on", advice.development)):
            widgets.append(Static(title, classes="section"))
            for point in points:
                said = point.message if point.level == 2 else " ".join(filter(None, (point.finding, point.message)))
                widgets.append(Static(f"• {point.behaviour}", classes="point", markup=False))
                widgets.append(Static(said, classes="detail", markup=False))
                if point.quote:
                    widgets.append(Static(f"You said: “{point.quote}”", classes="detail", markup=False))
                if point.instead:
                    widgets.append(Static(f"Try: “{point.instead}”", classes="detail try", markup=False))
            if not points:
                widgets.append(Static("None yet.", classes="body"))
        widgets.append(Static("Moments to replay", classes="section"))
        for moment in advice.moments:
            widgets += [Static(f"• Turn {moment.turn}: “{moment.words}”", classes="point", markup=False),
                        Static(moment.why, classes="detail", markup=False),
                        Static(f"Try: “{moment.instead}”", classes="detail try", markup=False)]
        if not advice.moments:
            widgets.append(Static(f"None: no advice {report.patient} had not asked for, no cue passed over and no "
                                  "run of closed questions.", classes="body", markup=False))
        return widgets

    def _behaviours(self, scored: ScoredTranscript) -> list[Static]:
        lines = [f"{b.id} {b.name}: {LEVEL_MARKS[b.level]}. {b.finding}" for b in scored.score.behaviours]
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
        return [Static(f"How it felt from the other chair (CollaboRATE, answered by {report.patient})",
                       classes="section", markup=False),
                Static("\n".join(lines), classes="body", markup=False)]

    def _measures(self, report: FeedbackReport) -> list[Static | DataTable]:
        """The MITI figures: the summary measures against the rubric's thresholds, what each level was measured
        by, the code counts, and how the relational score was estimated (one key away from the main view)."""
        table: DataTable = DataTable(show_cursor=False)
        table.add_columns("Measure", "You", "Fair", "Good")
        for measure in report.measures:
            limit = measure.threshold
            fair, good = (f"{limit.fair:g}", f"{limit.good:g}") if limit else ("", "")
            table.add_row(measure.name, measure.shown, fair, good)
        score = report.scored.score
        counts = ", ".join(f"{code.label} {score.miti.counts[code.value]}" for code in Code
                           if score.miti.counts[code.value]) or "none"
        measured = "\n".join(f"{b.id} level {b.level}: {b.rationale}" for b in score.behaviours)
        return [Static("MITI figures", classes="section"), table,
                Static(f"Codes: {counts}", classes="body", markup=False),
                Static(measured, classes="body", markup=False),
                Static(score.miti.relational_method, classes="muted", markup=False)]

    def _facts(self, report: FeedbackReport) -> list[Static]:
        lines = []
        for outcome in report.disclosure.hidden if report.disclosure else []:
            priority = "Hidden priority: " if outcome.fact.priority else ""
            lines.append(f"• {priority}{outcome.fact.summary} ({outcome.words})")
        return [Static(f"What {report.patient} kept back", classes="section", markup=False),
                Static("\n".join(lines), classes="body", markup=False)]

    def action_miti(self) -> None:
        """Show or hide the MITI figures behind the score, and go to them."""
        if self.report is None:
            return
        figures = self.query_one("#miti", Vertical)
        figures.display = not figures.display
        if figures.display:
            # Once they are laid out, so that the page can scroll to where they are.
            page = self.query_one("#page", VerticalScroll)
            self.call_after_refresh(page.scroll_to_widget, figures, top=True, animate=False)

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

"""Recording the care and support plan after the conversation; drafts are saved as they are typed."""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.validation import Integer
from textual.widgets import Footer, Header, Input, Label

from simulator.app.autosave import Autosave
from simulator.practice.session import Session
from simulator.storage.care_plan import CarePlan

FIELDS: list[tuple[str, str]] = [
    ("what_matters", "What matters, in their words"),
    ("goal", "Goal they chose"),
    ("step_what", "First step: what"),
    ("step_when", "When (days, time)"),
    ("step_where", "Where"),
    ("step_how_much", "How much, how often"),
    ("start_date", "Starting"),
    ("confidence", "Confidence, 0 to 10"),
    ("support", "Support, signposting"),
    ("if_not_working", "If it is not working"),
    ("review_date", "Review date"),
]


class PlanScreen(Screen[Session]):
    """The plan form; dismissed with the session once the plan is saved."""

    # Two fields a row, each label beside its box, so that the whole plan fits on one screen.
    DEFAULT_CSS = """
    PlanScreen #form { layout: grid; grid-size: 4; grid-columns: 16 1fr 16 1fr; grid-rows: 3; padding: 1 1;
                       height: auto; }
    PlanScreen Label { height: 3; content-align: left middle; color: $text-muted; padding-right: 1; }
    """
    BINDINGS = [
        Binding("f1", "app.help", "Help"),
        Binding("f5", "save", "Save the plan and see feedback"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._autosave = Autosave(self, lambda: self._save(final=False))

    def compose(self) -> ComposeResult:
        # A draft saved earlier; at a review, last visit's plan, to adjust; else a blank form.
        saved, carried = self.session.plan, self.session.carried
        plan = saved.plan if saved else carried.plan if carried else CarePlan()
        yield Header()
        with VerticalScroll(id="form"):
            for name, label in FIELDS:
                yield Label(label)
                value = getattr(plan, name)
                if name == "confidence":
                    yield Input("" if value is None else str(value), id=name, type="integer", max_length=2,
                                validators=[Integer(minimum=0, maximum=10)], valid_empty=True)
                else:
                    yield Input(value, id=name, max_length=300)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Care and support plan: {self.session.scenario.persona.name}"
        self.query_one(Input).focus()

    def plan(self) -> CarePlan:
        """The plan as the form shows it (a confidence outside 0-10 is left out)."""
        values = {box.id: box.value.strip() for box in self.query(Input) if box.id}
        confidence = values.pop("confidence", "")
        number = int(confidence) if confidence.isdigit() and int(confidence) <= 10 else None
        return CarePlan(**values, confidence=number)

    @on(Input.Changed)
    def _changed(self) -> None:
        self._autosave.typed()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next(Input)

    def _save(self, final: bool) -> bool:
        try:
            self.session.record_plan(self.plan(), final=final)
        except OSError as error:
            self.notify(f"Could not save the plan to {self.session.path}: {error.strerror or error}. "
                        "It is still on the screen.", severity="error", timeout=10, markup=False)
            return False
        return True

    def action_save(self) -> None:
        """Save the final plan and go on to the feedback."""
        self._autosave.cancel()
        if self._save(final=True):
            self.dismiss(self.session)

"""Recording the care and support plan after the conversation; drafts are saved as they are typed."""

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.validation import Integer
from textual.widgets import Footer, Header, Input, Label, TextArea
from textual.widgets.text_area import EditResult, Location

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


def plan_text(plan: CarePlan) -> str:
    """A recorded plan to read: each field that was filled in, under its label."""
    filled = [(label, getattr(plan, name)) for name, label in FIELDS]
    return "\n\n".join(f"{label}\n  {value}" for label, value in filled if value not in ("", None)) or \
        "Nothing was written on the plan."


# The longest answer a field takes: room for what a plan says, not for a pasted document.
MAX_ANSWER = 300


class PlanField(TextArea):
    """One answer on the plan form: a paragraph that wraps onto more lines as it grows, rather than scrolling
    sideways. Enter goes on to the next field, as Tab does (an answer is one paragraph: a paste's lines are
    joined); an answer longer than MAX_ANSWER is refused with a message, never cut short without a word."""

    def __init__(self, text: str, *, id: str) -> None:  # noqa: A002 - Textual's name for it
        super().__init__(text, id=id, soft_wrap=True, tab_behavior="focus", highlight_cursor_line=False)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()  # instead of TextArea's new line
            self.screen.focus_next()

    def _replace_via_keyboard(self, insert: str, start: Location, end: Location) -> EditResult | None:
        insert = " ".join(insert.splitlines())
        room = MAX_ANSWER - (len(self.text) - len(self.get_text_range(start, end)))
        if len(insert) > room:
            self.app.bell()
            self.notify(f"An answer can be at most {MAX_ANSWER} characters ({room} more fit here).",
                        severity="warning", timeout=5, markup=False)
            return None
        return super()._replace_via_keyboard(insert, start, end)


class PlanScreen(Screen[Session]):
    """The plan form; dismissed with the session once the plan is saved."""

    # Two fields a row, each label beside its box, so that a plan of short answers fits on one screen; a row
    # grows as its answers wrap. In a narrow terminal, one field a row, so that each box is wide enough to read.
    DEFAULT_CSS = """
    PlanScreen #form { layout: grid; grid-size: 4; grid-columns: 16 1fr 16 1fr; grid-rows: auto; padding: 1 1;
                       height: 1fr; }
    PlanScreen #form.-narrow { grid-size: 2; grid-columns: 16 1fr; }
    PlanScreen Label { height: 3; content-align: left middle; color: $text-muted; padding-right: 1; }
    PlanScreen PlanField { height: auto; min-height: 3; max-height: 8; scrollbar-size-vertical: 1; }
    """
    # Narrower than this, one field a row.
    NARROW = 100
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
                    yield PlanField(value, id=name)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Care and support plan: {self.session.scenario.persona.name}"
        self.query_one(PlanField).focus()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#form").set_class(event.size.width < self.NARROW, "-narrow")

    def plan(self) -> CarePlan:
        """The plan as the form shows it (a confidence outside 0-10 is left out)."""
        values = {box.id: box.text.strip() for box in self.query(PlanField) if box.id}
        confidence = self.query_one("#confidence", Input).value.strip()
        number = int(confidence) if confidence.isdigit() and int(confidence) <= 10 else None
        return CarePlan(**values, confidence=number)

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._autosave.typed()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

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

"""Preparing for the conversation: the results letter the patient was sent, the clinical notes, and
the trainee's own preparation note, saved as it is written. Escape goes back to the list of patients."""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TextArea

from simulator.app.autosave import Autosave
from simulator.app.practice.dialogs import ConfirmScreen
from simulator.practice.session import Session

NO_NOTES = "No clinical notes for this patient."


class PrepareScreen(Screen[Session | None]):
    """Before the conversation; dismissed with the session when the trainee starts the conversation, or
    with None when they go back to choose another patient (the visit is then not kept)."""

    # The letter takes the full width: its tables of readings are laid out in columns.
    DEFAULT_CSS = """
    PrepareScreen #letter { height: 3fr; border: round $primary; padding: 0 1; }
    PrepareScreen #below { height: 2fr; min-height: 7; }
    PrepareScreen #notes { width: 1fr; border: round $secondary; padding: 0 1; }
    PrepareScreen TextArea { width: 1fr; }
    """
    BINDINGS = [
        Binding("f1", "app.help", "Help"),
        Binding("f5", "start", "Start the conversation"),
        Binding("escape", "back", "Back to the list"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._autosave = Autosave(self, self._save)

    def compose(self) -> ComposeResult:
        scenario = self.session.scenario
        yield Header()
        with VerticalScroll(id="letter") as letter:
            letter.border_title = "Results letter sent to the patient"
            yield Static(scenario.results_letter, markup=False)
        with Horizontal(id="below"):
            with VerticalScroll(id="notes") as notes:
                notes.border_title = "Clinical notes"
                yield Static(self._notes(), markup=False)
            note = TextArea(self.session.preparation, id="note", soft_wrap=True)
            note.border_title = "Your note: what to check, which results to explore"
            yield note
        yield Footer()

    def _notes(self) -> str:
        """The clinical notes, and at a review the plan recorded last time."""
        notes = self.session.scenario.clinical_notes or NO_NOTES
        carried = self.session.carried
        if carried is None:
            return notes
        plan = carried.plan
        step = ", ".join(part for part in (plan.step_what, plan.step_when, plan.step_where, plan.step_how_much,
                                           plan.start_date) if part)
        lines = [f"Goal: {plan.goal or '(none recorded)'}", f"First step: {step or '(none recorded)'}",
                 f"Confidence: {plan.confidence if plan.confidence is not None else '(not recorded)'}",
                 f"If it is not working: {plan.if_not_working or '(not recorded)'}",
                 f"Review: {plan.review_date or '(not recorded)'}"]
        return "The plan you recorded last time\n" + "\n".join(lines) + "\n\n" + notes

    def on_mount(self) -> None:
        self.title = f"Prepare: {self.session.scenario.title}"
        self.query_one(TextArea).focus()

    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._autosave.typed()

    def _save(self) -> None:
        try:
            self.session.prepare(self.query_one(TextArea).text)
        except OSError as error:
            self.notify(f"Could not save your note to {self.session.path}: {error.strerror or error}. "
                        "It is still on the screen.", severity="error", timeout=10, markup=False)

    def action_back(self) -> None:
        """Back to the list of patients, leaving this visit; asked first when that would discard a note."""
        if not self.query_one(TextArea).text.strip():
            self._leave(True)
            return
        self.app.push_screen(ConfirmScreen("Leave this visit?", "Your preparation note goes with it: nothing of this "
                                           "visit is kept.", yes="leave it", no="stay and carry on preparing"),
                             self._leave)

    def _leave(self, confirmed: bool | None) -> None:
        if confirmed:
            self._autosave.cancel()
            self.dismiss(None)

    def action_start(self) -> None:
        """Save the note and go into the conversation."""
        self._autosave.cancel()
        self._save()
        self.dismiss(self.session)

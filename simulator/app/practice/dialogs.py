"""Small dialogs over the practice app's screens: a yes-or-no question, and the trainee's name."""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from simulator.app.practice.keys import QUIT
from simulator.text import clean_utterance

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 64; max-width: 96%; height: auto; border: thick $warning; background: $surface;
                    padding: 1 2; }}
{name} .body {{ width: 1fr; height: auto; }}
{name} .keys {{ width: 1fr; height: auto; margin-top: 1; color: $text-muted; }}
"""


class ConfirmScreen(ModalScreen[bool]):
    """Asks before something that cannot be undone: Enter or Y goes ahead, Escape or N does not."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen")
    BINDINGS = [
        Binding("enter,y", "answer(True)", "Yes", key_display="Enter/y"),
        Binding("escape,n", "answer(False)", "No", key_display="Esc/n"),
        QUIT,
    ]

    def __init__(self, title: str, question: str, yes: str, no: str) -> None:
        super().__init__()
        self._title, self._question, self._yes, self._no = title, question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Static(self._question, classes="body", markup=False)
            yield Static(f"Enter: {self._yes}   ·   Escape: {self._no}", classes="keys", markup=False)
        yield Footer()

    def action_answer(self, answer: bool) -> None:
        """Close the dialog with the answer."""
        self.dismiss(answer)


class NameScreen(ModalScreen[str | None]):
    """Asks the trainee's name, the first time the app is used; Escape leaves it unasked for this run."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NameScreen") + "NameScreen Input { margin-top: 1; }"
    BINDINGS = [Binding("escape", "skip", "Not now"), QUIT]
    # As long as the config file's [user] name may be.
    MAX_NAME = 80

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Welcome"
            yield Static("What is your name? It goes on your transcripts, so that an educator reviewing them "
                         "knows whose they are, and is remembered for next time.", classes="body")
            yield Input(placeholder="Your name", max_length=self.MAX_NAME, id="name")
            yield Static("Enter: save it   ·   Escape: not now (asked again next time)", classes="keys")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        name = clean_utterance(event.value)
        if not name:
            self.notify("Type your name first, or press Escape to skip it for now.", severity="warning", timeout=5)
            return
        self.dismiss(name)

    def action_skip(self) -> None:
        """Go on without a name this time."""
        self.dismiss(None)

"""A modal page of plain text: the results letter, the persona card."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from simulator.app.practice.keys import QUIT


class DocumentScreen(ModalScreen[None]):
    """Shows a titled document over the consultation; Escape closes it."""

    DEFAULT_CSS = """
    DocumentScreen { align: center middle; }
    DocumentScreen > VerticalScroll {
        width: 90; max-width: 96%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    DocumentScreen .body { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "dismiss", "Close"), Binding("q", "dismiss", "Close", show=False), QUIT]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = self._title
            yield Static(self._body, markup=False, classes="body")
        yield Footer()

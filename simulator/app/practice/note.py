"""The trainee's preparation note, open to edit over the conversation (F4) and saved as it is written."""

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, TextArea

from simulator.app.autosave import Autosave
from simulator.app.practice.keys import QUIT

# Saves the note's text, then (once it is on disk) calls the second argument; says why when it cannot.
SaveNote = Callable[[str, Callable[[], object]], None]


class NoteScreen(ModalScreen[None]):
    """The note in an editor; Escape saves it and closes. It closes only once the note is saved: a note that
    cannot be saved stays on the screen."""

    DEFAULT_CSS = """
    NoteScreen { align: center middle; }
    NoteScreen TextArea { width: 90; max-width: 96%; height: 80%; }
    """
    BINDINGS = [Binding("escape", "close", "Save and close"), QUIT]

    def __init__(self, text: str, save: SaveNote) -> None:
        super().__init__()
        self._text = text
        self._save = save
        self._autosave = Autosave(self, lambda: self._save(self._note(), lambda: None))

    def compose(self) -> ComposeResult:
        note = TextArea(self._text, soft_wrap=True, highlight_cursor_line=False,
                        placeholder="What to check, which results to explore, what you have learnt")
        note.border_title = "Your note"
        note.border_subtitle = "saved as you write"
        yield note
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.move_cursor(area.document.end)
        area.focus()

    def _note(self) -> str:
        return self.query_one(TextArea).text

    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._autosave.typed()

    def action_close(self) -> None:
        """Save the note, then close."""
        self._autosave.cancel()
        self._save(self._note(), self._saved)

    def _saved(self) -> None:
        if self.is_current:  # not when the app is quitting meanwhile
            self.dismiss()

"""The one place where what the apps draw is made safe for the terminal.

Scenario and rubric text, transcripts, names and comments reach the screen through many widgets (statics,
tables, notifications, titles, borders, dialogs). Textual strips only BEL from them, so an escape sequence
in a trainee's name would reach a reviewer's terminal (OSC 52 sets the clipboard). Rather than trust every
widget to clean its text, the apps clean every line Textual renders, on its way to the terminal.
"""

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from textual.app import App, ReturnType
from textual.color import Color
from textual.filter import LineFilter

from simulator.text import terminal_safe


class TerminalSafe(LineFilter):
    """Drops the control and invisible format characters from every rendered line (Textual has laid them
    out as taking no room, so a placeholder would not fit) and keeps each line exactly as wide as laid out."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """The line's segments made safe; Textual's own control segments pass unchanged."""
        safe: list[Segment] = []
        for segment in segments:
            text = segment.text if segment.control else terminal_safe(segment.text, placeholder="")
            if text != segment.text:
                # A dropped character that did take room (a soft hyphen) leaves a space.
                text += " " * (cell_len(segment.text) - cell_len(text))
                segment = Segment(text, segment.style)
            safe.append(segment)
        return safe


class TerminalSafeApp(App[ReturnType]):
    """An app whose every rendered line passes through `TerminalSafe` (after Textual's own filters)."""

    _terminal_safe: ClassVar[TerminalSafe] = TerminalSafe()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters (colours), then ours."""
        return [*super().get_line_filters(), self._terminal_safe]

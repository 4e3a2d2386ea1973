"""The one place where what the command line writes is made safe for the terminal.

Scenario and rubric text, transcripts, names, paths and error messages quoting them all reach stdout and
stderr through `print`. `main` runs every command inside `terminal_safe_output`, so each write passes
through `terminal_safe` whichever command made it: an escape sequence in a file cannot set the clipboard or
the window title, or clear the screen, and a command added later is covered without remembering to be.
"""

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import TextIO, cast

from simulator.text import terminal_safe


class _SafeStream:
    """Stands in for `stream`, writing what `terminal_safe` lets through (newlines kept) and saying it is no
    terminal; everything else, such as `fileno` or `encoding`, is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        # A progress line redraws itself with a carriage return at the start of one write: that one is
        # ours. Every other control character came with the text and is shown as a placeholder.
        redraw = "\r" if text.startswith("\r") else ""
        self._stream.write(redraw + terminal_safe(text[len(redraw):], lines=True))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def isatty(self) -> bool:
        # Colours and cursor moves would come out as placeholders, so whoever asks (Rich printing a crash
        # report, say) is told to write plain text.
        return False

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextmanager
def terminal_safe_output() -> Iterator[None]:
    """While inside, everything printed to stdout and stderr is made safe for the terminal."""
    with redirect_stdout(cast(TextIO, _SafeStream(sys.stdout))), redirect_stderr(cast(TextIO, _SafeStream(sys.stderr))):
        yield

"""The product's errors: one base class that the command line and the apps catch, and what each kind means.

Every error here carries a message written for the person at the keyboard: what went wrong, where, and
what to do. Anything else that escapes is a bug.
"""

from dataclasses import dataclass
from pathlib import Path


class SimulatorError(Exception):
    """A failure the user can act on; its message says what, where and what to do."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, at a 1-based line and column (0 when the whole file is at fault)."""

    path: Path
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class ContentError(SimulatorError):
    """A content file could not be used; `problems` says every reason found, each with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class CoderUnavailable(SimulatorError):
    """The learned coder cannot be used here; the message says why and what to do."""


class BackendUnavailable(SimulatorError):
    """A backend that was asked for cannot be used (missing model, unreachable server); says how to fix it."""


class StoreError(SimulatorError):
    """A model could not be fetched or prepared; the message says why and what to do."""


class SessionClosed(SimulatorError):
    """The consultation has ended; nothing more can be said in it."""

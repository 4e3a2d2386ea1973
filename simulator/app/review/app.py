"""The quality assurer's app: the library list, a transcript under review, agreement and progress."""


from simulator import __version__
from simulator.app.review.library import LibraryScreen
from simulator.app.terminal import TerminalSafeApp
from simulator.practice.session import Clock, utc_now
from simulator.quality.library import Library


class ReviewApp(TerminalSafeApp[None]):
    """Keyboard-only review over the library index; every judgement is saved beside its transcript."""

    TITLE = "Transcript review"
    SUB_TITLE = f"v{__version__}"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, library: Library, reviewer: str, *, now: Clock = utc_now, rescan: bool = True) -> None:
        super().__init__()
        self.library = library
        self.reviewer = reviewer
        self.now = now
        # Pick up new and changed files when the app opens (tests switch it off to keep the list fixed).
        self.rescan = rescan

    def on_mount(self) -> None:
        self.push_screen(LibraryScreen())

"""Saving what the trainee types once they pause, so that a killed process loses almost nothing."""

from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget

# Seconds after the last keystroke before saving: often enough that a killed process loses almost
# nothing, rarely enough that the transcript is not a keystroke log.
SAVE_AFTER = 1.0


class Autosave:
    """Calls `save` once typing has paused for SAVE_AFTER seconds, or at once when asked."""

    def __init__(self, owner: Widget, save: Callable[[], object]) -> None:
        self._owner = owner
        self._save = save
        self._timer: Timer | None = None

    def typed(self) -> None:
        """Something changed: save after the pause (restarting the wait)."""
        self.cancel()
        self._timer = self._owner.set_timer(SAVE_AFTER, self._save)

    def cancel(self) -> None:
        """Forget a save that is waiting (the caller is about to save itself)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

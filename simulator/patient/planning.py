"""The patient's side of planning: which goal they name, and which of the options put to them they take."""

from collections.abc import Sequence
from dataclasses import dataclass

from simulator.content.scenario import Option, Planning


@dataclass(frozen=True)
class Plans:
    """What one scenario's patient brings to planning (see `Planning` in the scenario format)."""

    planning: Planning

    def goal(self, released: Sequence[str], said: Sequence[str]) -> str | None:
        """The most developed goal whose facts are out, unless already said (then the one before it, so the
        person moves on rather than repeating themselves); None if there is none to name."""
        ready = [goal.text for goal in self.planning.goals if set(goal.after) <= set(released)]
        fresh = [text for text in ready if text not in said]
        return fresh[-1] if fresh else (ready[-1] if ready else None)

    def choose(self, options: Sequence[Option]) -> Option | None:
        """Of the options put to them, the one they would take up (the first they welcome)."""
        return next((option for option in options if option.welcome and option.step), None)

"""Language-model backends that phrase the patient's replies: one interface, several engines.

A backend takes chat messages (OpenAI-style role/content dicts) and streams back text. It knows
nothing about scenarios: what the patient may say is decided before the prompt is built
(`patient_prompt`) and checked after (`reply_checks`).
"""

from collections.abc import Callable
from typing import Protocol, runtime_checkable

Message = dict[str, str]
# Called with the whole reply so far after each new piece; returning False stops generation early
# (the realiser does this as soon as a reply fails a check, so no time is spent finishing it).
OnText = Callable[[str], bool]


class Backend(Protocol):
    """Something that writes the next assistant message of a chat."""

    @property
    def name(self) -> str:
        """Which engine and model this is, as shown in the app and recorded in transcripts."""
        ...

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        """The next assistant message, reproducible for a given seed; streamed through `on_text`."""
        ...

    def warm(self, messages: list[Message]) -> None:
        """Read the start every later prompt will share (a no-op where there is nothing to keep)."""
        ...


@runtime_checkable
class Closable(Protocol):
    """A backend that can stop a reply it is writing (a model mid-generation, a server mid-stream)."""

    def close(self) -> None:
        """End the reply in progress at once (its `generate` raises BackendUnavailable) and write no more."""
        ...

"""How close two pieces of text are in meaning: the coder's sentence encoder, shared by the patient (which
fact a question is about) and the patient's voice (does a reworded reply still say the authored line).

Only the learned coder carries an encoder; with the rules there is no `Meaning` and callers fall back to
topic words.
"""

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Meaning(Protocol):
    """Cosine similarity of sentence embeddings, -1 to 1 (about 0.5 and above: the same subject)."""

    def similarity(self, text: str, others: Sequence[str]) -> list[float]:
        """How close `text` is in meaning to each of `others`."""
        ...


def meaning_of(coder: object) -> Meaning | None:
    """The coder's sense of meaning, if it has one (the learned coder does, the rules do not)."""
    return coder if isinstance(coder, Meaning) else None

"""Splitting a turn into utterances, as MITI and MISC coders do, so that each act is coded on its own:
"It sounds like the nights are the hardest part. What would help?" is a reflection and a question."""

import re

from sentencex import segment

# A break inside a sentence that starts a new act: "...part - what would help?", "...part; what would help?"
_INNER = re.compile(r"\s*;\s+|\s+[-\u2013\u2014]\s+(?=(?:what|how|why|when|where|which|who|do|does|did|is|are|"
                    r"can|could|would|will|shall|have|has)\b)", re.IGNORECASE)


def split(text: str) -> list[str]:
    """The sentences of a turn, in order, each stripped; a turn of no words gives no utterances."""
    found: list[str] = []
    for sentence in segment("en", text):
        found.extend(piece.strip() for piece in _INNER.split(sentence) if piece.strip())
    return [piece for piece in found if any(ch.isalnum() for ch in piece)]

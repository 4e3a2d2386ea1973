"""Cleaning text that people type or that files hold, before the core sees it."""

import re
import unicodedata

# C0 and C1 control characters, DEL, and the escape-sequence introducers they start. Newlines and tabs
# are turned into spaces first, so an utterance stays one line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_SPACE = re.compile(r"\s+")


def clean_utterance(text: str) -> str:
    """Return `text` as one line of printable Unicode: escape sequences and control characters removed,
    whitespace collapsed, NFC-normalised. Markup such as ``[bold]`` is kept as literal characters."""
    text = unicodedata.normalize("NFC", text)
    text = _ANSI.sub("", text)
    text = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = _CONTROL.sub("", text)
    # Invisible format characters (zero-width spaces, bidi overrides) can disguise text; the
    # zero-width joiner stays because emoji sequences need it.
    text = "".join(c for c in text if c == "\u200d" or unicodedata.category(c) != "Cf")
    return _SPACE.sub(" ", text).strip()

"""Which characters content text may not hold, and how to name them in a message.

Scenario and rubric text is shown on the user's terminal. A control character there is not text but an
instruction: ESC and the C1 CSI (U+009B) start escape sequences that can clear the screen, set the window
title or overwrite the clipboard (OSC 52); a carriage return or backspace can overwrite what was shown;
bidirectional overrides and other invisible format characters make text read differently from what it is.
"""

import re
import unicodedata

# A fast first pass: anything outside printable ASCII (and tab and newline) is looked at more closely.
_CANDIDATE = re.compile(r"[^\t\n\x20-\x7e]")
# The zero-width non-joiner and joiner are format characters that some scripts and emoji need.
_ALLOWED_FORMAT = {"\u200c", "\u200d"}


def is_unsafe(character: str) -> bool:
    """True for a character that must not reach a terminal: controls other than tab and newline,
    surrogates (which cannot be printed), line and paragraph separators, and invisible format
    characters (bidi overrides, zero-width spaces, byte order marks)."""
    if character in "\t\n":
        return False
    category = unicodedata.category(character)
    if category in {"Cc", "Cs", "Zl", "Zp"}:
        return True
    return category == "Cf" and character not in _ALLOWED_FORMAT


def first_unsafe(text: str) -> int | None:
    """The index of the first unsafe character in `text`, or None when it has none."""
    for match in _CANDIDATE.finditer(text):
        if is_unsafe(match.group()):
            return match.start()
    return None


def describe(character: str) -> str:
    """A character named so that the name itself is safe to print, e.g. 'U+001B (ESCAPE)'."""
    name = unicodedata.name(character, "") or _CONTROL_NAMES.get(character, "a control character")
    return f"U+{ord(character):04X} ({name})"


def escaped(text: str) -> str:
    """`text` with every unsafe character written as a Python-style escape (\\x1b, \\u202e), so that text
    taken from a file can be quoted in a message without acting on the terminal."""
    return _CANDIDATE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii")
                          if is_unsafe(m.group()) else m.group(), text)


# unicodedata has no names for C0 and C1 controls; these are the ones an attack would use.
_CONTROL_NAMES = {"\x00": "NULL", "\x07": "BELL", "\x08": "BACKSPACE", "\r": "CARRIAGE RETURN",
                  "\x1b": "ESCAPE", "\x7f": "DELETE", "\x9b": "CONTROL SEQUENCE INTRODUCER",
                  "\x9d": "OPERATING SYSTEM COMMAND"}

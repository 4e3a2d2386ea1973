"""What text is safe: cleaning what people type, making anything safe for a terminal to show, and finding and
naming what content files may not hold. The one definition of an unsafe character."""

import re
import unicodedata

# What a terminal shows in place of a control character: visible, so that tampering shows.
PLACEHOLDER = "\ufffd"

# Every character that is not plain text to a terminal, by range so that a search is fast: controls (Cc:
# C0, DEL, C1; ESC and the C1 CSI and OSC start escape sequences), format characters (Cf: bidi controls,
# zero-width spaces, the byte order mark, tags), line and paragraph separators (Zl, Zp) and lone
# surrogates (Cs, which cannot be encoded). A test checks the ranges against unicodedata.
_SPECIAL = re.compile(
    "\r\n|[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
# Format characters that stay: emoji sequences and several scripts need the zero-width (non-)joiner.
_JOINERS = {"\u200c", "\u200d"}
_LINE_BREAKS = {"\r\n", "\r", "\n", "\u2028", "\u2029"}

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_SPACE = re.compile(r"\s+")


def terminal_safe(text: str, *, lines: bool = False, placeholder: str = PLACEHOLDER) -> str:
    """Return `text` safe to write to a terminal: nothing in it can start an escape sequence (so none can
    set the clipboard or the window title, or clear the screen), ring the bell, move the cursor, or reorder
    or hide the text around it. Ordinary text comes back unchanged.

    Each control character (ESC, BEL, NUL, DEL, the C1 range) becomes `placeholder`, so the rest of an
    escape sequence shows as the harmless text it is; tabs become spaces; line breaks become newlines if
    `lines` (text shown on several lines), else spaces; invisible format characters (bidi overrides,
    zero-width spaces) are dropped, but for the joiners; a lone surrogate becomes U+FFFD."""

    def replace(found: re.Match[str]) -> str:
        character = found.group()
        if character in _LINE_BREAKS:
            return "\n" if lines else " "
        if character == "\t":
            return " "
        category = unicodedata.category(character)
        if category == "Cc":
            return placeholder
        if category == "Cs":
            return PLACEHOLDER
        return "" if category == "Cf" and character not in _JOINERS else character

    return _SPECIAL.sub(replace, text)


def clean_utterance(text: str) -> str:
    """Return `text` as one line of printable Unicode: escape sequences, control and invisible format
    characters removed, whitespace collapsed, NFC-normalised. Markup such as ``[bold]`` is kept as literal
    characters."""
    text = unicodedata.normalize("NFC", text)
    # A pasted coloured line keeps its words and loses its codes whole.
    text = _ANSI.sub("", text)
    return _SPACE.sub(" ", terminal_safe(text, placeholder="")).strip()


# Content files (scenarios, rubrics) refuse what a terminal would act on, rather than cleaning it: the
# helpers below find it and name it, so that the message itself is safe to print.

def is_unsafe(character: str) -> bool:
    """True for a character that must not reach a terminal: controls other than tab and newline,
    surrogates (which cannot be printed), line and paragraph separators, and invisible format
    characters (bidi overrides, zero-width spaces, byte order marks)."""
    if character in "\t\n":
        return False
    category = unicodedata.category(character)
    if category in {"Cc", "Cs", "Zl", "Zp"}:
        return True
    return category == "Cf" and character not in _JOINERS


def first_unsafe(text: str) -> int | None:
    """The index of the first unsafe character in `text`, or None when it has none."""
    for match in _SPECIAL.finditer(text):
        if is_unsafe(match.group()[0]):
            return match.start()
    return None


def describe(character: str) -> str:
    """A character named so that the name itself is safe to print, e.g. 'U+001B (ESCAPE)'."""
    name = unicodedata.name(character, "") or _CONTROL_NAMES.get(character, "a control character")
    return f"U+{ord(character):04X} ({name})"


def escaped(text: str) -> str:
    """`text` with every unsafe character written as a Python-style escape (\\x1b, \\u202e), so that text
    taken from a file can be quoted in a message without acting on the terminal."""
    return _SPECIAL.sub(lambda m: "".join(c.encode("unicode_escape").decode("ascii") if is_unsafe(c) else c
                                          for c in m.group()), text)


# unicodedata has no names for C0 and C1 controls; these are the ones an attack would use.
_CONTROL_NAMES = {"\x00": "NULL", "\x07": "BELL", "\x08": "BACKSPACE", "\r": "CARRIAGE RETURN",
                  "\x1b": "ESCAPE", "\x7f": "DELETE", "\x9b": "CONTROL SEQUENCE INTRODUCER",
                  "\x9d": "OPERATING SYSTEM COMMAND"}

"""Cleaning text that people type or that files hold: before the core sees it, and before a terminal shows it."""

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

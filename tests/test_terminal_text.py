"""`simulator.text.terminal_safe`, the one function both faces make text from files and people safe with."""

import unicodedata

import pytest
from hostile_text import HOSTILE, unsafe_in

from simulator.text import _SPECIAL, PLACEHOLDER, clean_utterance, terminal_safe

ORDINARY = ["Zoë · café — naïve “quoted” 👩‍⚕️ 1/2", "[bold]literal[/bold] markup", "نوسف\u200cی", "  spaced  out  "]


def test_its_list_of_special_characters_misses_none_unicode_knows() -> None:
    """Every control, format, separator and surrogate character of this Python's Unicode is looked at."""
    missed = [f"U+{cp:04X}" for cp in range(0x110000)
              if unicodedata.category(chr(cp)) in {"Cc", "Cf", "Cs", "Zl", "Zp"} and not _SPECIAL.fullmatch(chr(cp))]
    assert missed == []


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_comes_back_unchanged(text: str) -> None:
    assert terminal_safe(text) == text
    assert terminal_safe(f"{text}\n{text}", lines=True) == f"{text}\n{text}"


@pytest.mark.parametrize("lines", [False, True])
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_nothing_unsafe_is_left(hostile: str, lines: bool) -> None:
    assert unsafe_in(terminal_safe(f"a {hostile} b\r\nc\td\u2028", lines=lines)) is None


def test_controls_show_as_a_placeholder_and_the_rest_of_a_sequence_as_text() -> None:
    assert terminal_safe("A\x1b]52;c;ZXZpbA==\x07B") == f"A{PLACEHOLDER}]52;c;ZXZpbA=={PLACEHOLDER}B"
    assert terminal_safe("A\x9b2J\x00B", placeholder="") == "A2JB"


def test_invisible_format_characters_go_but_the_joiners_stay() -> None:
    assert terminal_safe("\u202egnp.exe\u202c \u200bx\ufeff") == "gnp.exe x"
    assert terminal_safe("👩\u200d⚕️ \u200c") == "👩\u200d⚕️ \u200c"


def test_line_breaks_are_kept_only_when_asked_and_tabs_are_spaces() -> None:
    text = "one\r\ntwo\rthree\nfour\u2028five\tsix"
    assert terminal_safe(text) == "one two three four five six"
    assert terminal_safe(text, lines=True) == "one\ntwo\nthree\nfour\nfive six"


def test_a_lone_surrogate_becomes_the_replacement_character() -> None:
    assert terminal_safe("a\ud800b", placeholder="") == "a\ufffdb"


def test_typed_utterances_lose_whole_escape_sequences() -> None:
    assert clean_utterance("  What\x1b[31m matters\x1b[0m\n to \u202eyou?\x07 ") == "What matters to you?"

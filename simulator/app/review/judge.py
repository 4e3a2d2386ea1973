"""The reviewer's dialogs: change a turn's codes, change a behaviour's level, write a comment or review."""

from collections.abc import Iterator
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, RadioButton, RadioSet, SelectionList, TextArea

from simulator.coding.codes import CARE_TAGS, Code
from simulator.content.rubric import Behaviour

# A dialog is a box over the screen; on a small terminal its content scrolls (Tab brings each field into view).
DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > VerticalScroll {{ width: 80; max-width: 96%; height: auto; max-height: 90%; border: thick $primary;
                    background: $surface; padding: 0 1; }}
{name} Label {{ margin-top: 1; width: 1fr; }}
"""
Result = TypeVar("Result")


class Dialog(ModalScreen[Result | None]):
    """A titled box over the review: F5 saves, Escape cancels (dismissing with None)."""

    BINDINGS = [Binding("f5", "save", "Save", priority=True), Binding("escape", "cancel", "Cancel")]

    def _comment_box(self, comment: str) -> Iterator[Widget]:
        yield Label("Why (optional):")
        yield Input(comment, id="comment")

    @property
    def _comment(self) -> str:
        return self.query_one("#comment", Input).value.strip()

    def action_cancel(self) -> None:
        self.dismiss(None)


# The two kinds of code a reviewer can give a turn, each in a list of its own: the MITI-style behaviour codes
# and the care and support planning tags, which half the rubric's behaviours are evidenced by.
GROUPS: tuple[tuple[str, str, list[Code]], ...] = (
    ("miti", "Behaviour codes (MITI)", [code for code in Code if code not in CARE_TAGS]),
    ("care", "Care-planning tags", [code for code in Code if code in CARE_TAGS]),
)


class CodesDialog(Dialog[tuple[list[Code], str]]):
    """Tick the codes and care-planning tags the turn should carry (the engine's are ticked to start with)
    and say why. Tab goes from one list to the other, then to the comment."""

    DEFAULT_CSS = DIALOG_CSS.format(name="CodesDialog") + """
    CodesDialog Horizontal, CodesDialog Horizontal > Vertical { height: auto; }
    CodesDialog Horizontal > Vertical { width: 1fr; }
    """

    def __init__(self, turn: int, words: str, codes: list[Code], comment: str) -> None:
        super().__init__()
        self._turn, self._words, self._codes, self._start = turn, words, codes, comment

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = f"Codes for turn {self._turn}"
            yield Label(self._words, markup=False)
            with Horizontal():
                for key, title, codes in GROUPS:
                    with Vertical():
                        yield Label(title)
                        yield SelectionList[Code](*((Text(code.label), code, code in self._codes) for code in codes),
                                                  id=key)
            yield from self._comment_box(self._start)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus(scroll_visible=False)  # the turn's words stay in view above

    def action_save(self) -> None:
        chosen = [code for key, _, _ in GROUPS for code in self.query_one(f"#{key}", SelectionList).selected]
        self.dismiss((chosen, self._comment))


class LevelDialog(Dialog[tuple[int, str]]):
    """Choose the level the behaviour deserves (its anchors beside each) and say why."""

    DEFAULT_CSS = DIALOG_CSS.format(name="LevelDialog") + "LevelDialog RadioSet { width: 1fr; }"

    def __init__(self, behaviour: Behaviour, level: int, comment: str) -> None:
        super().__init__()
        self._behaviour, self._level, self._start = behaviour, level, comment

    def compose(self) -> ComposeResult:
        behaviour = self._behaviour
        with VerticalScroll() as box:
            box.border_title = Text(f"{behaviour.id} {behaviour.name}")
            yield Label(behaviour.definition, markup=False)
            with RadioSet():
                for level in sorted(behaviour.anchors):
                    yield RadioButton(Text(f"{level}: {behaviour.anchors[level]}"), value=level == self._level)
            yield from self._comment_box(self._start)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    def action_save(self) -> None:
        chosen = self.query_one(RadioSet).pressed_index
        levels = sorted(self._behaviour.anchors)
        self.dismiss((levels[chosen] if chosen >= 0 else self._level, self._comment))


class TextDialog(Dialog[str]):
    """A titled box of free text: a flag's reason or the overall review."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TextDialog") + "TextDialog TextArea { height: 10; }"

    def __init__(self, title: str, prompt: str, text: str = "") -> None:
        super().__init__()
        self._title, self._prompt, self._text = title, prompt, text

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = self._title
            yield Label(self._prompt, markup=False)
            yield TextArea(self._text, soft_wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text.strip())

"""The scenario picker: who you will see today."""

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from simulator.content.scenario_loader import ScenarioFile
from simulator.errors import Problem


@dataclass(frozen=True)
class Choice:
    """A scenario and which of its visits to play (None: the first, care planning visit)."""

    scenario_file: ScenarioFile
    visit: str | None = None

    @property
    def visit_title(self) -> str:
        visit = next((v for v in self.scenario_file.scenario.visits if v.id == self.visit), None)
        return visit.title if visit else "Care planning"


# The conditions column is never narrower than this, so that a condition's name is read whole.
MIN_CONDITIONS = 24


class PatientTable(DataTable[Text | str]):
    """The picker's table. Its rows are as tall as their wrapped text, so when it is resized (the description
    below it grows or shrinks) it brings the whole highlighted row back into view."""

    def on_resize(self) -> None:
        self.move_cursor(row=self.cursor_row)


class PickerScreen(Screen[Choice]):
    """A table of scenarios and their visits, the highlighted one described below; Enter starts it.

    The table fits any terminal without cutting a word off: each row gives the person (with the visit
    beneath) and the difficulty, and the conditions have the rest of the width, wrapping onto more lines
    where they need to; it is laid out again when the terminal is resized."""

    DEFAULT_CSS = """
    PickerScreen DataTable { height: 1fr; overflow-x: hidden; }
    PickerScreen #about { height: auto; max-height: 12; padding: 1 2; border-top: solid $primary; }
    PickerScreen #problems { height: auto; max-height: 6; padding: 0 2; color: $warning; }
    """
    BINDINGS = [
        Binding("enter", "start", "Start consultation", priority=True),
        Binding("f1", "app.help", "Help"),
    ]

    def __init__(self, scenarios: list[ScenarioFile], problems: list[Problem]) -> None:
        super().__init__()
        self._choices = [Choice(item, visit) for item in scenarios
                         for visit in [None, *(v.id for v in item.scenario.visits)]]
        self._problems = problems

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield PatientTable(cursor_type="row", zebra_stripes=True)
            yield Static(id="about", markup=False)
            if self._problems:
                lines = [f"Skipped a scenario file that has problems: {p}" for p in self._problems]
                yield Static("\n".join(lines), id="problems", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Choose a patient"
        self.sub_title = "What matters to you?"
        self.query_one(DataTable).focus()
        self._describe(0)

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out(event.size.width)

    def _lay_out(self, width: int) -> None:
        """Fill the table for a terminal `width` columns wide, keeping the highlighted row."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        # Text from scenario files is shown as written, never read as markup.
        people = [Text.assemble(f"{c.scenario_file.scenario.persona.name}, {c.scenario_file.scenario.persona.age}\n",
                                (c.visit_title, "italic")) for c in self._choices]
        levels = [c.scenario_file.scenario.difficulty.capitalize() for c in self._choices]
        person = max([len("Person"), *(cell_len(line) for text in people for line in text.plain.splitlines())])
        level = max([len("Difficulty"), *(cell_len(text) for text in levels)])
        # Each column is padded by a cell either side; the scrollbar takes its own width.
        spare = width - person - level - 2 * 3 - table.styles.scrollbar_size_vertical
        table.clear(columns=True)
        table.add_column("Person", width=person)
        table.add_column("Difficulty", width=level)
        wrap = max(spare, MIN_CONDITIONS)
        table.add_column("Conditions", width=wrap)
        for choice, who, difficulty in zip(self._choices, people, levels, strict=True):
            conditions = Text(", ".join(choice.scenario_file.scenario.persona.conditions))
            # Heights worked out here, as the table would wrap them: its measuring every cell took a tenth of
            # the app's start-up.
            height = max(len(who.plain.splitlines()), len(conditions.wrap(self.app.console, wrap)))
            table.add_row(who, difficulty, conditions, height=height,
                          key=f"{choice.scenario_file.scenario.id}:{choice.visit or ''}")
        if self._choices:
            table.move_cursor(row=min(row, len(self._choices) - 1), animate=False)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(event.cursor_row)

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        """Start a consultation with the highlighted scenario."""
        if self._choices:
            self.dismiss(self._choices[self.query_one(DataTable).cursor_row])

    def _describe(self, row: int) -> None:
        about = self.query_one("#about", Static)
        if not self._choices:
            about.update("No scenarios found. Put scenario files in the folder named in the README.")
            return
        choice = self._choices[row]
        scenario = choice.scenario_file.scenario.for_visit(choice.visit)
        persona = scenario.persona
        about.update(f"{scenario.title}\n\n{scenario.summary}\n\n" + " · ".join(
            [*filter(None, [persona.occupation]), f"activation {persona.activation} of 4 (how ready to manage their health)"]))

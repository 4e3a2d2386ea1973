"""The scenario picker: who you will see today."""

from dataclasses import dataclass

from rich.text import Text
from textual import on
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


class PickerScreen(Screen[Choice]):
    """A table of scenarios and their visits, the highlighted one described below; Enter starts it."""

    DEFAULT_CSS = """
    PickerScreen DataTable { height: 1fr; overflow-x: hidden; }
    PickerScreen #about { height: auto; max-height: 12; padding: 1 2; border-top: solid $primary; }
    PickerScreen #problems { height: auto; max-height: 6; padding: 0 2; color: $warning; }
    """
    BINDINGS = [
        Binding("enter", "start", "Start consultation", priority=True),
        Binding("f1", "app.help", "Help"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self, scenarios: list[ScenarioFile], problems: list[Problem]) -> None:
        super().__init__()
        self._choices = [Choice(item, visit) for item in scenarios
                         for visit in [None, *(v.id for v in item.scenario.visits)]]
        self._problems = problems

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Static(id="about", markup=False)
            if self._problems:
                lines = [f"Skipped a scenario file that has problems: {p}" for p in self._problems]
                yield Static("\n".join(lines), id="problems", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Choose a patient"
        self.sub_title = "What matters to you?"
        table = self.query_one(DataTable)
        table.add_columns("Person", "Age", "Visit", "Difficulty", "Activation", "Conditions")
        for choice in self._choices:
            scenario = choice.scenario_file.scenario
            persona = scenario.persona
            # Text from scenario files is shown as written, never read as markup.
            table.add_row(Text(persona.name), str(persona.age), Text(choice.visit_title),
                          scenario.difficulty.capitalize(), str(persona.activation), Text(", ".join(persona.conditions)),
                          key=f"{scenario.id}:{choice.visit or ''}")
        table.focus()
        self._describe(0)

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
        about.update(f"{scenario.title}\n\n{scenario.summary}\n\n{persona.occupation or ''}".rstrip())

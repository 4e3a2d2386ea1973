"""The scenario picker: who you will see today."""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from simulator.problems import Problem
from simulator.scenario_loader import ScenarioFile


class PickerScreen(Screen[ScenarioFile]):
    """A table of scenarios with the highlighted one described below; Enter starts it."""

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
        self._scenarios = scenarios
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
        table.add_columns("Person", "Age", "Difficulty", "Activation", "Conditions")
        for item in self._scenarios:
            persona = item.scenario.persona
            table.add_row(persona.name, str(persona.age), item.scenario.difficulty.capitalize(),
                          str(persona.activation), ", ".join(persona.conditions), key=item.scenario.id)
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
        if self._scenarios:
            self.dismiss(self._scenarios[self.query_one(DataTable).cursor_row])

    def _describe(self, row: int) -> None:
        about = self.query_one("#about", Static)
        if not self._scenarios:
            about.update("No scenarios found. Put scenario files in the folder named in the README.")
            return
        scenario = self._scenarios[row].scenario
        persona = scenario.persona
        about.update(f"{scenario.title}\n\n{scenario.summary}\n\n{persona.occupation or ''}".rstrip())

"""A trainee's progress: each behaviour's level across their sessions, as a chart and a grid."""

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header
from textual_plotext import PlotextPlot

from simulator.quality.library import ProgressPoint

LEVEL_STYLE = {0: "on dark_red", 1: "on dark_goldenrod", 2: "on dark_green"}
OVERALL = "Overall"


class ProgressScreen(Screen[None]):
    """The grid has one row per behaviour (and the overall score); the chart plots the highlighted row."""

    DEFAULT_CSS = """
    ProgressScreen PlotextPlot { height: 14; }
    ProgressScreen DataTable { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "app.pop_screen", "Back to list"), Binding("ctrl+q", "app.quit", "Quit")]

    def __init__(self, trainee: str, points: list[ProgressPoint]) -> None:
        super().__init__()
        self.trainee = trainee
        self.points = points
        self.behaviours = sorted({b for p in points for b in p.levels})

    def compose(self) -> ComposeResult:
        yield Header()
        yield PlotextPlot()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Progress: {self.trainee}"
        self.sub_title = f"{len(self.points)} practice sessions, oldest first"
        table = self.query_one(DataTable)
        table.add_column("Behaviour", width=9)
        for index in range(1, len(self.points) + 1):
            table.add_column(str(index), width=max(3, len(str(index))))
        table.add_row(OVERALL, *(f"{p.overall:.0f}" for p in self.points), key=OVERALL)
        for behaviour in self.behaviours:
            table.add_row(behaviour, *(Text(f" {p.levels[behaviour]} ", LEVEL_STYLE.get(p.levels[behaviour], ""))
                                       if behaviour in p.levels else "" for p in self.points), key=behaviour)
        table.focus()
        self._plot(OVERALL)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._plot(event.row_key.value)

    def _plot(self, row: str) -> None:
        widget = self.query_one(PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        sessions: list[float] = list(range(1, len(self.points) + 1))  # plotext takes floats; ints keep the labels whole
        if row == OVERALL:
            plt.plot(sessions, [p.overall for p in self.points], marker="braille")
            plt.ylim(0, 100)
            plt.title("Overall score (0-100) by session")
        else:
            plt.plot(sessions, [p.levels.get(row, 0) for p in self.points], marker="braille")
            plt.ylim(0, 2)
            plt.yticks([0, 1, 2])
            plt.title(f"{row}: level (0-2) by session")
        plt.xticks(sessions)
        widget.refresh()

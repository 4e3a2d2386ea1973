"""A trainee's progress: each behaviour's level across their sessions, as a chart and a grid, with first
visits, review visits and unfinished sessions told apart (a review or a half-finished visit is not the
same test as a whole first visit)."""

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual_plotext import PlotextPlot

from simulator.quality.library import ProgressPoint

LEVEL_STYLE = {0: "on dark_red", 1: "on dark_goldenrod", 2: "on dark_green"}
OVERALL = "Overall"
# The rows that say what each session was, above the scores.
VISIT, ENDED = "Visit", "Ended"
# A session's visit and ending as the grid shows them, in a few letters the legend explains.
KINDS = {"first visit": "1st", "review visit": "rev"}
ENDINGS = {"plan saved": "✓", "no plan": "–", "unfinished": "…"}
LEGEND = " · ".join(f"{mark} {words}" for words, mark in (KINDS | ENDINGS).items()) + \
    " (scored on what was said before it stopped)"
# The chart's series: its name, the marker of its sessions, which sessions it takes and whether a line joins them.
SERIES: tuple[tuple[str, str, Callable[[ProgressPoint], bool], bool], ...] = (
    ("first visits", "●", lambda p: p.finished and p.visit is None, True),
    ("review visits", "◆", lambda p: p.finished and p.visit is not None, True),
    ("unfinished", "x", lambda p: not p.finished, False),
)


class ProgressScreen(Screen[None]):
    """The grid has one column per session, rows saying which visit it was and how far it got, then the
    overall score and each behaviour; the chart plots the highlighted row, each kind of session apart."""

    DEFAULT_CSS = """
    ProgressScreen PlotextPlot { height: 14; }
    ProgressScreen #legend { height: auto; padding: 0 1; color: $text-muted; }
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
        yield Static(id="legend", markup=False)
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Progress: {self.trainee}"
        self.sub_title = f"{len(self.points)} practice sessions, oldest first"
        counts = {name: sum(map(takes, self.points)) for name, _, takes, _ in SERIES}
        self.query_one("#legend", Static).update(
            ", ".join(f"{count} {name if count > 1 else name.removesuffix('s')}" for name, count in counts.items()
                      if count) + f". {LEGEND}")
        table = self.query_one(DataTable)
        table.add_column("Session", width=9)
        for index in range(1, len(self.points) + 1):
            table.add_column(str(index), width=max(3, len(str(index))))
        table.add_row(VISIT, *(KINDS[p.kind] for p in self.points), key=VISIT)
        table.add_row(ENDED, *(ENDINGS[p.ending] for p in self.points), key=ENDED)
        table.add_row(OVERALL, *(Text(f"{p.overall:.0f}", "" if p.finished else "dim italic") for p in self.points),
                      key=OVERALL)
        for behaviour in self.behaviours:
            table.add_row(behaviour, *(Text(f" {p.levels[behaviour]} ", LEVEL_STYLE.get(p.levels[behaviour], ""))
                                       if behaviour in p.levels else "" for p in self.points), key=behaviour)
        table.focus()
        table.move_cursor(row=2)  # the overall score's row
        self._plot(OVERALL)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._plot(event.row_key.value)

    def _plot(self, row: str) -> None:
        """Plot the row (the overall score for the rows about the sessions), one series per kind of session."""
        widget = self.query_one(PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        row = OVERALL if row in (VISIT, ENDED) else row
        sessions: list[float] = list(range(1, len(self.points) + 1))  # plotext takes floats; ints keep the labels whole
        for name, marker, takes, joined in SERIES:
            chosen = [(x, p) for x, p in zip(sessions, self.points, strict=True) if takes(p)]
            if not chosen:
                continue
            xs = [x for x, _ in chosen]
            ys = [p.overall if row == OVERALL else p.levels.get(row, 0) for _, p in chosen]
            if joined:
                plt.plot(xs, ys, marker="dot", color="gray")
            plt.scatter(xs, ys, marker=marker, label=name)
        if row == OVERALL:
            plt.ylim(0, 100)
            plt.title("Overall score (0-100) by session")
        else:
            plt.ylim(0, 2)
            plt.yticks([0, 1, 2])
            plt.title(f"{row}: level (0-2) by session")
        plt.xticks(sessions)
        widget.refresh()

"""Agreement figures: the engine, each reviewer and AnnoMI's experts, pair by pair, in plain words."""

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from simulator.quality.agreement import Figure


class AgreementScreen(Screen[None]):
    """One row per pair of raters and code or behaviour; the highlighted figure is read out below."""

    DEFAULT_CSS = """
    AgreementScreen DataTable { height: 1fr; }
    AgreementScreen #reading { height: auto; min-height: 3; padding: 0 1; border-top: solid $primary; }
    """
    BINDINGS = [Binding("escape", "app.pop_screen", "Back to list"), Binding("ctrl+q", "app.quit", "Quit")]

    def __init__(self, found: list[Figure]) -> None:
        super().__init__()
        self.found = found

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static(id="reading", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Agreement"
        self.sub_title = "Cohen's kappa on the items both raters judged (w: weighted, for levels)"
        table = self.query_one(DataTable)
        table.add_columns("Raters", "What", "n", "Agreed", "Kappa")
        for figure in self.found:
            kappa = "—" if figure.kappa is None else f"{figure.kappa:.2f}{' w' if figure.weighted else ''}"
            # Names come from people and files: shown as typed, never read as markup.
            table.add_row(Text(f"{figure.first} vs {figure.second}"), Text(f"{figure.kind}: {figure.name}"),
                          str(figure.items),
                          f"{figure.percent:.0f}%", kappa)
        table.focus()
        self._read(0)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._read(event.cursor_row)

    def _read(self, row: int) -> None:
        reading = self.query_one("#reading", Static)
        if not self.found:
            reading.update("No two raters have judged the same things yet. Review some transcripts (A accepts, "
                           "E changes), or add imported AnnoMI transcripts to the library to compare with experts.")
            return
        reading.update(self.found[row].reading)  # what it compares (between whom), then how far they agreed

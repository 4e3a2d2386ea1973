"""The library list: every indexed transcript, filtered and sorted from the keyboard."""

from dataclasses import replace
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from simulator.errors import Problem, SimulatorError
from simulator.quality.library import QUERY_HELP, SORT_COLUMNS, Filter, Library, query_filter
from simulator.quality.library_entry import Row

if TYPE_CHECKING:
    from simulator.app.review.app import ReviewApp

# The list shows this many rows at most; a filter narrows it (the status line says how many match).
SHOWN = 500
SORTS = tuple(SORT_COLUMNS)
YES_NO_ANY = (None, True, False)
INTEGRITY = {"intact": Text("intact", "green"), "altered": Text("ALTERED", "bold red"),
             "unsealed": Text("no hash", "yellow"), "unfinished": Text("unfinished", "yellow"),
             "truncated": Text("TRUNCATED", "bold red")}


class LibraryScreen(Screen[None]):
    """The list; Enter opens the highlighted transcript for review."""

    DEFAULT_CSS = """
    LibraryScreen #search { margin: 0 1; }
    LibraryScreen #status { height: auto; padding: 0 2; color: $text-muted; }
    LibraryScreen #skipped { height: auto; max-height: 4; padding: 0 2; color: $warning; }
    LibraryScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("enter", "open", "Review"),
        Binding("slash", "search", "Search"),
        Binding("t", "by_trainee", "Trainee"),
        Binding("c", "by_scenario", "Scenario"),
        Binding("r", "reviewed", "Reviewed?"),
        Binding("f", "flagged", "Flagged?"),
        Binding("s", "sort", "Sort"),
        Binding("p", "progress", "Progress"),
        Binding("a", "agreement", "Agreement"),
        Binding("f5", "rescan", "Rescan"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = Filter(limit=SHOWN)
        self.shown: list[Row] = []

    @property
    def review_app(self) -> "ReviewApp":
        """The app, as the review app it always is (Textual types it as any App)."""
        return cast("ReviewApp", self.app)

    @property
    def library(self) -> Library:
        return self.review_app.library

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=f"/ to search: {QUERY_HELP}", id="search")
        yield Static(id="status", markup=False)
        yield Static(id="skipped", markup=False)
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Transcript library"
        self.sub_title = f"reviewer: {self.review_app.reviewer}"
        table = self.query_one(DataTable)
        for label, width in (("Date (UTC)", 16), ("Trainee", 16), ("Scenario", 34), ("Turns", 5), ("Overall", 7),
                             ("Reviewed", 8), ("Flag", 4), ("Integrity", 10)):
            table.add_column(label, width=width)
        self.refresh_rows()
        table.focus()
        if self.review_app.rescan:
            self.action_rescan()

    def on_screen_resume(self) -> None:
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Show the rows that pass the filter, keeping the cursor on the same transcript where it can. If the
        index cannot be read (deleted or replaced meanwhile, say), the list stays as it was and says why."""
        table = self.query_one(DataTable)
        current = self.shown[table.cursor_row].path if self.shown and table.row_count else None
        try:
            shown = self.library.rows(self.filter)
            total = self.library.count(replace(self.filter, limit=None))
            skipped = self.library.skipped()
        except SimulatorError as error:
            self._unusable(error)
            return
        self.shown = shown
        table.clear()
        for row in self.shown:
            table.add_row(f"{row.started:%Y-%m-%d %H:%M}", Text(row.trainee or "unknown"), Text(row.scenario_title),
                          str(row.turns), f"{row.overall:5.1f}", "yes" if row.reviewed else "",
                          Text("FLAG", "bold yellow") if row.flagged else "", INTEGRITY[row.integrity],
                          key=str(row.path))
        if current is not None:
            table.move_cursor(row=next((i for i, r in enumerate(self.shown) if r.path == current), 0))
        self._describe(total, skipped)

    def _unusable(self, error: SimulatorError) -> None:
        """Say that the index cannot be used, where the list's status is and as a notification."""
        self.query_one("#skipped", Static).update(f"The list is as it was last read: {error}")
        self.notify(str(error), title="Library index", severity="error", timeout=20, markup=False)

    def _describe(self, total: int, skipped: list[Problem]) -> None:
        chosen = self.filter
        parts = [f"{len(self.shown)} of {total} shown" if total > len(self.shown) else f"{total} transcripts",
                 "Enter opens the highlighted one",
                 f"sorted by {chosen.sort} ({'newest/highest' if chosen.descending else 'oldest/lowest'} first)"]
        parts += [f"{name}: {value}" for name, value in (
            ("trainee", chosen.trainee), ("scenario", chosen.scenario), ("search", chosen.text),
            ("overall from", chosen.min_overall), ("overall to", chosen.max_overall),
            ("since", chosen.since and f"{chosen.since:%Y-%m-%d}"), ("until", chosen.until and f"{chosen.until:%Y-%m-%d}"),
            ("reviewed", _yes_no(chosen.reviewed)), ("flagged", _yes_no(chosen.flagged)),
            ("integrity", chosen.integrity)) if value is not None]
        self.query_one("#status", Static).update(" · ".join(parts))
        self.query_one("#skipped", Static).update(
            "\n".join(f"Skipped (not a readable transcript): {p}" for p in skipped[:3])
            + (f"\n… and {len(skipped) - 3} more (simulator library scan lists them)" if len(skipped) > 3 else ""))

    def _highlighted(self) -> Row | None:
        table = self.query_one(DataTable)
        return self.shown[table.cursor_row] if self.shown and table.row_count else None

    def _show(self, chosen: Filter) -> None:
        self.filter = chosen
        self.refresh_rows()

    def action_search(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _searched(self, event: Input.Submitted) -> None:
        try:
            self.filter = query_filter(event.value, self.filter)
        except ValueError as error:
            self.notify(str(error), severity="error", timeout=8, markup=False)
            return
        self.refresh_rows()
        self.query_one(DataTable).focus()

    def action_by_trainee(self) -> None:
        """Show only the highlighted transcript's trainee, or everyone again."""
        row = self._highlighted()
        trainee = None if self.filter.trainee is not None or row is None else row.trainee
        self._show(replace(self.filter, trainee=trainee))

    def action_by_scenario(self) -> None:
        row = self._highlighted()
        scenario = None if self.filter.scenario is not None or row is None else row.scenario_id
        self._show(replace(self.filter, scenario=scenario))

    def action_reviewed(self) -> None:
        self._show(replace(self.filter, reviewed=_next(self.filter.reviewed)))

    def action_flagged(self) -> None:
        self._show(replace(self.filter, flagged=_next(self.filter.flagged)))

    def action_sort(self) -> None:
        """Cycle the sort: each column newest/highest first, then oldest/lowest first."""
        index = SORTS.index(self.filter.sort)
        if self.filter.descending:
            self._show(replace(self.filter, descending=False))
        else:
            self._show(replace(self.filter, sort=SORTS[(index + 1) % len(SORTS)], descending=True))

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the highlighted transcript for review."""
        if self._highlighted() is None:
            return
        from simulator.app.review.transcript import ReviewScreen

        screen = ReviewScreen.open(self, [row.path for row in self.shown], self.query_one(DataTable).cursor_row)
        if screen is not None:
            self.app.push_screen(screen)

    def action_progress(self) -> None:
        row = self._highlighted()
        if row is None or row.source != "practice":
            self.notify("Progress is per trainee's practice sessions: highlight one of them.")
            return
        from simulator.app.review.progress import ProgressScreen

        try:
            points = self.library.progress(row.trainee)
        except SimulatorError as error:
            self._unusable(error)
            return
        self.app.push_screen(ProgressScreen(row.trainee, points))

    def action_agreement(self) -> None:
        from simulator.app.review.agreement import AgreementScreen
        from simulator.quality.agreement import figures, ratings

        try:
            found = figures(ratings(self.library))
        except SimulatorError as error:
            self._unusable(error)
            return
        self.app.push_screen(AgreementScreen(found))

    @work(thread=True, exclusive=True, group="scan")
    def action_rescan(self) -> None:
        """Pick up new, changed and removed files on a worker thread (its own connection to the index, which
        must be the file the list reads: a deleted or replaced index is reported, never made anew)."""
        try:
            self.library.check()
            with Library.open(self.library.file, self.library.rubric, create=False) as own:
                report = own.scan()
        except SimulatorError as error:
            self.app.call_from_thread(self._unusable, error)
            return
        self.app.call_from_thread(self._scanned, report.indexed, report.removed, len(report.warnings))

    def _scanned(self, indexed: int, removed: int, warnings: int) -> None:
        if indexed or removed:
            self.refresh_rows()
            self.notify(f"Rescanned: {indexed} new or changed, {removed} removed"
                        + (f"; {warnings} altered or damaged" if warnings else ""))


def _next(value: bool | None) -> bool | None:
    return YES_NO_ANY[(YES_NO_ANY.index(value) + 1) % len(YES_NO_ANY)]


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")

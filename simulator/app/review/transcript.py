"""One transcript under review: the conversation with the engine's codes and the reviewer's side by side,
the rubric behaviours likewise, and the details of whatever is highlighted."""

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from simulator import locations
from simulator.app.review.judge import CodesDialog, LevelDialog, TextDialog
from simulator.coding.codes import Code
from simulator.errors import ContentError, SimulatorError
from simulator.quality.annotations import CodeJudgement, ScoreJudgement
from simulator.quality.reviewing import Line, UnderReview, open_review
from simulator.scoring.score import Score

if TYPE_CHECKING:
    from simulator.app.review.app import ReviewApp

INTEGRITY = {
    "intact": "Intact: the transcript matches its content hash.",
    "altered": "ALTERED: this transcript does not match its content hash from line {line} on; it was changed "
               "after it was written.",
    "unsealed": "No content hash (written before transcripts carried one): changes cannot be detected.",
    "unfinished": "Unfinished: the visit has not ended, so its end is not sealed yet; the rest matches its content "
                  "hash.",
    "truncated": "TRUNCATED: this transcript's end is missing from line {line} on (its seal with it); lines were "
                 "cut from its end after it was written.",
}


WORDS, CODES = 42, 12


def _height(words: str, codes: str = "") -> int:
    """How many lines a turn's row needs. Worked out here because a table measuring every cell itself
    takes over half a second on a 300-turn transcript."""
    return max(1, len(textwrap.wrap(words, WORDS)), len(textwrap.wrap(codes, CODES)))


def _short(codes: tuple[Code, ...] | list[Code]) -> str:
    return " ".join(code.short for code in codes) or "—"


def _their_codes(judged: CodeJudgement | None) -> Text:
    if judged is None:
        return Text("")
    if set(judged.human) == set(judged.engine):
        return Text("✓ agreed", "green")
    return Text(_short(judged.human), "bold yellow")


def _their_level(judged: ScoreJudgement | None) -> Text:
    if judged is None:
        return Text("")
    return Text(f"✓ {judged.human}", "green") if judged.human == judged.engine else Text(str(judged.human), "bold yellow")


class ReviewScreen(Screen[None]):
    """A: accept the engine's codes or level, E: change them, F: flag, W: write the overall review."""

    DEFAULT_CSS = """
    ReviewScreen #integrity { height: auto; padding: 0 1; }
    ReviewScreen #integrity.intact { color: $success; }
    ReviewScreen #integrity.altered { background: $error; color: $text; text-style: bold; }
    ReviewScreen #integrity.unsealed, ReviewScreen #integrity.unfinished { color: $warning; }
    ReviewScreen #integrity.truncated { background: $error; color: $text; text-style: bold; }
    ReviewScreen #turns { width: 1fr; height: 1fr; }
    ReviewScreen #side { width: 44; }
    ReviewScreen #behaviours { height: 1fr; }
    ReviewScreen #detail { height: auto; max-height: 14; padding: 0 1; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("a", "accept", "Accept"),
        Binding("e", "change", "Change"),
        Binding("f", "flag", "Flag"),
        Binding("w", "write", "Overall review"),
        Binding("h", "export", "HTML report"),
        Binding("n", "step(1)", "Next"),
        Binding("p", "step(-1)", "Previous"),
        Binding("escape", "app.pop_screen", "Back to list"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self, under: UnderReview, paths: list[Path], index: int) -> None:
        super().__init__()
        self.under = under
        # The list this transcript was opened from, for N and P.
        self._paths, self._index = paths, index
        self._rescored: dict[str, Score | None] = {}

    @classmethod
    def open(cls, caller: Screen[None], paths: list[Path], index: int) -> "ReviewScreen | None":
        """The review of `paths[index]`, or None (with a message from `caller`) if it cannot be read."""
        app = cast("ReviewApp", caller.app)
        try:
            under = open_review(paths[index], app.library.rubric, app.now)
        except ContentError as error:
            caller.notify("\n".join(str(p) for p in error.problems), title="Cannot open", severity="error",
                          timeout=10, markup=False)
            return None
        return cls(under, paths, index)

    def action_step(self, delta: int) -> None:
        """Go to the next (1) or previous (-1) transcript of the list, in place of this one."""
        index = self._index + delta
        if not 0 <= index < len(self._paths):
            self.notify("That was the last one in the list." if delta > 0 else "This is the first one in the list.")
            return
        screen = ReviewScreen.open(self, self._paths, index)
        if screen is not None:
            self.app.switch_screen(screen)

    @property
    def review_app(self) -> "ReviewApp":
        """The app, as the review app it always is (Textual types it as any App)."""
        return cast("ReviewApp", self.app)

    @property
    def reviewer(self) -> str:
        return self.review_app.reviewer

    def compose(self) -> ComposeResult:
        yield Header()
        integrity = self.under.read.integrity
        yield Static(INTEGRITY[integrity.status].format(line=integrity.line), id="integrity",
                     classes=integrity.status, markup=False)
        with Horizontal():
            yield DataTable(id="turns", cursor_type="row")
            with Vertical(id="side"):
                yield DataTable(id="behaviours", cursor_type="row", zebra_stripes=True)
                yield Static(id="detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.under.title
        turns = self.query_one("#turns", DataTable)
        turns.add_column("#", width=3)
        turns.add_column("Words", width=WORDS)
        turns.add_column("Engine", width=CODES)
        turns.add_column("You", width=10)
        behaviours = self.query_one("#behaviours", DataTable)
        behaviours.add_column("Id", width=4)
        behaviours.add_column("Behaviour", width=20)
        behaviours.add_column("Eng", width=3)
        behaviours.add_column("You", width=4)
        self._fill()
        turns.focus()

    def _fill(self) -> None:
        turns = self.query_one("#turns", DataTable)
        behaviours = self.query_one("#behaviours", DataTable)
        at_turn, at_behaviour = turns.cursor_row, behaviours.cursor_row
        turns.clear()
        behaviours.clear()
        mine_codes = self.under.annotations.codes(self.reviewer)
        for index, line in enumerate(self.under.lines):
            if line.turn is None:
                turns.add_row("", Text(line.text, "italic dim"), "", "", height=_height(line.text), key=f"p{index}")
            else:
                codes = _short(line.codes)
                turns.add_row(str(line.turn), Text(line.text), codes, _their_codes(mine_codes.get(line.turn)),
                              height=_height(line.text, codes), key=f"t{line.turn}")
        # What each reviewer's corrected codes would score, for the behaviours' details.
        self._rescored = {reviewer: self.under.score_with(reviewer) for reviewer in self.under.annotations.reviewers}
        mine_scores = self.under.annotations.scores(self.reviewer)
        for b in self.under.behaviours:
            behaviours.add_row(b.id, Text(b.name), str(b.level), _their_level(mine_scores.get(b.id)), key=b.id)
        turns.move_cursor(row=min(at_turn, turns.row_count - 1))
        behaviours.move_cursor(row=min(at_behaviour, behaviours.row_count - 1))
        self._describe()

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._describe()

    def on_descendant_focus(self) -> None:
        self._describe()

    def _line(self) -> Line | None:
        turns = self.query_one("#turns", DataTable)
        return self.under.lines[turns.cursor_row] if turns.row_count else None

    def _describe(self) -> None:
        """Details of the highlighted turn or behaviour, every reviewer's judgement included."""
        detail = self.query_one("#detail", Static)
        annotations = self.under.annotations
        if self.focused is self.query_one("#behaviours"):
            b = self.under.behaviours[self.query_one("#behaviours", DataTable).cursor_row]
            lines = [f"{b.id} {b.name}: engine level {b.level}", b.rationale]
            lines += [f"Turn {e.turn}: “{e.words}”" for e in b.evidence[:3]]
            for reviewer in annotations.reviewers:
                judged = annotations.scores(reviewer).get(b.id)
                if judged:
                    lines.append(f"{reviewer}: level {judged.human}" + (f": {judged.comment}" if judged.comment else ""))
                rescored = self._rescored.get(reviewer)
                if rescored is not None:
                    level = next(x.level for x in rescored.behaviours if x.id == b.id)
                    lines.append(f"Scored with {reviewer}'s codes: level {level}")
        else:
            line = self._line()
            if line is None or line.turn is None:
                lines = ["Patient's words (not coded). A accepts, E changes a trainee turn's codes."]
            else:
                lines = [f"Turn {line.turn}, engine: " + (", ".join(c.label for c in line.codes) or "no code")]
                for reviewer in annotations.reviewers:
                    coded = annotations.codes(reviewer).get(line.turn)
                    if coded:
                        said = ", ".join(c.label for c in coded.human) or "no code"
                        lines.append(f"{reviewer}: {said}" + (f": {coded.comment}" if coded.comment else ""))
        flag = annotations.flag
        if flag and flag.flagged:
            lines.append(f"FLAGGED by {flag.reviewer}" + (f": {flag.comment}" if flag.comment else ""))
        detail.update("\n".join(lines))

    def _behaviour_focused(self) -> bool:
        return self.focused is self.query_one("#behaviours")

    def action_accept(self) -> None:
        """Agree with the engine on the highlighted turn's codes or behaviour's level."""
        if self._behaviour_focused():
            b = self.under.behaviours[self.query_one("#behaviours", DataTable).cursor_row]
            self._save(lambda: self.under.judge_score(self.reviewer, b.id, b.level))
        else:
            line = self._line()
            if line is None or line.turn is None:
                return
            turn = line.turn
            if not self._save(lambda: self.under.judge_codes(self.reviewer, turn, list(line.codes))):
                return
            # On to the next trainee turn, so that a run of A presses walks the conversation.
            turns = self.query_one("#turns", DataTable)
            later = [i for i, later in enumerate(self.under.lines) if i > turns.cursor_row and later.turn is not None]
            if later:
                turns.move_cursor(row=later[0])

    def action_change(self) -> None:
        if self._behaviour_focused():
            b = self.under.behaviours[self.query_one("#behaviours", DataTable).cursor_row]
            rubric = next(r for r in self.review_app.library.rubric.rubric.behaviours if r.id == b.id)
            judged = self.under.annotations.scores(self.reviewer).get(b.id)
            start = judged.human if judged else b.level

            def scored(result: tuple[int, str] | None) -> None:
                if result is not None:
                    self._save(lambda: self.under.judge_score(self.reviewer, b.id, *result), result[1])

            self.app.push_screen(LevelDialog(rubric, start, judged.comment if judged else ""), scored)
            return
        line = self._line()
        if line is None or line.turn is None:
            return
        turn = line.turn
        codes = self.under.annotations.codes(self.reviewer).get(turn)

        def coded(result: tuple[list[Code], str] | None) -> None:
            if result is not None:
                self._save(lambda: self.under.judge_codes(self.reviewer, turn, *result), result[1])

        self.app.push_screen(CodesDialog(turn, line.text, list(codes.human if codes else line.codes),
                                         codes.comment if codes else ""), coded)

    def action_flag(self) -> None:
        """Flag the session (asking why), or clear a flag."""
        flagged = self.under.annotations.flagged

        def given(reason: str | None) -> None:
            if reason is not None:
                self._save(lambda: self.under.set_flag(self.reviewer, not flagged, reason), reason)

        title = "Clear the flag" if flagged else "Flag this session"
        self.app.push_screen(TextDialog(title, "Why? (saved with the flag)"), given)

    def action_write(self) -> None:
        written = self.under.annotations.overall(self.reviewer)

        def given(text: str | None) -> None:
            if text:
                self._save(lambda: self.under.write_review(self.reviewer, text), text)

        self.app.push_screen(TextDialog("Overall review", "Your review of the whole session:",
                                        written.text if written else ""), given)

    def action_export(self) -> None:
        """Write the printable HTML report into the data folder's reports."""
        from simulator.quality.html_report import export_html

        out = locations.report_dir() / f"{self.under.path.stem}.html"
        try:
            export_html(self.under, self.review_app.library, out)
        except (OSError, SimulatorError) as error:
            why = error.strerror if isinstance(error, OSError) and error.strerror else error
            self.notify(f"Report not written to {out}: {why}", severity="error", timeout=15,
                        markup=False)
            return
        self.notify(f"Report written to {out}", timeout=8, markup=False)

    def _save(self, judge: Callable[[], None], typed: str = "") -> bool:
        """Save a judgement beside the transcript, then refresh the screen and the library's entry. Where
        it cannot be written (a read-only shared drive, say), say so, with what was typed."""
        try:
            judge()
        except OSError as error:
            kept = f" What you wrote: {typed}" if typed else ""
            self.notify(f"Not saved: cannot write beside {self.under.path}: {error.strerror or error}.{kept}",
                        severity="error", timeout=30, markup=False)
            return False
        try:
            self.review_app.library.refresh(self.under.path)
        except SimulatorError as error:  # the index went away: the judgement itself is saved
            self.notify(f"Saved beside the transcript, but the library list could not be updated: {error}",
                        severity="warning", timeout=15, markup=False)
        self._fill()
        return True

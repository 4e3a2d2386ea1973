"""The review app, driven by Pilot: the library list, reviewing a transcript, agreement and progress;
and snapshots of its main screens at a fixed size with a frozen clock and no cursor blink.

Update the snapshots after an intended change with: pytest tests/app/test_review_app.py --snapshot-update
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pilot import REVIEW_SIZE, WHEN, review_app
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea

from simulator.app.review.agreement import AgreementScreen
from simulator.app.review.library import LibraryScreen
from simulator.app.review.progress import ProgressScreen
from simulator.app.review.transcript import ReviewScreen
from simulator.coding.codes import Code
from simulator.content.scenario_loader import ScenarioFile
from simulator.practice.session import Session
from simulator.quality.annotations import read_annotations
from simulator.quality.library import Library
from simulator.quality.reviewing import open_review
from simulator.quality.sample_library import build_sample_library
from simulator.storage.transcript import annotation_path


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    """Twelve sample transcripts by three trainees, indexed."""
    folder = tmp_path / "shared"
    build_sample_library(folder, 12, trainees=3)
    opened = Library.open(tmp_path / "index.sqlite3")
    opened.add(folder)
    yield opened
    opened.close()


async def test_a_whole_review_is_saved_beside_the_transcript(library: Library) -> None:
    app = review_app(library)
    async with app.run_test(size=REVIEW_SIZE) as pilot:
        await pilot.pause()
        first = library.rows()[0].path
        before = first.read_bytes()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.under.path == first
        await pilot.press("down", "a")  # turn 1: accept the engine's codes
        await pilot.pause()
        await pilot.press("e")  # turn 2: toggle "asks what matters", with a comment
        await pilot.pause()
        await pilot.press(*["down"] * list(Code).index(Code.ASKS_WHAT_MATTERS), "enter", "tab", "tab",
                          *"asks about the week", "f5")
        await pilot.pause()
        await pilot.press("tab", "down", "down", "down", "e")  # behaviour R04: choose level 2
        await pilot.pause()
        await pilot.press("down", "down", "enter", "f5")
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("[bold]check[/] the ending")
        await pilot.press("f5", "w")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("Warm start; advice came too soon.")
        await pilot.press("f5")
        await pilot.pause()
        review = read_annotations(first)
        kinds = [(j.kind, j.reviewer) for j in review.judgements]
        assert kinds == [("codes", "Sam"), ("codes", "Sam"), ("score", "Sam"), ("flag", "Sam"), ("review", "Sam")]
        accepted, changed = review.codes("Sam")[1], review.codes("Sam")[2]
        assert accepted.human == accepted.engine
        assert set(changed.human) == set(changed.engine) ^ {Code.ASKS_WHAT_MATTERS}
        assert changed.comment == "asks about the week"
        assert review.scores("Sam")["R04"].human == 2
        assert review.flagged and review.flag.comment == "[bold]check[/] the ending"
        assert review.overall("Sam").text == "Warm start; advice came too soon."
        assert first.read_bytes() == before
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        table = app.screen.query_one(DataTable)
        row = table.get_row(str(first))
        assert row[5] == "yes" and str(row[6]) == "FLAG"


async def test_filters_from_the_keyboard(library: Library) -> None:
    app = review_app(library)
    async with app.run_test(size=REVIEW_SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await pilot.press("t")
        assert {r.trainee for r in screen.shown} == {screen.shown[0].trainee} and len(screen.shown) == 4
        await pilot.press("t", "s", "s")
        assert screen.filter.sort == "overall" and len(screen.shown) == 12
        assert [r.overall for r in screen.shown] == sorted((r.overall for r in screen.shown), reverse=True)
        await pilot.press("f")
        assert screen.shown == [] and "flagged: yes" in str(screen.query_one("#status").render())
        await pilot.press("f", "f", "slash", *"Trainee 02", "enter")
        assert len(screen.shown) == 4 and {r.trainee for r in screen.shown} == {"Trainee 02"}
        assert screen.query_one(Input).value == "Trainee 02"
        screen.query_one(Input).value = ""
        await pilot.press("slash", *"min:50 since:2026-01-07", "enter")
        assert screen.shown and all(r.overall >= 50 and r.started >= datetime(2026, 1, 7, tzinfo=UTC)
                                    for r in screen.shown)
        assert "overall from: 50.0" in str(screen.query_one("#status").render())
        shown = screen.shown
        screen.query_one(Input).value = ""
        await pilot.press("slash", *"min:lots", "enter")
        assert screen.shown == shown and any("cannot read 'min:lots'" in n.message for n in app._notifications)


async def test_agreement_and_progress_screens_open_from_the_list(library: Library) -> None:
    under = open_review(library.rows()[0].path, library.rubric, now=lambda: WHEN)
    under.judge_codes("Sam", 1, [Code.OPEN_QUESTION])
    library.scan()
    app = review_app(library)
    async with app.run_test(size=REVIEW_SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AgreementScreen) and app.screen.found
        await pilot.press("escape", "p")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen) and len(app.screen.points) == 4


async def test_a_file_deleted_since_indexing_is_a_message(library: Library) -> None:
    app = review_app(library)
    async with app.run_test(size=REVIEW_SIZE) as pilot:
        await pilot.pause()
        library.rows()[0].path.unlink()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert any("cannot read" in n.message for n in app._notifications)


async def _review(pilot: Pilot) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, LibraryScreen)
    under = open_review(screen.shown[0].path, pilot.app.library.rubric, now=lambda: WHEN)
    under.judge_codes("Sam", 2, [Code.OPEN_QUESTION, Code.ASKS_WHAT_MATTERS], "it asks what matters")
    under.judge_score("Sam", "R04", 2, "asked twice")
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("down", "down", "down")
    await pilot.pause()


async def _agreement(pilot: Pilot) -> None:
    library = pilot.app.library
    for row in library.rows()[:3]:
        under = open_review(row.path, library.rubric, now=lambda: WHEN)
        for line in under.lines:
            if line.turn is not None:
                under.judge_codes("Sam", line.turn, [Code.OPEN_QUESTION] if line.turn % 3 == 0 else list(line.codes))
        under.judge_score("Sam", "R04", 1)
    library.scan()
    await pilot.press("a")
    await pilot.pause()


def test_snapshot_library_list(snap_compare, library: Library) -> None:  # noqa: ANN001 - the plugin's fixture
    assert snap_compare(review_app(library), terminal_size=REVIEW_SIZE)


def test_snapshot_review(snap_compare, library: Library) -> None:  # noqa: ANN001
    assert snap_compare(review_app(library), terminal_size=REVIEW_SIZE, run_before=_review)


def test_snapshot_agreement(snap_compare, library: Library) -> None:  # noqa: ANN001
    assert snap_compare(review_app(library), terminal_size=REVIEW_SIZE, run_before=_agreement)


def test_snapshot_progress(snap_compare, library: Library) -> None:  # noqa: ANN001
    assert snap_compare(review_app(library), terminal_size=REVIEW_SIZE, press=["p"])


async def test_a_judgement_that_cannot_be_saved_is_a_message(library: Library) -> None:
    first = library.rows()[0].path
    annotation_path(first).mkdir()  # stands in for a read-only shared drive (tests may run as root)
    app = review_app(library)
    async with app.run_test(size=REVIEW_SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("Thoughtful questions throughout.")
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        message = next(n.message for n in app._notifications if "Not saved" in n.message)
        assert "Thoughtful questions throughout." in message


async def test_names_with_markup_are_shown_as_typed(tmp_path: Path, library: Library,
                                                     taxi: ScenarioFile) -> None:
    folder = tmp_path / "shared" / "odd"
    session = Session.start(taxi, seed=1, directory=folder, trainee="[/b]Eve [red]O'Neil")
    session.say("What [bold]matters[/bold] to you?")
    session.end()
    library.scan()
    under = open_review(session.path, library.rubric, now=lambda: WHEN)
    under.judge_codes("[/i]Sam", 1, [Code.OPEN_QUESTION], "[link]x[/link]")
    library.scan()
    app = review_app(library, "[/i]Sam")
    async with app.run_test(size=REVIEW_SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert str(table.get_row(str(session.path))[1]) == "[/b]Eve [red]O'Neil"
        await pilot.press("a")
        await pilot.pause()
        assert any(str(row[0]) == "engine vs [/i]Sam" for row in map(app.screen.query_one(DataTable).get_row_at,
                                                                      range(app.screen.query_one(DataTable).row_count)))
        await pilot.press("escape", "t", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "[bold]matters[/bold]" in str(app.screen.query_one("#turns", DataTable).get_row("t1")[1])


async def test_next_and_previous_walk_the_list(library: Library) -> None:
    app = review_app(library)
    async with app.run_test(size=REVIEW_SIZE) as pilot:
        await pilot.pause()
        shown = [row.path for row in app.screen.shown]
        await pilot.press("enter", "n", "n")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.under.path == shown[2]
        await pilot.press("p", "p", "p")
        await pilot.pause()
        assert app.screen.under.path == shown[0]
        assert any("first one" in n.message for n in app._notifications)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)

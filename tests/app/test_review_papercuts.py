"""The quality assurer's papercuts in the review app (issue 17), driven by Pilot: care-planning tags are
corrected like the MITI codes and count where a reviewer's codes are used; the progress view tells first
visits, review visits and unfinished sessions apart; the agreement view says what it compares. Snapshots
of the changed screens at 80x24 and 120x40.

Update the snapshots after an intended change with:
pytest tests/app/test_review_papercuts.py --snapshot-update
"""

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pilot import WHEN, review_app
from textual.pilot import Pilot
from textual.widgets import DataTable, SelectionList, Static

from simulator.app.review.agreement import AgreementScreen
from simulator.app.review.judge import CodesDialog
from simulator.app.review.library import LibraryScreen
from simulator.app.review.progress import ProgressScreen
from simulator.app.review.transcript import ReviewScreen
from simulator.coding.codes import CARE_TAGS, Code
from simulator.quality.agreement import ENGINE, figures, ratings
from simulator.quality.annotations import read_annotations
from simulator.quality.library import Filter, Library
from simulator.quality.reviewing import open_review
from simulator.quality.sample_library import build_sample_library
from simulator.storage.events import SessionStarted
from simulator.storage.transcript import read_transcript

SMALL, LARGE = (80, 24), (120, 40)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twenty-four sample transcripts by three trainees, written once for the module."""
    folder = tmp_path_factory.mktemp("written") / "shared"
    build_sample_library(folder, 24, trainees=3)
    return folder


@pytest.fixture
def library(tmp_path: Path, written: Path) -> Iterator[Library]:
    """The sample, copied for this test (reviews are written beside the transcripts) and indexed."""
    folder = tmp_path / "shared"
    shutil.copytree(written, folder)
    opened = Library.open(tmp_path / "index.sqlite3")
    opened.add(folder)
    yield opened
    opened.close()


def _varied_trainee(library: Library) -> str:
    """The trainee whose sessions include the most kinds: first and review visits, finished or not."""
    trainees = sorted({row.trainee for row in library.rows()})
    return max(trainees, key=lambda t: len({(p.visit is None, p.finished, p.complete) for p in library.progress(t)}))


async def _open_first_turn_with(pilot: Pilot, wanted: Code | None = None) -> int:
    """Open the first finished transcript of the list and highlight its first trainee turn (carrying `wanted`,
    if given); its turn number."""
    screen = pilot.app.screen
    assert isinstance(screen, LibraryScreen)
    index = next(i for i, row in enumerate(screen.shown) if row.complete and (wanted is None or any(
        wanted in line.codes for line in open_review(row.path, pilot.app.library.rubric).lines)))
    await pilot.press(*["down"] * index, "enter")
    await pilot.pause()
    review = pilot.app.screen
    assert isinstance(review, ReviewScreen)
    row = next(i for i, line in enumerate(review.under.lines)
               if line.turn is not None and (wanted is None or wanted in line.codes))
    review.query_one("#turns", DataTable).move_cursor(row=row)
    await pilot.pause()
    turn = review.under.lines[row].turn
    assert turn is not None
    return turn


# Care-planning tags


async def test_care_planning_tags_are_corrected_like_the_miti_codes(library: Library) -> None:
    app = review_app(library)
    async with app.run_test(size=LARGE) as pilot:
        await pilot.pause()
        turn = await _open_first_turn_with(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        engine = set(next(line.codes for line in review.under.lines if line.turn == turn))
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CodesDialog)
        care = dialog.query_one("#care", SelectionList)
        assert [care.get_option_at_index(i).value for i in range(care.option_count)] == [c for c in Code
                                                                                          if c in CARE_TAGS]
        tag = next(c for c in (Code.ACTION_STEP, Code.REVIEW_ARRANGED) if c not in engine)
        await pilot.press("tab")  # from the MITI codes to the care-planning tags
        assert dialog.focused is care
        await pilot.press(*["down"] * [c for c in Code if c in CARE_TAGS].index(tag), "enter", "f5")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        judged = read_annotations(review.under.path).codes("Sam")[turn]
        assert set(judged.engine) == engine and set(judged.human) == engine | {tag}
        # The reviewer's tags count where their codes are used: the agreement figures and the score.
        found = [f for f in figures(ratings(library)) if (f.first, f.second) == (ENGINE, "Sam")]
        figure = next(f for f in found if f.name == tag.label)
        assert figure.kind == "care-planning tag" and (figure.items, figure.agreed) == (1, 0)
        assert review.under.score_with("Sam") is not None
        await pilot.press("tab")  # to the behaviours: their details say what the reviewer's codes score
        await pilot.pause()
        assert "Scored with Sam's codes: level" in str(review.query_one("#detail", Static).render())


def test_scoring_with_a_reviewers_codes_counts_their_care_planning_tags(library: Library) -> None:
    levels = library.levels()
    path = next(row.path for row in library.rows() if row.complete and levels[row.path]["R02"] == 0
                and levels[row.path]["R17"] == 0)
    under = open_review(path, library.rubric, now=lambda: WHEN)
    assert under.score_with("Sam") is None  # nothing changed yet: the engine's own score stands
    first, second = [line for line in under.lines if line.turn is not None][:2]
    # The reviewer hears the nurse set the agenda at once, and point to a walking group.
    under.judge_codes("Sam", 1, [*first.codes, Code.AGENDA_SETTING], "asks what to cover today")
    under.judge_codes("Sam", 2, [*second.codes, Code.SIGNPOSTING], "mentions the walking group")
    rescored = under.score_with("Sam")
    assert rescored is not None
    theirs = {b.id: b.level for b in rescored.behaviours}
    assert theirs["R02"] > 0 and theirs["R17"] > 0  # agenda setting (R02), support and community (R17)
    assert {b.id: b.level for b in under.behaviours} == levels[path]  # the engine's score is untouched


# Progress


async def test_progress_labels_first_visits_reviews_and_unfinished_sessions(library: Library) -> None:
    trainee = _varied_trainee(library)
    points = library.progress(trainee)
    rows = library.rows(Filter(trainee=trainee, sort="date", descending=False))
    # The index says what the files say.
    for point, row in zip(points, rows, strict=True):
        read = read_transcript(row.path)
        started = read.events[0]
        assert isinstance(started, SessionStarted)
        assert (point.visit, point.finished, point.complete) == (started.visit, read.finished, read.complete)
    assert {p.visit is None for p in points} == {True, False} and not all(p.finished for p in points)
    app = review_app(library)
    async with app.run_test(size=LARGE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await pilot.press(*["down"] * next(i for i, r in enumerate(screen.shown) if r.trainee == trainee), "p")
        await pilot.pause()
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        table = progress.query_one(DataTable)
        visits = [str(cell) for cell in table.get_row("Visit")[1:]]
        ended = [str(cell) for cell in table.get_row("Ended")[1:]]
        assert visits == ["1st" if p.visit is None else "rev" for p in points]
        assert ended == ["✓" if p.complete else "–" if p.finished else "…" for p in points]
        legend = str(progress.query_one("#legend", Static).render())
        firsts = sum(p.finished and p.visit is None for p in points)
        unfinished = sum(not p.finished for p in points)
        assert legend.startswith(f"{firsts} first visit") and f"{unfinished} unfinished" in legend
        assert "1st first visit · rev review visit" in legend and "… unfinished" in legend


def test_an_index_from_before_visits_were_kept_is_brought_up_to_date(tmp_path: Path, written: Path) -> None:
    file = tmp_path / "old.sqlite3"
    with Library.open(file) as library:
        library.add(written)
        expected = library.progress("Trainee 01")
    # The index as the last version left it: no visit or finished columns, schema 2.
    with sqlite3.connect(file) as connection:
        connection.execute("ALTER TABLE transcripts DROP COLUMN visit")
        connection.execute("ALTER TABLE transcripts DROP COLUMN finished")
        connection.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    connection.close()
    with Library.open(file) as library:
        assert library.count() == 24  # still listed before the scan
        library.scan()
        assert library.progress("Trainee 01") == expected


# Agreement


async def test_agreement_after_closed_to_open_says_what_it_compares(library: Library) -> None:
    app = review_app(library)
    async with app.run_test(size=LARGE) as pilot:
        await pilot.pause()
        turn = await _open_first_turn_with(pilot, Code.CLOSED_QUESTION)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        for line in review.under.lines:  # the reviewer accepts every turn but one
            if line.turn is not None and line.turn != turn:
                review.under.judge_codes("Sam", line.turn, list(line.codes))
        engine = next(line.codes for line in review.under.lines if line.turn == turn)
        review.under.judge_codes("Sam", turn, [Code.OPEN_QUESTION if c is Code.CLOSED_QUESTION else c for c in engine])
        library.refresh(review.under.path)
        await pilot.press("escape", "a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AgreementScreen)
        mine = [f for f in screen.found if (f.first, f.second) == (ENGINE, "Sam")]
        # Nothing reads as full agreement on what the reviewer changed...
        assert not [f for f in mine if f.kind == "main behaviour"]
        for name in ("every code the same", Code.CLOSED_QUESTION.label, Code.OPEN_QUESTION.label):
            figure = next(f for f in mine if f.name == name)
            assert figure.agreed == figure.items - 1, name
        # ... and every figure says what it compares, between whom.
        assert all(f.reading.startswith("Compared: ") and f"{f.first} and {f.second}" in f.reading for f in mine)
        whole = next(f for f in mine if f.name == "every code the same")
        assert "only if every code and tag is the same" in whole.reading
        assert str(screen.query_one("#reading", Static).render()).startswith("Compared: ")


# Snapshots of the changed screens, small and large


async def _codes(pilot: Pilot) -> None:
    await _open_first_turn_with(pilot)
    await pilot.press("e")
    await pilot.pause()


async def _agreement(pilot: Pilot) -> None:
    library = pilot.app.library
    under = open_review(library.rows()[0].path, library.rubric, now=lambda: WHEN)
    for line in under.lines:
        if line.turn is not None:
            swapped = {Code.CLOSED_QUESTION: Code.OPEN_QUESTION, Code.OPEN_QUESTION: Code.CLOSED_QUESTION}
            under.judge_codes("Sam", line.turn, [swapped.get(c, c) for c in line.codes])
    library.refresh(under.path)
    await pilot.press("a")
    await pilot.pause()


async def _progress(pilot: Pilot) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, LibraryScreen)
    trainee = _varied_trainee(pilot.app.library)
    await pilot.press(*["down"] * next(i for i, r in enumerate(screen.shown) if r.trainee == trainee), "p")
    await pilot.pause()


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_snapshot_codes_dialog(snap_compare, library: Library, size: tuple[int, int]) -> None:  # noqa: ANN001
    assert snap_compare(review_app(library), terminal_size=size, run_before=_codes)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_snapshot_agreement(snap_compare, library: Library, size: tuple[int, int]) -> None:  # noqa: ANN001
    assert snap_compare(review_app(library), terminal_size=size, run_before=_agreement)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_snapshot_progress(snap_compare, library: Library, size: tuple[int, int]) -> None:  # noqa: ANN001
    assert snap_compare(review_app(library), terminal_size=size, run_before=_progress)

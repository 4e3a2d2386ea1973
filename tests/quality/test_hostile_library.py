"""Hostile annotations and a hostile library index: what reviewers' files and the index can go through.

Annotation files cut short or holding lines no reader should choke on are read with a problem naming the
file and line, and the next judgement is still readable; the library index deleted, replaced, damaged,
read-only or on a full disk gives a message saying what to do (and never "delete it" when that is not the
cure), the review app keeps its list and says why; `library remove` takes folders and single transcripts
out of the index without touching a file. Every case runs under a time limit.
"""

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from faults import Outcome, run_cli, time_limit
from pilot import REVIEW_SIZE, review_app
from textual.widgets import DataTable, Static

from simulator.coding.codes import Code
from simulator.content.rubric_loader import load_rubric
from simulator.quality.annotations import read_annotations
from simulator.quality.library import Library, LibraryIndexError
from simulator.quality.reviewing import open_review
from simulator.quality.sample_library import build_sample_library
from simulator.storage.jsonl import MAX_LINE_BYTES
from simulator.storage.transcript import annotation_path


def run(argv: list[str], capfd: pytest.CaptureFixture[str]) -> Outcome:
    outcome = run_cli(argv, capfd)
    assert "Traceback" not in outcome.out + outcome.err, outcome.out + outcome.err
    return outcome


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four sample transcripts by two trainees, written once for the module."""
    folder = tmp_path_factory.mktemp("sample")
    build_sample_library(folder, 4, trainees=2)
    return folder


@pytest.fixture
def shared(sample: Path, tmp_path: Path) -> Path:
    """A copy of the sample library, with one judgement and a flag by Sam beside its first transcript."""
    folder = tmp_path / "shared"
    shutil.copytree(sample, folder)
    first = sorted(folder.rglob("*.jsonl"))[0]
    under = open_review(first, load_rubric())
    under.judge_codes("Sam", 1, [Code.OPEN_QUESTION])
    under.set_flag("Sam", True, "check the ending")
    return folder


def _first(folder: Path) -> Path:
    return sorted(p for p in folder.rglob("*.jsonl") if not p.name.endswith(".annotations.jsonl"))[0]


# --- annotations cut short --------------------------------------------------------------------------------

@pytest.mark.parametrize("kept", [1, 2, 10, 40, 100, -2, -1])
def test_a_judgement_after_a_cut_short_line_is_readable_and_the_cut_is_reported(shared: Path, kept: int) -> None:
    """The last judgement (the flag) cut after `kept` bytes (negative: counted from its end, -1 leaving all
    but its newline); the next judgement is still read, and the cut one reported with its line."""
    path = _first(shared)
    notes = annotation_path(path)
    raw = notes.read_bytes()
    start = raw[:-1].rindex(b"\n") + 1
    line = raw[start:]
    notes.write_bytes(raw[:start] + line[:kept])
    under = open_review(path, load_rubric())
    under.judge_score("Sam", "R04", 2, "after the cut")
    read = read_annotations(path)
    assert read.scores("Sam")["R04"].comment == "after the cut"
    assert read.codes("Sam")[1].human == [Code.OPEN_QUESTION]
    if kept == -1:  # only the newline was lost: the flag is whole
        assert read.problems == [] and read.flagged
    else:
        assert [(p.path, p.line) for p in read.problems] == [(notes, 2)] and not read.flagged
        assert "not a readable judgement" in read.problems[0].message


# --- hostile annotation lines -----------------------------------------------------------------------------

def _judgement(**changes: object) -> bytes:
    line = {"reviewer": "Kim", "at": "2026-11-23T09:30:00+00:00", "transcript_hash": None, "comment": "",
            "kind": "flag", "flagged": True} | changes
    return json.dumps(line).encode() + b"\n"


ANNOTATION_LINES: dict[str, bytes] = {
    "deep-array": b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "deep-object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"\n",
    "deep-field": _judgement(comment=json.loads("[" * 60 + "]" * 60)),
    "huge-number": b'{"turn": ' + b"7" * 5000 + b"}\n",
    "big-turn": _judgement(kind="codes", turn=10**4000, engine=[], human=[]),
    "nan": _judgement(kind="score", behaviour="R04", engine=1).replace(b'"engine": 1', b'"engine": NaN'),
    "infinity": _judgement(kind="score", behaviour="R04", engine=1, human=2).replace(b'"human": 2', b'"human": 1e999'),
    "naive-time": _judgement(at="2026-11-23T09:30:00"),
    "binary": bytes(c for c in range(256) if c != ord("\n")) + b"\n",
    "not-utf8": b'{"reviewer": "\xff\xfe"}\n',
    "unknown-kind": _judgement(kind="telepathy"),
    "extra-field": _judgement(mood="grumpy"),
    "not-an-object": b"[1, 2, 3]\n",
    "oversized": _judgement(comment="x" * (MAX_LINE_BYTES + 1)),
}


@pytest.mark.parametrize("name", list(ANNOTATION_LINES))
def test_a_hostile_annotation_line_is_reported_and_the_rest_read(shared: Path, name: str) -> None:
    path = _first(shared)
    notes = annotation_path(path)
    with notes.open("ab") as handle:
        handle.write(ANNOTATION_LINES[name])
    with time_limit(f"reading {name}"):
        read = read_annotations(path)
    assert [(p.path, p.line) for p in read.problems] == [(notes, 3)]
    assert read.flagged and read.codes("Sam")[1].human == [Code.OPEN_QUESTION]


@pytest.mark.parametrize("name", list(ANNOTATION_LINES))
def test_the_library_and_agreement_carry_on_past_a_hostile_annotation_line(
        shared: Path, name: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = _first(shared)
    notes = annotation_path(path)
    with notes.open("ab") as handle:
        handle.write(ANNOTATION_LINES[name])
    before = notes.read_bytes()
    status, _, err = run(["library", "add", str(shared)], capfd)
    assert status == 0 and f"warning: {notes}:3:" in err
    status, out, _ = run(["library", "list", "--json", "--flagged"], capfd)
    assert status == 0 and [json.loads(line)["path"] for line in out.splitlines()] == [str(path)]
    assert run(["agreement"], capfd)[0] in (0, 1)
    assert run(["export", "annotations", "--out", str(tmp_path / "a.csv")], capfd)[0] == 0
    assert notes.read_bytes() == before


def test_a_failed_judgement_write_names_the_file_and_leaves_it_whole(shared: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    path = _first(shared)
    notes = annotation_path(path)
    before = notes.read_bytes()
    under = open_review(path, load_rubric())

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as raised:
        under.judge_score("Sam", "R04", 2)
    assert raised.value.filename == str(notes) and "No space left" in str(raised.value)
    assert notes.read_bytes() == before


# --- the index, deleted, replaced, damaged, read-only or full --------------------------------------------

@pytest.fixture
def library(shared: Path, tmp_path: Path) -> Iterator[Library]:
    opened = Library.open(tmp_path / "index.sqlite3")
    opened.add(shared)
    yield opened
    opened.close()


def _sqlite_error(code: int, message: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize(("code", "message", "says"), [
    (13, "database or disk is full", "the disk is full"),
    (8, "attempt to write a readonly database", "read-only"),
    (3, "access permission denied", "read-only"),
    (14, "unable to open database file", "read-only"),
    (5, "database is locked", "busy"),
])
def test_an_index_that_cannot_be_written_says_why_and_not_delete_it(code: int, message: str, says: str,
                                                                    library: Library, shared: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's own words for a full disk or a read-only folder, as the index reports them: with its path,
    and without advising to delete a file that is fine."""
    class Failing:
        def __init__(self, real: sqlite3.Connection) -> None:
            self._real = real

        def execute(self, *args: object) -> sqlite3.Cursor:
            if str(args[0]).lstrip().upper().startswith(("INSERT", "DELETE", "UPDATE")):
                raise _sqlite_error(code, message)
            return self._real.execute(*args)  # type: ignore[arg-type]

        def __getattr__(self, name: str) -> object:
            return getattr(self._real, name)

    monkeypatch.setattr(library._db, "_connection", Failing(library._db._connection))
    before = library.rows()
    with pytest.raises(LibraryIndexError) as raised:
        library.remove(shared)
    assert str(library.file) in str(raised.value) and says in str(raised.value)
    assert "delete" not in str(raised.value)
    assert library.rows() == before


def test_a_damaged_index_says_to_delete_it(capfd: pytest.CaptureFixture[str]) -> None:
    from simulator import locations

    index = locations.library_file()
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_bytes(b"this is not a database" * 100)
    status, _, err = run(["library", "list"], capfd)
    assert status == 2 and str(index) in err and "delete it" in err


def test_a_data_folder_that_cannot_be_made_is_said_plainly(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(blocked / "data"))
    status, _, err = run(["library", "list"], capfd)
    assert status == 2 and "cannot make the library's folder" in err and "delete" not in err


@pytest.mark.parametrize("how", ["deleted", "replaced", "deleted-with-its-log"])
def test_an_index_changed_under_an_open_library_says_so(library: Library, tmp_path: Path, how: str) -> None:
    before = library.rows()
    _change_index(library.file, tmp_path, how)
    with pytest.raises(LibraryIndexError, match="deleted" if how.startswith("deleted") else "replaced") as raised:
        library.rows()
    assert str(library.file) in str(raised.value)
    with pytest.raises(LibraryIndexError):
        library.scan()
    if how.startswith("deleted"):
        with pytest.raises(LibraryIndexError, match="not there"):
            Library.open(library.file, create=False)
        assert not library.file.exists(), "a deleted index was made anew behind the reviewer's back"
    assert [r.path for r in before] and all(r.path.exists() for r in before)


def _change_index(file: Path, tmp_path: Path, how: str) -> None:
    if how.startswith("deleted"):
        file.unlink()
        if how == "deleted-with-its-log":
            for extra in file.parent.glob(file.name + "-*"):
                extra.unlink()
        return
    other = Library.open(tmp_path / "other.sqlite3")
    other.close()
    os.replace(tmp_path / "other.sqlite3", file)


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_the_review_app_keeps_its_list_when_the_index_goes(library: Library, tmp_path: Path,
                                                                 how: str) -> None:
    app = review_app(library)
    async with app.run_test(size=REVIEW_SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        shown = table.row_count
        assert shown == 4
        _change_index(library.file, tmp_path, how)
        await pilot.press("r")  # a filter: the list is read again
        await pilot.pause()
        await pilot.press("f5")  # a rescan, on a worker thread
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.screen.query_one(DataTable).row_count == shown
        status = str(app.screen.query_one("#skipped", Static).content)
        assert str(library.file) in status and how in status
        messages = [n.message for n in app._notifications]
        assert any(how in m for m in messages)
        await pilot.press("enter")  # a transcript still opens from the list it shows
        await pilot.pause()
        assert type(app.screen).__name__ == "ReviewScreen"
    assert how == "replaced" or not library.file.exists()


# --- library remove ---------------------------------------------------------------------------------------

def test_library_remove_takes_a_transcript_out_until_its_folder_is_added_again(
        shared: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = _first(shared)
    before = path.read_bytes(), annotation_path(path).read_bytes()
    assert run(["library", "add", str(shared)], capfd)[0] == 0
    status, _, err = run(["library", "remove", str(path)], capfd)
    assert status == 0 and str(path) in err
    assert run(["library", "scan"], capfd)[0] == 0
    listed = run(["library", "list", "--json"], capfd)[1]
    assert str(path) not in listed and len(listed.splitlines()) == 3
    assert (path.read_bytes(), annotation_path(path).read_bytes()) == before
    assert run(["library", "add", str(shared)], capfd)[0] == 0
    assert str(path) in run(["library", "list", "--json"], capfd)[1]


def test_library_remove_takes_a_folder_out_and_says_what_it_does_not_know(
        shared: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert run(["library", "add", str(shared)], capfd)[0] == 0
    status, _, err = run(["library", "remove", str(shared), str(tmp_path / "nowhere")], capfd)
    assert status == 1 and f"folder {shared}" in err and "nowhere: not a folder or transcript in the library" in err
    assert run(["library", "list", "--json"], capfd)[1] == ""
    status, _, err = run(["library", "scan"], capfd)
    assert status == 1 and "no folders" in err
    assert all(p.exists() for p in shared.rglob("*.jsonl"))


def test_a_poisoned_transcript_is_skipped_with_its_path_and_can_be_removed(
        shared: Path, capfd: pytest.CaptureFixture[str]) -> None:
    poisoned = shared / "poisoned.jsonl"
    poisoned.write_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\n")
    status, _, err = run(["library", "add", str(shared)], capfd)
    assert status == 0 and f"skipped: {poisoned}:1:" in err
    assert len(run(["library", "list", "--json"], capfd)[1].splitlines()) == 4
    assert run(["library", "remove", str(poisoned)], capfd)[0] == 0
    status, _, err = run(["library", "scan"], capfd)
    assert status == 0 and "poisoned" not in err


@pytest.mark.parametrize("export", ["html", "scores", "annotations"])
def test_an_export_on_a_full_disk_leaves_the_old_file_and_names_it(
        export: str, shared: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    assert run(["library", "add", str(shared)], capfd)[0] == 0
    out = tmp_path / "reports" / f"out.{'html' if export == 'html' else 'csv'}"
    out.parent.mkdir()
    out.write_text("the report from last week", encoding="utf-8")
    argv = ["export", export, *([str(_first(shared))] if export == "html" else []), "--out", str(out)]

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", full)
        status, _, err = run(argv, capfd)
    assert status == 2 and str(out) in err and "No space left" in err
    assert out.read_text(encoding="utf-8") == "the report from last week"
    assert [p.name for p in out.parent.iterdir()] == [out.name]
    assert run(argv, capfd)[0] == 0 and out.read_text(encoding="utf-8") != "the report from last week"

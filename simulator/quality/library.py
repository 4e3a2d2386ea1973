"""The transcript library: an SQLite index, in the user's data folder, over transcripts in any folders.

The transcripts and their annotations stay where they are (a shared drive, say); the index only holds
what listing, filtering, progress and agreement need, and a rescan redoes just the files whose size or
modification time changed (or all of them when the rubric changed).

The index is only ever a copy of what the files say, so whatever happens to it (deleted or replaced while
open, a read-only folder, a full disk, a damaged file) is a LibraryIndexError saying what and what to do,
and never touches a transcript.
"""

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeGuard, get_args

from simulator import locations
from simulator.content.rubric_loader import RubricFile, load_rubric
from simulator.errors import Problem, SimulatorError
from simulator.quality.library_entry import Entry, JudgementRow, Row, Skipped, read_entry
from simulator.storage.transcript import IntegrityStatus, annotation_path, transcript_files

# 2: integrity has the states unfinished and truncated; files can be taken out (excluded). 3: each
# transcript's visit and whether it finished.
SCHEMA_VERSION = "3"
SortKey = Literal["date", "overall", "trainee", "scenario"]
SORT_COLUMNS: dict[SortKey, str] = {"date": "started", "overall": "overall", "trainee": "trainee",
                                    "scenario": "scenario_title"}
# Told (files done, files in all) as a scan goes, for a progress display.
OnProgress = Callable[[int, int], None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS folders (path TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS transcripts (
    path TEXT PRIMARY KEY, folder TEXT NOT NULL, stamp TEXT NOT NULL,
    transcript_id TEXT NOT NULL, source TEXT NOT NULL, trainee TEXT NOT NULL, scenario_id TEXT NOT NULL,
    scenario_title TEXT NOT NULL, started TEXT NOT NULL, turns INTEGER NOT NULL, overall REAL NOT NULL,
    complete INTEGER NOT NULL, integrity TEXT NOT NULL, digest TEXT, damaged_lines INTEGER NOT NULL,
    reviewed INTEGER NOT NULL, flagged INTEGER NOT NULL, levels TEXT NOT NULL, visit TEXT NOT NULL DEFAULT '',
    finished INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS by_started ON transcripts (started);
CREATE INDEX IF NOT EXISTS by_trainee ON transcripts (trainee, started);
CREATE INDEX IF NOT EXISTS by_scenario ON transcripts (scenario_id, started);
CREATE INDEX IF NOT EXISTS by_overall ON transcripts (overall);
CREATE TABLE IF NOT EXISTS judgements (
    path TEXT NOT NULL, reviewer TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    engine TEXT NOT NULL, human TEXT NOT NULL, comment TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS judgements_by_path ON judgements (path);
CREATE TABLE IF NOT EXISTS experts (
    path TEXT NOT NULL, turn INTEGER NOT NULL, engine TEXT NOT NULL, expert TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS experts_by_path ON experts (path);
CREATE TABLE IF NOT EXISTS skipped (path TEXT PRIMARY KEY, folder TEXT NOT NULL, stamp TEXT NOT NULL,
    line INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS excluded (path TEXT PRIMARY KEY);
"""
# Columns added since the first schema: an older index gets them (and is read again on the next scan).
_ADDED = {"transcripts": ("visit TEXT NOT NULL DEFAULT ''", "finished INTEGER NOT NULL DEFAULT 1")}
# SQLite's primary result codes, as the index's errors are explained.
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB, _PERM = 5, 6, 8, 10, 11, 13, 14, 26, 3


class LibraryIndexError(SimulatorError):
    """The library index cannot be used as it is; the message names it, says why and what to do. The
    transcripts and their annotations are never affected."""


def _explain(error: sqlite3.Error, file: Path) -> str:
    """What a failure of the index means for the person at the keyboard."""
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    untouched = "(the transcripts and their annotations are untouched)"
    if code == _FULL:
        return f"{file}: the library index cannot be written: the disk is full. Free some space and try again {untouched}."
    if code in (_READONLY, _PERM, _CANTOPEN):
        return (f"{file}: the library index cannot be written: the file or its folder is read-only or not "
                f"yours. Make it writable, or set SIMULATOR_DATA_DIR to a folder you can write to {untouched}.")
    if code in (_BUSY, _LOCKED):
        return f"{file}: the library index is busy (another scan is writing it); try again in a moment."
    if code in (_CORRUPT, _NOTADB):
        return (f"{file}: not a usable library index ({error}); delete it and add the folders again "
                f"{untouched}.")
    return f"{file}: the library index could not be read or written ({error}) {untouched}."


def _identity(file: Path) -> tuple[int, int]:
    found = file.stat()
    return found.st_dev, found.st_ino


class _Index:
    """The connection to the index file. Before each use it checks the file is still the one it opened
    (not deleted or replaced meanwhile), and any SQLite failure becomes a LibraryIndexError. Results are
    fetched at once, so that no failure can surface later, while someone iterates."""

    def __init__(self, connection: sqlite3.Connection, file: Path) -> None:
        self._connection, self.file = connection, file
        self._identity = _identity(file)

    def check(self) -> None:
        """LibraryIndexError if the index file was deleted or replaced since it was opened."""
        again = "open the library again (quit and run the command again)"
        try:
            now = _identity(self.file)
        except FileNotFoundError:
            raise LibraryIndexError(
                f"{self.file}: the library index was deleted while in use. Nothing else is lost: {again} and "
                "add the folders (simulator library add FOLDER); reviews are kept beside the transcripts.") from None
        except OSError as error:
            raise LibraryIndexError(f"{self.file}: the library index cannot be reached ({error.strerror})") from None
        if now != self._identity:
            raise LibraryIndexError(f"{self.file}: the library index was replaced by another file while in use; "
                                    f"{again} to use the new one.")

    def execute(self, sql: str, values: Sequence[object] = ()) -> list[Any]:
        self.check()
        try:
            return self._connection.execute(sql, values).fetchall()
        except sqlite3.Error as error:
            raise LibraryIndexError(_explain(error, self.file)) from None

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        self.check()
        try:
            self._connection.executemany(sql, rows)
        except sqlite3.Error as error:
            raise LibraryIndexError(_explain(error, self.file)) from None

    def __enter__(self) -> "_Index":
        """A transaction: committed when the block ends, rolled back if it raises."""
        self.check()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self._connection.commit()
            else:
                self._connection.rollback()
        except sqlite3.Error as error:
            raise LibraryIndexError(_explain(error, self.file)) from None

    def close(self) -> None:
        self._connection.close()


@dataclass(frozen=True)
class Filter:
    """What to list and in what order; None means any."""

    trainee: str | None = None
    scenario: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_overall: float | None = None
    max_overall: float | None = None
    reviewed: bool | None = None
    flagged: bool | None = None
    integrity: IntegrityStatus | None = None
    text: str | None = None
    sort: SortKey = "date"
    descending: bool = True
    limit: int | None = None


@dataclass
class ScanReport:
    """What a scan did: counts, and each file skipped (with why) or found damaged or altered."""

    indexed: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class ProgressPoint:
    """One session in a trainee's progress: when, which scenario and visit, how far it got, and its levels."""

    started: datetime
    scenario_title: str
    overall: float
    levels: dict[str, int]
    visit: str | None  # a later visit's id (a review); None for a first visit
    finished: bool  # the conversation ended
    complete: bool  # ... and the care plan was saved

    @property
    def kind(self) -> str:
        """Which visit it was: a first visit or a review visit."""
        return "first visit" if self.visit is None else "review visit"

    @property
    def ending(self) -> str:
        """How far it got: plan saved, no plan (the conversation ended without one) or unfinished."""
        return "plan saved" if self.complete else "no plan" if self.finished else "unfinished"


def library_file() -> Path:
    """The index's file in the user's data folder."""
    return locations.library_file()


def _stamp(path: Path) -> str:
    """What tells a changed file from an unchanged one: size and modification time, of the transcript
    and of its annotations."""
    stat = path.stat()
    try:
        notes = annotation_path(path).stat()
    except FileNotFoundError:
        return f"{stat.st_size}:{stat.st_mtime_ns}:-"
    return f"{stat.st_size}:{stat.st_mtime_ns}:{notes.st_size}:{notes.st_mtime_ns}"


class Library:
    """The index. Open it with `Library.open()`; close it (or use it as a context manager) when done."""

    def __init__(self, index: _Index, rubric: RubricFile) -> None:
        self._db = index
        self.rubric = rubric
        self.file = index.file

    @classmethod
    def open(cls, file: Path | None = None, rubric: RubricFile | None = None, *, create: bool = True) -> "Library":
        """Open the index at `file` (default: `library_file()`), creating it if need be and `create`;
        LibraryIndexError if it cannot be used (or, not to be created, is not there)."""
        file = file or library_file()
        if not create and not file.is_file():
            raise LibraryIndexError(f"{file}: the library index is not there (deleted?); open the library again "
                                    "and add the folders (simulator library add FOLDER)")
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LibraryIndexError(f"{file.parent}: cannot make the library's folder ({error.strerror}); set "
                                    "SIMULATOR_DATA_DIR to a folder you can write to") from None
        try:
            connection = sqlite3.connect(file)
        except sqlite3.Error as error:
            raise LibraryIndexError(_explain(error, file)) from None
        try:
            # Write-ahead logging: the app's list reads while a rescan writes on another connection.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            for table, columns in _ADDED.items():
                known = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
                for column in columns:
                    if column.split()[0] not in known:
                        connection.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
            index = _Index(connection, file)
        except (sqlite3.Error, OSError) as error:
            connection.close()
            if isinstance(error, OSError):
                raise LibraryIndexError(f"{file}: the library index cannot be reached ({error.strerror})") from None
            raise LibraryIndexError(_explain(error, file)) from None
        library = cls(index, rubric or load_rubric())
        try:
            stored = dict(index.execute("SELECT key, value FROM meta"))
            if stored.get("schema") != SCHEMA_VERSION or stored.get("rubric") != library.rubric.content_hash:
                # Scores depend on the rubric: a different one means every file is scored again on the next scan.
                with index:
                    index.execute("UPDATE transcripts SET stamp = ''")
                    index.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                      [("schema", SCHEMA_VERSION), ("rubric", library.rubric.content_hash)])
        except LibraryIndexError:
            index.close()
            raise
        return library

    def check(self) -> None:
        """LibraryIndexError if the index file was deleted or replaced since it was opened."""
        self._db.check()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @property
    def folders(self) -> list[Path]:
        return [Path(p) for (p,) in self._db.execute("SELECT path FROM folders ORDER BY path")]

    def add(self, folder: Path, progress: OnProgress | None = None) -> ScanReport:
        """Add a folder of transcripts (searched with its subfolders) and index it."""
        folder = folder.resolve()
        if not folder.is_dir():
            raise OSError(f"{folder}: no such folder")
        with self._db:
            self._db.execute("INSERT OR IGNORE INTO folders VALUES (?)", (str(folder),))
            # Adding a folder again takes back the transcripts in it that were removed one by one.
            self._db.execute("DELETE FROM excluded WHERE substr(path, 1, ?) = ?", _inside(folder))
        return self.scan(progress, [folder])

    def remove(self, path: Path) -> str | None:
        """Take a folder (with everything indexed from it) or one transcript out of the index; the files
        stay where they are, and a removed transcript is not indexed again until its folder is added
        again. Say what was removed, or None if the path is not in the library."""
        keys = list(dict.fromkeys(str(p) for p in (path.absolute(), path.resolve())))
        marks = ", ".join("?" * len(keys))
        folders = [f for (f,) in self._db.execute(f"SELECT path FROM folders WHERE path IN ({marks})", keys)]
        if folders:
            with self._db:
                gone = [p for (p,) in self._db.execute("SELECT path FROM transcripts WHERE folder = ? UNION "
                                                       "SELECT path FROM skipped WHERE folder = ?", folders * 2)]
                self._forget(gone)
                self._db.execute("DELETE FROM folders WHERE path = ?", folders)
                self._db.execute("DELETE FROM excluded WHERE substr(path, 1, ?) = ?", _inside(Path(folders[0])))
            return f"folder {folders[0]} ({len(gone)} file(s) no longer listed)"
        known = [p for (p,) in self._db.execute(f"SELECT path FROM transcripts WHERE path IN ({marks}) UNION "
                                                f"SELECT path FROM skipped WHERE path IN ({marks})", keys * 2)]
        if not known:
            return None
        with self._db:
            self._forget(known)
            self._db.executemany("INSERT OR IGNORE INTO excluded VALUES (?)", [(k,) for k in known])
        return f"{known[0]} (add its folder again to list it again)"

    def scan(self, progress: OnProgress | None = None, folders: list[Path] | None = None) -> ScanReport:
        """Pick up new, changed and removed files in the library's folders (or just `folders`)."""
        report = ScanReport()
        for folder in folders or self.folders:
            if not folder.is_dir():
                report.warnings.append(Problem(folder, 0, 0, "folder not found (unmounted?); its entries are kept"))
                continue
            self._scan_folder(folder, report, progress)
        return report

    def _scan_folder(self, folder: Path, report: ScanReport, progress: OnProgress | None) -> None:
        known = dict(self._db.execute("SELECT path, stamp FROM transcripts WHERE folder = ? UNION ALL "
                                      "SELECT path, stamp FROM skipped WHERE folder = ?", (str(folder),) * 2))
        excluded = {p for (p,) in self._db.execute("SELECT path FROM excluded WHERE substr(path, 1, ?) = ?",
                                                   _inside(folder))}
        files = [file for file in transcript_files(folder) if str(file) not in excluded]
        present: set[str] = set()
        for index, file in enumerate(files, start=1):
            key = str(file)
            present.add(key)
            try:
                stamp = _stamp(file)
            except OSError as error:
                report.skipped.append(Problem(file, 0, 0, f"cannot read: {error.strerror}"))
                continue
            if known.get(key) == stamp:
                report.unchanged += 1
            else:
                self._store(folder, stamp, read_entry(file, self.rubric), report)
            if progress and (index % 200 == 0 or index == len(files)):
                progress(index, len(files))
        gone = [path for path in known if path not in present]
        with self._db:
            self._forget(gone)
        report.removed += len(gone)
        for path, line, reason in self._db.execute(
                "SELECT path, line, reason FROM skipped WHERE folder = ? ORDER BY path", (str(folder),)):
            report.skipped.append(Problem(Path(path), line, 1, reason))

    def _store(self, folder: Path, stamp: str, found: Entry | Skipped, report: ScanReport) -> None:
        key = str(found.path)
        with self._db:
            self._forget([key])
            if isinstance(found, Skipped):
                self._db.execute("INSERT INTO skipped VALUES (?, ?, ?, ?, ?)",
                                 (key, str(folder), stamp, found.reason.line, found.reason.message))
                return
            report.indexed += 1
            row = found.row
            tampered = found.integrity.warning(row.path)
            if tampered is not None:
                report.warnings.append(replace(tampered, message=f"{tampered.message} Listed and marked as "
                                                                 f"{row.integrity}."))
            elif found.damage:
                first = found.damage[0]
                report.warnings.append(replace(first, message=f"{first.message} ({len(found.damage)} line(s) "
                                                              "skipped in all; the rest is listed)"))
            report.warnings += found.notes
            self._db.execute(
                "INSERT INTO transcripts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, str(folder), stamp, row.transcript_id, row.source, row.trainee, row.scenario_id,
                 row.scenario_title, row.started.isoformat(), row.turns, row.overall, row.complete,
                 row.integrity, row.digest, row.damaged_lines, row.reviewed, row.flagged,
                 json.dumps(found.levels), row.visit or "", row.finished))
            self._db.executemany("INSERT INTO judgements VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 [(key, j.reviewer, j.at.isoformat(), j.kind, j.target, j.engine, j.human, j.comment)
                                  for j in found.judgements])
            self._db.executemany("INSERT INTO experts VALUES (?, ?, ?, ?)",
                                 [(key, e.turn, e.engine, e.expert) for e in found.experts])

    def _forget(self, keys: list[str]) -> None:
        """Drop everything the index holds about these files (inside the caller's transaction)."""
        for table in ("transcripts", "judgements", "experts", "skipped"):
            self._db.executemany(f"DELETE FROM {table} WHERE path = ?", [(key,) for key in keys])

    def refresh(self, path: Path) -> None:
        """Re-index one transcript now (after a review added annotations beside it)."""
        row = self._db.execute("SELECT folder FROM transcripts WHERE path = ?", (str(path),))
        if row and path.exists():
            self._store(Path(row[0][0]), _stamp(path), read_entry(path, self.rubric), ScanReport())

    def rows(self, chosen: Filter = Filter()) -> list[Row]:
        """The transcripts that pass the filter, in its order."""
        where, values = _where(chosen)
        order = f"{SORT_COLUMNS[chosen.sort]} {'DESC' if chosen.descending else 'ASC'}, path"
        limit = f" LIMIT {int(chosen.limit)}" if chosen.limit else ""
        query = (f"SELECT path, transcript_id, source, trainee, scenario_id, scenario_title, started, turns, "
                 f"overall, complete, integrity, digest, damaged_lines, reviewed, flagged, visit, finished FROM "
                 f"transcripts{where} ORDER BY {order}{limit}")
        return [Row(Path(r[0]), r[1], r[2], r[3], r[4], r[5], datetime.fromisoformat(r[6]), r[7], r[8], bool(r[9]),
                    r[10], r[11], r[12], bool(r[13]), bool(r[14]), r[15] or None, bool(r[16]))
                for r in self._db.execute(query, values)]

    def count(self, chosen: Filter = Filter()) -> int:
        """How many transcripts pass the filter (regardless of its limit)."""
        where, values = _where(chosen)
        return int(self._db.execute(f"SELECT COUNT(*) FROM transcripts{where}", values)[0][0])

    def skipped(self) -> list[Problem]:
        """Files in the library's folders that could not be read as transcripts."""
        return [Problem(Path(p), line, 1, reason)
                for p, line, reason in self._db.execute("SELECT path, line, reason FROM skipped ORDER BY path")]

    def progress(self, trainee: str) -> list[ProgressPoint]:
        """A trainee's sessions in time order, with each behaviour's level, which visit each was and how far
        it got."""
        return [ProgressPoint(datetime.fromisoformat(started), title, overall, json.loads(levels), visit or None,
                              bool(finished), bool(complete))
                for started, title, overall, levels, visit, finished, complete in self._db.execute(
                    "SELECT started, scenario_title, overall, levels, visit, finished, complete FROM transcripts "
                    "WHERE trainee = ? AND source = 'practice' ORDER BY started, path", (trainee,))]

    def judgements(self) -> Iterator[tuple[Path, JudgementRow]]:
        """Every human judgement in the library, by transcript and time."""
        for path, reviewer, at, kind, target, engine, human, comment in self._db.execute(
                "SELECT * FROM judgements ORDER BY path, at"):
            yield Path(path), JudgementRow(reviewer, datetime.fromisoformat(at), kind, target, engine, human, comment)

    def experts(self) -> Iterator[tuple[Path, int, str, str]]:
        """Every imported turn's expert code beside the engine's: path, turn, engine, expert."""
        for path, turn, engine, expert in self._db.execute("SELECT * FROM experts ORDER BY path, turn"):
            yield Path(path), turn, engine, expert

    def levels(self, judged_only: bool = False) -> dict[Path, dict[str, int]]:
        """The engine's level for each behaviour of each transcript (or of those with human judgements)."""
        where = " WHERE path IN (SELECT path FROM judgements)" if judged_only else ""
        return {Path(p): json.loads(levels) for p, levels in self._db.execute(f"SELECT path, levels FROM transcripts{where}")}


QUERY_HELP = "words to find, and any of min:60 max:80 since:2026-01-31 until:2026-03-01 integrity:altered"
INTEGRITY = get_args(IntegrityStatus)


def day(text: str) -> datetime:
    """The start of a day written YYYY-MM-DD, in UTC; ValueError otherwise."""
    return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)


def query_filter(query: str, chosen: Filter) -> Filter:
    """`chosen` with the search box's query applied: `min:`/`max:` overall, `since:`/`until:` dates
    (YYYY-MM-DD, UTC; until is the day after the last), `integrity:` one of INTEGRITY, and the
    remaining words as text to find. ValueError names a term that cannot be read."""
    bounds: dict[str, float | None] = {"min": None, "max": None}
    days: dict[str, datetime | None] = {"since": None, "until": None}
    integrity: IntegrityStatus | None = None
    words: list[str] = []
    for term in query.split():
        key, _, value = term.partition(":")
        try:
            if key in bounds:
                bounds[key] = float(value)
            elif key in days:
                days[key] = day(value)
            elif key == "integrity":
                if not _is_integrity(value):
                    raise ValueError(value)
                integrity = value
            else:
                words.append(term)
        except ValueError:
            raise ValueError(f"cannot read '{term}': write {QUERY_HELP}") from None
    return replace(chosen, text=" ".join(words) or None, min_overall=bounds["min"], max_overall=bounds["max"],
                   since=days["since"], until=days["until"], integrity=integrity)


def _inside(folder: Path) -> tuple[int, str]:
    """The start every path inside `folder` has, and its length: `substr(path, 1, ?) = ?` finds them."""
    start = str(folder / "x")[:-1]
    return len(start), start


def _is_integrity(value: str) -> TypeGuard[IntegrityStatus]:
    return value in INTEGRITY


def _where(chosen: Filter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    values: list[object] = []
    for column, operator, value in (
            ("trainee", "=", chosen.trainee), ("scenario_id", "=", chosen.scenario),
            ("started", ">=", chosen.since.isoformat() if chosen.since else None),
            ("started", "<", chosen.until.isoformat() if chosen.until else None),
            ("overall", ">=", chosen.min_overall), ("overall", "<=", chosen.max_overall),
            ("reviewed", "=", chosen.reviewed), ("flagged", "=", chosen.flagged), ("integrity", "=", chosen.integrity)):
        if value is not None:
            clauses.append(f"{column} {operator} ?")
            values.append(value)
    if chosen.text:
        clauses.append("(trainee LIKE ? OR scenario_title LIKE ? OR transcript_id LIKE ?)")
        values += [f"%{chosen.text}%"] * 3
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), values

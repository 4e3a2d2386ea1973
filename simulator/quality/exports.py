"""CSV exports of the library for a team's own analysis: every transcript's scores, and every annotation.
Each file is written whole or not at all."""

import csv
import io
from pathlib import Path

from simulator.quality.library import Library
from simulator.storage.jsonl import write_whole

# A cell a spreadsheet would read as a formula (=HYPERLINK(...), +cmd, -1+1, @SUM) when it comes from a
# person or a file: prefixed with an apostrophe, which spreadsheets show as text (OWASP's advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _SafeWriter:
    """A csv writer whose text cells cannot run as spreadsheet formulas; numbers are written as they are."""

    def __init__(self, handle: io.StringIO) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: list[object]) -> None:
        self._writer.writerow([f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_START) else cell
                               for cell in row])


def write_scores_csv(library: Library, out: Path) -> int:
    """One row per transcript: who, what, when, integrity, review state, overall and each behaviour's level."""
    rows = library.rows()
    levels = library.levels()
    behaviours = [b.id for b in library.rubric.rubric.behaviours]
    with io.StringIO(newline="") as handle:
        writer = _SafeWriter(handle)
        writer.writerow(["path", "transcript_id", "source", "trainee", "scenario_id", "scenario_title",
                         "started_utc", "turns", "complete", "integrity", "content_sha256", "reviewed", "flagged",
                         "overall",
                         *behaviours])
        for row in rows:
            found = levels.get(row.path, {})
            writer.writerow([row.path, row.transcript_id, row.source, row.trainee, row.scenario_id,
                             row.scenario_title, row.started.isoformat(), row.turns, int(row.complete),
                             row.integrity, row.digest or "", int(row.reviewed), int(row.flagged), row.overall,
                             *(found.get(b, "") for b in behaviours)])
        write_whole(out, handle.getvalue().encode("utf-8"))
    return len(rows)


def write_annotations_csv(library: Library, out: Path) -> int:
    """One row per human judgement: transcript, reviewer, time, what was judged, engine's and human's view."""
    count = 0
    with io.StringIO(newline="") as handle:
        writer = _SafeWriter(handle)
        writer.writerow(["path", "reviewer", "at_utc", "kind", "target", "engine", "human", "comment"])
        for path, row in library.judgements():
            writer.writerow([path, row.reviewer, row.at.isoformat(), row.kind, row.target, row.engine, row.human,
                             row.comment])
            count += 1
        write_whole(out, handle.getvalue().encode("utf-8"))
    return count

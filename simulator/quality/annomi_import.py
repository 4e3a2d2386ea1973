"""Importing AnnoMI's expert-coded transcripts as product transcripts, human codes kept on each turn."""

import csv
import hashlib
import io
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from simulator import __version__
from simulator.coding.annomi import HUMAN_FIELDS
from simulator.coding.coder import Coder, Utterance, code_conversation
from simulator.errors import ContentError, Problem
from simulator.storage.events import Event, PatientTurn, TraineeTurn, TranscriptImported, utterances_of
from simulator.storage.transcript import write_transcript

REQUIRED = {"transcript_id", "utterance_id", "interlocutor", "utterance_text", "main_therapist_behaviour",
            "mi_quality"}
# What a transcript's file name may hold of its id: anything else (a path separator, `..`) is replaced.
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def file_name(transcript_id: str) -> str:
    """The file an imported transcript is written to: `annomi-ID.jsonl` when the id is a plain name; an id
    with anything else in it (a path such as `../x`, spaces, a very long id) is cleaned, and a hash of the
    whole id keeps two such ids apart. Never a path: it always names a file inside the output folder."""
    safe = _UNSAFE.sub("_", transcript_id)[:80]
    if safe != transcript_id:
        safe += "-" + hashlib.sha256(transcript_id.encode("utf-8")).hexdigest()[:10]
    return f"annomi-{safe}.jsonl"


def _text(csv_path: Path) -> str:
    """The file as text; ContentError naming the line if it is not UTF-8 (a byte order mark is allowed)."""
    try:
        if not csv_path.is_file():
            raise ContentError([Problem(csv_path, 0, 0, "cannot read the file: not a regular file")])
        raw = csv_path.read_bytes()
    except OSError as error:
        raise ContentError([Problem(csv_path, 0, 0, f"cannot read the file: {error.strerror}")]) from None
    if raw.startswith(UTF16_BOMS):
        raise ContentError([Problem(csv_path, 1, 1, "the file is UTF-16 text; save it as UTF-8 (CSV UTF-8)")])
    if b"\0" in raw:  # text has none; UTF-16 without its mark and binary files do
        at = raw.index(b"\0")
        raise ContentError([Problem(csv_path, raw.count(b"\n", 0, at) + 1, 1, "the file holds NUL bytes: a binary "
                                    "file, or UTF-16 text (save it as UTF-8)")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise ContentError([Problem(csv_path, line, column, "not UTF-8 text (is it a CSV file?)")]) from None


def _majority(values: list[str]) -> str:
    kept = [v for v in values if v and v != "n/a"]
    return Counter(kept).most_common(1)[0][0] if kept else "n/a"


def import_annomi(csv_path: Path, out: Path, now: datetime | None = None, coder: Coder | None = None) -> list[Path]:
    """Write one transcript per AnnoMI transcript_id into `out`; return their paths.

    Reads the simple or the full file. Where several annotators coded an utterance (the full file),
    each human field keeps the majority and `annotators` says how many there were. With a coder, each
    clinician turn also carries the engine's codes, as a practice session's turns do.
    """
    now = now or datetime.now(UTC)
    reader = csv.DictReader(io.StringIO(_text(csv_path), newline=""))
    rows: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(dict)
    problems: list[Problem] = []
    try:
        missing = REQUIRED - set(reader.fieldnames or ())
        if missing:
            raise ContentError([Problem(csv_path, 1, 1, f"not an AnnoMI file: missing columns {sorted(missing)}")])
        for row in reader:
            # A short row leaves its last columns out (None); an utterance_id must be a number, to order by.
            absent = sorted(name for name in REQUIRED if row.get(name) is None)
            if absent:
                problems.append(Problem(csv_path, reader.line_num, 1, f"the row has no {', '.join(absent)}"))
            elif not _is_number(row["utterance_id"]):
                problems.append(Problem(csv_path, reader.line_num, 1,
                                        f"utterance_id {row['utterance_id'][:40]!r} is not a whole number "
                                        "(of up to 18 digits)"))
            else:
                rows[row["transcript_id"]].setdefault(row["utterance_id"], []).append(row)
    except csv.Error as error:
        raise ContentError([Problem(csv_path, reader.line_num, 1, f"unreadable CSV: {error}")]) from None
    if problems:
        raise ContentError(problems)
    written: list[Path] = []
    for transcript_id, utterances in rows.items():
        events: list[Event] = []
        first = next(iter(utterances.values()))[0]
        events.append(TranscriptImported(
            seq=0, at=now, source="annomi", transcript_id=transcript_id, product_version=__version__,
            metadata={key: first.get(key) or "" for key in ("mi_quality", "topic", "video_title", "video_url")},
        ))
        ordered = [utterances[u] for u in sorted(utterances, key=int)]
        speakers = [Utterance("clinician" if c[0]["interlocutor"] == "therapist" else "patient",
                              c[0]["utterance_text"]) for c in ordered]
        codings = code_conversation(speakers, coder) if coder else [None] * len(ordered)
        turn = 0
        for copies, coding in zip(ordered, codings, strict=True):
            row = copies[0]
            meta = {"utterance_id": row["utterance_id"], "timestamp": row.get("timestamp") or "",
                    "annotators": str(len(copies))}
            meta |= {f: _majority([c.get(f, "") for c in copies]) for f in HUMAN_FIELDS if f in row}
            if row["interlocutor"] == "therapist":
                turn += 1
                events.append(TraineeTurn(seq=len(events), at=now, turn=turn, text=row["utterance_text"],
                                          codes=sorted(coding.codes) if coding else [],
                                          utterances=utterances_of(coding) if coding else [],
                                          coder=coder.version if coder else "", meta=meta))
            else:
                events.append(PatientTurn(seq=len(events), at=now, turn=turn, text=row["utterance_text"],
                                          source="imported", meta=meta))
        path = out / file_name(transcript_id)
        write_transcript(path, events)
        written.append(path)
    return written


def _is_number(text: str) -> bool:
    """Whether `text` is a whole number in ASCII digits (an optional sign and spaces around it)."""
    return re.fullmatch(r"\s*[-+]?[0-9]{1,18}\s*", text) is not None

"""Importing AnnoMI's expert-coded transcripts as product transcripts, human codes kept on each turn."""

import csv
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from simulator import __version__
from simulator.coding.annomi import HUMAN_FIELDS
from simulator.coding.coder import Coder, Utterance, code_conversation
from simulator.errors import ContentError, Problem
from simulator.storage.transcript import Event, PatientTurn, TraineeTurn, TranscriptImported, write_transcript

REQUIRED = {"transcript_id", "utterance_id", "interlocutor", "utterance_text", "main_therapist_behaviour",
            "mi_quality"}

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
    try:
        handle = csv_path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise ContentError([Problem(csv_path, 0, 0, f"cannot read the file: {error.strerror}")]) from None
    with handle:
        reader = csv.DictReader(handle)
        missing = REQUIRED - set(reader.fieldnames or ())
        if missing:
            raise ContentError([Problem(csv_path, 1, 1, f"not an AnnoMI file: missing columns {sorted(missing)}")])
        rows: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(dict)
        try:
            for row in reader:
                rows[row["transcript_id"]].setdefault(row["utterance_id"], []).append(row)
        except (csv.Error, UnicodeDecodeError) as error:
            raise ContentError([Problem(csv_path, reader.line_num, 1, f"unreadable CSV: {error}")]) from None
    written: list[Path] = []
    for transcript_id, utterances in rows.items():
        events: list[Event] = []
        first = next(iter(utterances.values()))[0]
        events.append(TranscriptImported(
            seq=0, at=now, source="annomi", transcript_id=transcript_id, product_version=__version__,
            metadata={key: first.get(key, "") for key in ("mi_quality", "topic", "video_title", "video_url")},
        ))
        ordered = [utterances[u] for u in sorted(utterances, key=int)]
        speakers = [Utterance("clinician" if c[0]["interlocutor"] == "therapist" else "patient",
                              c[0]["utterance_text"]) for c in ordered]
        codings = code_conversation(speakers, coder) if coder else [None] * len(ordered)
        turn = 0
        for copies, coding in zip(ordered, codings, strict=True):
            row = copies[0]
            meta = {"utterance_id": row["utterance_id"], "timestamp": row.get("timestamp", ""),
                    "annotators": str(len(copies))}
            meta |= {f: _majority([c.get(f, "") for c in copies]) for f in HUMAN_FIELDS if f in row}
            if row["interlocutor"] == "therapist":
                turn += 1
                events.append(TraineeTurn(seq=len(events), at=now, turn=turn, text=row["utterance_text"],
                                          codes=sorted(coding.codes) if coding else [],
                                          coder=coder.version if coder else "", meta=meta))
            else:
                events.append(PatientTurn(seq=len(events), at=now, turn=turn, text=row["utterance_text"],
                                          source="imported", meta=meta))
        path = out / f"annomi-{transcript_id}.jsonl"
        write_transcript(path, events)
        written.append(path)
    return written



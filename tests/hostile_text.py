"""Hostile text for the terminal-safety tests of both faces, and files that carry it.

The strings are what a hostile author, trainee or reviewer would put in a name or a line: escape sequences
that set the clipboard (OSC 52) or the window title (OSC 0, 2), clear the screen, ask the terminal to type
an answer (DSR), their one-byte C1 forms, BEL, NUL, bidi overrides and zero-width characters.
"""

import re
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

from helpers import SHIPPED, script

from simulator.content.scenario_loader import load_scenario
from simulator.practice.session import Session
from simulator.quality.annotations import CodeJudgement, FlagJudgement, OverallReview
from simulator.storage.events import Event, PatientTurn, SessionEnded, SessionStarted, SystemEvent, TraineeTurn
from simulator.storage.transcript import annotation_path, write_transcript

HOSTILE = {
    "osc52-clipboard": "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07",
    "osc0-title": "\x1b]0;you have been logged out\x07",
    "osc2-st": "\x1b]2;title\x1b\\",
    "csi-clear": "\x1b[2J\x1b[3J",
    "csi-report": "\x1b[6n",
    "dcs": "\x1bP+q544e\x1b\\",
    "c1-csi": "\x9b2J",
    "c1-osc": "\x9d52;c;ZXZpbA==\x9c",
    "c1-nel": "\x85\x90\x9f",
    "bel": "\x07\x07",
    "bidi-override": "\u202egnp.exe\u202c",
    "bidi-isolate": "\u2066abc\u2069\u200f",
    "zero-width": "ad\u200bmin\ufeff\u2060",
    "nul-del-bs": "\x00\x7f\x08",
}
# One of each kind at once, short enough for a reviewer's name (80 characters) and a file name.
ALL_AT_ONCE = "\x1b]52;c;ZXZpbA==\x07\x1b]0;t\x07\x1b[2J\x1b[6n\x1bPq\x1b\\\x9b2J\x9d0;t\x9c\x85\x07\u202e\u2066\u200b\ufeff\x00\x7f\x08"
# What may not reach the terminal from content: C0 controls but tab, newline and carriage return (the
# apps' own line ends), DEL, C1, bidi controls, zero-width and other invisible format characters.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Sequences none of the faces ever writes of its own accord.
FOREIGN = ("\x1b]52", "\x1b]0;", "\x1b]2;", "\x1b[2J", "\x1b[3J", "\x1b[6n", "\x1bP")
WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def words(hostile: str) -> str:
    """The hostile string inside a name or a line."""
    return f"Ann {hostile} Lee"


def file_name(hostile: str) -> str:
    """The hostile string as part of a file name (which cannot hold NUL or a slash)."""
    return words(hostile).replace("\x00", "").replace("/", "")


def unsafe_in(text: str) -> str | None:
    """Where `text` holds a character that must not reach a terminal, shown with its surroundings; None if
    nowhere."""
    found = UNSAFE.search(text)
    return None if found is None else repr(text[max(0, found.start() - 60):found.end() + 20])


def play_once(folder: Path) -> list[Event]:
    """A short conversation with P6, played for real with the scripted patient."""
    scenario = load_scenario(next(p for p in SHIPPED if p.name == "p6-knee-pain.yaml"))
    session = Session.start(scenario, seed=1, directory=folder, clock=lambda: WHEN)
    for line in script("person-centred.txt")[:4]:
        session.say(line)
    session.end()
    return session.events


def retold(events: list[Event], hostile: str, places: Collection[str]) -> list[Event]:
    """The conversation with the fields named in `places` made hostile: trainee, title, session_id, nurse
    (the trainee's words), patient (the patient's words) and system (a system event of hostile kind)."""
    value = words(hostile)
    started = {"trainee": "trainee", "title": "scenario_title", "session_id": "session_id"}
    out: list[Event] = []
    for event in events:
        if isinstance(event, SessionStarted):
            event = event.model_copy(update={started[p]: value for p in places if p in started})
        elif (isinstance(event, TraineeTurn) and "nurse" in places) or (isinstance(event, PatientTurn)
                                                                        and "patient" in places):
            event = event.model_copy(update={"text": value})
        out.append(event)
    if "system" in places:
        out.insert(2, SystemEvent(seq=2, at=WHEN, kind=value, detail=value))
        out = [event.model_copy(update={"seq": seq}) for seq, event in enumerate(out)]
    return out


def write_reviewed(folder: Path, events: list[Event], hostile: str, places: Collection[str], *,
                   finished: bool = True) -> Path:
    """One transcript in `folder` with the fields named in `places` made hostile (see `retold`), and a
    reviewer's judgements beside it: their name hostile if "reviewer" is among them, their comments if
    "comment" is, the file's name if "file" is."""
    if not finished:
        events = [e for e in events if not isinstance(e, SessionEnded)]
    path = folder / f"{file_name(hostile) if 'file' in places else 'session'}.jsonl"
    write_transcript(path, retold(events, hostile, places))
    reviewer = words(hostile) if "reviewer" in places else "Sam"
    comment = words(hostile) if "comment" in places else "seen"
    turn = next(e for e in events if isinstance(e, TraineeTurn))
    judgements = [CodeJudgement(reviewer=reviewer, at=WHEN, transcript_hash=None, comment=comment, turn=1,
                                engine=turn.codes, human=turn.codes),
                  FlagJudgement(reviewer=reviewer, at=WHEN, transcript_hash=None, comment=comment, flagged=True),
                  OverallReview(reviewer=reviewer, at=WHEN, transcript_hash=None, text=comment)]
    annotation_path(path).write_text("".join(j.model_dump_json() + "\n" for j in judgements), encoding="utf-8")
    return path

"""The transcript: an append-only log of session events, one JSON object per line, flushed as it goes.

Every line carries `chain`, a SHA-256 over the previous line's chain and this event's content, so the
last line's chain is the whole transcript's content hash and an edited, inserted or removed line shows
as a break in the chain when the file is read.
"""

import errno
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from simulator.coding.codes import Code
from simulator.errors import Problem, SimulatorError
from simulator.patient.engine import Intent
from simulator.storage.care_plan import CarePlan

if sys.platform != "win32":
    import fcntl

FORMAT_VERSION = 1

# Reviewers' judgements live beside a transcript, in a file named after it with this ending.
ANNOTATION_SUFFIX = ".annotations.jsonl"


class EventBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int = Field(ge=0)
    at: datetime


class SessionStarted(EventBase):
    """The first event of every transcript: what was played, with which content and seed."""

    type: Literal["session_started"] = "session_started"
    format: int = FORMAT_VERSION
    session_id: str
    product_version: str
    scenario_id: str
    scenario_title: str
    scenario_path: str
    scenario_hash: str
    seed: int
    trainee: str | None = Field(None, description="who practised (older transcripts did not record it)")
    visit: str | None = Field(None, description="a later visit's id; none for the first visit")
    cycle_id: str | None = Field(None, description="the session id of the first visit of this patient's cycle")
    plan: CarePlan | None = Field(None, description="a review visit: the plan recorded at the last visit")
    plan_quality: float | None = Field(None, description="that plan's share of checks met, 0 to 1")
    outcome: str | None = Field(None, description="how its first step went: worked, partly or did_not")


class TranscriptImported(EventBase):
    """The first event of a transcript brought in from elsewhere (an AnnoMI session, say)."""

    type: Literal["imported"] = "imported"
    format: int = FORMAT_VERSION
    source: str
    transcript_id: str
    product_version: str
    metadata: dict[str, str] = Field(default_factory=dict)


class TraineeTurn(EventBase):
    """What the trainee (the clinician) said and the codes it carried when it was said."""

    type: Literal["trainee"] = "trainee"
    turn: int
    text: str
    codes: list[Code]
    coder: str = Field("", description="the coder that gave `codes` (empty for imported turns)")
    meta: dict[str, str] = Field(default_factory=dict, description="e.g. an imported turn's human codes")


class PatientTurn(EventBase):
    """What the patient said, the intent behind it, and the facts it released."""

    type: Literal["patient"] = "patient"
    turn: int
    text: str
    intent: Intent | None = None
    released: list[str] = Field(default_factory=list)
    cue: str | None = None
    source: Literal["authored", "generated", "retried", "imported"] = Field(
        "authored", description="how the words came about: an authored line, a model's wording that passed "
        "the checks first time or on retry, or imported")
    meta: dict[str, str] = Field(default_factory=dict, description="for a worded reply: backend, seed, the "
                                 "authored line it reworded, and why any attempt was refused")


class SystemEvent(EventBase):
    """Something that happened around the conversation (resumed, letter opened, a warning)."""

    type: Literal["system"] = "system"
    kind: str
    detail: str = ""


class ScoreRecorded(EventBase):
    """A score given to the transcript, with the exact rubric and coder it was produced with."""

    type: Literal["scored"] = "scored"
    overall: float
    levels: dict[str, int]
    rubric_id: str
    rubric_version: str
    rubric_hash: str
    coder_version: str


class PreparationNoted(EventBase):
    """The trainee's preparation note, saved as they write it (the latest one is the note)."""

    type: Literal["preparation"] = "preparation"
    text: str


class PlanRecorded(EventBase):
    """The care and support plan as the trainee recorded it: drafts as they type, then the final one."""

    type: Literal["plan"] = "plan"
    plan: CarePlan
    final: bool = Field(description="false for a draft saved while typing, true when the trainee saved it")
    checks: dict[str, bool] = Field(default_factory=dict, description="the final plan checked against the "
                                    "conversation: each check's id and whether it holds (see plan_review)")


class PatientRated(EventBase):
    """The simulated patient's CollaboRATE answers at the end of the visit, 0 to 4 each."""

    type: Literal["patient_rated"] = "patient_rated"
    answers: dict[str, int] = Field(description="understand, listen and include, each 0 (no effort) to 4")


class SessionEnded(EventBase):
    """The trainee ended the consultation."""

    type: Literal["session_ended"] = "session_ended"


Event = Annotated[SessionStarted | TranscriptImported | TraineeTurn | PatientTurn | SystemEvent | SessionEnded
                  | ScoreRecorded | PatientRated | PreparationNoted | PlanRecorded,
                  Field(discriminator="type")]
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)
E = TypeVar("E", bound=EventBase)


def latest(events: Sequence[Event], kind: type[E]) -> E | None:
    """The last event of this kind (the latest saved note, plan or reply), or None."""
    return next((e for e in reversed(events) if isinstance(e, kind)), None)


def chain_digest(previous: str, content: dict[str, object]) -> str:
    """The chain value of an event: SHA-256 of the previous chain and the event's canonical JSON."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous + canonical).encode("utf-8")).hexdigest()


def _chained_line(event: Event, previous: str) -> tuple[bytes, str]:
    """One event as a transcript line, and its chain value."""
    content = event.model_dump(mode="json")
    digest = chain_digest(previous, content)
    line = json.dumps({**content, "chain": digest}, ensure_ascii=False, separators=(",", ":"))
    return line.encode("utf-8") + b"\n", digest


def _last_chain(raw: bytes) -> str:
    """The chain value of the last readable event ('' if it has none: an older, unsealed transcript)."""
    for line in reversed(raw.split(b"\n")):
        try:
            content = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(content, dict):
            return str(content.get("chain", ""))
    return ""


class TranscriptWriter:
    """Appends events to a transcript file; each is on disk (written and fsynced) before `append` returns,
    and an append that fails leaves the file as it was before it.

    A writer holds an exclusive lock on its file until it is closed, so that a second window or process
    cannot write the same visit (SimulatorError, naming the holder). The system drops the lock with the
    process, so one killed (`kill -9`) never blocks the visit's resumption.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # Unbuffered: bytes of a failed write must not linger in a buffer and land with the next event.
        self._file = path.open("ab", buffering=0)
        try:
            _lock(self._file.fileno(), path)
        except BaseException:
            self._file.close()
            raise
        self._chain = ""
        if self._file.tell():
            raw = path.read_bytes()
            self._chain = _last_chain(raw)
            # A process killed mid-write leaves a partial last line; start on a fresh line so it stays
            # one readable-as-corrupt line instead of swallowing the next event.
            if not raw.endswith(b"\n"):
                self._write(b"\n")

    def append(self, event: Event) -> None:
        """Write one event durably; OSError (a full disk, say) if it cannot be, with nothing of it left."""
        line, chain = _chained_line(event, self._chain)
        self._write(line)
        self._chain = chain

    def _write(self, data: bytes) -> None:
        start = self._file.tell()
        try:
            view = memoryview(data)
            while view:
                written = self._file.write(view)
                if not written:  # a write that makes no progress would otherwise loop for ever
                    raise OSError(errno.EIO, f"nothing could be written to {self.path}")
                view = view[written:]
            os.fsync(self._file.fileno())
        except OSError:
            # Take back whatever part of the line did reach the file, so the log stays whole.
            with suppress(OSError):
                self._file.truncate(start)
            raise

    @property
    def closed(self) -> bool:
        """Whether the writer was closed (its lock released)."""
        return self._file.closed

    def close(self) -> None:
        """Close the file and release its lock (every event is already on disk)."""
        self._file.close()


def _lock(fd: int, path: Path) -> None:
    """Take the exclusive lock on an open transcript, or say who holds it. Where the file system cannot lock
    (some network shares), writing goes on unlocked, as it would on a system without locks."""
    if sys.platform == "win32":
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _lock_holder(fd)
        who = f" (pid {holder})" if holder is not None else ""
        raise SimulatorError(f"this visit is open in another window or process{who}: {path}. Carry on there, or "
                             "close it there and try again.") from None
    except OSError:
        return


def _lock_holder(fd: int) -> int | None:
    """The process holding the lock on an open file, where the system says (Linux's /proc/locks)."""
    stat = os.fstat(fd)
    where = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in table.splitlines():
        # "1: FLOCK  ADVISORY  WRITE 4242 fe:00:2146748 0 EOF"; lines with "->" are processes waiting.
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == where and fields[4].isdigit():
            return int(fields[4])
    return None


IntegrityStatus = Literal["intact", "altered", "unsealed"]


@dataclass(frozen=True)
class Integrity:
    """Whether a transcript is as it was written.

    `intact`: every event's chain holds, and `digest` is the content hash. `altered`: the chain breaks at
    `line` (a line was edited, inserted or removed after it was written). `unsealed`: written before
    transcripts carried a hash, so it cannot be checked.
    """

    status: IntegrityStatus
    digest: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class TranscriptRead:
    """The events that could be read from a transcript, and what was wrong with the rest."""

    path: Path
    events: list[Event]
    problems: list[Problem]
    integrity: Integrity = Integrity("unsealed")

    @property
    def started(self) -> SessionStarted | None:
        first = self.events[0] if self.events else None
        return first if isinstance(first, SessionStarted) else None

    @property
    def finished(self) -> bool:
        return any(isinstance(event, SessionEnded) for event in self.events)

    @property
    def complete(self) -> bool:
        """Whether the whole visit is done: the conversation ended and the plan was saved."""
        return self.finished and any(isinstance(e, PlanRecorded) and e.final for e in self.events)

    @property
    def usable(self) -> bool:
        """Whether the file is a transcript at all (its first event is a session or import header)."""
        return bool(self.events) and isinstance(self.events[0], SessionStarted | TranscriptImported)

    @property
    def transcript_id(self) -> str:
        """The session id, or the id an imported transcript had at its source."""
        first = self.events[0] if self.events else None
        if isinstance(first, SessionStarted):
            return first.session_id
        if isinstance(first, TranscriptImported):
            return first.transcript_id
        return self.path.stem


def annotation_path(transcript: Path) -> Path:
    """Where a transcript's annotations live: beside it, same name, `.annotations.jsonl`."""
    return transcript.with_name(transcript.stem + ANNOTATION_SUFFIX)


def is_annotation_file(path: Path) -> bool:
    """Whether a file is an annotations file rather than a transcript (both end in .jsonl)."""
    return path.name.endswith(ANNOTATION_SUFFIX)


def transcript_files(folder: Path) -> list[Path]:
    """The transcripts in a folder and its subfolders, sorted (not the annotation files beside them)."""
    return sorted(p for p in folder.rglob("*.jsonl") if not is_annotation_file(p))


def write_transcript(path: Path, events: list[Event]) -> None:
    """Write a whole transcript at once (imports); the same format the live log appends to."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines, chain = [], ""
    for event in events:
        line, chain = _chained_line(event, chain)
        lines.append(line)
    path.write_bytes(b"".join(lines))


def read_transcript(path: Path) -> TranscriptRead:
    """Read every event that parses; each line that does not is reported with its line number."""
    events: list[Event] = []
    problems: list[Problem] = []
    try:
        raw = path.read_bytes()
    except OSError as error:
        return TranscriptRead(path, [], [Problem(path, 0, 0, f"cannot read the transcript: {error.strerror}")])
    lines = raw.split(b"\n")
    # A line that cannot be read but that the chain steps over was a write cut short and abandoned;
    # one the chain needed shows as a break at the next event. Unchained events may come before chained
    # ones (a transcript begun by an older version, resumed by this one), never after.
    previous, sealed, chained, broken_at = "", True, False, None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            content = json.loads(line.decode("utf-8"))
            chain = content.pop("chain", None) if isinstance(content, dict) else None
            events.append(_EVENT.validate_python(content))
        except (UnicodeDecodeError, json.JSONDecodeError, ValidationError):
            last = number == len(lines) or (number == len(lines) - 1 and not lines[-1])
            why = "cut short (the program stopped while writing it)" if last else "not a valid event"
            problems.append(Problem(path, number, 1, f"line {why}; skipped"))
            continue
        if chain is None:
            if chained and broken_at is None:
                broken_at = number
            sealed, previous = False, ""
            continue
        if broken_at is None and chain != chain_digest(previous, content):
            broken_at = number
        previous, chained = chain, True
    if broken_at is not None:
        integrity = Integrity("altered", line=broken_at)
    else:
        integrity = Integrity("intact", previous) if sealed and events else Integrity("unsealed")
    read = TranscriptRead(path, events, problems, integrity)
    if not read.usable:
        problems.insert(0, Problem(path, 1, 1, "not a simulator transcript (no session_started event first)"))
    return read

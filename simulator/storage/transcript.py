"""The transcript: an append-only log of session events, one JSON object per line, flushed as it goes.

Every line carries `chain`, a SHA-256 over the previous line's chain and this event's content, so an
edited, inserted or removed line shows as a break in the chain when the file is read. A finished
transcript (the conversation ended, or an import) ends with a seal, `{"type": "sealed", "chain": ...}`,
chained to the last event: lines removed from the end show as a missing seal. The seal is always the
last line; an event added after the end (the plan, a score) takes its place and the seal follows it.
A visit not yet ended has no seal, so it reads as `unfinished`, not `intact`.

Reading never fails on what a file holds: every line that cannot be used becomes a Problem naming the
file and line. Times must carry a time zone (the program writes UTC); a time without one is refused
rather than guessed, like any other invalid field, and so is a number that is not one (NaN, Infinity).
"""

import errno
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import TypeAdapter, ValidationError

from simulator.errors import Problem, SimulatorError
from simulator.storage.events import (
    FORMAT_VERSION,
    Event,
    PlanRecorded,
    SessionEnded,
    SessionStarted,
    TranscriptImported,
)
from simulator.storage.jsonl import (
    MAX_LINE_BYTES,
    LineError,
    lines_of,
    parse_object,
    read_regular,
    with_path,
    write_at,
    write_whole,
)
from simulator.text import clean_utterance

if sys.platform != "win32":
    import fcntl

# Reads any event from its JSON, by its `type`.
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)
# Reviewers' judgements live beside a transcript, in a file named after it with this ending.
ANNOTATION_SUFFIX = ".annotations.jsonl"


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


# The end seal's content (its line adds the chain).
SEAL: dict[str, object] = {"type": "sealed"}


def _seal_line(previous: str) -> bytes:
    """The seal after the event whose chain is `previous`."""
    content = {**SEAL, "chain": chain_digest(previous, SEAL)}
    return json.dumps(content, separators=(",", ":")).encode("utf-8") + b"\n"


def _stepped_over(previous: str, abandoned: bytes) -> str:
    """The chain after a line cut short that a writer stepped over (see TranscriptWriter): the next event
    chains from this, so a line inserted later, which no writer stepped over, breaks the chain."""
    return hashlib.sha256(f"{previous}+abandoned:{hashlib.sha256(abandoned).hexdigest()}".encode()).hexdigest()


class TranscriptWriter:
    """Appends events to a transcript file; each is on disk (written and fsynced) before `append` returns,
    and an append that fails leaves the file as it was before it.

    Ending the conversation seals the file (the end marker and the seal are written as one); each event
    after that is written in place of the seal, followed by a new one, in one write. A file found
    altered or truncated is written to but never sealed again, so what was found stays visible.

    A writer holds an exclusive lock on its file until it is closed, so that a second window or process
    cannot write the same visit (SimulatorError, naming the holder). The system drops the lock with the
    process, so one killed (`kill -9`) never blocks the visit's resumption.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Unbuffered and written at explicit offsets: bytes of a failed write must not linger in a
            # buffer and land with the next event, and the seal is overwritten in place.
            self._file = open(os.open(path, os.O_RDWR | os.O_CREAT, 0o666), "r+b", buffering=0)  # noqa: SIM115
        except OSError as error:
            raise with_path(error, path) from None
        try:
            _lock(self._file.fileno(), path)
            raw = read_regular(path)
        except BaseException:
            self._file.close()
            raise
        found = _scan(path, raw, validate=False)
        self._chain, self._end, self._tail, self._prefix = found.previous, len(raw), b"", b""
        if raw and not raw.endswith(b"\n"):
            # A process killed mid-write leaves a partial last line: it stays a line of its own (the next
            # event starts on a fresh line) and the chain records that it was stepped over.
            self._prefix = b"\n"
            if found.cut_short is not None:
                self._chain = _stepped_over(self._chain, found.cut_short[1])
        # Where the seal is (events go in its place), and whether the file may be sealed at all.
        self._seal_at: int | None = None
        self._may_seal = found.broken_at is None and (found.seal is not None or not found.closed)
        if found.seal is not None and self._may_seal:
            self._seal_at, self._tail, self._prefix = found.seal, raw[found.seal:], b""

    def append(self, event: Event) -> None:
        """Write one event durably; OSError (a full disk, say, naming the file) if it cannot be, with
        nothing of it left."""
        line, chain = _chained_line(event, self._chain)
        if len(line) > MAX_LINE_BYTES:  # no reader would take it: refused like a write that fails
            raise OSError(errno.EFBIG, f"an event of {len(line):,} bytes is more than a transcript line may hold",
                          str(self.path))
        data = self._prefix + line
        sealing = self._may_seal and (self._seal_at is not None or isinstance(event, SessionEnded))
        seal = _seal_line(chain) if sealing else b""
        at = self._end if self._seal_at is None else self._seal_at
        self._end = write_at(self._file.fileno(), at, data + seal, self.path, self._tail)
        self._chain, self._prefix = chain, b""
        if sealing:
            self._seal_at, self._tail = self._end - len(seal), seal

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


IntegrityStatus = Literal["intact", "unfinished", "truncated", "altered", "unsealed"]

INTEGRITY_TEXT: dict[IntegrityStatus, str] = {
    "intact": "Intact: every line matches its content hash and the end is sealed; the transcript is as the "
              "session wrote it.",
    "unfinished": "Unfinished: every line so far matches its content hash, but the visit has not ended, so its "
                  "end is not sealed and lines missing from the end could not be noticed.",
    "truncated": "TRUNCATED: the transcript's end is missing from line {line} on (its seal with it): lines were "
                 "cut from its end after it was written, or the computer stopped while writing it. Treat it "
                 "with care.",
    "altered": "ALTERED: the transcript does not match its content hash from line {line} on. It was changed "
               "after it was written; treat what follows with care.",
    "unsealed": "Not sealed: written by an older version, without a content hash or an end seal, so whether "
                "it was changed cannot all be checked.",
}


@dataclass(frozen=True)
class Integrity:
    """Whether a transcript is as it was written.

    `intact`: every line's chain holds and the seal ends it; `digest` is the content hash (the seal's
    chain). `unfinished`: the chain holds so far but the visit has not ended (`digest`: the chain so far).
    `truncated`: ended or imported, but its seal is missing from `line` on, or its last line is cut short.
    `altered`: the chain breaks at `line` (a line was edited, inserted, removed or stripped of its chain,
    or something follows the seal). `unsealed`: written by an older version that did not chain or seal
    every transcript, so it cannot be fully checked.
    """

    status: IntegrityStatus
    digest: str | None = None
    line: int | None = None

    def describe(self) -> str:
        """The state in a sentence for a reader, saying from which line where it matters."""
        return INTEGRITY_TEXT[self.status].format(line=self.line)

    def warning(self, path: Path) -> Problem | None:
        """The tampering warning, placed at the first altered (or missing) line of the file at `path`;
        None when the transcript is not altered or truncated."""
        if self.status not in ("altered", "truncated"):
            return None
        return Problem(path, self.line or 1, 1, self.describe())  # reading always finds the line


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
    """Write a whole, sealed transcript at once (imports); the same format the live log appends to. It
    lands whole or not at all."""
    lines, chain = [], ""
    for event in events:
        line, chain = _chained_line(event, chain)
        lines.append(line)
    lines.append(_seal_line(chain))
    write_whole(path, b"".join(lines))


@dataclass
class _Scan:
    """What reading a transcript's lines found, for the reader (events, problems, integrity) and for a
    writer about to append (the chain so far, where the seal is)."""

    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    strict: bool = True  # written by a version that chains every line and seals the end
    previous: str = ""  # the chain of the last event line
    chained: bool = False  # some line carries a chain
    unchained: bool = False  # some line before the chained ones does not (an older version's)
    broken_at: int | None = None
    cut_short: tuple[int, bytes] | None = None  # the last line, left unfinished by a write, and its bytes
    seal: int | None = None  # the offset of the seal, when it is the last line
    sealed_line: int | None = None
    ended: bool = False
    imported: bool = False
    first: int = 0  # the number of the first line that is not blank
    last: int = 0  # the number of the last line that is not blank
    previous_seal: str = ""  # the seal's chain: the content hash of a sealed transcript

    def broken(self, number: int) -> None:
        if self.broken_at is None:
            self.broken_at = number

    @property
    def closed(self) -> bool:
        """Whether this transcript should be sealed by now: its conversation ended, or it was imported."""
        return self.ended or self.imported

    def integrity(self) -> Integrity:
        if self.broken_at is not None:
            return Integrity("altered", line=self.broken_at)
        if not self.chained:
            return Integrity("unsealed")
        if self.strict and self.cut_short is not None:
            return Integrity("truncated", line=self.cut_short[0])
        if self.seal is not None:
            return Integrity("unsealed") if self.unchained else Integrity("intact", self.previous_seal)
        if self.strict and self.closed:
            return Integrity("truncated", line=self.last + 1)
        if self.unchained or self.closed:
            return Integrity("unsealed")
        return Integrity("unfinished", self.previous)


def _kind(value: object) -> str:
    """An event's type as written in the file, safe to show."""
    return clean_utterance(str(value))[:40] if isinstance(value, str) else "none"


def _invalid(error: ValidationError, content: dict[str, object]) -> str:
    """Why a line is not an event this version can read, in a few words that quote nothing from it but
    its field names and type."""
    first = error.errors()[0]
    if first["type"] == "union_tag_invalid":
        return f"an event of a kind this version does not know ('{_kind(content.get('type'))}')"
    if first["type"] == "union_tag_not_found":
        return "not an event (it has no type)"
    where = ".".join(clean_utterance(str(part))[:40] for part in first["loc"][1:])
    return f"not a valid '{_kind(content.get('type'))}' event ({where}: {first['msg'][:120]})"


def _format_note(content: dict[str, object]) -> str | None:
    """A note when the header says it was written in a format newer than this version knows."""
    written = content.get("format")
    if isinstance(written, int) and not isinstance(written, bool) and written > FORMAT_VERSION:
        shown = written if written < 10**6 else "unknown"
        return (f"written by a newer version of the simulator (transcript format {shown}; this version reads "
                f"format {FORMAT_VERSION} and older): what it cannot read is skipped")
    return None


def _scan(path: Path, raw: bytes, validate: bool = True) -> _Scan:
    """Go through a transcript's lines once: check the chain and the seal, and (if `validate`) read the
    events. Any number of things may be wrong with a line; each is a Problem, never an exception."""
    found = _Scan()
    lines = lines_of(raw)
    offset = len(raw) - len(b"\n".join(lines))  # a byte order mark before the first line
    # An unreadable line waits for the next chained one: if that one chains over it as a writer stepped
    # over a write cut short, it was one; if it chains from the line before, the line was put in later.
    pending: tuple[int, bytes, int] | None = None  # line number, bytes, index of its problem
    for number, line in enumerate(lines, start=1):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        first = not found.last
        found.first, found.last = found.first or number, number
        if found.sealed_line is not None:
            found.broken(number)  # nothing follows a seal: the writer writes events in its place
        try:
            content = parse_object(line)
        except LineError as why:
            if pending is not None and found.strict:
                found.broken(pending[0])  # two in a row: no writer left both
            pending = (number, line, len(found.problems))
            found.problems.append(Problem(path, number, 1, f"not a valid event: {why}; skipped"))
            continue
        if first:
            written = content.get("format", FORMAT_VERSION)
            found.strict = not isinstance(written, int) or written >= 2
            note = _format_note(content)
            if note is not None:
                found.problems.append(Problem(path, number, 1, note))
        chain = content.pop("chain", None)
        if chain is None:
            if found.strict or found.chained:
                found.broken(pending[0] if pending is not None and found.strict else number)
            else:
                found.unchained, found.previous = True, ""
        else:
            expected = chain_digest(found.previous, content)
            if pending is not None and chain == chain_digest(_stepped_over(found.previous, pending[1]), content):
                pass  # a write cut short, stepped over by the writer that went on
            elif pending is not None and found.strict:
                found.broken(pending[0])
            elif chain != expected:
                found.broken(number)
            found.chained = True
        pending = None
        if content.get("type") == SEAL["type"]:
            found.seal, found.sealed_line, found.previous_seal = start, number, str(chain)
            continue
        if chain is not None:
            found.previous = str(chain)
        found.ended = found.ended or content.get("type") == "session_ended"
        found.imported = found.imported or (first and content.get("type") == "imported")
        if not validate:
            continue
        try:
            found.events.append(_EVENT.validate_python(content))
        except ValidationError as error:
            found.problems.append(Problem(path, number, 1, f"{_invalid(error, content)}; skipped"))
    if found.sealed_line is not None and found.sealed_line != found.last:
        found.seal = None
    if pending is not None:
        if lines[-1]:  # the file ends inside this line: a write cut short (or the file cut)
            found.cut_short = (pending[0], pending[1])
            found.problems[pending[2]] = Problem(path, pending[0], 1, "line cut short (the program stopped while "
                                                                      "writing it, or the file was cut); skipped")
        elif found.strict:
            found.broken(pending[0])  # a whole line that no writer wrote, at the end
    return found


def read_transcript(path: Path) -> TranscriptRead:
    """Read every event that can be read; each line that cannot is a Problem naming the file and line, and
    the integrity says whether the file is as it was written. Never raises for what the file holds."""
    try:
        raw = read_regular(path)
    except OSError as error:
        return TranscriptRead(path, [], [Problem(path, 0, 0, f"cannot read the transcript: {error.strerror}")])
    found = _scan(path, raw)
    read = TranscriptRead(path, found.events, found.problems, found.integrity())
    if not read.usable:
        first = found.problems[0] if found.problems and found.problems[0].line == found.first else None
        why = f": line {first.line}: {first.message}" if first else " (no session_started event first)"
        found.problems.insert(0, Problem(path, found.first or 1, 1, f"not a simulator transcript{why}"))
    warning = read.integrity.warning(path)
    # A transcript truncated by a line cut short has that line's problem already.
    if read.usable and warning is not None and not (read.integrity.status == "truncated" and found.cut_short):
        # Said where every reader of the problems (score, export, resume) will say it, in line order.
        found.problems.append(warning)
        found.problems.sort(key=lambda problem: problem.line)
    return read

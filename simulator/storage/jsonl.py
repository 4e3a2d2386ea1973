"""JSON Lines files that people and other programs may have damaged: reading one line safely, and writing
at the end of a file so that a write either lands whole or leaves the file as it was.

Every line is bounded before it is parsed (its size and how deeply it nests), and numbers the standard
library would choke on or that are not numbers at all (NaN, Infinity) are refused, so that whatever a
line holds, reading it gives a JSON object or a `LineError` saying why not, never a crash.
"""

import errno
import json
import os
import re
import stat
from contextlib import suppress
from pathlib import Path

# No line this program writes comes near these; a line beyond them was not written by it.
MAX_LINE_BYTES = 1 << 20
MAX_DEPTH = 32
# Some editors put a byte order mark at the start of a UTF-8 file; it is not part of the first line.
BOM = b"\xef\xbb\xbf"

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = bytes(c for c in range(256) if c not in b"[]{}")


class LineError(ValueError):
    """A line that is not a JSON object this program can read; the message says why, without its content."""


def _no_constant(name: str) -> object:
    raise LineError(f"{name} is not a number")


def _too_deep(line: bytes) -> bool:
    """Whether the line's arrays and objects nest deeper than MAX_DEPTH (brackets in strings not counted)."""
    if line.count(b"[") + line.count(b"{") <= MAX_DEPTH:
        return False  # the common case, answered without looking further
    depth = 0
    for bracket in _STRING.sub(b"", line).translate(None, _NOT_BRACKET):
        depth += 1 if bracket in b"[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def parse_object(line: bytes) -> dict[str, object]:
    """One line as a JSON object; LineError if it is too long, too deep, not UTF-8, not JSON, holds a number
    that cannot be read, or is not an object."""
    if len(line) > MAX_LINE_BYTES:
        raise LineError(f"the line is {len(line):,} bytes long, more than the {MAX_LINE_BYTES:,} a line may be")
    if _too_deep(line):
        raise LineError(f"the line nests more than {MAX_DEPTH} levels deep")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LineError(f"not UTF-8 text (byte {error.start + 1})") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except LineError:
        raise
    except json.JSONDecodeError as error:
        raise LineError(f"not JSON ({error.msg} at column {error.colno})") from None
    except (ValueError, RecursionError):
        # Python refuses integers of more than 4,300 digits; nothing else gets here past the bounds above.
        raise LineError("holds a number too large to read") from None
    if not isinstance(value, dict):
        raise LineError("not a JSON object")
    return value


def read_regular(path: Path) -> bytes:
    """A file's bytes; OSError if it cannot be read or is not a regular file (a named pipe would otherwise
    wait for a writer for ever, and a folder cannot be read)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        with open(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def lines_of(raw: bytes) -> list[bytes]:
    """A file's lines (a byte order mark at its start dropped); the last is '' when the file ends in a newline."""
    return raw.removeprefix(BOM).split(b"\n")


def with_path(error: OSError, path: Path) -> OSError:
    """The error naming the file it happened to (a full disk's error names none by itself)."""
    if error.filename is not None:
        return error
    return OSError(error.errno, error.strerror or str(error), str(path))


def write_at(fd: int, at: int, data: bytes, path: Path, restore: bytes = b"") -> int:
    """Write `data` at offset `at` of the open file `fd`, in place of the `restore` bytes that end the file
    there, and make it durable; return the file's new end. If it cannot be done (a full disk, say), the
    file is put back as it was (`restore` rewritten over what did land) and OSError names the file."""
    try:
        end = _write_all(fd, at, data, path)
        os.ftruncate(fd, end)
        os.fsync(fd)
    except OSError as error:
        with suppress(OSError):
            # Rewriting bytes the file already had needs no new space, so this works on a full disk too.
            os.ftruncate(fd, _write_all(fd, at, restore, path))
        raise with_path(error, path) from None
    return end


def _write_all(fd: int, at: int, data: bytes, path: Path) -> int:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, at)
        if not written:  # a write that makes no progress would otherwise loop for ever
            raise OSError(errno.EIO, "nothing could be written", str(path))
        view, at = view[written:], at + written
    return at


def write_whole(path: Path, data: bytes) -> None:
    """Write a whole file so that it lands whole or not at all (a full disk leaves what was there, not a
    partial or empty file): written beside it, made durable, then moved into its place. OSError names it."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    except OSError as error:
        with suppress(OSError):
            partial.unlink()
        raise with_path(error, path) from None


def append_line(path: Path, line: bytes) -> None:
    """Add one line (ending in a newline) to the end of a file, durably. A last line left cut short by an
    earlier write stays a line of its own: this one starts on a fresh line rather than joining it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        end = os.fstat(fd).st_size
        fresh = not end or os.pread(fd, 1, end - 1) == b"\n"
        write_at(fd, end, line if fresh else b"\n" + line, path)
    except OSError as error:
        raise with_path(error, path) from None
    finally:
        os.close(fd)

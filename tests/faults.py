"""Faults the tests cause on purpose: a time limit that turns a hang into a failure, a disk that fills up,
and the command line run in this process under a time limit.

Test modules reach this as `from faults import ...`, like `helpers`.
"""

import errno
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import pytest

from simulator.cli import main
from simulator.storage import transcript

LIMIT = 20  # seconds for one case: a hang is a failure, not a slow test


class Hang(Exception):
    """Something ran past its time limit."""


@contextmanager
def time_limit(what: str, seconds: int = LIMIT) -> Iterator[None]:
    """Fail (rather than wait for ever) if the block runs past `seconds`; a blocking system call (opening a
    named pipe, say) is interrupted too."""
    def expired(signum: int, frame: object) -> None:
        raise Hang(f"{what} ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class Outcome(NamedTuple):
    """What a command returned and wrote."""

    status: int
    out: str
    err: str


def run_cli(argv: list[str], capfd: pytest.CaptureFixture[str], seconds: int = LIMIT) -> Outcome:
    """`simulator ARGV` in this process, under the time limit; whatever it raises fails the test."""
    with time_limit(f"simulator {' '.join(argv)}", seconds):
        status = main(argv)
    captured = capfd.readouterr()
    return Outcome(status, captured.out, captured.err)


class DiskFull:
    """Makes the n-th fsync of a transcript or annotations file from now on fail as a full disk would, once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
        self.left = nth
        real = transcript.os.fsync

        def fsync(fd: int) -> None:
            self.left -= 1
            if self.left == 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            real(fd)

        monkeypatch.setattr(transcript.os, "fsync", fsync)

"""Two windows on one visit: the visit being written is locked, so a second session on its transcript (in this
process or another) is refused with a message naming the holder, instead of both writing interleaved events
with the same numbers; the lock goes with the process, so a visit killed with `kill -9` resumes at once."""

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

import pytest

from simulator.cli import main
from simulator.content.scenario_loader import ScenarioFile, resolve
from simulator.errors import SessionClosed, SimulatorError
from simulator.practice.session import Session
from simulator.storage.care_plan import CarePlan
from simulator.storage.events import TraineeTurn
from simulator.storage.transcript import read_transcript

T = TypeVar("T")
# A second process that opens a visit, says it is ready, and keeps the visit open until told to stop.
HOLDER = """
import sys
from pathlib import Path
from simulator.content.scenario_loader import resolve
from simulator.practice.session import Session
session = Session.start(resolve("p2-widow-copd"), seed=3, directory=Path(sys.argv[1]))
session.say("What matters most to you at the moment?")
print(session.path, flush=True)
sys.stdin.readline()
"""


def within(seconds: float, work: Callable[[], T]) -> T:
    """`work`'s result, or TimeoutError after `seconds` (so that a stuck child fails the test, not hangs it)."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as error:  # handed to the test
            future.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return future.result(timeout=seconds)


@pytest.fixture
def margaret() -> ScenarioFile:
    return resolve("p2-widow-copd")


@pytest.fixture
def holder(tmp_path: Path) -> "Iterator[subprocess.Popen[str]]":
    """Another process holding a visit open (its transcript's path is its first line of output)."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "held")], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(10)


def _seqs_are_whole(path: Path) -> None:
    """Every event numbered once, in order: nothing interleaved, nothing lost."""
    events = read_transcript(path).events
    assert [e.seq for e in events] == list(range(len(events)))


def test_a_second_session_on_an_open_visit_is_refused_and_writes_nothing(margaret: ScenarioFile,
                                                                          tmp_path: Path) -> None:
    first = Session.start(margaret, seed=1, directory=tmp_path)
    first.say("What matters most to you?")
    before = first.path.read_bytes()
    with pytest.raises(SimulatorError, match=rf"open in another window or process \(pid {os.getpid()}\)"):
        Session.resume(first.path)
    assert first.path.read_bytes() == before
    first.say("Tell me more about that.")  # the first window carries on as if nothing happened
    assert read_transcript(first.path).problems == []
    first.close()
    second = Session.resume(first.path)  # let go of, it can be resumed
    second.say("And how is the breathing?")
    _seqs_are_whole(first.path)
    assert [e.text for e in second.events if isinstance(e, TraineeTurn)] == [
        "What matters most to you?", "Tell me more about that.", "And how is the breathing?"]


def test_the_plan_form_keeps_the_visit_locked(margaret: ScenarioFile, tmp_path: Path) -> None:
    first = Session.start(margaret, seed=1, directory=tmp_path)
    first.say("What matters most to you?")
    first.end()
    first.record_plan(CarePlan(goal="Sing again"), final=False)
    with pytest.raises(SimulatorError, match="open in another window or process"):
        Session.resume(first.path)  # a second window at the plan form would write drafts of its own
    first.record_plan(CarePlan(goal="Sing in the choir again"), final=True)
    _seqs_are_whole(first.path)


def test_a_late_write_takes_a_visit_back_only_if_nobody_carried_on_with_it(margaret: ScenarioFile,
                                                                           tmp_path: Path) -> None:
    first = Session.start(margaret, seed=1, directory=tmp_path)
    first.say("What matters most to you?")
    first.close()
    first.note("letter_opened")  # nobody else wrote: it is taken back
    first.close()
    second = Session.resume(first.path)
    second.say("Tell me more.")
    second.close()
    with pytest.raises(SessionClosed, match="carried on elsewhere"):
        first.note("letter_opened")  # its events are no longer the file's
    _seqs_are_whole(first.path)


def test_another_process_holding_the_visit_is_named_and_resume_is_a_message(
        holder: "subprocess.Popen[str]", capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.app.practice.app import SimulatorApp

    assert holder.stdout is not None
    path = Path(within(20, holder.stdout.readline).strip())
    before = path.read_bytes()

    def opened(self: SimulatorApp) -> None:
        raise AssertionError("the app opened on a visit another process is writing")

    monkeypatch.setattr(SimulatorApp, "run", opened)
    assert main(["resume", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"this visit is open in another window or process (pid {holder.pid})" in err and str(path) in err
    assert "Traceback" not in err
    assert path.read_bytes() == before

    holder.send_signal(signal.SIGKILL)  # kill -9, with the visit open
    holder.wait(10)
    resumed = Session.resume(path)  # the lock died with the process: nothing stale blocks it
    resumed.say("Tell me more about that.")
    _seqs_are_whole(path)
    said = [e.text for e in read_transcript(path).events if isinstance(e, TraineeTurn)]
    assert said == ["What matters most to you at the moment?", "Tell me more about that."]

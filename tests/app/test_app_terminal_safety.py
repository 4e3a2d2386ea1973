"""Nothing from a file or a person drives the terminal through the two apps.

Textual hands text to the terminal nearly as it is (it drops only BEL), so an escape sequence in a
trainee's name would set a reviewer's clipboard. These tests look at what the apps actually write to the
terminal, two ways: in this process, with Textual's headless driver made to take the output it would
otherwise not render (every widget type the apps use, and both apps driven through their screens with
Pilot); and for real, with `python -m simulator` running in a pseudo-terminal whose bytes are read back.
Every hostile string (tests/hostile_text.py) is tried in every place: scenario text and file names, the
fields of transcripts, reviewers' names and comments.
"""

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_text import ALL_AT_ONCE, FOREIGN, HOSTILE, file_name, play_once, unsafe_in, words, write_reviewed
from pilot import REVIEW_SIZE, SIZE, choose, end_and_plan, practice_config, review_app, say
from pydantic import BaseModel
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import DataTable, Header, Input, Label, RadioButton, SelectionList, Static, TextArea

from simulator import locations
from simulator.app.practice.app import SimulatorApp
from simulator.app.review.agreement import AgreementScreen
from simulator.app.review.progress import ProgressScreen
from simulator.app.review.transcript import ReviewScreen
from simulator.app.terminal import TerminalSafeApp
from simulator.cli import main
from simulator.content.scenario_loader import ScenarioFile, load_scenario
from simulator.errors import Problem
from simulator.quality.library import Library
from simulator.storage.events import Event

# The sequences Textual writes of its own accord (cursor moves, colours, modes; the pointer's shape) and
# hyperlinks; what is left once they are taken out came from content.
TEXTUAL_OWN = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\]22;[^\x07\x1b]*\x07|\x1b\]8;[^\x07\x1b]*\x1b\\")
# Every field of a transcript and its annotations that the review app shows.
PLACES = {"trainee", "title", "nurse", "patient", "system", "reviewer", "comment", "file"}
# What is left of ALL_AT_ONCE's clipboard sequence once made safe: the harmless text after its ESC.
SHOWN_REST = b"]52;c;ZXZpbA=="
CASES = pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())


def assert_written_safe(written: str) -> None:
    """No escape sequence but Textual's own, and no other control, C1, bidi or invisible character."""
    assert written, "nothing was written"
    for sequence in FOREIGN:
        assert sequence not in written, f"{sequence!r} reached the terminal"
    found = unsafe_in(TEXTUAL_OWN.sub("", written))
    assert found is None, f"reached the terminal: {found}"


class Recording:
    """What an app writes to the terminal: Textual's headless driver renders nothing, so this one says it
    is not headless and keeps what it is given instead."""

    def __init__(self) -> None:
        written = self.written = []

        class Driver(HeadlessDriver):
            @property
            def is_headless(self) -> bool:
                return False

            def write(self, data: str) -> None:
                if data != "\x07":  # the app's own bell (App.bell), not text
                    written.append(data)

        self.driver = Driver

    def text(self) -> str:
        """Everything written so far, as one string; the record starts again."""
        text = "".join(self.written)
        self.written.clear()
        return text


@pytest.fixture
def recording() -> Recording:
    return Recording()


# Every kind of widget the apps show text in, each given the hostile string.

class Everything(TerminalSafeApp[None]):
    def __init__(self, hostile: str) -> None:
        super().__init__()
        self.hostile = hostile

    def compose(self) -> ComposeResult:
        value = words(self.hostile)
        yield Header()
        with VerticalScroll() as scroll:
            scroll.border_title = Text(value)
            yield Static(value, markup=False)
            yield Static(f"{value}\n{value}", markup=False)
            yield Label(value, markup=False)
            yield DataTable()
            yield Input(value)
            yield TextArea(value)
            yield RadioButton(Text(value))
            yield SelectionList[int]((Text(value), 1, True))

    def on_mount(self) -> None:
        self.title = self.sub_title = words(self.hostile)
        table = self.query_one(DataTable)
        table.add_columns("plain", "text")
        table.add_row(words(self.hostile), Text(words(self.hostile)))
        self.notify(words(self.hostile), title=words(self.hostile), markup=False)


@CASES
async def test_every_kind_of_widget(hostile: str, recording: Recording) -> None:
    app = Everything(hostile)
    app.driver_class = recording.driver
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await pilot.pause()
        assert_written_safe(recording.text())


async def test_ordinary_text_is_drawn_unchanged(recording: Recording) -> None:
    """The filter changes nothing it need not: accents, emoji with joiners, typographic marks."""
    ordinary = "Zoë · café — naïve “quoted” 👩‍⚕️ נוסף"
    app = Everything("")
    app.driver_class = recording.driver
    async with app.run_test(headless=False, size=SIZE) as pilot:
        app.query_one(Static).update(ordinary)
        await pilot.pause()
        assert ordinary in TEXTUAL_OWN.sub("", recording.text())


# The review app over a library holding a transcript with every field hostile.

@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> list[Event]:
    return play_once(tmp_path_factory.mktemp("played"))


@pytest.fixture
def hostile_library(played: list[Event], tmp_path: Path) -> Iterator[Library]:
    folder = tmp_path / "shared"
    write_reviewed(folder, played, ALL_AT_ONCE, PLACES)
    library = Library.open(tmp_path / "index.sqlite3")
    library.add(folder)
    yield library
    library.close()


async def test_the_review_app_through_every_screen(hostile_library: Library, recording: Recording) -> None:
    app = review_app(hostile_library)
    app.driver_class = recording.driver
    async with app.run_test(headless=False, size=REVIEW_SIZE) as pilot:
        await pilot.pause()
        written = recording.text()  # the list: trainee, title
        assert SHOWN_REST.decode() in written  # the hostile text was drawn: made harmless, not hidden
        assert_written_safe(written)
        await pilot.press("enter")  # the transcript: its title, turns, comments, integrity
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("down", "down", "e")  # the codes dialog quotes the turn's words
        await pilot.pause()
        assert_written_safe(recording.text())
        await pilot.press("escape", "w")  # the overall review: the reviewer's own words, to edit
        await pilot.pause()
        assert_written_safe(recording.text())
        await pilot.press("escape", "escape", "a")  # agreement: reviewers' names
        await pilot.pause()
        assert isinstance(app.screen, AgreementScreen)
        assert_written_safe(recording.text())
        await pilot.press("escape", "p")  # the trainee's progress
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        assert_written_safe(recording.text())


# The practice app with a scenario whose every shown text is hostile: the picker (with a hostile file's
# problem beside it), the preparation, the conversation and its documents, the plan and the feedback.

SHOWN = {"title", "summary", "name", "occupation", "conditions", "life_context", "opening_line", "results_letter",
         "clinical_notes", "text", "brief", "cue", "answer_brief", "open_up", "deflect", "resist", "agree",
         "acknowledge", "unsure", "closing"}


def poisoned(model: BaseModel, hostile: str) -> BaseModel:
    """`model` with every text field a trainee sees starting with the hostile string. Made past the
    loader's checks (which refuse such text) on purpose: the apps must be safe whatever reaches them."""
    update: dict[str, object] = {}
    for name, value in model:
        if name == "preparation":
            continue  # the patient's preparation becomes a fact when it is brought up, checked again then
        if isinstance(value, BaseModel):
            update[name] = poisoned(value, hostile)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            update[name] = [poisoned(item, hostile) for item in value]
        elif name in SHOWN and isinstance(value, str):
            update[name] = f"{words(hostile)} {value}"
        elif name in SHOWN and isinstance(value, list):
            update[name] = [f"{words(hostile)} {item}" for item in value]
    return model.model_copy(update=update)


async def test_the_practice_app_through_every_screen(tmp_path: Path, recording: Recording,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = ALL_AT_ONCE
    shipped = load_scenario(locations.builtin_scenario_dir() / "p6-knee-pain.yaml")
    scenario = ScenarioFile(shipped.path, poisoned(shipped.scenario, hostile), shipped.content_hash)
    broken = Problem(tmp_path / f"{file_name(hostile)}.yaml", 3, 1, f"title: {words(hostile)}")
    monkeypatch.setattr("simulator.app.practice.app.discover", lambda _: ([scenario], [broken]))
    app = SimulatorApp(practice_config(tmp_path))
    app.driver_class = recording.driver
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await pilot.pause()
        written = recording.text()  # the picker
        assert SHOWN_REST.decode() in written
        assert_written_safe(written)
        await choose(pilot, "p6-knee-pain", prepare=False)
        assert_written_safe(recording.text())  # the letter and the notes
        await pilot.press("f5")
        await pilot.pause()
        await say(pilot, "What matters most to you at the moment?")
        await say(pilot, "Tell me more about that.")
        assert_written_safe(recording.text())  # the conversation
        for document in ("f2", "f3", "f4"):
            await pilot.press(document)
            await pilot.pause()
            assert_written_safe(recording.text())
            await pilot.press("escape")
            await pilot.pause()
        await end_and_plan(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert_written_safe(recording.text())  # the feedback


# For real: the command line's apps in a pseudo-terminal, as a user runs them.

def in_terminal(args: list[str], keys: list[str], ready: bytes, limit: float = 60.0) -> bytes:
    """Run `python -m simulator ARGS` in a 120x36 pseudo-terminal; once `ready` has been drawn and the app
    has gone quiet, type each of `keys` in turn (waiting for quiet after each); return every byte written."""
    import fcntl
    import struct
    import termios

    main_fd, terminal_fd = os.openpty()
    fcntl.ioctl(terminal_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = os.environ | {"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"}
    child = subprocess.Popen([sys.executable, "-m", "simulator", *args], stdin=terminal_fd, stdout=terminal_fd,
                             stderr=terminal_fd, env=env, start_new_session=True)
    os.close(terminal_fd)
    written = bytearray()
    deadline = time.monotonic() + limit

    def read(quiet: float) -> bool:
        """Read until nothing has come for `quiet` seconds; False once the terminal is closed."""
        while time.monotonic() < deadline:
            if not select.select([main_fd], [], [], quiet)[0]:
                return True
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            written.extend(chunk)
        return False

    try:
        while ready not in written and read(0.5) and time.monotonic() < deadline:
            pass
        assert ready in written, f"{ready!r} never drawn: {bytes(written[-400:])!r}"
        for key in keys:
            os.write(main_fd, key.encode())
            read(1.0)
        while read(0.5):
            pass
        assert child.wait(timeout=max(1.0, deadline - time.monotonic())) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(main_fd)
    return bytes(written)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_the_review_app_in_a_real_terminal(played: list[Event], tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    write_reviewed(folder, played, ALL_AT_ONCE, PLACES)
    assert main(["library", "add", str(folder)]) == 0
    written = in_terminal(["review", "--reviewer", "Sam"], ["\r", "a", "\x11"], ready=b"Transcript")
    assert SHOWN_REST in written  # the hostile text was drawn: made harmless, not hidden
    assert_written_safe(written.decode("utf-8"))


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_the_practice_app_in_a_real_terminal(played: list[Event], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile file's name in the picker's problems; then a visit resumed from a hostile transcript."""
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / f"{file_name(ALL_AT_ONCE)}.yaml").write_text("id: broken\n", encoding="utf-8")
    monkeypatch.setenv(locations.SCENARIOS_VARIABLE, str(extra))
    # A trainee the app knows, so that it opens on the picker rather than asking their name.
    config = tmp_path / "config.toml"
    config.write_text('[user]\nname = "Sam"\n', encoding="utf-8")
    monkeypatch.setenv("SIMULATOR_CONFIG", str(config))
    written = in_terminal([], ["\x11"], ready=b"Choose")
    assert SHOWN_REST in written
    assert_written_safe(written.decode("utf-8"))
    unfinished = write_reviewed(tmp_path / "sessions", played, ALL_AT_ONCE, {"nurse", "patient"}, finished=False)
    written = in_terminal(["resume", str(unfinished)], ["\x11"], ready=b"Turn")
    assert SHOWN_REST in written
    assert_written_safe(written.decode("utf-8"))

"""A remote patient model behind a hostile or broken server: every reply falls back to the authored line
within the stated deadline, a failed server is not waited on again reply after reply, only http(s) URLs
are used, and quitting the app never waits for a server."""

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import SHIPPED, TESTS

from simulator.cli import main
from simulator.content.scenario_loader import load_scenario
from simulator.errors import BackendUnavailable
from simulator.patient.backends import remote
from simulator.patient.backends.choice import open_backend
from simulator.patient.backends.remote import RemoteBackend
from simulator.patient.engine import Intent, PatientReply
from simulator.patient.realiser import Realiser
from simulator.settings import PatientSettings, load_settings

CHAT = [{"role": "user", "content": "Nurse: What matters most to you?"}]
DEADLINE = 0.5
# Room for thread start-up and a loaded machine; far below what a hang or a second deadline would take.
SLACK = 0.75


def _chunk(text: str) -> bytes:
    return f"data: {json.dumps({'choices': [{'delta': {'content': text}}]})}\n\n".encode()


class _Hostile(BaseHTTPRequestHandler):
    """One misbehaviour per path: http://HOST/<behaviour>/v1/chat/completions."""

    protocol_version = "HTTP/1.1"
    asked: Counter[str] = Counter()
    stop = threading.Event()

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        behaviour = self.path.strip("/").split("/")[0]
        _Hostile.asked[behaviour] += 1
        getattr(self, f"_{behaviour}")()

    def _stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()

    def _forever(self, piece: bytes, pause: float = 0.02) -> None:
        """Send `piece` every `pause` seconds until the client goes away or the test ends."""
        self._stream()
        try:
            while not _Hostile.stop.wait(pause):
                self.wfile.write(piece)
                self.wfile.flush()
        except OSError:
            return

    def _keepalive(self) -> None:
        self._forever(b": keep-alive\n\n")  # valid server-sent events that never say anything

    def _dribble(self) -> None:
        self._forever(b"d")  # one line that never ends

    def _silent(self) -> None:
        _Hostile.stop.wait(30)  # reads the request, never answers

    def _flood(self) -> None:
        self._forever(_chunk("word " * 200), pause=0)  # valid chunks, far more than a reply, as fast as it can

    def _longline(self) -> None:
        self._stream()
        self.wfile.write(b"data: " + b"x" * (2 << 20) + b"\n\n")

    def _html(self) -> None:
        body = b"<html><body>It works!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _notjson(self) -> None:
        self._stream()
        self.wfile.write(b"data: {this is not json\n\n")

    def _wrongjson(self) -> None:
        self._stream()
        self.wfile.write(b'data: [1, 2, 3]\n\n')

    def _error(self) -> None:
        self._stream()
        self.wfile.write(b'data: {"error": {"message": "model not loaded"}}\n\n')

    def _crash(self) -> None:
        self.send_error(500, "model crashed")

    def _redirect(self) -> None:
        self.send_response(307)
        self.send_header("Location", "file:///etc/passwd")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _cut(self) -> None:
        self._stream()
        self.wfile.write(_chunk("I've been "))  # then the connection closes, with no end of stream

    def _fine(self) -> None:
        self._stream()
        self.wfile.write(_chunk("Mostly, yeah. ") + _chunk("Nights.") + b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    """The URL of a server on loopback that misbehaves as named; a short deadline for the test."""
    monkeypatch.setattr(remote, "REPLY_DEADLINE_S", DEADLINE)
    _Hostile.asked.clear()
    _Hostile.stop.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=lambda: httpd.serve_forever(poll_interval=0.05), daemon=True)
    thread.start()
    yield lambda behaviour: f"http://127.0.0.1:{httpd.server_address[1]}/{behaviour}/v1"
    _Hostile.stop.set()
    httpd.shutdown()
    httpd.server_close()


def _timed(call: Callable[[], object]) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        call()
    except BaseException as error:  # noqa: BLE001 - handed back to the test
        return time.monotonic() - start, error
    return time.monotonic() - start, None


@pytest.mark.parametrize(("behaviour", "says"), [
    ("keepalive", "did not finish its reply within 0.5 s"),
    ("dribble", "did not finish its reply within 0.5 s"),
    ("silent", "did not finish its reply within 0.5 s"),
    ("flood", "sent more than a reply"),
    ("longline", "sent more than a reply"),
    ("html", "answered with text/html, not an event stream"),
    ("notjson", "not JSON"),
    ("wrongjson", "not a chat completion chunk"),
    ("error", "model not loaded"),
    ("crash", "answered 500"),
    ("redirect", "answered 307"),
    ("cut", "closed the connection in the middle of the reply"),
])
def test_a_hostile_server_fails_within_the_deadline_and_is_then_left_alone(
        hostile: Callable[[str], str], behaviour: str, says: str) -> None:
    backend = RemoteBackend(hostile(behaviour), "patient-model")
    took, error = _timed(lambda: backend.generate(CHAT, seed=0, max_new_tokens=60))
    assert isinstance(error, BackendUnavailable) and says in str(error)
    assert took < DEADLINE + SLACK
    # The next reply does not ask it again (nor wait): it rests, and says why.
    took, error = _timed(lambda: backend.generate(CHAT, seed=1, max_new_tokens=60))
    assert isinstance(error, BackendUnavailable) and "was not asked" in str(error) and says in str(error)
    assert took < 0.2 and _Hostile.asked[behaviour] == 1


def test_a_resting_server_is_asked_again_later_and_rests_longer_each_time(
        hostile: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "REST_S", 0.5)
    backend = RemoteBackend(hostile("crash"), "patient-model")
    with pytest.raises(BackendUnavailable, match="answered 500"):
        backend.generate(CHAT, seed=0, max_new_tokens=5)
    time.sleep(0.6)
    with pytest.raises(BackendUnavailable, match="answered 500"):
        backend.generate(CHAT, seed=0, max_new_tokens=5)
    # Two failures in a row: a second of rest now, not half of one.
    with pytest.raises(BackendUnavailable, match="was not asked: it rests 1 s more after 2 failures in a row"):
        backend.generate(CHAT, seed=0, max_new_tokens=5)
    assert _Hostile.asked["crash"] == 2


def test_a_good_reply_resets_the_count(hostile: Callable[[str], str]) -> None:
    backend = RemoteBackend(hostile("fine"), "patient-model")
    assert backend.generate(CHAT, seed=0, max_new_tokens=20) == "Mostly, yeah. Nights."
    assert backend.generate(CHAT, seed=1, max_new_tokens=20) == "Mostly, yeah. Nights."
    assert _Hostile.asked["fine"] == 2


def test_close_cuts_a_reply_in_progress_at_once(hostile: Callable[[str], str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "REPLY_DEADLINE_S", 30.0)
    backend = RemoteBackend(hostile("keepalive"), "patient-model")
    outcome: list[tuple[float, BaseException | None]] = []
    worker = threading.Thread(target=lambda: outcome.append(_timed(
        lambda: backend.generate(CHAT, seed=0, max_new_tokens=60))))
    worker.start()
    while not _Hostile.asked["keepalive"]:
        time.sleep(0.01)
    time.sleep(0.1)
    backend.close()
    worker.join(2)
    assert outcome, "generate still waiting on the server after close()"
    took, error = outcome[0]
    assert isinstance(error, BackendUnavailable) and "closed" in str(error) and took < 2
    with pytest.raises(BackendUnavailable, match="closing"):
        backend.generate(CHAT, seed=0, max_new_tokens=5)


def test_the_patient_says_the_authored_line_within_the_deadline(hostile: Callable[[str], str]) -> None:
    scenario = load_scenario(SHIPPED[0]).scenario
    realiser = Realiser(RemoteBackend(hostile("keepalive"), "patient-model"))
    reply = PatientReply("I get by, mostly.", Intent.ANSWER_BRIEF)
    shown: list[str] = []
    start = time.monotonic()
    said = realiser.realise(scenario, reply, released=[], recent=[], earlier=[], seed=0, on_show=shown.append)
    assert time.monotonic() - start < DEADLINE + SLACK
    assert said.how == "authored" and said.text == reply.text and shown[-1] == reply.text
    assert "did not finish its reply within 0.5 s" in said.rejected[0]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/v1", "http://", "127.0.0.1:8080/v1",
                                 "http://127.0.0.1:99999/v1", "http://127.0.0.1:8080/v1?x=1",
                                 "http://127.0.0.1:8080/v1\n"])
def test_only_http_urls_are_used(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BackendUnavailable, match="url"):
        RemoteBackend(url, "x")
    # Through the command line's settings too, which are not validated when options are laid over them.
    with pytest.raises(BackendUnavailable, match="url"):
        open_backend(PatientSettings(backend="remote").model_copy(update={"url": url}))
    config = tmp_path / "config.toml"
    config.write_text(f"[patient]\nbackend = \"remote\"\nurl = {json.dumps(url)}\n")
    monkeypatch.setenv("SIMULATOR_CONFIG", str(config))
    with pytest.raises(Exception, match="patient.url") as error:
        load_settings()
    assert str(config) in str(error.value)


def test_play_says_when_the_server_fails_and_asks_it_once(hostile: Callable[[str], str], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "script.txt"
    script.write_text("Hello, how are you?\nWhat matters most to you?\nTell me more about that.\n")
    start = time.monotonic()
    status = main(["play", "p1-taxi-driver", "--script", str(script), "--coder", "rules",
                   "--patient", "remote", "--url", hostile("silent")])
    took = time.monotonic() - start
    err = capsys.readouterr().err
    assert status == 0
    assert "the model's words were not used in 4 of 4 replies" in err and "within 0.5 s" in err
    # One deadline for the whole visit, not one per reply.
    assert _Hostile.asked["silent"] == 1 and took < 2 * DEADLINE + 3


def test_play_refuses_a_file_url_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "script.txt"
    script.write_text("Hello, how are you?\n")
    assert main(["play", "p1-taxi-driver", "--script", str(script), "--coder", "rules",
                 "--patient", "remote", "--url", "file:///etc/passwd"]) == 0
    err = capsys.readouterr().err
    assert "warning: the url 'file:///etc/passwd' is not an http:// or https:// URL" in err
    assert "the patient speaks in authored lines" in err


# --- quitting the app while a server trickles ------------------------------------------------------------

QUIT_MID_REPLY = """
import sys, time
sys.path.insert(0, {tests!r})
from dataclasses import replace
from pathlib import Path
from textual.widgets import Input
from pilot import SIZE, choose, practice_config
from simulator.app.practice.app import SimulatorApp
from simulator.patient.backends import remote
from simulator.settings import PatientSettings

remote.REPLY_DEADLINE_S = 60.0  # so that only quitting can end the reply quickly

async def drive(pilot):
    await choose(pilot, "p2-widow-copd")
    voice = pilot.app.kit.voice()
    while not voice.done():
        await pilot.pause(0.05)
    pilot.app.screen.query_one(Input).value = "What matters most to you at the moment?"
    await pilot.press("enter")
    while not Path({asked!r}).exists():
        await pilot.pause(0.05)
    await pilot.pause(0.3)
    print("quitting", flush=True)
    await pilot.press("ctrl+q")

config = replace(practice_config(Path({folder!r})), patient=PatientSettings(backend="remote", url={url!r}))
SimulatorApp(config).run(headless=True, size=SIZE, auto_pilot=drive)
"""


def test_ctrl_q_quits_at_once_while_a_server_trickles_a_reply(hostile: Callable[[str], str], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The real app in its own process: quitting must end the process, which waits for every worker thread.
    asked = tmp_path / "asked"
    original = _Hostile._keepalive

    def keepalive(handler: _Hostile) -> None:
        asked.touch()
        original(handler)

    monkeypatch.setattr(_Hostile, "_keepalive", keepalive)
    code = QUIT_MID_REPLY.format(tests=str(TESTS), folder=str(tmp_path), url=hostile("keepalive"), asked=str(asked))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "TERM": "dumb"})
    try:
        assert child.stdout is not None
        line = ""
        while "quitting" not in line and child.poll() is None:
            line = child.stdout.readline()
        assert "quitting" in line, child.stderr.read() if child.stderr else ""
        quit_at = time.monotonic()
        child.wait(timeout=15)
        took = time.monotonic() - quit_at
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, child.stderr.read() if child.stderr else ""
    assert took < 3, f"quitting took {took:.1f} s"

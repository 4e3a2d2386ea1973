"""The remote backend against a real OpenAI-compatible server: llama.cpp's, through llama-cpp-python[server],
serving the embedded SmolLM2 GGUF on loopback (skipped, saying why, where either is missing); and, with a
fake that streams as that server does, what running against the real one showed: a reply the server cut
short is never taken for a whole one, and the server reads the prompt's fixed start before the first reply."""

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path

import pytest

from simulator import locations
from simulator.content.scenario_loader import ScenarioFile, load_scenario
from simulator.errors import BackendUnavailable
from simulator.patient.backends import Message, OnText, remote
from simulator.patient.backends.remote import RemoteBackend
from simulator.patient.engine import Intent, PatientReply
from simulator.patient.prompt import preamble
from simulator.patient.realiser import Realiser
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.storage.events import PatientTurn

CHAT: list[Message] = [{"role": "user", "content": "Nurse: What matters most to you?"}]
READING_S = 0.4
# What llama-cpp-python's server sends for each piece: finish_reason null until the last chunk.
CHUNK = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "x",
         "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": None}]}


def _event(content: str | None = None, finish_reason: str | None = None) -> bytes:
    chunk = json.loads(json.dumps(CHUNK))
    choice = chunk["choices"][0]
    choice["delta"] = {"role": "assistant"} if content is None and finish_reason is None else \
        ({"content": content} if content is not None else {})
    choice["finish_reason"] = finish_reason
    return f"data: {json.dumps(chunk)}\r\n\r\n".encode()  # sse-starlette ends lines with CRLF


class _LikeLlamaCpp(BaseHTTPRequestHandler):
    """http://HOST/<behaviour>/v1/chat/completions, streamed as llama-cpp-python's server streams:
    `whole` a reply with its final chunk; `cut` a reply cut short for another request (no final chunk);
    `slow` a whole reply after READING_S, as a busy server reads a long prompt. Keeps what it was asked,
    and when each request came and went."""

    protocol_version = "HTTP/1.1"
    asked: list[tuple[dict[str, object], float, float]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        came = time.monotonic()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self.path.startswith("/slow/"):
            time.sleep(READING_S)
        _LikeLlamaCpp.asked.append((body, came, time.monotonic()))
        self._answer()

    def _answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        pieces = [_event(), _event("Mostly,"), _event(" yeah.")]
        if not self.path.startswith("/cut/"):
            pieces.append(_event(finish_reason="stop"))
        self.wfile.write(b"".join(pieces) + b"data: [DONE]\r\n\r\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def like_llama_cpp() -> Iterator[Callable[[str], str]]:
    _LikeLlamaCpp.asked.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _LikeLlamaCpp)
    thread = threading.Thread(target=lambda: httpd.serve_forever(poll_interval=0.05), daemon=True)
    thread.start()
    yield lambda behaviour: f"http://127.0.0.1:{httpd.server_address[1]}/{behaviour}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_a_whole_reply_streamed_as_llama_cpp_streams_it_is_read_whole(like_llama_cpp: Callable[[str], str]) -> None:
    pieces: list[str] = []

    def keep(text: str) -> bool:
        pieces.append(text)
        return True

    text = RemoteBackend(like_llama_cpp("whole"), "x").generate(CHAT, seed=0, max_new_tokens=20, on_text=keep)
    assert text == "Mostly, yeah."
    assert pieces == ["Mostly,", "Mostly, yeah."]


def test_a_reply_the_server_cut_short_is_not_taken_for_a_whole_one(like_llama_cpp: Callable[[str], str],
                                                                   taxi: ScenarioFile) -> None:
    with pytest.raises(BackendUnavailable, match="ended the reply before it was finished.*--interrupt_requests False"):
        RemoteBackend(like_llama_cpp("cut"), "x").generate(CHAT, seed=0, max_new_tokens=20)
    # So the patient says the authored line, and the transcript says why.
    line = "Not really, no. I manage."
    said = Realiser(RemoteBackend(like_llama_cpp("cut"), "x")).realise(
        taxi.scenario, PatientReply(line, Intent.ANSWER_BRIEF), released=[], recent=[], earlier=[], seed=1)
    assert said.text == line and said.how == "authored"
    assert "ended the reply before it was finished" in said.rejected[0]


def test_the_server_reads_the_prompts_fixed_start_before_the_first_reply(like_llama_cpp: Callable[[str], str],
                                                                          taxi: ScenarioFile) -> None:
    backend = RemoteBackend(like_llama_cpp("slow"), "x")
    realiser = Realiser(backend)
    start = time.monotonic()
    realiser.prepare(taxi.scenario)  # as the app does while the trainee reads the letter
    assert time.monotonic() - start < READING_S, "warming waited for the server"
    text = backend.generate(CHAT, seed=0, max_new_tokens=20)
    assert text == "Mostly, yeah."
    (ahead, _, read), (reply, came, _) = sorted(_LikeLlamaCpp.asked, key=lambda asked: asked[1])
    assert ahead["messages"] == preamble(taxi.scenario) and ahead["max_tokens"] == 1
    assert reply["messages"] == CHAT and came >= read, "the reply did not wait for the fixed start to be read"


# --- a real llama.cpp server ------------------------------------------------------------------------------

SERVER_MODULES = ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "starlette_context", "pydantic_settings")
MISSING = [name for name in SERVER_MODULES if find_spec(name) is None]
# Where benchmarks/patient_server.py puts the embedded model's GGUF when it fetches it.
GGUF = locations.model_dir() / "gguf" / "SmolLM2-135M-Instruct.Q4_1.gguf"
# The server's start, including loading the model; far more than it takes (about 2 s here).
START_LIMIT_S = 60.0


@dataclass(frozen=True)
class Server:
    url: str
    log: Path


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A llama.cpp server on a free loopback port, as `python -m llama_cpp.server` starts by default
    (one thread: on a busy two-core machine more only wait on each other); stopped afterwards, always."""
    if MISSING:
        pytest.skip(f"llama-cpp-python[server] is not installed (no {', '.join(MISSING)}): "
                    "pip install -e '.[server]', see docs/class-server.md")
    if not GGUF.is_file():
        pytest.skip(f"the embedded GGUF is not at {GGUF}: run benchmarks/patient_server.py once to fetch it")
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF),
                                   "--host", "127.0.0.1", "--port", "0", "--n_threads", "1"],
                                  stdout=sink, stderr=subprocess.STDOUT)
    try:
        yield Server(_wait_for(server, log), log)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for(server: subprocess.Popen[bytes], log: Path) -> str:
    """The URL the server answers on, once it lists its model; fails with the server's log otherwise."""
    deadline = time.monotonic() + START_LIMIT_S
    while time.monotonic() < deadline and server.poll() is None:
        text = log.read_text(errors="replace")
        ports = [line.split("http://127.0.0.1:")[1].split()[0] for line in text.splitlines()
                 if "Uvicorn running on http://127.0.0.1:" in line]
        if ports:
            url = f"http://127.0.0.1:{ports[0]}/v1"
            with urllib.request.urlopen(f"{url}/models", timeout=5) as answer:
                assert json.load(answer)["data"], "the server lists no model"
            return url
        time.sleep(0.1)
    pytest.fail(f"the llama.cpp server did not start within {START_LIMIT_S:g} s (status {server.poll()}); "
                f"its log ends:\n{log.read_text(errors='replace')[-2000:]}")


class _Counted:
    """A backend that keeps every generation's streamed pieces, and every failure."""

    def __init__(self, backend: RemoteBackend) -> None:
        self.backend, self.name = backend, backend.name
        self.streams: list[list[str]] = []
        self.failures: list[str] = []

    def warm(self, messages: list[Message]) -> None:
        self.backend.warm(messages)

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        pieces: list[str] = []
        self.streams.append(pieces)

        def keep(text: str) -> bool:
            pieces.append(text)
            return on_text(text) if on_text is not None else True

        try:
            return self.backend.generate(messages, seed=seed, max_new_tokens=max_new_tokens, on_text=keep)
        except BackendUnavailable as error:
            self.failures.append(str(error))
            raise


def test_a_real_llama_cpp_server_words_the_patient(llama_server: Server, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # The test is of the exchange, not of speed: on a busy machine the first prompt alone can take seconds.
    monkeypatch.setattr(remote, "REPLY_DEADLINE_S", 120.0)
    scenario_file = load_scenario(locations.builtin_scenario_dir() / "p2-widow-copd.yaml")
    counted = _Counted(RemoteBackend(llama_server.url, "smollm2-135m"))
    session = Session.start(scenario_file, seed=3, directory=tmp_path,
                            voice=ready(Realiser(counted)))
    said = session.say("What matters most to you at the moment?")
    assert said is not None
    replies: list[PatientTurn] = [said[1]]
    assert counted.failures == []
    assert counted.streams and all(len(pieces) > 1 for pieces in counted.streams), "the replies were not streamed"
    # Every generation the server streamed was checked: shown as the reply, or refused with the reason kept.
    checked = 0
    for reply in replies:
        assert reply.text.strip() and reply.meta["backend"] == f"remote: smollm2-135m at {llama_server.url}"
        refused = [why for key, why in reply.meta.items() if key.startswith("rejected_")]
        checked += len(refused) + (reply.source != "authored")
        if reply.source != "authored":
            assert reply.text != reply.meta["authored"] and len(refused) == (reply.source == "retried")
    assert checked == len(counted.streams)
    # The server read the prompt's fixed start once, ahead of the first reply (warm), and every reply's
    # prompt then read only what follows it from its cache.
    log = llama_server.log.read_text(errors="replace")
    hits = [int(hit) for hit in re.findall(r"Llama.generate: (\d+) prefix-match hit", log)]
    assert log.count("POST /v1/chat/completions") == len(counted.streams) + 1
    assert len(hits) == len(counted.streams) and min(hits) >= 300, hits

def test_a_real_server_cuts_a_reply_short_for_the_next_and_the_backend_says_so(llama_server: Server) -> None:
    """Started as above, without --interrupt_requests False, the server ends a reply in progress when
    another request arrives; the backend reports it rather than passing on half a reply."""
    first, second = (RemoteBackend(llama_server.url, "smollm2-135m") for _ in range(2))
    streaming = threading.Event()
    outcome: list[BaseException | str] = []

    def started(_: str) -> bool:
        streaming.set()
        return True

    def long_reply() -> None:
        try:
            outcome.append(first.generate([{"role": "user", "content": "Tell me a long story about a cat."}],
                                          seed=1, max_new_tokens=400, on_text=started))
        except BackendUnavailable as error:
            outcome.append(error)

    thread = threading.Thread(target=long_reply)
    thread.start()
    assert streaming.wait(60), "the first reply never started"
    assert second.generate(CHAT, seed=2, max_new_tokens=5)
    thread.join(60)
    assert len(outcome) == 1 and isinstance(outcome[0], BackendUnavailable), outcome
    assert "ended the reply before it was finished" in str(outcome[0])

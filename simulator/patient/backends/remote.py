"""The remote backend: any OpenAI-compatible chat endpoint (vLLM, llama.cpp's server, Ollama).

Only the standard library: one streaming POST to `{url}/chat/completions` per reply, read as
server-sent events, and one ahead of the first (`warm`) so that the server has read the prompt's
fixed start by then. Nothing is sent anywhere unless a user configures this backend.

A server is outside our control, so every wait on it is bounded. Connecting may take CONNECT_TIMEOUT_S
and a whole reply REPLY_DEADLINE_S, however the server sends it: the exchange runs on a thread of its
own and the caller stops waiting at the deadline, so a server that trickles keep-alive bytes, never
answers, or hangs in a name lookup costs at most that. A server that has failed is then left alone
for a while (REST_S, doubling with each failure in a row), so that the patient goes on in authored
lines at once rather than waiting on it reply after reply. `close` ends a reply in progress at once.
"""

import http.client
import json
import os
import queue
import socket
import ssl
import threading
import time
import urllib.parse
from contextlib import suppress
from typing import Literal

from simulator.errors import BackendUnavailable
from simulator.patient.backends import Message, OnText
from simulator.settings import url_problem

# Seconds to open a connection to the server.
CONNECT_TIMEOUT_S = 5.0
# Seconds for one whole reply, from sending the request to its last word (stated in the README).
REPLY_DEADLINE_S = 20.0
# Seconds a failed server is not asked again, doubled for each further failure in a row, up to MAX_REST_S.
REST_S = 60.0
MAX_REST_S = 960.0
# A reply is a couple of sentences: a server sending more than this is not answering the question.
MAX_STREAM_BYTES = 1 << 20
MAX_LINE_BYTES = 64 << 10

Kind = Literal["text", "done", "failed"]


class _Exchange:
    """One request in flight: what its reader thread has read so far, and how to cut it off."""

    def __init__(self) -> None:
        self.pieces: queue.Queue[tuple[Kind, str]] = queue.Queue()
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None
        self.cut_off = False

    def attach(self, connection: http.client.HTTPConnection) -> bool:
        """Remember the open connection so that `cut` can close it; False if the exchange was cut already."""
        with self._lock:
            self._connection = connection
            return not self.cut_off

    def cut(self, why: str | None = None) -> None:
        """Stop the exchange: its socket is shut, which wakes a reader blocked on it; `why` (if given)
        is what a caller still waiting is told."""
        with self._lock:
            self.cut_off = True
            sock = self._connection.sock if self._connection is not None else None
        if sock is not None:
            with suppress(OSError):
                # The plain socket's shutdown, even under TLS: it only has to wake the reading thread.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
        if why is not None:
            self.pieces.put(("failed", why))


class RemoteBackend:
    """A chat model served over HTTP."""

    def __init__(self, url: str, model: str, *, api_key_env: str | None = None, temperature: float = 0.7) -> None:
        problem = url_problem(url)
        if problem:
            raise BackendUnavailable(problem)
        self.url = url.rstrip("/")
        self.model = model
        self._key = os.environ.get(api_key_env, "") if api_key_env else ""
        self._temperature = temperature
        parts = urllib.parse.urlsplit(self.url)
        self._https = parts.scheme == "https"
        self._host, self._port, self._path = parts.hostname or "", parts.port, f"{parts.path}/chat/completions"
        self._lock = threading.Lock()
        self._live: set[_Exchange] = set()
        self._closed = False
        self._failures = 0  # in a row
        self._rest_until = 0.0
        self._last_failure = ""
        self._warming: threading.Thread | None = None  # reading the prompt's fixed start ahead (warm)

    @property
    def name(self) -> str:
        return f"remote: {self.model} at {self.url}"

    def warm(self, messages: list[Message]) -> None:
        """Have the server read the fixed start of every prompt now, while the trainee reads the letter, so
        that its prompt cache holds it by the first turn: read whole, it took a llama.cpp server on a busy
        machine most of a reply's deadline. Returns at once; the next reply waits for it within its own
        deadline, and a failure counts as a reply's would (the server then rests)."""
        with self._lock:
            if self._closed or self._rest_until > time.monotonic():
                return
            body = self._body(messages, seed=0, max_new_tokens=1)
            deadline = time.monotonic() + REPLY_DEADLINE_S
            self._warming = threading.Thread(target=self._read_ahead, args=(body, deadline), name="remote-warm",
                                             daemon=True)
            self._warming.start()

    def _read_ahead(self, body: bytes, deadline: float) -> None:
        with suppress(BackendUnavailable):  # remembered by _ask: the next reply is told
            self._ask(body, None, deadline)

    def close(self) -> None:
        """Cut off a reply in progress (its caller gets BackendUnavailable at once) and ask nothing more."""
        with self._lock:
            self._closed = True
            live = list(self._live)
        for exchange in live:
            exchange.cut(f"{self.url}: the session closed while the server was replying")

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        """Stream one completion within REPLY_DEADLINE_S; stops reading (and closes the connection) when
        `on_text` says so. BackendUnavailable when the server fails, or failed lately and is resting."""
        deadline = time.monotonic() + REPLY_DEADLINE_S
        with self._lock:
            warming = self._warming
        if warming is not None:  # the server reads one request at a time: this one would wait behind it anyway
            warming.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            resting = self._rest_until - time.monotonic()
            if resting > 0:
                failures = "1 failure" if self._failures == 1 else f"{self._failures} failures in a row"
                raise BackendUnavailable(f"{self.url} was not asked: it rests {resting:.0f} s more after "
                                         f"{failures} (the last: {self._last_failure})")
        return self._ask(self._body(messages, seed=seed, max_new_tokens=max_new_tokens), on_text, deadline)

    def _body(self, messages: list[Message], *, seed: int, max_new_tokens: int) -> bytes:
        return json.dumps({"model": self.model, "messages": messages, "stream": True, "seed": seed,
                           "max_tokens": max_new_tokens, "temperature": self._temperature}).encode()

    def _ask(self, body: bytes, on_text: OnText | None, deadline: float) -> str:
        """One exchange, counted: a failure makes the server rest, a reply ends the failures in a row."""
        try:
            text = self._exchange(body, on_text, deadline)
        except BackendUnavailable as error:
            with self._lock:
                if not self._closed:
                    self._failures += 1
                    rest = min(REST_S * 2 ** (self._failures - 1), MAX_REST_S)
                    self._rest_until = time.monotonic() + rest
                    self._last_failure = str(error)
            raise
        with self._lock:
            self._failures = 0
        return text

    def _exchange(self, body: bytes, on_text: OnText | None, deadline: float) -> str:
        """Send the request on a reader thread and take its pieces as they come, until the reply is
        complete, `on_text` has enough, or the deadline passes."""
        exchange = _Exchange()
        with self._lock:  # checked and registered at once, so that `close` cannot miss this exchange
            if self._closed:
                raise BackendUnavailable(f"{self.url} was not asked: the session is closing")
            self._live.add(exchange)
        limit = REPLY_DEADLINE_S
        threading.Thread(target=self._read, args=(exchange, body, limit), name="remote-reply", daemon=True).start()
        text = ""
        try:
            while True:
                try:
                    kind, value = exchange.pieces.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise BackendUnavailable(f"{self.url} did not finish its reply within {limit:g} s") from None
                if kind == "failed":
                    raise BackendUnavailable(value)
                if kind == "done":
                    return text
                text += value
                if on_text is not None and not on_text(text):
                    return text
        finally:
            exchange.cut()
            with self._lock:
                self._live.discard(exchange)

    def _read(self, exchange: _Exchange, body: bytes, limit: float) -> None:
        """On the reader thread: the whole HTTP exchange, each piece of text put on the exchange's queue,
        then "done" or "failed" with a message."""
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        connection = (http.client.HTTPSConnection(self._host, self._port, timeout=CONNECT_TIMEOUT_S,
                                                  context=ssl.create_default_context()) if self._https
                      else http.client.HTTPConnection(self._host, self._port, timeout=CONNECT_TIMEOUT_S))
        try:
            if not exchange.attach(connection):
                return
            connection.connect()
            if exchange.cut_off:  # cut while connecting, before there was a socket to shut
                return
            if connection.sock is not None:
                # Reads are bounded by the caller's deadline; this only frees the thread if nothing cuts it.
                connection.sock.settimeout(limit)
            connection.request("POST", self._path, body, headers)
            response = connection.getresponse()
            if response.status != 200:
                exchange.pieces.put(("failed", f"{self.url} answered {response.status} {response.reason}"))
                return
            outcome = self._stream(response, exchange)
            exchange.pieces.put(("done", "") if outcome is None else ("failed", outcome))
        except (OSError, http.client.HTTPException, ValueError) as error:
            reason = str(error) or type(error).__name__
            if isinstance(error, ssl.SSLError):
                reason = f"TLS failed ({error.reason or reason})"
            exchange.pieces.put(("failed", f"cannot reach {self.url}: {reason}"))
        finally:
            connection.close()

    def _stream(self, response: http.client.HTTPResponse, exchange: _Exchange) -> str | None:
        """Read server-sent events, putting each piece of text on the queue; None when the reply ended as
        a reply should, else what was wrong with it."""
        read = 0
        chunks = 0
        says_when_finished = False  # whether this server's chunks carry finish_reason (null until the last)
        while not exchange.cut_off:
            raw = response.readline(MAX_LINE_BYTES + 1)
            read += len(raw)
            if not raw:
                break
            if len(raw) > MAX_LINE_BYTES or read > MAX_STREAM_BYTES:
                return f"{self.url} sent more than a reply ({read} bytes); not an OpenAI-compatible stream"
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue  # blank lines, comments (": keep-alive"), event names and ids
            data = line[len("data:"):].strip()
            if data == "[DONE]":
                # A server that marks the last chunk and did not has cut the reply short: llama-cpp-python's
                # does so, sending [DONE], to any reply in progress when another request arrives.
                return (f"{self.url} ended the reply before it was finished (started without "
                        f"--interrupt_requests False, llama-cpp-python's server cuts one reply short when "
                        f"another request arrives)") if says_when_finished else None
            chunk = _chunk(data)
            if isinstance(chunk, str):
                return f"{self.url} sent {chunk}"
            chunks += 1
            piece, finished, marks = chunk
            says_when_finished = says_when_finished or marks
            if piece:
                exchange.pieces.put(("text", piece))
            if finished:
                return None
        if exchange.cut_off:
            return None  # whoever cut it has already said why, or no longer waits
        kind = response.getheader("Content-Type") or "no content type"
        return (f"{self.url} answered with {kind}, not an event stream of chat chunks" if chunks == 0
                else f"{self.url} closed the connection in the middle of the reply")


def _chunk(data: str) -> tuple[str, bool, bool] | str:
    """One streamed chunk's text, whether it is the last, and whether it says so in a finish_reason at all
    (OpenAI's format sends null until the last); a string saying what is wrong if it is not a chat
    completion chunk (a server's error report, or something else entirely)."""
    try:
        chunk = json.loads(data)
    except ValueError:
        return f"something that is not JSON: {data[:60]!r}"
    if isinstance(chunk, dict) and "error" in chunk:
        error = chunk["error"]
        return f"an error: {str(error.get('message', error) if isinstance(error, dict) else error)[:200]}"
    try:
        choice = chunk["choices"][0] if chunk["choices"] else {}
        content = choice.get("delta", {}).get("content") or ""
        finished = choice.get("finish_reason") is not None
        marks = "finish_reason" in choice
    except (KeyError, IndexError, TypeError, AttributeError):
        return f"JSON that is not a chat completion chunk: {data[:60]!r}"
    if not isinstance(content, str):
        return f"a chunk whose content is not text: {data[:60]!r}"
    return content, finished, marks

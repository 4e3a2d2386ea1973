"""Speed and memory of the local patient model on this machine.

Run: .venv/bin/python benchmarks/patient_speed.py [--model NAME_OR_PATH] [--turns 30] [--dtype D] [--threads N]
     .venv/bin/python benchmarks/patient_speed.py --agreement   (how closely each precision follows float32)
     .venv/bin/python benchmarks/patient_speed.py --stall       (the longest the main thread waits during a load)
     .venv/bin/python benchmarks/patient_speed.py --app         (peak memory of the whole app, headless)
Prefix any of them with ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 to measure as on an AVX2 laptop.

The first form loads the model in a fresh process (imports included, as the app's first load), then in
this one, and plays a consultation of `--turns` trainee turns through a real session (rule coder,
scripted engine, realiser with its checks and retries), reporting at turns 1, 10 and 30: time to first
token (from the trainee's Enter to the model's first token of the reply, so it includes coding, the
engine, building and tokenising the prompt and the prefill), how many prompt tokens came from the
key-value cache and how many were read afresh; then the median, 90th percentile and longest time to first
token over every turn, and the decoding rate. Before each turn the model reads ahead the start of the next
prompt, untimed, as the app has it do while the trainee types. `--dtype` float32 or bfloat16
runs the model through transformers in that precision (auto: what the backend chooses on this CPU).

`--agreement` teacher-forces float32's own greedy continuations of every built-in scenario's first turn
prompt and reports, for each precision this CPU can run, how often its most likely next token is float32's
and the mean KL divergence of its next-token distribution from float32's.

`--stall` loads the model on a background thread, as the app does, while the main thread wakes every
millisecond, and reports the longest wait: a long C call holding the GIL would freeze the app that long.

`--app` runs the practice app headless (Textual's Pilot) with the learned coder and the local model
loaded, plays ten turns, and reports the process's peak resident memory.
"""

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

from simulator import locations
from simulator.content.scenario_loader import load_scenario
from simulator.patient.backends import Message, OnText
from simulator.patient.backends.local import LocalBackend
from simulator.patient.model_store import locate
from simulator.patient.realiser import Realiser
from simulator.practice.loading import ready
from simulator.practice.session import Session

STYLES = Path(__file__).resolve().parent.parent / "simulator" / "authoring" / "styles"


def now() -> tuple[float, float]:
    """Wall-clock seconds, and this process's CPU seconds: on a busy machine the second is what a quiet one takes
    (with one torch thread; with more it also counts their waiting)."""
    return time.perf_counter(), time.process_time()


class Timed:
    """Wraps a local backend to time each generation's first token and its decoding, on both clocks."""

    def warm(self, messages: list[Message]) -> None:
        self.backend.warm(messages)

    def __init__(self, backend: LocalBackend) -> None:
        self.backend = backend
        self.name = backend.name
        self.started = (0.0, 0.0)
        self.first: tuple[float, float] | None = None
        self.calls: list[tuple[tuple[float, float], int, int]] = []  # (tokens/s on each clock, reused, prefilled)

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        stamps: list[tuple[float, float]] = []

        def timed(text: str) -> bool:
            stamps.append(now())
            if self.first is None:
                self.first = (stamps[-1][0] - self.started[0], stamps[-1][1] - self.started[1])
            return on_text(text) if on_text is not None else True

        text = self.backend.generate(messages, seed=seed, max_new_tokens=max_new_tokens, on_text=timed)
        rates = tuple((len(stamps) - 1) / (stamps[-1][c] - stamps[0][c]) if len(stamps) > 2 else 0.0 for c in (0, 1))
        self.calls.append(((rates[0], rates[1]), self.backend.reused, self.backend.prefilled))
        return text


def utterances(turns: int) -> list[str]:
    lines = [line for style in ("person-centred.txt", "checklist.txt", "lecturing.txt")
             for line in (STYLES / style).read_text().splitlines() if line.strip()]
    return (lines * (turns // len(lines) + 1))[:turns]


FRESH_LOAD = """
import sys, time
started = time.perf_counter(), time.process_time()
from pathlib import Path
from simulator.patient.backends.local import LocalBackend
backend = LocalBackend(Path(sys.argv[1]), dtype=sys.argv[2])
print(time.perf_counter() - started[0], time.process_time() - started[1])
"""


def installed(model: str) -> Path:
    path = locate(model)
    if path is None:
        sys.exit(f"model '{model}' is not installed: run 'simulator models pull'")
    return path


def speed(model: str, turns: int, dtype: str) -> None:
    import torch

    path = installed(model)
    fresh = [subprocess.run([sys.executable, "-c", FRESH_LOAD, str(path), dtype], capture_output=True, text=True,
                            check=True).stdout.split() for _ in range(3)]
    started = time.perf_counter()
    backend = LocalBackend(path, dtype=dtype)
    load = time.perf_counter() - started
    timed = Timed(backend)
    realiser = Realiser(timed)
    rates: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        scenario_file = load_scenario(locations.builtin_scenario_dir() / "p2-widow-copd.yaml")
        started = time.perf_counter()
        realiser.prepare(scenario_file.scenario)  # as the app does while the trainee reads the letter
        warm = time.perf_counter() - started
        session = Session.start(scenario_file, seed=3, directory=Path(folder), voice=ready(realiser))
        print(f"model: {backend.name}, {backend.precision}, {torch.get_num_threads()} torch threads; figures are "
              f"wall clock (CPU time)\nload in a fresh process (imports included), median of 3: "
              f"{statistics.median(float(f[0]) for f in fresh):.2f} s ({statistics.median(float(f[1]) for f in fresh):.2f}"
              f" s); in this one {load:.2f} s; then {warm * 1000:.0f} ms to read the prompt's fixed start")
        firsts: list[float] = []
        for turn, line in enumerate(utterances(turns), 1):
            session.read_ahead()  # as the app has the model do while the trainee types (not timed)
            timed.first, timed.calls = None, []
            timed.started = now()
            session.say(line)
            rates += [rate for rate, _, _ in timed.calls if rate[0]]
            firsts += [timed.first[0]] if timed.first is not None else []
            if turn in (1, 10, 30) or turn == turns:
                _, reused, prefilled = timed.calls[0]
                first = (f"{timed.first[0] * 1000:.0f} ms ({timed.first[1] * 1000:.0f} ms)"
                         if timed.first is not None else "-")
                print(f"turn {turn:>2}: time to first token {first}; prompt tokens from cache {reused}, "
                      f"read afresh {prefilled}; attempts {len(timed.calls)}")
    print(f"every turn: time to first token median {statistics.median(firsts) * 1000:.0f} ms, "
          f"90th percentile {statistics.quantiles(firsts, n=10)[-1] * 1000:.0f} ms, "
          f"longest {max(firsts) * 1000:.0f} ms over {len(firsts)} turns")
    print(f"decoding: median {statistics.median(r[0] for r in rates):.1f} tokens/s "
          f"({statistics.median(r[1] for r in rates):.1f}) over {len(rates)} generations")


def agreement(model: str) -> None:
    """Top-1 agreement and KL divergence from float32, teacher-forced on float32's greedy continuations."""
    import torch

    from simulator.content.scenario_loader import discover
    from simulator.patient.backends.local import bf16_is_fast
    from simulator.patient.prompt import preamble

    path = installed(model)
    reference = LocalBackend(path, dtype="float32")
    candidates = {"float32 (transformers)": reference}
    if (path / "int8.safetensors").is_file():
        candidates["int8"] = LocalBackend(path)
    candidates["bfloat16 (transformers)"] = LocalBackend(path, dtype="bfloat16")
    if not bf16_is_fast():
        print("bfloat16 is emulated on this CPU: its figures are for comparison, the backend never chooses it")
    first_turn = {"role": "user", "content": "Nurse: How have things been since we last met?\nThe patient answers "
                  "the question.\nMeaning: I've been alright, mostly. The stairs are harder than they were."}
    totals = {name: [0, 0, 0.0] for name in candidates}
    scenarios, _ = discover([locations.builtin_scenario_dir()])
    with torch.inference_mode():
        for found in scenarios:
            ids = reference.prompt_ids([*preamble(found.scenario), first_turn])
            runtime, sequence = reference._runtime, list(ids)
            logits = runtime.feed(ids, 0)
            for _ in range(40):  # float32's greedy reply: the text every precision reads
                token = int(logits.argmax())
                if token in runtime.stops:
                    break
                logits = runtime.feed([token], len(sequence))
                sequence.append(token)
            expected = _next_logits(reference, ids, sequence)
            for name, backend in candidates.items():
                got = _next_logits(backend, ids, sequence)
                divergence = torch.nn.functional.kl_div(got.log_softmax(-1), expected.log_softmax(-1),
                                                        log_target=True, reduction="none").sum(-1)
                totals[name][0] += int((got.argmax(-1) == expected.argmax(-1)).sum())
                totals[name][1] += len(expected)
                totals[name][2] += float(divergence.sum())
    for name, (same, count, summed) in totals.items():
        print(f"{name}: most likely next token as float32's {same}/{count} ({same / count:.1%}); "
              f"mean KL divergence {summed / count:.4f}")


def _next_logits(backend: LocalBackend, prompt: list[int], sequence: list[int]):  # noqa: ANN202 - a torch.Tensor
    """The next-token logits at each position from the end of `prompt` on, the prompt read at once and the rest
    token by token, as a reply is written."""
    import torch

    runtime = backend._runtime
    logits = [runtime.feed(prompt, 0)]
    logits += [runtime.feed([sequence[i]], i) for i in range(len(prompt), len(sequence) - 1)]
    return torch.stack(logits)


def stall(model: str) -> None:
    """The longest the main thread waited for the GIL while the model loaded on another thread."""
    path = installed(model)
    done = threading.Event()
    loaded: list[LocalBackend] = []

    def load() -> None:
        loaded.append(LocalBackend(path))
        done.set()

    loader = threading.Thread(target=load)
    gaps: list[float] = []
    started = last = time.perf_counter()
    loader.start()
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    loader.join()
    gaps.sort()
    print(f"loading {loaded[0].precision} on a thread took {last - started:.2f} s; the main thread, waking every "
          f"millisecond, waited at most {gaps[-1] * 1000:.0f} ms (99th percentile {gaps[int(len(gaps) * 0.99)] * 1000:.1f} "
          f"ms, {sum(g > 0.05 for g in gaps)} waits over 50 ms)")


async def app_memory(model: str) -> None:
    from textual.widgets import Input

    from simulator.app.config import AppConfig
    from simulator.app.practice.app import SimulatorApp
    from simulator.app.practice.picker import Choice
    from simulator.settings import PatientSettings

    scenario = load_scenario(locations.builtin_scenario_dir() / "p2-widow-copd.yaml")
    with tempfile.TemporaryDirectory() as folder:
        config = AppConfig(session_dir=Path(folder), seed=1, coder="learned", watch_scenarios=False,
                           patient=PatientSettings(backend="local", model=model))
        app = SimulatorApp(config, start=Choice(scenario, None))
        async with app.run_test(size=(100, 32)) as pilot:
            while not (app.kit.voice().done() and app.kit.coder().done()):
                await pilot.pause(0.2)
            await pilot.press("f5")  # from the preparation screen into the conversation
            await pilot.pause(0.5)
            for line in utterances(10):
                app.screen.query_one(Input).value = line
                await pilot.press("enter")
                await app.workers.wait_for_complete()
                await pilot.pause()
            realiser, coder = app.kit.voice().result(), app.kit.coder().result().coder
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if realiser is None:
        sys.exit("the model did not load in the app")
    print(f"app with {realiser.backend.name} and coder {coder.version}, 10 turns: peak resident memory {peak:.0f} MB")


def main() -> None:
    threads = next((a.split("=")[1] for a in sys.argv if a.startswith("--threads=")), None)
    if threads:  # before torch starts: the backend then keeps to it (else it uses half the cores)
        os.environ["OMP_NUM_THREADS"] = threads
    if "--stall" in sys.argv:  # torch is imported on the loading thread, as in the app: the machine after
        stall(parser_args().model)
        print(describe())
        return
    print(describe())
    args = parser_args()
    if args.app:
        asyncio.run(app_memory(args.model))
    elif args.agreement:
        agreement(args.model)
    else:
        speed(args.model, args.turns, args.dtype)


def parser_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--threads", type=int, help="torch's threads, as --threads=N (default: the backend's choice)")
    parser.add_argument("--app", action="store_true", help="measure the whole app's peak memory instead")
    parser.add_argument("--agreement", action="store_true", help="compare each precision's next tokens with float32")
    parser.add_argument("--stall", action="store_true", help="the main thread's longest wait while a model loads")
    return parser.parse_args()


if __name__ == "__main__":
    main()

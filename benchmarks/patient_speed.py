"""Speed and memory of the local patient model on this machine.

Run: .venv/bin/python benchmarks/patient_speed.py [--model NAME_OR_PATH] [--turns 30]
     .venv/bin/python benchmarks/patient_speed.py --app     (peak memory of the whole app, headless)

The first form loads the model, then plays a consultation of `--turns` trainee turns through a real
session (rule coder, scripted engine, realiser with its checks and retries) and reports, at turns 1,
10 and 30: time to first token (from the trainee's Enter to the model's first token of the reply,
so it includes coding, the engine, building and tokenising the prompt and the prefill), how many
prompt tokens came from the key-value cache and how many were read afresh; and the decoding rate.

The second form runs the practice app headless (Textual's Pilot) with the learned coder and the
local model loaded, plays ten turns, and reports the process's peak resident memory.
"""

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
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


class Timed:
    """Wraps a local backend to time each generation's first token and its decoding."""

    def warm(self, messages: list[Message]) -> None:
        self.backend.warm(messages)

    def __init__(self, backend: LocalBackend) -> None:
        self.backend = backend
        self.name = backend.name
        self.started = 0.0
        self.first: float | None = None
        self.stamps: list[float] = []
        self.calls: list[tuple[float, float, int, int]] = []  # (first token s, tok/s, reused, prefilled)

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        stamps: list[float] = []

        def timed(text: str) -> bool:
            stamps.append(time.perf_counter())
            if self.first is None:
                self.first = stamps[-1] - self.started
            return on_text(text) if on_text is not None else True

        called = time.perf_counter()
        text = self.backend.generate(messages, seed=seed, max_new_tokens=max_new_tokens, on_text=timed)
        rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 2 else 0.0
        self.calls.append((stamps[0] - called if stamps else 0.0, rate, self.backend.reused, self.backend.prefilled))
        return text


def utterances(turns: int) -> list[str]:
    lines = [line for style in ("person-centred.txt", "checklist.txt", "lecturing.txt")
             for line in (STYLES / style).read_text().splitlines() if line.strip()]
    return (lines * (turns // len(lines) + 1))[:turns]


def speed(model: str, turns: int) -> None:
    path = locate(model)
    if path is None:
        sys.exit(f"model '{model}' is not installed: run 'simulator models pull'")
    started = time.perf_counter()
    backend = LocalBackend(path)
    load = time.perf_counter() - started
    timed = Timed(backend)
    realiser = Realiser(timed)  # type: ignore[arg-type]
    rates: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        scenario_file = load_scenario(locations.builtin_scenario_dir() / "p2-widow-copd.yaml")
        started = time.perf_counter()
        realiser.prepare(scenario_file.scenario)  # as the app does while the trainee reads the letter
        warm = time.perf_counter() - started
        session = Session.start(scenario_file, seed=3, directory=Path(folder), voice=ready(realiser))
        print(f"model: {backend.name}; load {load:.2f} s, then {warm * 1000:.0f} ms to read the prompt's fixed start")
        for turn, line in enumerate(utterances(turns), 1):
            timed.first, timed.calls = None, []
            timed.started = time.perf_counter()
            session.say(line)
            rates += [rate for _, rate, _, _ in timed.calls if rate]
            if turn in (1, 10, 30) or turn == turns:
                _, _, reused, prefilled = timed.calls[0]
                first = f"{timed.first * 1000:.0f} ms" if timed.first is not None else "-"
                print(f"turn {turn:>2}: time to first token {first}; prompt tokens from cache {reused}, "
                      f"read afresh {prefilled}; attempts {len(timed.calls)}")
    print(f"decoding: median {statistics.median(rates):.1f} tokens/s over {len(rates)} generations")


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
            await pilot.pause(0.5)
            for line in utterances(10):
                app.screen.query_one(Input).value = line
                await pilot.press("enter")
                await app.workers.wait_for_complete()
                await pilot.pause()
            realiser, coder = app.kit.voice().result(), app.kit.coder().result().coder
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"app with {realiser.backend.name} and coder {coder.version}, 10 turns: peak resident memory {peak:.0f} MB")


def main() -> None:
    print(describe())
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--app", action="store_true", help="measure the whole app's peak memory instead")
    args = parser.parse_args()
    if args.app:
        asyncio.run(app_memory(args.model))
    else:
        speed(args.model, args.turns)


if __name__ == "__main__":
    main()

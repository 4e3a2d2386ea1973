"""Time from launching the app to its first screen being ready, over fresh processes, beside a bare
Textual app measured in the same run.

Run: .venv/bin/python benchmarks/startup.py [RUNS]
Each run starts a new Python process that imports the command line and the app (as `simulator` does) and
runs the app headless until the scenario picker has mounted, so the figure includes interpreter start-up,
imports, building the command line's parser and scenario loading. The
bare app (a minimal Textual App that mounts one Static) is started the same way, alternating with the
app, so both see the same machine: on a busy machine the ratio of the two is the steadier figure.
"""

import statistics
import subprocess
import sys
import time

from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

APP = """
import asyncio, sys, time
t0 = time.perf_counter()
from simulator.cli import parser
from simulator.app.practice.app import SimulatorApp
parser()
imported = time.perf_counter() - t0
async def main():
    app = SimulatorApp()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        heavy = sorted(m for m in ("torch", "transformers", "numpy") if m in sys.modules)
        print(f"ready {imported:.4f} {','.join(heavy) or '-'} {type(app.screen).__name__}", flush=True)
asyncio.run(main())
"""

BARE = """
import asyncio, time
t0 = time.perf_counter()
from textual.app import App
from textual.widgets import Static
imported = time.perf_counter() - t0
class Bare(App[None]):
    def compose(self):
        yield Static("Hello")
async def main():
    app = Bare()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        print(f"ready {imported:.4f} - Bare", flush=True)
asyncio.run(main())
"""


def launch(code: str) -> tuple[float, list[str]]:
    """Seconds from starting a fresh interpreter on `code` to its first line, and that line's words."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline().split()
    elapsed = time.perf_counter() - started
    child.wait()
    return elapsed, line


def main() -> None:
    print(describe())
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    firsts, imports, bares, bare_imports = [], [], [], []
    heavy = screen = "-"
    for _ in range(runs):
        elapsed, line = launch(APP)
        firsts.append(elapsed)
        imports.append(float(line[1]))
        heavy, screen = line[2], line[3]
        elapsed, line = launch(BARE)
        bares.append(elapsed)
        bare_imports.append(float(line[1]))
    app, bare = statistics.median(firsts), statistics.median(bares)
    print(f"runs: {runs}; first screen: {screen}; heavy modules loaded: {heavy}")
    print(f"app, launch to first screen: median {app * 1000:.0f} ms, max {max(firsts) * 1000:.0f} ms; "
          f"importing the app: median {statistics.median(imports) * 1000:.0f} ms")
    print(f"bare Textual app, launch to first screen: median {bare * 1000:.0f} ms, max {max(bares) * 1000:.0f} ms; "
          f"importing Textual: median {statistics.median(bare_imports) * 1000:.0f} ms")
    print(f"app / bare: {app / bare:.2f}x (goal: under 500 ms, or within 1.5x)")


if __name__ == "__main__":
    main()

"""Time from launching the app to its first screen being ready, over fresh processes.

Run: .venv/bin/python benchmarks/startup.py [RUNS]
Each run starts a new Python process that imports the app and runs it headless until the scenario
picker has mounted, so the figure includes interpreter start-up, imports and scenario loading.
"""

import statistics
import subprocess
import sys
import time

from machine import describe

CHILD = """
import asyncio, sys, time
t0 = time.perf_counter()
from simulator.app.practice.app import SimulatorApp
imported = time.perf_counter() - t0
async def main():
    app = SimulatorApp()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
        print(f"ready {imported:.4f} {','.join(heavy) or '-'} {type(app.screen).__name__}", flush=True)
asyncio.run(main())
"""


def main() -> None:
    print(describe())
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    firsts, imports = [], []
    for _ in range(runs):
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        line = child.stdout.readline().split()
        firsts.append(time.perf_counter() - started)
        child.wait()
        imports.append(float(line[1]))
        heavy, screen = line[2], line[3]
    print(f"runs: {runs}; first screen: {screen}; heavy modules loaded: {heavy}")
    print(f"launch to first screen: median {statistics.median(firsts) * 1000:.0f} ms, "
          f"max {max(firsts) * 1000:.0f} ms")
    print(f"importing the app: median {statistics.median(imports) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

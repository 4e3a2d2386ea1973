"""How long `simulator scenario draft` takes, start to finish, with the local model and the learned coder.

Run: .venv/bin/python benchmarks/draft_speed.py [RUNS] [--archetype P1]
Each run is the whole command in a fresh process (imports, loading the model and the coder, rewording the
lines, writing and loading the file), as a trainer runs it. Prints the machine first (set
ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 to measure as on an AVX2-only laptop), then each run's
seconds, how many lines the model reworded, and the median.
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

COMMAND = ["--name", "Ann Lee", "--age", "64", "--occupation", "School cook", "--conditions", "COPD",
           "--context", "Lives with her husband Ray; minds her grandson two days a week."]


def main() -> None:
    print(describe())
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", type=int, nargs="?", default=3)
    parser.add_argument("--archetype", default="P1")
    args = parser.parse_args()
    simulator = Path(sys.executable).with_name("simulator")
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            out = Path(folder) / f"draft-{run}.yaml"
            started = time.perf_counter()
            done = subprocess.run([str(simulator), "scenario", "draft", "--archetype", args.archetype, "--out",
                                   str(out), "--seed", str(run), *COMMAND], capture_output=True, text=True,
                                  timeout=1800, check=False)
            seconds.append(time.perf_counter() - started)
            said = re.search(r"(\d+) lines reworded by the model, (\d+) kept", done.stderr)
            outcome = f"{said[1]} reworded, {said[2]} kept" if said else done.stderr.strip()[-300:]
            print(f"run {run + 1}: {seconds[-1]:.1f} s, exit {done.returncode}, {outcome}")
    print(f"median {statistics.median(seconds):.1f} s over {args.runs} runs")


if __name__ == "__main__":
    main()

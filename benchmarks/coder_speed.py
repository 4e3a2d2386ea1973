"""Coding speed of the learned coder on this CPU: batch throughput and single-utterance latency.

    .venv/bin/python benchmarks/coder_speed.py
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))

import torch  # noqa: E402
from annomi import load_examples  # noqa: E402
from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

from simulator.coding.coder import RuleCoder, learned_coder  # noqa: E402


def main() -> None:
    print(describe())
    examples = load_examples()[:1024]
    texts, contexts = [e.text for e in examples], [e.context for e in examples]
    permissions = [False] * len(texts)
    started = time.perf_counter()
    coder = learned_coder()
    print(f"load: {time.perf_counter() - started:.2f} s ({coder.version}; torch threads {torch.get_num_threads()})")
    coder.code_batch(texts[:64], contexts[:64], permissions[:64])  # warm-up
    for name, each in (("learned", coder), ("rules", RuleCoder())):
        started = time.perf_counter()
        each.code_batch(texts, contexts, permissions)
        elapsed = time.perf_counter() - started
        print(f"{name}: batch of {len(texts)}: {len(texts) / elapsed:.0f} utterances/s")
    latencies = []
    for text, context in zip(texts[:100], contexts[:100], strict=True):
        started = time.perf_counter()
        coder.code_batch([text], [context], [False])
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    print(f"learned: one utterance: median {1000 * statistics.median(latencies):.1f} ms, "
          f"95th percentile {1000 * latencies[94]:.1f} ms")


if __name__ == "__main__":
    main()

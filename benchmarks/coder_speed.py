"""Coding speed on this CPU: real AnnoMI therapist turns (long ones included) split into utterances and
coded in one batch, and one live turn at a time, in float32 and, where the CPU has it natively, bfloat16.

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

from simulator.coding.coder import RuleCoder, code_turns, learned_coder  # noqa: E402
from simulator.coding.learned import LearnedCoder  # noqa: E402
from simulator.coding.network import fast_bfloat16  # noqa: E402
from simulator.coding.utterances import split  # noqa: E402


def main() -> None:
    print(describe())
    examples = load_examples()[:1024]
    texts, contexts = [e.text for e in examples], [e.context for e in examples]
    permissions = [False] * len(texts)
    utterances = sum(len(split(t)) or 1 for t in texts)
    started = time.perf_counter()
    coder = learned_coder()
    assert isinstance(coder, LearnedCoder)
    print(f"load: {time.perf_counter() - started:.2f} s ({coder.version}; torch threads {torch.get_num_threads()}; "
          f"bfloat16 native here: {fast_bfloat16()})")
    precisions = [False, True] if fast_bfloat16() else [False]
    for bfloat16 in precisions:
        coder._encoder.bfloat16 = bfloat16
        name = "bfloat16" if bfloat16 else "float32"
        code_turns(coder, texts[:64], contexts[:64], permissions[:64])  # warm-up
        started = time.perf_counter()
        code_turns(coder, texts, contexts, permissions)
        elapsed = time.perf_counter() - started
        print(f"learned, {name}: {len(texts)} turns ({utterances} utterances) in {elapsed:.1f} s: "
              f"{utterances / elapsed:.0f} utterances/s, {len(texts) / elapsed:.0f} turns/s")
        latencies = []
        for text, context in zip(texts[:200], contexts[:200], strict=True):
            started = time.perf_counter()
            code_turns(coder, [text], [context], [False])
            latencies.append(time.perf_counter() - started)
        latencies.sort()
        print(f"learned, {name}: one live turn: median {1000 * statistics.median(latencies):.1f} ms, "
              f"95th percentile {1000 * latencies[189]:.1f} ms")
    started = time.perf_counter()
    code_turns(RuleCoder(), texts, contexts, permissions)
    print(f"rules: {utterances / (time.perf_counter() - started):.0f} utterances/s")


if __name__ == "__main__":
    main()

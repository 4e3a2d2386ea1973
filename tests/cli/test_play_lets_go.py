"""`play --out` lets go of the visit it wrote, so that the app or `resume` can carry it on at once, in the same
process too, whatever the garbage collector has or has not yet done."""

import gc
from pathlib import Path

from simulator.cli import main
from simulator.storage.transcript import TranscriptWriter


def test_a_played_visit_can_be_taken_up_straight_away(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("What matters most to you at the moment?\n", encoding="utf-8")
    out = tmp_path / "played"
    gc.disable()  # nothing collected behind the test's back: the lock must be let go of on purpose
    try:
        assert main(["play", "p2-widow-copd", "--script", str(script), "--out", str(out), "--coder", "rules"]) == 0
        TranscriptWriter(next(out.glob("*.jsonl"))).close()
    finally:
        gc.enable()

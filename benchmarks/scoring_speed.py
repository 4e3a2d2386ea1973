"""Scoring long transcripts: read, score, the feedback report and `library add`, at 1,000 to 200,000 events.

Run: .venv/bin/python benchmarks/scoring_speed.py [EVENTS ...]   (default 1000 4000 16000 200000)
Each transcript is the built-in trainee styles' lines (coded once by the rule coder) said in turn, each
answered by the patient, written with the transcript writer's format in a temporary folder. Scoring was
quadratic in the number of turns until it paired each turn with the next in one pass: the figures of
one size against the next show whether it still grows in proportion.
"""

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

from simulator.authoring.playtest import STYLES, builtin_style
from simulator.coding.coder import RuleCoder, code_turns
from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import resolve
from simulator.quality.library import Library
from simulator.scoring.report import build_report
from simulator.scoring.scored_transcript import score_recorded
from simulator.storage.events import Event, PatientTurn, SessionStarted, TraineeTurn
from simulator.storage.transcript import read_transcript, write_transcript

SCENARIO = "p2-widow-copd"
REPLY = "I don't know, really. I used to sing in the choir, before all this."


def transcript(path: Path, events: int) -> None:
    """Write a transcript of `events` events (a header, then trainee and patient turns in turn)."""
    lines = [line for style in STYLES for line in builtin_style(style)]
    codes = code_turns(RuleCoder(), lines, [REPLY] * len(lines), [False] * len(lines))
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    written: list[Event] = [SessionStarted(
        seq=0, at=at, session_id=path.stem, product_version="benchmark", scenario_id=SCENARIO,
        scenario_title="benchmark", scenario_path=str(path), scenario_hash="", seed=0)]
    while len(written) < events:
        turn = len(written) // 2 + 1
        index = (turn - 1) % len(lines)
        written.append(TraineeTurn(seq=len(written), at=at, turn=turn, text=lines[index],
                                   codes=sorted(codes[index].codes), coder=RuleCoder.version))
        if len(written) < events:
            written.append(PatientTurn(seq=len(written), at=at, turn=turn, text=REPLY))
    write_transcript(path, written)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    print(describe())
    sizes = [int(arg) for arg in sys.argv[1:]] or [1000, 4000, 16000, 200000]
    rubric, scenario = load_rubric(), resolve(SCENARIO).scenario
    print(f"{'events':>8} {'turns':>7} {'MB':>6} {'read':>8} {'score':>8} {'feedback':>9} {'library add':>12}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "transcripts"
            path = folder / f"long-{size}.jsonl"
            transcript(path, size)
            read = read_transcript(path)
            turns = sum(isinstance(e, TraineeTurn) for e in read.events)
            reading = timed(partial(read_transcript, path))
            scoring = timed(partial(score_recorded, read, rubric))
            feedback = timed(partial(build_report, read, rubric, scenario))
            with Library.open(Path(scratch) / "library.sqlite3") as library:
                indexing = timed(partial(library.add, folder))
            print(f"{size:>8} {turns:>7} {path.stat().st_size / 1e6:>6.1f} {reading:>7.2f}s {scoring:>7.2f}s "
                  f"{feedback:>8.2f}s {indexing:>11.2f}s", flush=True)


if __name__ == "__main__":
    main()

"""The transcript library at scale: build, index, rescan, and list / filter / open, in the core and in the app.

Run: .venv/bin/python benchmarks/library_speed.py [COUNT]   (default 10000 transcripts, 20 trainees)
Everything happens in a temporary folder. Each list, filter and open is timed over several repeats and
the median and worst are printed; app figures are from the review app running headless at 120x36.
"""

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

from simulator.authoring.playtest import STYLES, builtin_style
from simulator.content.scenario_loader import resolve
from simulator.practice.session import Session
from simulator.quality.library import Filter, Library
from simulator.quality.reviewing import open_review
from simulator.quality.sample_library import build_sample_library

LONG_TURNS = 300

REPEATS = 7


def timed(label: str, action: Callable[[], object], repeats: int = REPEATS) -> None:
    """Print the median and worst wall time of `action` in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(1000 * (time.perf_counter() - started))
    print(f"  {label:52} median {statistics.median(times):7.1f} ms   worst {max(times):7.1f} ms")


def core(library: Library, sample: Path) -> None:
    shown = Filter(limit=500)
    print("core (SQLite index), the first 500 rows of each:")
    timed("list, newest first", lambda: library.rows(shown))
    timed("filter: one trainee", lambda: library.rows(Filter(trainee="Trainee 07", limit=500)))
    timed("filter: one scenario, sorted by overall", lambda: library.rows(
        Filter(scenario="p2-widow-copd", sort="overall", limit=500)))
    timed("filter: overall 40-70, not reviewed", lambda: library.rows(
        Filter(min_overall=40, max_overall=70, reviewed=False, limit=500)))
    timed("filter: search text 'Ellis'", lambda: library.rows(Filter(text="Ellis", limit=500)))
    timed("count of all matching (the status line)", lambda: library.count(Filter()))
    timed("open: read, verify, score one transcript + annotations", lambda: open_review(sample, library.rubric))
    timed("progress of one trainee (500 sessions)", lambda: library.progress("Trainee 07"))


async def app(library: Library) -> None:
    from simulator.app.review.app import ReviewApp
    from simulator.app.review.library import LibraryScreen
    from simulator.app.review.transcript import ReviewScreen

    print("review app (headless, 120x36):")
    review_app = ReviewApp(library, "bench", rescan=False)
    async with review_app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = review_app.screen
        assert isinstance(screen, LibraryScreen)

        async def measure(label: str, keys: list[str], done: Callable[[], bool]) -> None:
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                await pilot.press(*keys)
                while not done():
                    await pilot.pause()
                times.append(1000 * (time.perf_counter() - started))
                if isinstance(review_app.screen, ReviewScreen):
                    await pilot.press("escape")
                    await pilot.pause()
            print(f"  {label:52} median {statistics.median(times):7.1f} ms   worst {max(times):7.1f} ms")

        # What the test harness itself costs per key: subtract it for what a user would wait.
        await measure("baseline: a key bound to nothing (harness cost)", ["x"], lambda: True)
        await measure("list: toggle the trainee filter (t) and redraw", ["t"], lambda: True)
        await measure("sort: next order (s) and redraw 500 rows", ["s"], lambda: True)
        await measure("open: Enter to the review screen drawn", ["enter"],
                      lambda: isinstance(review_app.screen, ReviewScreen))
        screen.filter = Filter(trainee="Trainee long", limit=500)
        screen.refresh_rows()
        await measure(f"open: a {LONG_TURNS}-turn transcript", ["enter"],
                      lambda: isinstance(review_app.screen, ReviewScreen))


def long_session(folder: Path) -> Path:
    """One practice transcript of LONG_TURNS trainee turns (the sample ones have 12), to open."""
    lines = [line for style in STYLES for line in builtin_style(style)]
    session = Session.start(resolve("p2-widow-copd"), seed=0, directory=folder / "long", trainee="Trainee long")
    for turn in range(LONG_TURNS):
        session.say(lines[turn % len(lines)])
    session.end()
    return session.path


def main() -> None:
    print(describe())
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "transcripts"
        started = time.perf_counter()
        written = build_sample_library(folder, count)
        long_session(folder)
        print(f"built {len(written)} transcripts in {time.perf_counter() - started:.1f} s "
              f"({sum(p.stat().st_size for p in written) / 1e6:.0f} MB)")
        with Library.open(Path(scratch) / "library.sqlite3") as library:
            started = time.perf_counter()
            report = library.add(folder)
            took = time.perf_counter() - started
            print(f"indexed {report.indexed} in {took:.1f} s ({1000 * took / max(1, report.indexed):.2f} ms each)")
            started = time.perf_counter()
            library.scan()
            print(f"rescan, nothing changed: {time.perf_counter() - started:.2f} s")
            for path in written[:100]:
                path.write_bytes(path.read_bytes())
            started = time.perf_counter()
            report = library.scan()
            print(f"rescan, 100 files rewritten: {time.perf_counter() - started:.2f} s ({report.indexed} re-indexed)")
            print(f"index file: {(Path(scratch) / 'library.sqlite3').stat().st_size / 1e6:.1f} MB")
            core(library, written[len(written) // 2])
            asyncio.run(app(library))


if __name__ == "__main__":
    main()

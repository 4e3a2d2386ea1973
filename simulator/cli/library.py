"""Command-line work for quality assurers: the library, agreement figures and exports."""

import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from simulator.errors import ContentError, Problem
from simulator.quality.library import Filter, Library, ScanReport, day

NO_FOLDERS = "The library has no folders yet: simulator library add FOLDER"


def _progress(done: int, total: int) -> None:
    if total >= 200:
        print(f"\r{done}/{total} transcripts", end="\n" if done == total else "", file=sys.stderr, flush=True)


def _report(report: ScanReport) -> None:
    for problem in report.warnings:
        print(f"warning: {problem}", file=sys.stderr)
    for problem in report.skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    print(f"indexed {report.indexed}, unchanged {report.unchanged}, removed {report.removed}, "
          f"skipped {len(report.skipped)}", file=sys.stderr)


def run_add(folders: list[Path]) -> int:
    """`simulator library add FOLDER...`."""
    with Library.open() as library:
        for folder in folders:
            _report(library.add(folder, _progress))
    return 0


def run_scan() -> int:
    """`simulator library scan`: pick up new, changed and removed files in every folder added."""
    with Library.open() as library:
        if not library.folders:
            print(NO_FOLDERS, file=sys.stderr)
            return 1
        _report(library.scan(_progress))
    return 0


def run_sample(folder: Path, count: int, trainees: int) -> int:
    """`simulator library sample FOLDER`: write sample transcripts (then `library add FOLDER` to index them)."""
    from simulator.quality.sample_library import build_sample_library

    if count < 1 or trainees < 1:
        print("error: --count and --trainees must be at least 1", file=sys.stderr)
        return 2
    written = build_sample_library(folder, count, trainees)
    print(f"wrote {len(written)} transcripts to {folder}; index them with: simulator library add {folder}",
          file=sys.stderr)
    return 0


def parse_day(text: str) -> datetime:
    """A date (YYYY-MM-DD, UTC) from the command line; ContentError saying how to write it otherwise."""
    try:
        return day(text)
    except ValueError:
        raise ContentError([Problem(Path(text), 0, 0, "not a date; write it as YYYY-MM-DD")]) from None


def run_list(chosen: Filter, as_json: bool) -> int:
    """`simulator library list`: the transcripts that pass the filter."""
    with Library.open() as library:
        rows = library.rows(chosen)
        total = library.count(chosen)
    for row in rows:
        if as_json:
            print(json.dumps(asdict(row), default=str))
            continue
        marks = "".join(m for m, on in (("R", row.reviewed), ("F", row.flagged), ("!", row.integrity == "altered"))
                        if on)
        print(f"{row.started:%Y-%m-%d %H:%M}  {row.overall:5.1f}  {marks:3}  {row.trainee[:20]:20}  "
              f"{row.scenario_title[:50]:50}  {row.path}")
    if not as_json:
        print(f"{len(rows)} of {total} shown (R reviewed, F flagged, ! altered)", file=sys.stderr)
    return 0


def run_agreement(as_json: bool) -> int:
    """`simulator agreement`: engine against each reviewer, reviewers against each other and experts."""
    from simulator.quality.agreement import figures, ratings

    with Library.open() as library:
        found = figures(ratings(library))
    if not found:
        print("No two raters have judged the same things yet: review some transcripts (simulator review), "
              "or add imported AnnoMI transcripts to the library.", file=sys.stderr)
        return 1
    pair = None
    for figure in found:
        if as_json:
            print(json.dumps(asdict(figure) | {"percent": round(figure.percent, 1), "reading": figure.reading}))
            continue
        if (figure.first, figure.second) != pair:
            pair = (figure.first, figure.second)
            print(f"\n{figure.first} vs {figure.second}")
            print(f"  {'what':34} {'n':>5} {'agree':>6} {'kappa':>6}")
        kappa = "—" if figure.kappa is None else f"{figure.kappa:.2f}"
        weighted = "w" if figure.weighted else " "
        print(f"  {figure.kind + ': ' + figure.name:34} {figure.items:5} {figure.percent:5.0f}% {kappa:>6}{weighted}"
              f"  {figure.reading}")
    if not as_json:
        print("\nkappa: Cohen's, on the items both judged; w: linearly weighted (ordinal levels).")
    return 0


def run_export_html(path: Path, out: Path) -> int:
    """`simulator export html TRANSCRIPT --out FILE`."""
    from simulator.quality.html_report import render_report
    from simulator.quality.reviewing import open_review

    with Library.open() as library:
        under = open_review(path, library.rubric)
        points = library.progress(under.trainee) if under.trainee else []
    for problem in under.read.problems + under.review.problems:
        print(f"warning: {problem}", file=sys.stderr)
    out.write_text(render_report(under, points), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


def run_export_csv(kind: str, out: Path) -> int:
    """`simulator export scores|annotations --out FILE.csv`."""
    from simulator.quality.exports import write_annotations_csv, write_scores_csv

    with Library.open() as library:
        count = (write_scores_csv if kind == "scores" else write_annotations_csv)(library, out)
    print(f"wrote {count} rows to {out}", file=sys.stderr)
    return 0

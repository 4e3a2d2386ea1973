"""Command-line work for quality assurers: the library, agreement figures and exports."""

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.cli.options import Choices
from simulator.errors import ContentError, Problem

# The library is imported when a command runs: `simulator` (the app) builds this group's parser too.
if TYPE_CHECKING:
    from simulator.quality.library import Filter, ScanReport

NO_FOLDERS = "The library has no folders yet: simulator library add FOLDER"
# `library list`'s columns: the header, and how wide each is (0: as wide as it needs, the last).
LIST_COLUMNS = (("Date (UTC)", 16), ("Overall", 7), ("Marks", 5), ("Trainee", 20), ("Scenario", 50), ("Path", 0))


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands."""
    library = commands.add_parser("library", help="the index of transcripts that quality assurers review")
    library_commands = library.add_subparsers(title="library commands", metavar="COMMAND", required=True)
    adder = library_commands.add_parser("add", help="add folders of transcripts (with subfolders) and index them")
    adder.add_argument("folders", type=Path, nargs="+")
    adder.set_defaults(handler=lambda a: run_add(a.folders))
    remover = library_commands.add_parser("remove", help="take folders, or single transcripts, out of the library "
                                          "(the files stay where they are)")
    remover.add_argument("paths", type=Path, nargs="+", help="a folder added before, or a transcript in one")
    remover.set_defaults(handler=lambda a: run_remove(a.paths))
    scanner = library_commands.add_parser("scan", help="pick up new, changed and removed files")
    scanner.set_defaults(handler=lambda a: run_scan())
    lister = library_commands.add_parser("list", help="list transcripts, filtered and sorted")
    lister.add_argument("--trainee")
    lister.add_argument("--scenario", help="scenario id")
    lister.add_argument("--since", help="first day, YYYY-MM-DD (UTC)")
    lister.add_argument("--until", help="day after the last, YYYY-MM-DD (UTC)")
    lister.add_argument("--min", type=float, dest="min_overall", help="lowest overall score")
    lister.add_argument("--max", type=float, dest="max_overall", help="highest overall score")
    lister.add_argument("--reviewed", action=argparse.BooleanOptionalAction, help="only (not) reviewed")
    lister.add_argument("--flagged", action=argparse.BooleanOptionalAction, help="only (not) flagged")
    lister.add_argument("--search", help="text in the trainee, scenario title or transcript id")
    lister.add_argument("--integrity", choices=Choices(_integrity), metavar="STATE",
                        help="only files in this state: %(choices)s")
    lister.add_argument("--sort", choices=["date", "overall", "trainee", "scenario"], default="date")
    lister.add_argument("--ascending", action="store_true")
    lister.add_argument("--limit", type=int)
    lister.add_argument("--json", action="store_true", help="one JSON object per transcript")
    lister.set_defaults(handler=_library_list)
    sampler = library_commands.add_parser("sample", help="write a sample library of practice transcripts to try")
    sampler.add_argument("folder", type=Path)
    sampler.add_argument("--count", type=int, default=200, help="how many transcripts (default 200)")
    sampler.add_argument("--trainees", type=int, help="spread over this many trainees (default: about eight "
                         "sessions each, at most 20 trainees)")
    sampler.set_defaults(handler=lambda a: run_sample(a.folder, a.count, a.trainees))

    review = commands.add_parser("review", help="review, annotate and flag transcripts in the library (app)")
    review.add_argument("--reviewer", help="your name on annotations (default: [user] name, else login name)")
    review.set_defaults(handler=_review)

    agreement = commands.add_parser("agreement", help="agreement of the engine, reviewers and AnnoMI experts")
    agreement.add_argument("--json", action="store_true", help="one JSON object per figure")
    agreement.set_defaults(handler=lambda a: run_agreement(a.json))

    export = commands.add_parser("export", help="an HTML report of a transcript, or CSV of the library")
    export_commands = export.add_subparsers(title="export commands", metavar="COMMAND", required=True)
    html = export_commands.add_parser("html", help="a printable, self-contained report of one transcript")
    html.add_argument("transcript", type=Path)
    html.add_argument("--out", type=Path, required=True)
    html.set_defaults(handler=lambda a: run_export_html(a.transcript, a.out))
    for kind, what in (("scores", "every transcript's overall and behaviour levels"),
                       ("annotations", "every human judgement")):
        csv_parser = export_commands.add_parser(kind, help=f"CSV of {what}")
        csv_parser.add_argument("--out", type=Path, required=True)
        csv_parser.set_defaults(handler=lambda a, kind=kind: run_export_csv(kind, a.out))


def _integrity() -> tuple[str, ...]:
    from simulator.quality.library import INTEGRITY

    return INTEGRITY


def _library_list(args: argparse.Namespace) -> int:
    from simulator.quality.library import Filter

    chosen = Filter(trainee=args.trainee, scenario=args.scenario,
                    since=parse_day(args.since) if args.since else None,
                    until=parse_day(args.until) if args.until else None,
                    min_overall=args.min_overall, max_overall=args.max_overall, reviewed=args.reviewed,
                    flagged=args.flagged, integrity=args.integrity, text=args.search, sort=args.sort,
                    descending=not args.ascending,
                    limit=args.limit)
    return run_list(chosen, args.json)


def _review(args: argparse.Namespace) -> int:
    from simulator.app.review.app import ReviewApp
    from simulator.quality.library import Library
    from simulator.settings import load_settings

    reviewer = (args.reviewer or load_settings().user_name).strip()
    if reviewer.lower() in ("", "engine", "annomi experts"):
        # Those names stand for the engine and AnnoMI's coders in the agreement figures.
        print(f"error: '{reviewer}' cannot be a reviewer's name; give yours with --reviewer", file=sys.stderr)
        return 2
    with Library.open() as library:
        if not library.folders:
            print(NO_FOLDERS, file=sys.stderr)
            return 1
        ReviewApp(library, reviewer).run()
    return 0


def _progress(done: int, total: int) -> None:
    if total >= 200:
        print(f"\r{done}/{total} transcripts", end="\n" if done == total else "", file=sys.stderr, flush=True)


def _report(report: "ScanReport") -> None:
    for problem in report.warnings:
        print(f"warning: {problem}", file=sys.stderr)
    for problem in report.skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    print(f"indexed {report.indexed}, unchanged {report.unchanged}, removed {report.removed}, "
          f"skipped {len(report.skipped)}", file=sys.stderr)


def run_add(folders: list[Path]) -> int:
    """`simulator library add FOLDER...`."""
    from simulator.quality.library import Library

    with Library.open() as library:
        for folder in folders:
            _report(library.add(folder, _progress))
    return 0


def run_remove(paths: list[Path]) -> int:
    """`simulator library remove PATH...`: forget folders or single transcripts (the files are not touched)."""
    from simulator.quality.library import Library

    status = 0
    with Library.open() as library:
        for path in paths:
            removed = library.remove(path)
            if removed is None:
                print(f"error: {path}: not a folder or transcript in the library (see: simulator library list)",
                      file=sys.stderr)
                status = 1
            else:
                print(f"removed from the library: {removed}", file=sys.stderr)
    return status


def run_scan() -> int:
    """`simulator library scan`: pick up new, changed and removed files in every folder added."""
    from simulator.quality.library import Library

    with Library.open() as library:
        if not library.folders:
            print(NO_FOLDERS, file=sys.stderr)
            return 1
        _report(library.scan(_progress))
    return 0


def run_sample(folder: Path, count: int, trainees: int | None) -> int:
    """`simulator library sample FOLDER`: write sample transcripts (then `library add FOLDER` to index them)."""
    from simulator.quality.sample_library import build_sample_library

    if count < 1 or (trainees is not None and trainees < 1):
        print("error: --count and --trainees must be at least 1", file=sys.stderr)
        return 2
    written = build_sample_library(folder, count, trainees)
    print(f"wrote {len(written)} transcripts to {folder}; index them with: simulator library add {folder}",
          file=sys.stderr)
    return 0


def parse_day(text: str) -> datetime:
    """A date (YYYY-MM-DD, UTC) from the command line; ContentError saying how to write it otherwise."""
    from simulator.quality.library import day

    try:
        return day(text)
    except ValueError:
        raise ContentError([Problem(Path(text), 0, 0, "not a date; write it as YYYY-MM-DD")]) from None


def run_list(chosen: "Filter", as_json: bool) -> int:
    """`simulator library list`: the transcripts that pass the filter."""
    from simulator.quality.library import Library

    with Library.open() as library:
        rows = library.rows(chosen)
        total = library.count(chosen)
    if not as_json:
        print(_columns([title for title, _ in LIST_COLUMNS]))
    for row in rows:
        if as_json:
            print(json.dumps(asdict(row), default=str))
            continue
        marks = "".join(m for m, on in (("R", row.reviewed), ("F", row.flagged),
                                        ("!", row.integrity in ("altered", "truncated"))) if on)
        print(_columns([f"{row.started:%Y-%m-%d %H:%M}", f"{row.overall:7.1f}", marks, row.trainee,
                        row.scenario_title, str(row.path)]))
    if not as_json:
        print(f"{len(rows)} of {total} shown (R reviewed, F flagged, ! altered or truncated)", file=sys.stderr)
    return 0


def _columns(cells: list[str]) -> str:
    """One line of `library list`, each cell cut to its column's width (the last takes what it needs)."""
    return "  ".join(f"{cell[:width]:{width}}" if width else cell
                     for cell, (_, width) in zip(cells, LIST_COLUMNS, strict=True)).rstrip()


def run_agreement(as_json: bool) -> int:
    """`simulator agreement`: engine against each reviewer, reviewers against each other and experts."""
    from simulator.quality.agreement import figures, ratings
    from simulator.quality.library import Library

    with Library.open() as library:
        found = figures(ratings(library))
    if not found:
        print("No two raters have judged the same things yet: review some transcripts (simulator review), "
              "or add imported AnnoMI transcripts to the library.", file=sys.stderr)
        return 1
    pair = None
    width = max(len(f"{figure.kind}: {figure.name}") for figure in found)
    for figure in found:
        if as_json:
            print(json.dumps(asdict(figure) | {"percent": round(figure.percent, 1), "reading": figure.reading}))
            continue
        if (figure.first, figure.second) != pair:
            pair = (figure.first, figure.second)
            print(f"\n{figure.first} vs {figure.second}")
            print(f"  {'what':{width}} {'n':>5} {'agree':>6} {'kappa':>6}")
        kappa = "—" if figure.kappa is None else f"{figure.kappa:.2f}"
        weighted = "w" if figure.weighted else " "
        print(f"  {figure.kind + ': ' + figure.name:{width}} {figure.items:5} {figure.percent:5.0f}% {kappa:>6}{weighted}"
              f"  {figure.reading}")
    if not as_json:
        print("\nkappa: Cohen's, on the items both judged; w: linearly weighted (ordinal levels).")
    return 0


def run_export_html(path: Path, out: Path) -> int:
    """`simulator export html TRANSCRIPT --out FILE`."""
    from simulator.quality.html_report import export_html
    from simulator.quality.library import Library
    from simulator.quality.reviewing import open_review

    with Library.open() as library:
        under = open_review(path, library.rubric)
        for problem in under.read.problems + under.annotations.problems:
            print(f"warning: {problem}", file=sys.stderr)
        export_html(under, library, out)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def run_export_csv(kind: str, out: Path) -> int:
    """`simulator export scores|annotations --out FILE.csv`."""
    from simulator.quality.exports import write_annotations_csv, write_scores_csv
    from simulator.quality.library import Library

    with Library.open() as library:
        count = (write_scores_csv if kind == "scores" else write_annotations_csv)(library, out)
    print(f"wrote {count} rows to {out}", file=sys.stderr)
    return 0

"""The quality assurer's core: transcript integrity, annotations beside transcripts, the library index,
agreement figures, and the HTML and CSV exports."""

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import DATA
from sklearn.metrics import cohen_kappa_score

from simulator.cli import main
from simulator.coding.coder import RuleCoder
from simulator.coding.codes import Code
from simulator.content.scenario_loader import ScenarioFile
from simulator.practice.session import Session
from simulator.quality.agreement import ENGINE, figures, kappa, ratings
from simulator.quality.annomi_import import import_annomi
from simulator.quality.annotations import read_annotations
from simulator.quality.exports import write_annotations_csv, write_scores_csv
from simulator.quality.html_report import render_report
from simulator.quality.library import Filter, Library, query_filter
from simulator.quality.library_entry import EXPERTS
from simulator.quality.reviewing import open_review
from simulator.quality.sample_library import build_sample_library
from simulator.storage.events import TraineeTurn
from simulator.storage.transcript import Integrity, annotation_path, read_transcript

SAMPLE = DATA / "mi-sample.csv"
WHEN = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Twelve practice transcripts by three trainees."""
    out = tmp_path / "shared"
    build_sample_library(out, 12, trainees=3)
    return out


@pytest.fixture
def library(tmp_path: Path, folder: Path) -> Library:
    opened = Library.open(tmp_path / "index.sqlite3")
    opened.add(folder)
    yield opened
    opened.close()


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# Integrity


def test_a_session_transcript_is_sealed_and_its_hash_is_the_last_chain(taxi: ScenarioFile, tmp_path: Path) -> None:
    session = Session.start(taxi, seed=1, directory=tmp_path)
    session.say("What matters most to you at the moment?")
    session.end()
    read = read_transcript(session.path)
    assert read.integrity.status == "intact"
    assert read.integrity.digest == json.loads(_lines(session.path)[-1])["chain"]


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert", "append_unchained", "swap"])
def test_a_tampered_transcript_is_found_altered(taxi: ScenarioFile, tmp_path: Path, tamper: str) -> None:
    session = Session.start(taxi, seed=1, directory=tmp_path)
    for line in ("What matters to you?", "You should stop smoking.", "How do you feel about that?"):
        session.say(line)
    session.end()
    lines = _lines(session.path)
    advice = next(i for i, line in enumerate(lines) if "You should stop smoking." in line)
    if tamper == "edit":
        lines[advice] = lines[advice].replace("You should stop smoking.", "What would you like to do?")
    elif tamper == "delete":
        del lines[advice]
    elif tamper == "insert":
        lines.insert(advice, lines[1])
    elif tamper == "append_unchained":
        extra = json.loads(lines[advice])
        del extra["chain"]
        lines.append(json.dumps(extra))
    else:
        lines[advice], lines[advice + 1] = lines[advice + 1], lines[advice]
    session.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_transcript(session.path)
    assert read.integrity.status == "altered"
    assert read.integrity.line is not None and read.integrity.line >= 4


def test_a_write_cut_short_then_resumed_is_still_intact(taxi: ScenarioFile, tmp_path: Path) -> None:
    session = Session.start(taxi, seed=1, directory=tmp_path)
    session.say("What matters to you?")
    session.close()
    with session.path.open("ab") as handle:
        handle.write(b'{"seq": 99, "at": "2026-')  # the process died mid-write
    resumed = Session.resume(session.path)
    resumed.say("Tell me more about that.")
    resumed.end()
    read = read_transcript(session.path)
    assert len(read.problems) == 1 and "not a valid event" in read.problems[0].message
    assert read.integrity.status == "intact"


def test_an_older_transcript_without_hashes_is_unsealed_not_altered(taxi: ScenarioFile, tmp_path: Path) -> None:
    session = Session.start(taxi, seed=1, directory=tmp_path)
    session.say("What matters to you?")
    session.end()
    # As an older version wrote it: format 1, no chain on any line, no seal at the end.
    old = [json.loads(line) for line in _lines(session.path) if '"sealed"' not in line]
    for event in old:
        del event["chain"]
    old[0]["format"] = 1
    session.path.write_text("".join(json.dumps(e) + "\n" for e in old), encoding="utf-8")
    assert read_transcript(session.path).integrity.status == "unsealed"
    # The same stripping in a file of this version is tampering.
    old[0]["format"] = 2
    session.path.write_text("".join(json.dumps(e) + "\n" for e in old), encoding="utf-8")
    assert read_transcript(session.path).integrity == Integrity("altered", line=1)


# Annotations


def test_judgements_never_touch_the_transcript(folder: Path, library: Library) -> None:
    path = library.rows()[0].path
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    under = open_review(path, library.rubric, now=lambda: WHEN)
    under.judge_codes("Sam", 1, [Code.OPEN_QUESTION], "it asks how they are")
    under.judge_codes("Sam", 2, list(next(line.codes for line in under.lines if line.turn == 2)))
    under.judge_score("Sam", "R04", 2, "asked twice")
    under.set_flag("Sam", True, "check the ending")
    under.write_review("Sam", "Warm, but advice came too soon.")
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp
    assert read_transcript(path).integrity.status == "intact"
    review = read_annotations(path)
    assert [j.kind for j in review.judgements] == ["codes", "codes", "score", "flag", "review"]
    assert review.flagged and review.reviewed and review.codes("Sam")[1].human == [Code.OPEN_QUESTION]
    assert all(j.transcript_hash == read_transcript(path).integrity.digest for j in review.judgements)
    assert annotation_path(path).name == path.stem + ".annotations.jsonl"


def test_the_latest_judgement_stands_and_an_unreadable_line_is_reported(folder: Path, library: Library) -> None:
    path = library.rows()[0].path
    under = open_review(path, library.rubric)
    under.judge_score("Sam", "R04", 2)
    with annotation_path(path).open("ab") as handle:
        handle.write(b"{broken\n")
    under.judge_score("Sam", "R04", 1, "on reflection, once only")
    review = read_annotations(path)
    assert review.scores("Sam")["R04"].human == 1
    assert len(review.problems) == 1 and review.problems[0].line == 2


# The library


def test_the_library_indexes_filters_and_sorts(library: Library) -> None:
    assert library.count() == 12
    rows = library.rows()
    assert [r.started for r in rows] == sorted((r.started for r in rows), reverse=True)
    assert {r.trainee for r in rows} == {"Trainee 01", "Trainee 02", "Trainee 03"}
    assert {r.integrity for r in rows} <= {"intact", "unfinished"}  # the sample leaves some visits unfinished
    ones = library.rows(Filter(trainee="Trainee 01"))
    assert len(ones) == 4 and {r.trainee for r in ones} == {"Trainee 01"}
    scenario = rows[0].scenario_id
    assert {r.scenario_id for r in library.rows(Filter(scenario=scenario))} == {scenario}
    by_score = library.rows(Filter(sort="overall", descending=False))
    assert [r.overall for r in by_score] == sorted(r.overall for r in rows)
    middle = library.rows(Filter(min_overall=20, max_overall=60))
    assert all(20 <= r.overall <= 60 for r in middle)
    assert library.rows(Filter(reviewed=True)) == [] and len(library.rows(Filter(flagged=False))) == 12
    assert len(library.rows(Filter(limit=5))) == 5 and library.count(Filter(limit=5)) == 12
    since = library.rows(Filter(since=rows[2].started))
    assert {r.path for r in since} == {r.path for r in rows[:3]}
    title_word = rows[0].scenario_title.split()[0]
    assert all(title_word in r.scenario_title for r in library.rows(Filter(text=title_word)))


def test_the_search_box_reads_scores_and_dates() -> None:
    chosen = query_filter("Ellis min:40 max:70.5 since:2026-01-07 until:2026-02-01 review", Filter(trainee="A"))
    assert (chosen.text, chosen.min_overall, chosen.max_overall, chosen.trainee) == ("Ellis review", 40, 70.5, "A")
    assert chosen.since == datetime(2026, 1, 7, tzinfo=UTC) and chosen.until == datetime(2026, 2, 1, tzinfo=UTC)
    assert query_filter("", chosen) == Filter(trainee="A")
    with pytest.raises(ValueError, match="since:yesterday"):
        query_filter("since:yesterday", chosen)
    with pytest.raises(ValueError, match="integrity:broken"):
        query_filter("integrity:broken", chosen)


def test_rescan_picks_up_new_changed_reviewed_and_removed_files(folder: Path, library: Library) -> None:
    rows = library.rows(Filter(sort="date", descending=False))
    first, gone = rows[0].path, rows[1].path
    open_review(first, library.rubric).set_flag("Sam", True, "look again")
    gone.unlink()
    extra = folder / "late" / "extra.jsonl"
    extra.parent.mkdir()
    extra.write_bytes(rows[2].path.read_bytes())
    report = library.scan()
    assert (report.indexed, report.removed) == (2, 1)
    assert library.count() == 12
    assert [r.path for r in library.rows(Filter(flagged=True))] == [first]
    assert library.scan().indexed == 0


def test_a_corrupt_file_is_skipped_with_its_path_and_the_rest_load(folder: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "garbage.jsonl").write_bytes(b"\x00\xff not json at all")
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "other.jsonl").write_text('{"hello": "world"}\n', encoding="utf-8")
    assert main(["library", "add", str(folder)]) == 0
    err = capsys.readouterr().err
    for name in ("garbage.jsonl", "empty.jsonl", "other.jsonl"):
        assert re.search(rf"skipped: .*{name}", err), err
    assert "indexed 12" in err
    assert main(["library", "list", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 12


def test_a_tampered_file_is_listed_as_altered_with_a_warning(folder: Path, library: Library) -> None:
    path = library.rows()[0].path
    path.write_text(path.read_text(encoding="utf-8").replace('"turn":1,"text":"', '"turn":1,"text":"Er, ', 1),
                    encoding="utf-8")
    report = library.scan()
    assert [w.path for w in report.warnings] == [path] and "altered" in report.warnings[0].message
    assert [r.path for r in library.rows(Filter(integrity="altered"))] == [path]
    assert [r.path for r in library.rows(query_filter("integrity:altered", Filter()))] == [path]


def test_a_damaged_index_file_is_a_message_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           isolated: Path) -> None:
    isolated.mkdir(parents=True, exist_ok=True)
    (isolated / "library.sqlite3").write_bytes(b"this is not a database" * 100)
    assert main(["library", "scan"]) == 2
    assert "not a usable library index" in capsys.readouterr().err


def test_progress_is_a_trainees_sessions_in_time_order(library: Library) -> None:
    points = library.progress("Trainee 02")
    assert len(points) == 4 and [p.started for p in points] == sorted(p.started for p in points)
    assert set(points[0].levels) == {b.id for b in library.rubric.rubric.behaviours}


# Agreement


def test_kappa_matches_scikit_learn_and_a_known_value() -> None:
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert kappa(first, second) == pytest.approx(0.4)  # the textbook 2x2 example
    a, b = [0, 1, 2, 2, 1, 0, 2, 1], [0, 2, 2, 1, 1, 0, 2, 0]
    assert kappa(a, b, weighted=True) == pytest.approx(cohen_kappa_score(a, b, weights="linear"), abs=1e-3)
    assert kappa(["x", "x"], ["x", "x"]) is None


def test_agreement_pairs_the_turns_both_raters_judged(library: Library) -> None:
    rows = library.rows()
    engine: list[bool] = []
    sam: list[bool] = []
    for row in rows[:2]:
        under = open_review(row.path, library.rubric)
        for line in [line for line in under.lines if line.turn is not None][:5]:
            said = [Code.OPEN_QUESTION] if line.turn % 2 else list(line.codes)
            under.judge_codes("Sam", line.turn, said)
            engine.append(Code.OPEN_QUESTION in line.codes)
            sam.append(Code.OPEN_QUESTION in said)
        under.judge_score("Sam", "R05", 1)
        under.judge_score("Ann", "R05", 2)
    library.scan()
    found = {(f.first, f.second, f.name): f for f in figures(ratings(library))}
    open_question = found[(ENGINE, "Sam", Code.OPEN_QUESTION.label)]
    assert open_question.items == 10
    assert open_question.kappa == pytest.approx(cohen_kappa_score(engine, sam), abs=1e-3)
    assert open_question.agreed == sum(x == y for x, y in zip(engine, sam, strict=True))
    between = found[("Ann", "Sam", "R05")]
    assert (between.items, between.agreed, between.weighted) == (2, 0, True)
    assert "agreed on 0 of 2 sessions" in between.reading


def test_annomi_experts_count_as_a_rater(tmp_path: Path, library: Library) -> None:
    imported = tmp_path / "annomi"
    import_annomi(SAMPLE, imported, coder=RuleCoder())
    library.add(imported)
    turns = sum(isinstance(e, TraineeTurn) for p in imported.iterdir() for e in read_transcript(p).events)
    found = [f for f in figures(ratings(library)) if (f.first, f.second) == (ENGINE, EXPERTS)]
    overall = next(f for f in found if f.name == "all four (AnnoMI)")
    assert overall.items == turns and 0 <= overall.agreed <= turns
    assert {f.name for f in found} >= {"question", "reflection", "therapist input", "other"}


# Exports


def test_the_html_report_is_self_contained_printable_and_escaped(library: Library) -> None:
    path = library.rows()[0].path
    under = open_review(path, library.rubric, now=lambda: WHEN)
    under.judge_codes("Sam <b>", 1, [Code.OPEN_QUESTION], "<script>alert(1)</script>")
    under.write_review("Sam <b>", "Good [bold]start[/bold] & a clear plan")
    html = render_report(under, library.progress(under.trainee or ""))
    assert "<script" not in html and "&lt;script&gt;" in html
    assert not re.search(r"(src|href)=|@import|url\(", html)
    assert "@media print" in html and "<svg" in html
    assert "Good [bold]start[/bold] &amp; a clear plan" in html and "Sam &lt;b&gt;" in html
    assert "Intact" in html and (under.read.integrity.digest or "") in html


def test_csv_exports_have_a_row_per_transcript_and_per_judgement(tmp_path: Path, library: Library) -> None:
    under = open_review(library.rows()[0].path, library.rubric)
    under.judge_score("Sam", "R04", 2, "twice, with follow-up")
    under.set_flag("Sam", True, "appeal")
    library.scan()
    assert write_scores_csv(library, tmp_path / "scores.csv") == 12
    with (tmp_path / "scores.csv").open(encoding="utf-8") as handle:
        scores = list(csv.DictReader(handle))
    assert len(scores) == 12 and {"overall", "R01", "R20", "integrity"} <= set(scores[0])
    assert all(s["content_sha256"] == read_transcript(Path(s["path"])).integrity.digest for s in scores)
    assert write_annotations_csv(library, tmp_path / "notes.csv") == 2
    with (tmp_path / "notes.csv").open(encoding="utf-8") as handle:
        notes = list(csv.DictReader(handle))
    assert [(n["kind"], n["target"], n["human"], n["comment"]) for n in notes] == [
        ("score", "R04", "2", "twice, with follow-up"), ("flag", "", "flagged", "appeal")]


def test_the_commands_work_from_the_command_line(folder: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["library", "add", str(folder)]) == 0
    assert main(["library", "list", "--trainee", "Trainee 03", "--sort", "overall", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(listed) == 4 and [r["overall"] for r in listed] == sorted((r["overall"] for r in listed), reverse=True)
    assert main(["agreement"]) == 1
    assert "No two raters" in capsys.readouterr().err
    out = tmp_path / "report.html"
    assert main(["export", "html", listed[0]["path"], "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["export", "scores", "--out", str(tmp_path / "s.csv")]) == 0
    assert main(["library", "list", "--since", "March"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["review", "--reviewer", "Engine"]) == 2  # the name the agreement figures give the engine
    assert "cannot be a reviewer's name" in capsys.readouterr().err

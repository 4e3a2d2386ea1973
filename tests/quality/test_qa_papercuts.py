"""The quality assurer's papercuts (issue 17), away from the app: `library list` has a header row, a tamper
warning names the file and the first altered line, the sample library is varied enough to try the
progress and agreement views, progress tells first visits, reviews and unfinished sessions apart, and the
agreement figures say what they compare."""

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.coding.codes import Code
from simulator.content.rubric_loader import load_rubric
from simulator.quality.html_report import render_report
from simulator.quality.library import Library
from simulator.quality.reviewing import open_review
from simulator.storage.events import SessionStarted
from simulator.storage.transcript import SEAL, chain_digest, read_transcript


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty sample transcripts, as `simulator library sample FOLDER --count 40` writes them."""
    folder = tmp_path_factory.mktemp("sample")
    assert main(["library", "sample", str(folder), "--count", "40"]) == 0
    return folder


@pytest.fixture
def library(tmp_path: Path, sample: Path) -> Iterator[Library]:
    opened = Library.open(tmp_path / "index.sqlite3")
    opened.add(sample)
    yield opened
    opened.close()


def _tampered(sample: Path, folder: Path) -> tuple[Path, int]:
    """A copy of a finished sample transcript with one of its trainee's words changed, and that line."""
    source = next(p for p in sorted(sample.rglob("*.jsonl")) if read_transcript(p).finished)
    lines = source.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if json.loads(line).get("type") == "trainee")
    lines[number - 1] = lines[number - 1].replace(b'"text":"', b'"text":"Frankly, ', 1)
    folder.mkdir()
    path = folder / "t.jsonl"
    path.write_bytes(b"".join(lines))
    return path, number


# library list


def test_library_list_has_a_header_row_over_its_columns(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["library", "add", str(sample)]) == 0
    capsys.readouterr()
    assert main(["library", "list", "--limit", "3"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["Date", "(UTC)", "Overall", "Marks", "Trainee", "Scenario", "Path"]
    assert len(rows) == 3
    for row in rows:  # each heading starts where its column does
        assert row[header.index("Overall"):header.index("Marks")].strip().replace(".", "").isdigit()
        assert row[header.index("Trainee"):].startswith("Trainee ")
        assert row[header.index("Path"):].startswith(str(sample))


def test_json_lines_have_no_header(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["library", "add", str(sample)]) == 0
    capsys.readouterr()
    assert main(["library", "list", "--limit", "2", "--json"]) == 0
    assert all(json.loads(line)["path"] for line in capsys.readouterr().out.splitlines())


# tamper warnings


def test_a_tamper_warning_names_the_file_and_first_altered_line(sample: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    path, number = _tampered(sample, tmp_path / "copy")
    assert main(["library", "add", str(path.parent)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {path}:{number}:1: ALTERED: the transcript does not match its content hash "
                        f"from line {number} on. It was changed after it was written; treat what follows with "
                        "care. Listed and marked as altered."]
    assert main(["score", str(path)]) == 0
    assert f"{path}:{number}:1: ALTERED" in capsys.readouterr().err


def test_a_warning_about_unreadable_lines_names_the_first_of_them(sample: Path, tmp_path: Path) -> None:
    source = next(p for p in sorted(sample.rglob("*.jsonl")) if read_transcript(p).finished)
    events = [json.loads(line) for line in source.read_bytes().splitlines()][:-1]  # the seal is made again
    # An event of a kind a later version writes, chained as that version would: not tampering, unreadable.
    events.insert(3, {"seq": 3, "at": events[3]["at"], "type": "telepathy"})
    lines, chain = [], ""
    for event in [*events, dict(SEAL)]:
        event.pop("chain", None)
        chain = chain_digest(chain, event)
        lines.append(json.dumps({**event, "chain": chain}).encode() + b"\n")
    folder = tmp_path / "newer"
    folder.mkdir()
    (folder / "n.jsonl").write_bytes(b"".join(lines))
    assert read_transcript(folder / "n.jsonl").integrity.status == "intact"
    with Library.open(tmp_path / "index.sqlite3") as library:
        report = library.add(folder)
    assert [(w.path.name, w.line, w.column) for w in report.warnings] == [("n.jsonl", 4, 1)]
    assert "kind this version does not know" in report.warnings[0].message


# The sample library


def test_a_sample_of_forty_spreads_from_poor_to_good(library: Library) -> None:
    rows = library.rows()
    scores = [row.overall for row in rows]
    assert len(rows) == 40
    assert len({round(score) for score in scores}) >= 12, sorted(scores)
    assert max(scores) - min(scores) >= 30, sorted(scores)


def test_a_sample_has_first_and_review_visits_some_without_a_plan_or_unfinished(library: Library) -> None:
    rows = library.rows()
    assert {row.visit is None for row in rows} == {True, False}
    assert {(row.finished, row.complete) for row in rows} == {(True, True), (True, False), (False, False)}
    unfinished = [row for row in rows if not row.finished]
    assert all(row.integrity == "unfinished" for row in unfinished)  # left as the app leaves them: unsealed
    # A review follows the same trainee's own first visit to that patient, which ended with a plan.
    first = {row.transcript_id: row for row in rows if row.visit is None}
    for row in rows:
        if row.visit is not None:
            started = read_transcript(row.path).events[0]
            assert isinstance(started, SessionStarted) and started.cycle_id in first
            before = first[started.cycle_id]
            assert (before.trainee, before.scenario_id, before.complete) == (row.trainee, row.scenario_id, True)
            assert before.started < row.started


def test_a_sample_gives_each_trainee_sessions_enough_to_chart_that_get_better(library: Library) -> None:
    rows = library.rows()
    sessions = Counter(row.trainee for row in rows)
    assert len(sessions) >= 4 and min(sessions.values()) >= 6
    early, late = [], []
    for trainee in sessions:
        points = [p.overall for p in library.progress(trainee)]
        early += points[:len(points) // 2]
        late += points[len(points) // 2:]
    assert sum(late) / len(late) > sum(early) / len(early)


def test_the_html_reports_progress_labels_each_session(library: Library) -> None:
    trainee = max({row.trainee for row in library.rows()}, key=lambda t: len(
        {(p.kind, p.ending) for p in library.progress(t)}))
    points = library.progress(trainee)
    assert {p.kind for p in points} == {"first visit", "review visit"} and "unfinished" in {p.ending for p in points}
    path = next(row.path for row in library.rows() if row.trainee == trainee)
    html = render_report(open_review(path, library.rubric), points)
    for point in points:
        assert f"{point.started:%Y-%m-%d}: {point.scenario_title}, {point.kind}, {point.ending} (" in html
    assert "an open circle is an unfinished session" in html and 'fill="white"' in html


# Agreement from the command line


def test_agreement_on_the_command_line_says_what_it_compares_in_aligned_columns(
        sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "mine"
    shutil.copytree(sample, mine)  # the review is written beside the transcripts
    under = open_review(next(p for p in sorted(mine.rglob("*.jsonl")) if read_transcript(p).complete), load_rubric())
    for line in under.lines:
        if line.turn is not None:  # closed questions heard as open ones, everything else accepted
            under.judge_codes("Sam", line.turn, [Code.OPEN_QUESTION if c is Code.CLOSED_QUESTION else c
                                                 for c in line.codes])
    assert main(["library", "add", str(mine)]) == 0
    capsys.readouterr()
    assert main(["agreement"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ") and "%" in line]
    assert rows and not any("main behaviour" in row for row in rows)
    assert len({row.index("%") for row in rows}) == 1  # the figures line up, however long the name
    assert all("Compared: " in row for row in rows)
    assert any(row.lstrip().startswith("care-planning tag: ") for row in rows)

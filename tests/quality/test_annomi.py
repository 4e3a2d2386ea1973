"""AnnoMI import, the code mapping, and the calibration and scoring commands on imported transcripts."""

import json
from pathlib import Path

import pytest
from helpers import DATA
from sklearn.metrics import cohen_kappa_score, f1_score

from simulator.cli import main
from simulator.coding.annomi import human_codes, to_annomi
from simulator.coding.codes import Code
from simulator.quality.annomi_import import import_annomi
from simulator.quality.calibration import agreement
from simulator.storage.events import PatientTurn, TraineeTurn, TranscriptImported
from simulator.storage.transcript import read_transcript

SAMPLE = DATA / "mi-sample.csv"


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    out = tmp_path / "imported"
    import_annomi(SAMPLE, out)
    return out


def test_import_writes_one_transcript_per_id_with_human_codes(imported: Path) -> None:
    assert sorted(p.name for p in imported.iterdir()) == ["annomi-7.jsonl", "annomi-8.jsonl"]
    read = read_transcript(imported / "annomi-7.jsonl")
    assert read.problems == []
    header = read.events[0]
    assert isinstance(header, TranscriptImported)
    assert header.transcript_id == "7" and header.metadata["mi_quality"] == "high"
    clinician = [e for e in read.events if isinstance(e, TraineeTurn)]
    patient = [e for e in read.events if isinstance(e, PatientTurn)]
    assert [t.meta["utterance_id"] for t in clinician] == ["0", "2", "4"]
    assert clinician[1].meta["reflection_subtype"] == "complex" and clinician[1].meta["annotators"] == "2"
    assert patient[0].text == "My wife wants me to quit smoking." and patient[0].meta["client_talk_type"] == "neutral"


def test_a_file_that_is_not_annomi_is_a_placed_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "other.csv"
    bogus.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["import", "annomi", str(bogus), "--out", str(tmp_path / "x")]) == 2
    assert "not an AnnoMI file: missing columns" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ({Code.OPEN_QUESTION, Code.ASKS_WHAT_MATTERS}, ("question", "open", None)),
        ({Code.CLOSED_QUESTION}, ("question", "closed", None)),
        ({Code.COMPLEX_REFLECTION, Code.CLOSED_QUESTION}, ("reflection", None, "complex")),
        ({Code.SIMPLE_REFLECTION}, ("reflection", None, "simple")),
        ({Code.PERSUADE}, ("therapist_input", None, None)),
        ({Code.GIVING_INFORMATION, Code.SEEKING_COLLABORATION}, ("therapist_input", None, None)),
        ({Code.AFFIRM}, ("other", None, None)),
        ({Code.OTHER}, ("other", None, None)),
    ],
)
def test_mapping_to_annomi(codes: set[Code], expected: tuple[str, str | None, str | None]) -> None:
    mapped = to_annomi(codes)
    assert (mapped["label"], mapped["question"], mapped["reflection"]) == expected


def test_human_codes_round_trip_through_the_mapping() -> None:
    for meta in ({"main_therapist_behaviour": "question", "question_subtype": "closed"},
                 {"main_therapist_behaviour": "reflection", "reflection_subtype": "complex"},
                 {"main_therapist_behaviour": "therapist_input", "therapist_input_subtype": "advice"},
                 {"main_therapist_behaviour": "other"}):
        assert to_annomi(human_codes(meta))["label"] == meta["main_therapist_behaviour"]


def test_code_command_prints_annomi_jsonl(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["code", str(imported), "--scheme", "annomi", "--jsonl", "--coder", "rules"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["transcript_id"], r["utterance_id"]) for r in records] == [
        ("7", "0"), ("7", "2"), ("7", "4"), ("8", "0"), ("8", "2")]
    assert set(records[0]) == {"transcript_id", "utterance_id", "label", "question", "reflection"}
    assert records[0]["label"] == "question" and records[0]["question"] == "open"
    assert records[3]["label"] == "therapist_input"


def test_score_command_prints_one_object_per_transcript(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(imported), "--json", "--coder", "rules"]) == 0
    results = {r["transcript_id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(results) == {"7", "8"}
    for result in results.values():
        assert 0 <= result["overall"] <= 100 and set(result["behaviours"]) == {f"R{i:02d}" for i in range(1, 21)}
        assert {"reflection_question_ratio", "percent_complex_reflections", "percent_open_questions",
                "relational_estimate", "relational_method"} <= set(result["miti"])
        assert result["miti"]["relational_method"].startswith("Estimated from the codes")
    assert results["7"]["miti"]["relational_estimate"] > results["8"]["miti"]["relational_estimate"]
    assert results["8"]["behaviours"]["R12"]["evidence"][0]["words"].startswith("You need to stop drinking")


def test_calibrate_reports_f1_kappa_and_confusion(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", str(imported), "--coder", "rules"]) == 0
    out = capsys.readouterr().out
    assert "Main behaviour: 5 utterances; macro-F1" in out and "Cohen's kappa" in out
    assert "confusion (rows: human, columns: engine)" in out


def test_corrupt_transcripts_are_skipped_with_their_path(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (imported / "broken.jsonl").write_text("{not json\n", encoding="utf-8")
    assert main(["score", str(imported), "--json", "--coder", "rules"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert "broken.jsonl:1:1" in captured.err


def test_agreement_matches_scikit_learn_on_known_data() -> None:
    human = ["question", "question", "reflection", "reflection", "other", "therapist_input", "other", "reflection"]
    engine = ["question", "reflection", "reflection", "reflection", "other", "other", "other", "question"]
    labels = ["question", "reflection", "therapist_input", "other"]
    result = agreement("x", human, engine, labels)
    assert result.kappa == pytest.approx(cohen_kappa_score(human, engine), abs=1e-4)
    assert result.macro_f1 == pytest.approx(f1_score(human, engine, average="macro"), abs=1e-4)
    assert result.confusion[1] == [1, 2, 0, 0]
    assert "(moderate agreement)" in result.lines()[0]

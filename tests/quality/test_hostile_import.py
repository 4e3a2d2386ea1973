"""Hostile AnnoMI files: whatever an id, a byte or a code holds, `import annomi` writes only inside --out and
answers a file it cannot use with a message naming the file and line, and `calibrate` never fails on a
human code it does not know."""

import codecs
from pathlib import Path

import pytest
from helpers import DATA

from simulator.cli import main
from simulator.quality.annomi_import import file_name, import_annomi
from simulator.storage.events import TranscriptImported
from simulator.storage.transcript import read_transcript

SAMPLE = DATA / "mi-sample.csv"
HEADER, *ROWS = SAMPLE.read_text(encoding="utf-8").splitlines()


def csv_with(tmp_path: Path, rows: list[str], name: str = "annomi.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def row(transcript_id: str = "7", utterance_id: str = "0", question: str = "open") -> str:
    return f"{transcript_id},high,t,http://v/1,smoking,{utterance_id},therapist,00:00:01,How are you?,question,n/a,0," \
           f"{question},n/a,n/a"


# Each of these wrote outside --out, into a folder that did not exist, or a name too long for the file system.
HOSTILE_IDS = ["../../escaped", "../", "/etc/cron.d/evil", "a/b", "a/../../b", "./../c", "x" * 400, "é" * 200]


@pytest.mark.parametrize("transcript_id", HOSTILE_IDS, ids=range(len(HOSTILE_IDS)))
def test_an_id_never_writes_outside_the_output_folder(tmp_path: Path, transcript_id: str) -> None:
    quoted = '"' + transcript_id.replace('"', '""') + '"'
    source = csv_with(tmp_path, [row(quoted)])
    out = tmp_path / "deep" / "out"
    assert main(["import", "annomi", str(source), "--out", str(out), "--coder", "none"]) == 0
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and p != source and out not in p.parents]
    assert outside == []
    (written,) = list(out.iterdir())
    assert written.parent == out and written.name.startswith("annomi-") and len(written.name) < 120
    header = read_transcript(written).events[0]
    assert isinstance(header, TranscriptImported) and header.transcript_id == transcript_id  # kept as it was


def test_ids_that_clean_to_the_same_name_stay_apart(tmp_path: Path) -> None:
    names = {file_name(i) for i in ["a/b", "a_b", "a b", "a\\b", "x" * 400, "x" * 401]}
    assert len(names) == 6
    assert file_name("7") == "annomi-7.jsonl"  # a plain id keeps its plain name


@pytest.mark.parametrize(("content", "line", "says"), [
    (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, 1, "NUL bytes"),
    (codecs.BOM_UTF16_LE + SAMPLE.read_text(encoding="utf-8").encode("utf-16-le"), 1, "UTF-16"),
    (codecs.BOM_UTF16_BE + SAMPLE.read_text(encoding="utf-8").encode("utf-16-be"), 1, "UTF-16"),
    (SAMPLE.read_text(encoding="utf-8").encode("utf-16-le"), 1, "NUL bytes"),  # UTF-16 without its mark
    (SAMPLE.read_bytes().replace(b"My wife", b"My \xff\xfe wife"), 3, "not UTF-8"),
    (SAMPLE.read_text(encoding="utf-8").encode("latin-1") + b"7,high,t,u,s,9,client,0,Caf\xe9,n/a\n", 11, "not UTF-8"),
], ids=["binary", "utf-16-le", "utf-16-be", "utf-16-no-bom", "bad-byte", "latin-1"])
def test_a_file_that_is_not_utf8_text_is_a_message_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  content: bytes, line: int, says: str) -> None:
    source = tmp_path / "annomi.csv"
    source.write_bytes(content)
    assert main(["import", "annomi", str(source), "--out", str(tmp_path / "out"), "--coder", "none"]) == 2
    err = capsys.readouterr().err
    assert f"{source}:{line}:" in err and says in err
    assert not (tmp_path / "out").exists()  # nothing half-imported


@pytest.mark.parametrize("utterance_id", ["x1", "", "1.5", "1e3", "0x10", "٣", "9" * 5000, "NaN"],
                         ids=["letters", "empty", "decimal", "exponent", "hex", "arabic-indic", "5000-digits", "nan"])
def test_an_utterance_id_that_is_not_a_number_is_a_message_with_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], utterance_id: str) -> None:
    source = csv_with(tmp_path, [row(utterance_id="0"), row(utterance_id="1"), row(utterance_id=utterance_id)])
    assert main(["import", "annomi", str(source), "--out", str(tmp_path / "out"), "--coder", "none"]) == 2
    err = capsys.readouterr().err
    assert f"{source}:4:1: utterance_id" in err and "is not a whole number" in err
    assert len(err) < 500  # a 5,000-digit id is not printed whole


def test_every_bad_row_is_reported_at_once_and_a_short_row_is_one_of_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = csv_with(tmp_path, [row(utterance_id="a"), "7,high,t,u,s,1,therapist", row(utterance_id="b")])
    assert main(["import", "annomi", str(source), "--out", str(tmp_path / "out"), "--coder", "none"]) == 2
    err = capsys.readouterr().err
    assert f"{source}:2:1" in err and f"{source}:3:1: the row has no" in err and f"{source}:4:1" in err


def test_a_utf8_byte_order_mark_and_numbers_with_spaces_are_fine(tmp_path: Path) -> None:
    source = tmp_path / "annomi.csv"
    source.write_bytes(codecs.BOM_UTF8 + SAMPLE.read_bytes().replace(b",2,therapist,", b", 2 ,therapist,"))
    written = import_annomi(source, tmp_path / "out")
    assert sorted(p.name for p in written) == ["annomi-7.jsonl", "annomi-8.jsonl"]


@pytest.mark.parametrize(("field", "value"), [("question", "rhetorical"), ("question", "OPEN"),
                                              ("question", "\x1b]52;c;ZXZpbA==\x07"), ("label", "lecture"),
                                              ("label", "Question")])
def test_calibrate_skips_a_human_code_it_does_not_know_and_says_where(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: str) -> None:
    # Every question of the file carries the unknown code, so nothing but it is left to compare them with.
    text = SAMPLE.read_text(encoding="utf-8")
    if field == "question":
        text = text.replace(",open,n/a,n/a", f",{value},n/a,n/a").replace(",closed,n/a,n/a", f",{value},n/a,n/a")
    else:
        text = text.replace(",question,n/a,0,", f",{value},n/a,0,")
    source = tmp_path / "odd.csv"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["import", "annomi", str(source), "--out", str(out), "--coder", "none"]) == 0
    capsys.readouterr()
    assert main(["calibrate", str(out), "--coder", "rules"]) == 0
    captured = capsys.readouterr()
    assert "is not in AnnoMI's scheme; skipped" in captured.err and "annomi-7.jsonl: utterance 0" in captured.err
    assert "\x1b" not in captured.err + captured.out
    assert "Main behaviour:" in captured.out

"""The command line's other commands and its handling of bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import script_path

from simulator import __version__
from simulator.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"simulator {__version__}"


def test_python_dash_m_runs_the_same_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "simulator", "list"], capture_output=True, text=True, check=True)
    assert "p1-taxi-driver" in done.stdout


def test_list_shows_person_conditions_activation_and_difficulty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "PERSON", "CONDITIONS", "ACTIVATION", "DIFFICULTY", "VISITS"]
    row = next(line for line in out if line.startswith("p2-widow-copd"))
    assert "Margaret Ellis, 71" in row and "COPD, Anxiety" in row and "intermediate" in row


def test_list_warns_about_a_broken_user_scenario(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = isolated / "scenarios"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text("id: mine\npersona: {age: old}\n", encoding="utf-8")
    assert main(["list"]) == 0
    captured = capsys.readouterr()
    assert "p1-taxi-driver" in captured.out
    assert "mine.yaml:1:1: title: missing required field" in captured.err


def test_play_with_a_broken_scenario_reports_file_line_and_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\ntitle: A\ndifficulty: hard\n", encoding="utf-8")
    assert main(["play", str(broken), "--script", str(script_path("person-centred.txt"))]) == 2
    err = capsys.readouterr().err
    assert f"error: {broken}:3:1: difficulty: 'hard' is not allowed here" in err
    assert "Traceback" not in err


def test_play_with_a_missing_script_is_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", "p1-taxi-driver", "--script", "no-such-file.txt"]) == 2
    assert "cannot read the script no-such-file.txt" in capsys.readouterr().err


def test_unknown_scenario_suggests_the_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", "p1-taxi", "--script", str(script_path("person-centred.txt"))]) == 2
    assert "did you mean 'p1-taxi-driver'?" in capsys.readouterr().err


def test_play_strips_escape_sequences_and_keeps_markup_literal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = tmp_path / "odd.txt"
    lines.write_text("What [bold]matters[/bold] to you?\x1b[31m \u200b\ncafe\u0301 \U0001F600 ok?\n", encoding="utf-8")
    assert main(["play", "p6-knee-pain", "--script", str(lines), "--json"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    said = [json.loads(line)["text"] for line in out.splitlines() if '"type":"trainee"' in line]
    assert said == ["What [bold]matters[/bold] to you?", "caf\u00e9 \U0001F600 ok?"]


def test_resume_with_nothing_to_resume(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resume"]) == 1
    assert "No unfinished session" in capsys.readouterr().err

"""Playtesting: every shipped scenario rewards the person-centred style, and the report says so plainly."""

from pathlib import Path

import pytest
from helpers import SHIPPED

from simulator.authoring.playtest import CLEAR_MARGIN, playtest
from simulator.cli import main
from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import load_scenario

RUBRIC = load_rubric()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_person_centred_reaches_the_priority_and_scores_clearly_above(path: Path, tmp_path: Path) -> None:
    report = playtest(load_scenario(path), RUBRIC, tmp_path)
    good, checklist, lecturing = report.runs
    assert good.priority_turn is not None and good.priority_turn <= 12
    assert checklist.priority_turn is None and lecturing.priority_turn is None
    assert good.overall >= max(checklist.overall, lecturing.overall) + CLEAR_MARGIN
    assert report.rewards_person_centred and report.problems == []


def test_report_names_unreached_facts_unfired_intents_and_unused_lines(tmp_path: Path) -> None:
    report = playtest(load_scenario(SHIPPED[0]), RUBRIC, tmp_path)
    fired = {intent.value for run in report.runs for intent in run.intents}
    assert report.unfired and not report.unfired & fired
    used = set().union(*(run.lines_used for run in report.runs))
    assert report.unused_lines and not {text for texts in report.unused_lines.values() for text in texts} & used
    text = "\n".join(report.lines())
    assert "Intents that never fired:" in text and "Lines never used:" in text


def test_a_scenario_that_gives_its_secret_away_is_called_out(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    text = SHIPPED[0].read_text(encoding="utf-8")
    start = text.index("    release:", text.index("priority: true"))
    end = text.index("  - id:", start)
    easy = text[:start] + "    release:\n      - in_reply_to: [closed_question, persuade, giving_information]\n" + text[end:]
    path = tmp_path / "easy.yaml"
    path.write_text(easy, encoding="utf-8")
    assert main(["playtest", str(path)]) == 1
    out = capsys.readouterr().out
    assert "does NOT clearly reward the person-centred style" in out
    assert "the checklist style reaches the hidden priority" in out


def test_the_authors_own_script_is_played_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text("What matters most to you?\nTell me more.\n", encoding="utf-8")
    assert main(["playtest", "p2-widow-copd", "--script", str(mine), "--coder", "rules"]) == 0
    assert "your script (mine.txt): score" in capsys.readouterr().out

"""One transcript, one set of codes, one score: `play`, `score`, the library, the review app, the HTML report
and the practice app's feedback screen all show the codes the patient reacted to, and the same score."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulator import locations
from simulator.app.config import AppConfig
from simulator.app.practice.app import SimulatorApp
from simulator.app.practice.feedback import FeedbackScreen
from simulator.app.practice.plan import PlanScreen
from simulator.cli import main
from simulator.coding.coder import RuleCoder
from simulator.coding.codes import Code
from simulator.content.rubric_loader import load_rubric
from simulator.quality.reviewing import open_review
from simulator.storage.events import TraineeTurn
from simulator.storage.transcript import read_transcript

# A nurse who mixes listening with lecturing: the kind of consultation whose codes differ most by coder.
SCRIPT = [
    "Hello Margaret, come in and have a seat. How have things been since we last saw you?",
    "It sounds like the breathing has been getting you down.",
    "You need to use your brown inhaler every single day, no excuses.",
    "What matters most to you at the moment?",
    "You really must try to walk a bit more, it will help your lungs.",
    "So the choir is something you miss.",
]


def _codes(path: Path) -> list[list[Code]]:
    return [t.codes for t in read_transcript(path).events if isinstance(t, TraineeTurn)]


def _surfaces(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, float]:
    """The overall score of the transcript at `path` as every quality-assurance surface gives it."""
    found: dict[str, float] = {}
    assert main(["score", str(path), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    found["score"] = scored["overall"]
    assert main(["library", "add", str(path.parent)]) == 0
    capsys.readouterr()
    assert main(["library", "list", "--json"]) == 0
    found["library list"] = json.loads(capsys.readouterr().out.splitlines()[0])["overall"]
    under = open_review(path, load_rubric())
    found["review app"] = under.scored.score.overall
    assert [c.codes for c in under.scored.codings] == [frozenset(c) for c in _codes(path)]
    report = path.parent / "report.html"
    assert main(["export", "html", str(path), "--out", str(report)]) == 0
    capsys.readouterr()
    shown = re.search(r"Overall \(engine\): (\d+) / 100", report.read_text(encoding="utf-8"))
    assert shown is not None
    found["HTML report"] = float(shown.group(1))
    assert scored["coder"] == under.scored.score.coder_version
    return found


@pytest.mark.parametrize("coder", ["rules", "learned"])
async def test_a_played_consultation_has_one_score_on_every_surface(
        coder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = tmp_path / "script.txt"
    lines.write_text("\n".join(SCRIPT) + "\n", encoding="utf-8")
    out = tmp_path / "played"
    assert main(["play", "p2-widow-copd", "--script", str(lines), "--out", str(out), "--coder", coder,
                 "--trainee", "Sam"]) == 0
    printed = capsys.readouterr().out
    played = re.search(r"Overall: (\d+) / 100 \(rubric [^,]+, coder ([^)]+)\)", printed)
    assert played is not None
    path = next(out.glob("*.jsonl"))
    turns = [t for t in read_transcript(path).events if isinstance(t, TraineeTurn)]
    assert {t.coder for t in turns} == {played.group(2)} and played.group(2).startswith(coder[:5])

    after_play = _surfaces(path, capsys)
    assert {round(v) for v in after_play.values()} == {int(played.group(1))}, after_play
    assert len({v for k, v in after_play.items() if k != "HTML report"}) == 1, after_play

    # The trainee picks the visit up in the app to record the plan, and reads the feedback there.
    codes = _codes(path)
    config = AppConfig(scenario_dirs=[locations.builtin_scenario_dir()], session_dir=out, seed=1, clock=lambda: 0.0,
                       coder="best", watch_scenarios=False, now=lambda: datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    app = SimulatorApp(config, resume=path)
    async with app.run_test(size=(100, 32)) as pilot:
        assert isinstance(app.screen, PlanScreen)
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, FeedbackScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.scored is not None
        on_screen = app.screen.scored
    assert [sorted(c.codes) for c in on_screen.codings] == [sorted(c) for c in codes] == [sorted(c) for c in _codes(path)]
    capsys.readouterr()
    after_plan = _surfaces(path, capsys)
    assert {round(v) for v in after_plan.values()} == {round(on_screen.score.overall)}, after_plan
    assert after_plan["score"] == on_screen.score.overall


def test_recoding_is_asked_for_and_labelled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = tmp_path / "script.txt"
    lines.write_text("\n".join(SCRIPT) + "\n", encoding="utf-8")
    assert main(["play", "p2-widow-copd", "--script", str(lines), "--out", str(tmp_path), "--coder", "rules"]) == 0
    capsys.readouterr()
    path = next(tmp_path.glob("*.jsonl"))
    assert main(["score", str(path), "--json", "--coder", "rules"]) == 0
    recoded = json.loads(capsys.readouterr().out)
    assert recoded["coder"] == f"{RuleCoder.version} (recoded)"
    assert main(["score", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["coder"] == RuleCoder.version

"""Headless play: the behaviour that reaches each patient's hidden priority, and the behaviour that does not."""

import json
from pathlib import Path

import pytest
from helpers import SHIPPED, script, script_path

from simulator.cli import main
from simulator.content.scenario_loader import load_scenario


def _play_json(capsys: pytest.CaptureFixture[str], scenario: Path, script_name: str, seed: int) -> list[dict]:
    status = main(["play", str(scenario), "--script", str(script_path(script_name)), "--seed", str(seed), "--json"])
    assert status == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _priority_outcome(capsys: pytest.CaptureFixture[str], scenario: Path, script_name: str,
                      seed: int) -> tuple[int | None, list[dict]]:
    """The turn at which the scenario's hidden priority came out (None if never), and the events."""
    priority = load_scenario(scenario).scenario.priority
    assert priority is not None
    events = _play_json(capsys, scenario, script_name, seed)
    turn = next((e["turn"] for e in events if e["type"] == "patient" and priority.id in e["released"]), None)
    return turn, events


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda p: p.stem)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_person_centred_trainee_reaches_the_hidden_priority_within_12_turns(
        capsys: pytest.CaptureFixture[str], scenario: Path, seed: int) -> None:
    turn, _ = _priority_outcome(capsys, scenario, "person-centred.txt", seed)
    assert turn is not None and turn <= 12


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda p: p.stem)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_questions_and_unsolicited_advice_never_reach_it(
        capsys: pytest.CaptureFixture[str], scenario: Path, seed: int) -> None:
    turn, events = _priority_outcome(capsys, scenario, "checklist-lecture.txt", seed)
    assert turn is None
    assert sum(1 for e in events if e["type"] == "trainee") == 12


def test_json_events_carry_codes_intents_and_released_facts(capsys: pytest.CaptureFixture[str]) -> None:
    events = _play_json(capsys, SHIPPED[0], "person-centred.txt", 0)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "session_started" and kinds[-3:] == ["session_ended", "scored", "feedback"]
    started = events[0]
    assert {"scenario_id", "scenario_hash", "seed", "product_version", "at"} <= started.keys()
    trainees = [e for e in events if e["type"] == "trainee"]
    assert {"open_question", "asks_what_matters"} <= {code for e in trainees for code in e["codes"]}
    first = trainees[0]
    assert " ".join(u["text"] for u in first["utterances"]) == first["text"] == script("person-centred.txt")[0]
    patient = [e for e in events if e["type"] == "patient"]
    assert {"intent", "released", "text"} <= patient[1].keys()


def test_text_output_shows_transcript_and_feedback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", "p1-taxi-driver", "--script", str(script_path("person-centred.txt"))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Gary Marsh: Alright.")
    assert "Nurse: Hello, come and have a seat." in out
    assert "(hidden priority): reached at turn" in out

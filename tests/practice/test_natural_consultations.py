"""The natural consultations of benchmarks/data/consultations (a good and a poor one for each shipped patient,
written as practice nurses talk) played with the rule-based coder: what holds whatever the scores.

The scores themselves are measured by benchmarks/consultations.py, not asserted here.
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import ROOT, SHIPPED

from simulator.content.scenario_loader import load_scenario
from simulator.practice.visit import Kit
from simulator.scoring.feedback import disclosures
from simulator.storage.events import Event, PatientTurn

CONSULTATIONS = ROOT / "benchmarks" / "data" / "consultations"
LIMIT_S = 60  # one visit plays in well under a second with the rules


def play(scenario_path: Path, kind: str, folder: Path) -> list[Event]:
    """One consultation played to its end with the rules, seed 0; its events."""
    script = CONSULTATIONS / f"{scenario_path.stem}-{kind}.txt"
    assert script.is_file(), f"no {kind} consultation for {scenario_path.stem}: {script} is missing"
    session = Kit(coder_name="rules", seed=0, directory=folder).start(load_scenario(scenario_path))
    for line in script.read_text(encoding="utf-8").splitlines():
        if line.strip():
            session.say(line)
    session.end()
    return session.events


def played(scenario_path: Path, kind: str, folder: Path) -> list[Event]:
    """`play`, failing rather than hanging if a visit never ends."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(play, scenario_path, kind, folder).result(timeout=LIMIT_S)


@pytest.mark.parametrize("kind", ["good", "poor"])
@pytest.mark.parametrize("scenario_path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_no_patient_line_is_said_twice_word_for_word(scenario_path: Path, kind: str, tmp_path: Path) -> None:
    said = Counter(" ".join(e.text.split()) for e in played(scenario_path, kind, tmp_path)
                   if isinstance(e, PatientTurn))
    assert [line for line, count in said.items() if count > 1] == []


@pytest.mark.parametrize("scenario_path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_the_good_consultation_reaches_at_least_as_many_hidden_facts(scenario_path: Path, tmp_path: Path) -> None:
    scenario = load_scenario(scenario_path).scenario
    reached = {kind: sum(o.reached for o in disclosures(scenario, played(scenario_path, kind, tmp_path / kind)).hidden)
               for kind in ("good", "poor")}
    assert reached["good"] >= reached["poor"], reached

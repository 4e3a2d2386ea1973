"""Playtest reads the story as it is told: someone named before they are introduced, and a hidden priority
that comes out too early for the scenario's difficulty."""

from datetime import UTC, datetime
from pathlib import Path

from simulator.authoring.playtest import early_names, playtest
from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import load_scenario, resolve
from simulator.patient.engine import Intent
from simulator.storage.events import PatientTurn

AT = datetime(2026, 11, 30, tzinfo=UTC)


def _said(*texts: tuple[str, tuple[str, ...]]) -> list[PatientTurn]:
    return [PatientTurn(seq=i, at=AT, turn=i, text=text, intent=Intent.OPEN_UP, released=list(released))
            for i, (text, released) in enumerate(texts)]


def test_a_fact_naming_someone_before_they_are_introduced_is_reported() -> None:
    scenario = resolve("p6-knee-pain").scenario
    waits = next(f for f in scenario.hidden_facts if f.after)
    introducer = next(f for f in scenario.free_facts if f.id in waits.after)
    found = early_names(scenario, _said(("Hello.", ()), (waits.text, (waits.id,))))
    assert len(found) == 1 and "Ava" in found[0] and f"after: [{introducer.id}]" in found[0]
    # Told in order, nothing to report.
    assert early_names(scenario, _said(("Hello.", ()), (introducer.text, (introducer.id,)),
                                       (waits.text, (waits.id,)))) == []


def test_a_priority_that_comes_out_at_once_in_an_intermediate_scenario_draws_a_warning(tmp_path: Path) -> None:
    source = resolve("p2-widow-copd")
    text = source.path.read_text(encoding="utf-8")
    start = text.index("    release:", text.index("priority: true"))
    end = text.index("  - id:", start)
    easy = text[:start] + "    release:\n      - trust: 0.0\n" + text[end:]
    path = tmp_path / "easy.yaml"
    path.write_text(easy, encoding="utf-8")
    report = playtest(load_scenario(path), load_rubric(), tmp_path)
    assert any("too early for an intermediate scenario" in problem for problem in report.problems)

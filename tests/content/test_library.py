"""The scenario library: one scenario per persona archetype, each ready to put in front of students."""

import re

from helpers import SHIPPED

from simulator.content.scenario_loader import load_scenario


def test_one_scenario_per_archetype_p1_to_p8() -> None:
    archetypes = sorted(load_scenario(path).scenario.archetype or "" for path in SHIPPED)
    assert archetypes == [f"P{i}" for i in range(1, 9)]


def test_every_scenario_has_a_trend_a_hidden_priority_resistance_and_a_review() -> None:
    for path in SHIPPED:
        scenario = load_scenario(path).scenario
        # A results letter in plain language with a previous reading beside the new one.
        assert re.search(r"last (year|time)|in hospital", scenario.results_letter, re.IGNORECASE), path.name
        assert scenario.priority is not None and scenario.priority.release, path.name
        assert scenario.resistance.note and (scenario.resistance.hardens or scenario.resistance.softens), path.name
        assert [visit.kind for visit in scenario.visits] == ["review"], path.name
        review = scenario.for_visit("review")
        assert review.persona.opening_line != scenario.persona.opening_line
        assert review.free_facts[0].id == scenario.visits[0].free_facts[0].id

"""Rubric loading and scoring: pure, deterministic, and rewarding the behaviours the rubric names."""

from pathlib import Path

import pytest
from helpers import SHIPPED, script

from simulator.coding.codes import Code
from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import load_scenario
from simulator.errors import ContentError
from simulator.practice.session import Session
from simulator.scoring.score import CodedTurn, Conversation, miti_summary, score
from simulator.scoring.scored_transcript import score_recorded

RUBRIC = load_rubric()


def _played(scenario: Path, script_name: str, tmp_path: Path) -> Session:
    session = Session.start(load_scenario(scenario), seed=0, directory=tmp_path)
    for line in script(script_name):
        session.say(line)
    session.end()
    return session


def test_builtin_rubric_has_the_twenty_behaviours() -> None:
    assert [b.id for b in RUBRIC.rubric.behaviours] == [f"R{i:02d}" for i in range(1, 21)]
    assert all(set(b.anchors) == {0, 1, 2} and set(b.feedback) == {0, 1, 2} for b in RUBRIC.rubric.behaviours)


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda p: p.stem)
def test_person_centred_scores_clearly_above_checklist_lecturing(scenario: Path, tmp_path: Path) -> None:
    good = score_recorded(_played(scenario, "person-centred.txt", tmp_path / "good").transcript, RUBRIC).score
    poor = score_recorded(_played(scenario, "checklist-lecture.txt", tmp_path / "poor").transcript, RUBRIC).score
    assert good.overall >= poor.overall + 25
    levels = {b.id: b.level for b in poor.behaviours}
    assert levels["R12"] == 0 and levels["R05"] == 0
    assert {b.id: b.level for b in good.behaviours}["R04"] == 2
    assert good.miti.relational_estimate > poor.miti.relational_estimate


def test_same_transcript_same_score(taxi, tmp_path: Path) -> None:  # noqa: ANN001 - fixture
    session = _played(SHIPPED[0], "person-centred.txt", tmp_path)
    assert score_recorded(session.transcript, RUBRIC) == score_recorded(session.transcript, RUBRIC)


def test_evidence_quotes_the_trainees_exact_words(tmp_path: Path) -> None:
    session = _played(SHIPPED[0], "checklist-lecture.txt", tmp_path)
    result = score_recorded(session.transcript, RUBRIC).score
    righting = next(b for b in result.behaviours if b.id == "R12")
    lines = script("checklist-lecture.txt")
    assert [e.words for e in righting.evidence] == [lines[i - 1] for i in (e.turn for e in righting.evidence)]
    assert "You need to lose some weight." in [e.words for e in righting.evidence]
    assert righting.rationale.startswith(f"{len(righting.evidence)} turn(s) with advice without permission")


def _conversation(*codes: set[Code]) -> Conversation:
    turns = [CodedTurn(i + 1, f"turn {i + 1}", frozenset(c)) for i, c in enumerate(codes)]
    return Conversation(turns, clinician_words=40, patient_words=60)


def test_miti_measures_on_known_codes() -> None:
    miti = miti_summary(_conversation({Code.OPEN_QUESTION}, {Code.CLOSED_QUESTION}, {Code.COMPLEX_REFLECTION},
                                      {Code.SIMPLE_REFLECTION}, {Code.COMPLEX_REFLECTION}))
    assert miti.reflection_question_ratio == 1.5
    assert miti.percent_complex_reflections == pytest.approx(66.667)
    assert miti.percent_open_questions == 50
    assert miti.clinician_talk_share == 0.4
    more_advice = miti_summary(_conversation({Code.PERSUADE}, {Code.PERSUADE}, {Code.CLOSED_QUESTION}))
    assert more_advice.relational_estimate < miti.relational_estimate


def test_step_needs_four_smart_elements_for_done_well() -> None:
    step = next(b for b in RUBRIC.rubric.behaviours if b.id == "R15")
    vague = Conversation([CodedTurn(1, "What's a small first step?", frozenset({Code.ACTION_STEP}))], 5, 5)
    smart = Conversation([CodedTurn(1, "So your first step: walk to the park for 20 minutes after lunch, "
                                       "starting Monday?", frozenset({Code.ACTION_STEP}))], 5, 5)
    level = {name: next(b for b in score(c, RUBRIC.rubric, "t").behaviours if b.id == step.id).level
             for name, c in (("vague", vague), ("smart", smart))}
    assert level == {"vague": 0, "smart": 2}


def test_a_broken_rubric_names_file_line_and_field(tmp_path: Path) -> None:
    text = RUBRIC.path.read_text(encoding="utf-8").replace(
        "evidence: {kind: count, codes: [affirm], at_least: [1, 1]}", "evidence: {kind: count, codes: [affirm]}")
    broken = tmp_path / "rubric.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_rubric(broken)
    problem = caught.value.problems[0]
    assert problem.line == next(i for i, line in enumerate(text.splitlines(), 1) if "codes: [affirm]}" in line)
    assert "behaviours.7.evidence" in problem.message and "needs 'at_least" in problem.message


def test_duplicate_behaviour_ids_are_refused(tmp_path: Path) -> None:
    text = RUBRIC.path.read_text(encoding="utf-8").replace("  - id: R02\n", "  - id: R01\n")
    broken = tmp_path / "rubric.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match="the id 'R01' is used twice"):
        load_rubric(broken)

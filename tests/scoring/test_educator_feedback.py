"""Feedback a nurse educator would sign: credit only for behaviour shown, "what to say instead" written for
this patient and this moment, development areas that quote the right words, plain language on the main
view, the patient's answers true to what happened, and plan checks that read the conversation as a person
would."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import ROOT, script

from simulator.cli.practice import report_lines
from simulator.coding.codes import Code, Part
from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import resolve
from simulator.patient.engine import Intent
from simulator.practice.session import Session
from simulator.scoring.feedback import disclosures
from simulator.scoring.instead import scene_of, write_instead
from simulator.scoring.patient_view import patient_view
from simulator.scoring.plan_checks import check_plan
from simulator.scoring.report import FeedbackReport, build_report
from simulator.scoring.score import CodedTurn, Conversation, score
from simulator.storage.care_plan import CarePlan
from simulator.storage.events import Event, PatientTurn, SessionStarted, TraineeTurn

RUBRIC = load_rubric()
BEHAVIOURS = {b.id: b for b in RUBRIC.rubric.behaviours}
AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
STEP = "Walk to the park with Ava for 20 minutes after tea on Monday, Wednesday and Friday, starting this Monday"


def _played(scenario: str, lines: list[str], folder: Path) -> Session:
    session = Session.start(resolve(scenario), seed=0, directory=folder)
    for line in lines:
        session.say(line)
    session.end()
    return session


def _report(session: Session) -> FeedbackReport:
    return build_report(session.transcript, RUBRIC, session.scenario)


def _turns(*said: tuple[str, set[Code]]) -> Conversation:
    turns = [CodedTurn(i + 1, text, frozenset(codes), (Part(text, frozenset(codes)),))
             for i, (text, codes) in enumerate(said)]
    return Conversation(turns, clinician_words=10 * len(turns), patient_words=10 * len(turns))


def _levels(conversation: Conversation) -> dict[str, int]:
    return {b.id: b.level for b in score(conversation, RUBRIC.rubric, "test").behaviours}


# Credit only for behaviour shown.

def test_an_empty_consultation_scores_nothing_and_nothing_is_done_well(tmp_path: Path) -> None:
    report = _report(_played("p1-taxi-driver", [], tmp_path))
    result = report.scored.score
    assert result.overall == 0
    assert [b.id for b in result.behaviours if b.level == 2] == []
    assert report.advice.strengths == []
    assert "R12" not in {p.behaviour.split()[0] for p in report.advice.development}  # silence is not advice
    assert report.headline() == "You did not say anything, so there is nothing to credit yet."


def test_a_lecture_gets_level_0_for_the_righting_reflex_and_quotes_the_advice(tmp_path: Path) -> None:
    report = _report(_played("p1-taxi-driver", script("lecturing.txt"), tmp_path))
    righting = next(b for b in report.scored.score.behaviours if b.id == "R12")
    assert righting.level == 0
    assert "You need to lose some weight." in [m.words for m in righting.missed]
    point = next(p for p in report.advice.development if p.behaviour.startswith("R12"))
    assert point.quote in script("lecturing.txt")
    assert "Advice without permission" in point.finding


def test_not_advising_is_only_credited_alongside_exploring() -> None:
    said_little = _turns(("Hello.", {Code.OTHER}), ("Right.", {Code.OTHER}), ("OK then.", {Code.OTHER}))
    explored = _turns(*[("What matters most to you?", {Code.OPEN_QUESTION, Code.ASKS_WHAT_MATTERS}),
                        ("It sounds like the nights are hard.", {Code.COMPLEX_REFLECTION})] * 2)
    assert _levels(said_little)["R12"] == 0
    assert _levels(explored)["R12"] == 2


def test_silence_and_a_lecture_do_not_score_alike() -> None:
    silence = score(_turns(), RUBRIC.rubric, "test")
    lecture = score(_turns(
        ("Your results are worse than last year.", {Code.GIVING_INFORMATION, Code.EXPLORES_RESULTS}),
        *[("You need to lose some weight.", {Code.PERSUADE})] * 6,
        ("Make sure you come back in three months.", {Code.PERSUADE, Code.REVIEW_ARRANGED}),
    ), RUBRIC.rubric, "test")
    assert silence.overall == 0 < lecture.overall < 10  # the results were raised and a review arranged, told
    r12 = {s: next(b for b in r.behaviours if b.id == "R12") for s, r in (("silence", silence), ("lecture", lecture))}
    assert r12["silence"].missed == [] and len(r12["lecture"].missed) == 7
    assert r12["silence"].finding != r12["lecture"].finding


def test_a_move_said_as_advice_earns_no_credit_for_the_collaborative_move_it_resembles() -> None:
    told = _turns(("You should walk for 20 minutes in the park every day, starting tomorrow.",
                   {Code.PERSUADE, Code.ACTION_STEP}),
                  ("Make sure you aim to lose weight in six months.", {Code.PERSUADE, Code.ELICITS_GOAL}))
    asked = _turns(("What would you like to be different in six months?", {Code.OPEN_QUESTION, Code.ELICITS_GOAL}),
                   ("So you'll walk for 20 minutes in the park every day, starting tomorrow?",
                    {Code.SIMPLE_REFLECTION, Code.ACTION_STEP}))
    assert _levels(told)["R13"] == 0 and _levels(told)["R15"] == 0
    assert _levels(asked)["R13"] == 2 and _levels(asked)["R15"] == 2


def test_an_excellent_natural_conversation_scores_well_above_60(tmp_path: Path) -> None:
    lines = [line for line in (ROOT / "docs" / "scripts" / "good-denise.txt").read_text(encoding="utf-8")
             .splitlines() if line.strip()]
    report = _report(_played("p6-knee-pain", lines, tmp_path))
    assert report.scored.score.overall >= 75, report.scored.score.overall


# What to say instead, for this patient and this moment.

def test_the_instead_examples_differ_between_patients(tmp_path: Path) -> None:
    lines = script("checklist.txt")
    gary = _report(_played("p1-taxi-driver", lines, tmp_path / "gary"))
    denise = _report(_played("p6-knee-pain", lines, tmp_path / "denise"))

    def examples(report: FeedbackReport) -> list[str]:
        return [p.instead or "" for p in report.advice.development] + [m.instead for m in report.advice.moments]

    assert examples(gary) and examples(denise)
    # The same behaviours to work on (the same script), each with a different example for each patient.
    theirs = {p.behaviour: p.instead for p in denise.advice.development}
    common = [p for p in gary.advice.development if p.behaviour in theirs]
    assert common and all(p.instead != theirs[p.behaviour] for p in common)
    shown = "\n".join(examples(gary))
    assert "Ava" not in shown and "nights are the hardest part" not in shown
    assert "Gary" in shown or "Denise" not in shown
    # Reflective listening's example says back what Gary had just said, at the question the point quotes.
    r06 = next(p for p in gary.advice.development if p.behaviour.startswith("R06"))
    assert r06.quote is not None
    turn = gary.scored.conversation.turns[[t.text for t in gary.scored.conversation.turns].index(r06.quote)]
    assert r06.instead is not None and r06.instead.startswith("It sounds like")
    heard = {w.lower() for w in re.findall(r"[a-z']{4,}", turn.heard, re.I)}
    assert heard & {w.lower() for w in re.findall(r"[a-z']{4,}", r06.instead, re.I)}


def test_prioritising_names_this_patients_conditions_and_what_they_told_not_ava_for_everyone(tmp_path: Path) -> None:
    for scenario, theirs, not_theirs in (("p1-taxi-driver", "type 2 diabetes", "Ava"),
                                         ("p6-knee-pain", "prediabetes", "Gary")):
        session = _played(scenario, script("person-centred.txt"), tmp_path / scenario)
        report = _report(session)
        line = write_instead(BEHAVIOURS["R10"], scene_of(session.scenario, session.events), None,
                             report.scored.conversation)
        assert line is not None and theirs in line and not_theirs not in line
    assert "Ava" in (line or "")  # Denise's priority came out: her granddaughter is in it


def test_a_closed_review_question_gets_an_alternative_about_the_review(tmp_path: Path) -> None:
    lines = ["Are you taking your tablets?", "Do you check your sugar?", "Shall we meet again in two months?"]
    report = _report(_played("p1-taxi-driver", lines, tmp_path))
    moment = next(m for m in report.advice.moments if m.words == "Shall we meet again in two months?")
    assert "meet again" in moment.instead and "What has that been like for you?" not in moment.instead
    opened = next(m for m in report.advice.moments if m.words == "Do you check your sugar?")
    assert opened.instead == "How do you feel about checking your sugar at the moment?"


def test_advice_is_turned_into_a_question_about_the_same_thing_for_this_person(tmp_path: Path) -> None:
    report = _report(_played("p6-knee-pain", ["You need to lose some weight.", "You should stop snacking in the "
                                              "evenings."], tmp_path))
    point = next(p for p in report.advice.development if p.behaviour.startswith("R12"))
    moment = report.advice.moments[0]
    assert {point.instead, moment.instead} == {"What are your own thoughts about losing some weight, Denise?",
                                               "What are your own thoughts about stopping snacking in the evenings, "
                                               "Denise?"}
    assert "Denise answered" in moment.why
    assert moment.turn != next(t.number for t in report.scored.conversation.turns if t.text == point.quote)


# "You asked far more than you reflected": only when true, quoting a question.

def test_asked_far_more_than_reflected_only_when_true_and_quoting_a_question(tmp_path: Path) -> None:
    balanced = score(_turns(("What matters most to you?", {Code.OPEN_QUESTION}),
                            ("It sounds like the family matters.", {Code.COMPLEX_REFLECTION})), RUBRIC.rubric, "t")
    nothing = score(_turns(("Hello.", {Code.OTHER})), RUBRIC.rubric, "t")
    for result in (balanced, nothing):
        assert "far more" not in next(b for b in result.behaviours if b.id == "R06").finding
    report = _report(_played("p1-taxi-driver", script("person-centred.txt"), tmp_path))
    r06 = next(b for b in report.scored.score.behaviours if b.id == "R06")
    assert r06.finding.startswith("You asked far more than you reflected")
    point = next(p for p in report.advice.development if p.behaviour.startswith("R06"))
    quoted = next(t for t in report.scored.conversation.turns if t.text == point.quote or
                  any(part.text == point.quote for part in t.parts))
    assert quoted.codes & {Code.OPEN_QUESTION, Code.CLOSED_QUESTION}
    assert not quoted.codes & {Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION}


# Plain language on the main view; the MITI figures kept apart.

def test_the_main_view_is_in_plain_words_and_the_miti_figures_come_after(tmp_path: Path) -> None:
    report = _report(_played("p6-knee-pain", script("person-centred.txt"), tmp_path))
    lines = report_lines(report)
    main, figures = lines[:lines.index("MITI figures (for educators)")], lines[lines.index("MITI figures (for educators)"):]
    shown = "\n".join(main)
    assert not re.search(r"\d\.\d+ \(\d+ (of|to) \d+\)", shown) and "x min(" not in shown and "clamp" not in shown
    assert "turn(s) with" not in shown
    assert any("clamp" in line for line in figures) and any(re.search(r"\(\d+ (of|to) \d+\)", x) for x in figures)


# The patient's answers match what happened.

def test_after_a_lecture_the_patient_does_not_say_a_step_was_worked_out_together(tmp_path: Path) -> None:
    session = _played("p1-taxi-driver", script("lecturing.txt"), tmp_path)
    answers = {a.key: a for a in patient_view(session.events, disclosures(session.scenario, session.events))}
    assert "We worked out a step together." not in answers["include"].because
    assert answers["include"].score == 0 and "The plan was yours, not mine." in answers["include"].because
    assert "You went through my results with me." not in answers["understand"].because


def test_a_step_worked_out_with_the_patient_is_one_they_say_was_worked_out_together(tmp_path: Path) -> None:
    session = _played("p6-knee-pain", script("person-centred.txt"), tmp_path)
    answers = {a.key: a for a in patient_view(session.events, disclosures(session.scenario, session.events))}
    assert "We worked out a step together." in answers["include"].because


# Plan checks read the conversation as a person would.

def _events(scenario: str, exchanges: list[tuple[str, list[Code], str, Intent, list[str]]]) -> list[Event]:
    events: list[Event] = [SessionStarted(seq=0, at=AT, session_id="s", product_version="t", scenario_id=scenario,
                                          scenario_title="t", scenario_path="", scenario_hash="", seed=0)]
    for number, (said, codes, reply, intent, released) in enumerate(exchanges, 1):
        events.append(TraineeTurn(seq=len(events), at=AT, turn=number, text=said, codes=codes, coder="rules-2"))
        events.append(PatientTurn(seq=len(events), at=AT, turn=number, text=reply, intent=intent, released=released))
    return events


def test_the_review_is_agreed_when_the_patient_says_yes_to_a_proposed_review() -> None:
    scenario = resolve("p2-widow-copd").scenario
    proposed = "How about we get together again in a month and see how the choir's going?"
    plan = CarePlan(review_date="In a month")
    agreed = _events("p2-widow-copd", [(proposed, [Code.OPEN_QUESTION], "That sounds sensible.", Intent.AGREE, [])])
    refused = _events("p2-widow-copd", [(proposed, [Code.OPEN_QUESTION], "No, not really.", Intent.ANSWER_BRIEF, [])])
    check = {c.id: c for c in check_plan(plan, agreed, scenario).checks}["agreed_review"]
    assert check.met and "That sounds sensible." in check.detail
    assert not {c.id: c for c in check_plan(plan, refused, scenario).checks}["agreed_review"].met


def test_the_plan_is_what_matters_most_when_it_quotes_her_own_words() -> None:
    scenario = resolve("p2-widow-copd").scenario
    told = "What I'd give to stand with the altos at St Luke's again on a Thursday evening."
    events = _events("p2-widow-copd", [("What matters most to you?", [Code.OPEN_QUESTION, Code.ASKS_WHAT_MATTERS],
                                        told, Intent.DISCLOSE, ["choir"])])
    plan = CarePlan(what_matters="To stand with the altos at St Luke's again on a Thursday evening",
                    goal="Stand with the altos again")
    checks = {c.id: c for c in check_plan(plan, events, scenario).checks}
    assert checks["what_matters_most"].met, checks["what_matters_most"].detail
    assert checks["own_words"].met
    elsewhere = CarePlan(what_matters="Keeping the house tidy", goal="Tidy the kitchen")
    assert not {c.id: c for c in check_plan(elsewhere, events, scenario).checks}["what_matters_most"].met


def test_a_fully_specified_step_names_all_five_elements() -> None:
    asked = Conversation([CodedTurn(1, "What will you do, where, when, and how often? When will you start?",
                                    frozenset({Code.OPEN_QUESTION, Code.ACTION_STEP}), reply=f"{STEP}, I think.")],
                         10, 10)
    r15 = next(b for b in score(asked, RUBRIC.rubric, "t").behaviours if b.id == "R15")
    assert r15.level == 2 and r15.rationale.startswith("5 of 5 step elements named")
    assert r15.finding == "The step named what, where, when, how much and a start."
    plan = CarePlan(step_what="Walk to the park with Ava", step_where="The park", step_when="After tea, Monday, "
                    "Wednesday and Friday", step_how_much="20 minutes", start_date="This Monday")
    events = _events("p6-knee-pain", [("What will you do?", [Code.ACTION_STEP], STEP, Intent.OPEN_UP, [])])
    smart = {c.id: c for c in check_plan(plan, events, resolve("p6-knee-pain").scenario).checks}["smart_step"]
    assert smart.met, smart.detail


@pytest.mark.parametrize("scenario", ["p1-taxi-driver", "p6-knee-pain", "p2-widow-copd"])
def test_every_try_line_is_in_plain_sentences_addressed_to_this_patient(scenario: str, tmp_path: Path) -> None:
    report = _report(_played(scenario, script("lecturing.txt") + script("checklist.txt"), tmp_path))
    lines = [p.instead or "" for p in report.advice.development] + [m.instead for m in report.advice.moments]
    others = {"Gary", "Denise", "Margaret"} - {report.patient}
    for line in lines:
        assert line and line[0].isupper() and line.rstrip()[-1] in ".?", line
        assert not others & set(re.findall(r"[A-Z][a-z]+", line)), line

"""The practice app driven by Pilot, as a trainee would use it with the keyboard alone."""

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import script
from pilot import SIZE, choose, end_and_plan, say
from textual.widgets import Input, Static, TextArea

from simulator import locations
from simulator.app.config import AppConfig
from simulator.app.practice.app import SimulatorApp
from simulator.app.practice.consultation import ConsultationScreen
from simulator.app.practice.document import DocumentScreen
from simulator.app.practice.feedback import FeedbackScreen
from simulator.app.practice.help import HelpScreen
from simulator.app.practice.picker import PickerScreen
from simulator.app.widgets.turn import Turn
from simulator.coding.coder import RuleCoder
from simulator.content.scenario_loader import load_scenario
from simulator.practice.session import Session
from simulator.storage.events import PatientTurn, PlanRecorded, ScoreRecorded, SessionEnded, TraineeTurn
from simulator.storage.transcript import read_transcript


async def test_a_whole_consultation_from_picker_to_feedback(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, PickerScreen)
        await choose(pilot, "p1-taxi-driver")
        assert isinstance(app.screen, ConsultationScreen)
        screen = app.screen
        assert screen.session.scenario.id == "p1-taxi-driver"
        for line in script("person-centred.txt")[:8]:
            await say(pilot, line)
        turns = list(screen.query(Turn))
        assert len(turns) == 17  # opening line plus eight exchanges
        await end_and_plan(pilot)
        assert isinstance(app.screen, FeedbackScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.report is not None and app.screen.report.disclosure is not None
        assert app.screen.report.disclosure.priority_reached
        assert app.screen.scored is not None and app.screen.scored.score.behaviours[3].level == 2
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "How it felt from the other chair" in shown and "of 4, " in shown
        path = app.screen.session.path
    saved = read_transcript(path)
    assert isinstance(saved.events[-3], SessionEnded) and isinstance(saved.events[-2], PlanRecorded)
    recorded = saved.events[-1]
    assert isinstance(recorded, ScoreRecorded) and recorded.coder_version == RuleCoder.version
    assert recorded.rubric_id == "what-matters" and len(recorded.rubric_hash) == 64
    assert [e.text for e in saved.events if isinstance(e, TraineeTurn)] == script("person-centred.txt")[:8]


async def test_typed_markup_and_escapes_are_shown_literally(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await pilot.press(*"[b]hi[/b]", "enter")
        await say(pilot, "[red]What[/red] matters to you? \x1b[31m[link=x]y[/link]")
        shown = [str(turn.render()) for turn in app.screen.query(Turn)]
        assert shown[1] == "You\n[b]hi[/b]"
        assert shown[3] == "You\n[red]What[/red] matters to you? [link=x]y[/link]"


async def test_letter_persona_card_and_help_open_and_close_with_keys(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await pilot.press("f2")
        assert isinstance(app.screen, DocumentScreen)
        assert "HbA1c" in str(app.screen.query_one(".body").render())
        await pilot.press("escape", "f3")
        card = str(app.screen.query_one(".body").render())
        assert "Denise Walker, 63" in card
        # The card never shows what the patient keeps hidden.
        hidden = app.screen_stack[-2].session.scenario.hidden_facts
        assert hidden and not any(fact.text in card or fact.summary in card for fact in hidden)
        await pilot.press("escape", "f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ConsultationScreen)
        kinds = [e.kind for e in app.screen.session.events if e.type == "system"]
        assert kinds == ["letter_opened", "persona_opened"]


async def test_new_consultation_after_feedback_returns_to_the_picker(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await say(pilot, "What matters to you?")
        await end_and_plan(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, PickerScreen)


async def test_resume_in_the_app_shows_the_conversation_so_far(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await say(pilot, "What would you like to talk about?")
        path = app.screen.session.path
        await pilot.press("ctrl+q")
    resumed = SimulatorApp(app_config, resume=path)
    async with resumed.run_test(size=SIZE) as pilot:
        assert isinstance(resumed.screen, ConsultationScreen)
        assert len(resumed.screen.query(Turn)) == 3
        await say(pilot, "Tell me more about that.")
        assert len(resumed.screen.query(Turn)) == 5
    said = [e.text for e in read_transcript(path).events if isinstance(e, TraineeTurn)]
    assert said == ["What would you like to talk about?", "Tell me more about that."]


async def test_blank_input_does_nothing(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await pilot.press("space", "space", "enter")
        assert len(app.screen.query(Turn)) == 1
        await end_and_plan(pilot)
        await app.workers.wait_for_complete()
        assert app.screen.report is not None and app.screen.report.disclosure is not None
        assert app.screen.report.disclosure.turns == 0


async def test_an_unwritable_session_folder_is_a_message_not_a_crash(tmp_path: Path, app_config: AppConfig) -> None:
    blocker = tmp_path / "sessions"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        assert any("Cannot save transcripts" in str(n.message) for n in app._notifications)


async def test_saving_the_scenario_reloads_it_and_a_broken_save_is_reported(tmp_path: Path, app_config: AppConfig) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    source = locations.builtin_scenario_dir() / "p6-knee-pain.yaml"
    path = folder / "p6-knee-pain.yaml"
    path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    cfg = replace(app_config, scenario_dirs=[folder], watch_scenarios=True)
    app = SimulatorApp(cfg)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        screen = app.screen
        assert isinstance(screen, ConsultationScreen)
        await say(pilot, "Do you have any pain?")
        edited = path.read_text(encoding="utf-8").replace('    - "Yeah."\n', '    - "Yes, love, every day."\n')
        path.write_text(edited.replace("answer_brief:\n", "answer_brief:\n    - \"Yes, love, every day.\"\n", 1),
                        encoding="utf-8")
        screen._check_scenario()
        assert screen.session.scenario_file.content_hash != load_scenario(source).content_hash
        assert screen.session.engine.state.turns == 1  # brought back to where the conversation is
        path.write_text("id: [broken", encoding="utf-8")
        screen._check_scenario()
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("still playing the last good version" in m and "p6-knee-pain.yaml:" in m and "not valid YAML" in m
                   for m in messages)
        await say(pilot, "How are things at home?")
        assert len(screen.query(Turn)) == 5


async def test_a_review_visit_starts_from_its_own_opening_and_is_recorded(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "p2-widow-copd", "review")
        screen = app.screen
        assert isinstance(screen, ConsultationScreen)
        opening = str(screen.query(Turn).first().render())
        assert "I went. To the choir practice." in opening
        await say(pilot, "How have the last few weeks been?")
        started = screen.session.events[0]
        assert started.visit == "review"
        released = screen.session.events[-1].released
        assert released == ["review-choir"]


async def test_the_learned_coder_loads_in_the_background_and_scores_the_feedback(app_config: AppConfig) -> None:
    app = SimulatorApp(replace(app_config, coder="learned"))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        app.kit.coder().result(timeout=120)  # loaded on its own thread while the trainee prepares
        await say(pilot, "What matters most to you at the moment?")
        trainee = app.screen.session.events[-2]
        assert trainee.coder.startswith("learned-")
        await end_and_plan(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.scored is not None
        assert app.screen.scored.score.coder_version.startswith("learned-")


async def test_the_preparation_note_is_saved_as_it_is_written_and_opens_in_the_consultation(app_config: AppConfig) -> None:
    from simulator.app.autosave import SAVE_AFTER
    from simulator.app.practice.note import NoteScreen
    from simulator.app.practice.prepare import PrepareScreen
    from simulator.storage.events import PreparationNoted

    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "p2-widow-copd", prepare=False)
        screen = app.screen
        assert isinstance(screen, PrepareScreen)
        shown = "\n".join(str(w.render()) for w in screen.query(Static))
        assert "Breathing test (FEV1)" in shown and "Two exacerbations this year" in shown
        await pilot.press(*"Check inhaler technique")
        await pilot.pause(SAVE_AFTER + 0.3)
        # On disk before the trainee moves on: a killed process keeps it.
        saved = [e for e in read_transcript(screen.session.path).events if isinstance(e, PreparationNoted)]
        assert saved[-1].text == "Check inhaler technique"
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, ConsultationScreen)
        await pilot.press("f4")
        assert isinstance(app.screen, NoteScreen)  # to read, and to carry on writing
        assert app.screen.query_one(TextArea).text == "Check inhaler technique"


async def test_the_plan_form_saves_drafts_as_typed_and_the_feedback_checks_the_plan(app_config: AppConfig) -> None:
    from simulator.app.autosave import SAVE_AFTER
    from simulator.app.practice.plan import PlanScreen

    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "p2-widow-copd")
        for line in script("person-centred.txt"):
            await say(pilot, line)
        await pilot.press("f10", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)
        path = app.screen.session.path
        await pilot.press(*"Singing in the choir again", "enter", *"Sing in the choir", "enter")
        await pilot.pause(SAVE_AFTER + 0.3)
        drafts = [e for e in read_transcript(path).events if isinstance(e, PlanRecorded)]
        assert drafts[-1].plan.goal == "Sing in the choir" and not drafts[-1].final  # on disk while typing
        app.screen.query_one("#confidence", Input).value = "11"
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, FeedbackScreen)
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "Your care and support plan:" in shown and "✓ It is what matters most to them" in shown
    final = [e for e in read_transcript(path).events if isinstance(e, PlanRecorded)][-1]
    assert final.final and final.plan.what_matters == "Singing in the choir again"
    assert final.plan.confidence is None  # 11 is not on the 0-10 scale, so it is not recorded


async def test_a_whole_cycle_prepare_discuss_record_review(app_config: AppConfig) -> None:
    from simulator.app.practice.plan import PlanScreen
    from simulator.app.practice.prepare import PrepareScreen
    from simulator.storage.events import PreparationNoted, SessionStarted

    app = SimulatorApp(app_config)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "p2-widow-copd", prepare=False)
        await pilot.press(*"Ask what she would like to do again")
        await pilot.press("f5")
        await pilot.pause()
        for line in [*script("person-centred.txt"), "Shall we book you in to review how it's going in four weeks?"]:
            await say(pilot, line)
        first = app.screen.session
        await pilot.press("f10", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)
        plan = {"what_matters": "I miss it terribly. I miss the people", "goal": "Sing in the choir again",
                "step_what": "Go to choir practice and sit at the back", "step_when": "Thursday at 7",
                "step_where": "St Mark's church hall", "step_how_much": "Once a week, 1 hour",
                "start_date": "This Thursday", "support": "Claire; Breathe Easy group",
                "if_not_working": "Ring the surgery", "review_date": "Four weeks"}
        for name, value in plan.items():
            app.screen.query_one(f"#{name}", TextArea).text = value
        stated = next(e.text for e in first.events if isinstance(e, PatientTurn) and e.intent == "rate_confidence")
        app.screen.query_one("#confidence", Input).value = "".join(c for c in stated if c.isdigit())
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, FeedbackScreen)
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "Your care and support plan: 100 / 100" in shown
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, PrepareScreen)
        notes = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "The plan you recorded last time" in notes and "Sing in the choir again" in notes
        await pilot.press("f5")
        await pilot.pause()
        review = app.screen.session
        assert review.visit == "review" and review.carried is not None and review.carried.quality == 1.0
        await say(pilot, "How have things been going since we last met?")
        assert "Go to choir practice and sit at the back" in review.events[-1].text
        await end_and_plan(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, FeedbackScreen) and app.screen.session is review
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "How it felt from the other chair" in shown
    # Everything typed in the four steps is in the two transcripts, and the cycle is kept together.
    first_events, review_events = read_transcript(first.path).events, read_transcript(review.path).events
    assert [e.text for e in first_events if isinstance(e, PreparationNoted)][-1] == "Ask what she would like to do again"
    assert [e for e in first_events if isinstance(e, PlanRecorded)][-1].plan.goal == "Sing in the choir again"
    started = review_events[0]
    assert isinstance(started, SessionStarted) and started.cycle_id == first.path.stem
    # At the review the form starts from last visit's plan, to adjust.
    assert [e for e in review_events if isinstance(e, PlanRecorded)][-1].plan.goal == "Sing in the choir again"
    assert started.plan is not None and started.plan.step_where == "St Mark's church hall"


async def test_a_visit_killed_at_the_plan_form_resumes_there_with_the_draft(app_config: AppConfig) -> None:
    from simulator.app.practice.plan import PlanScreen
    from simulator.app.practice.prepare import PrepareScreen
    from simulator.storage.care_plan import CarePlan

    session = Session.start(load_scenario(locations.builtin_scenario_dir() / "p2-widow-copd.yaml"), seed=1,
                            directory=app_config.session_dir)
    session.prepare("Check inhalers")
    session.close()  # killed while preparing: the process lets go of the visit
    async with SimulatorApp(app_config, resume=session.path).run_test(size=SIZE) as pilot:
        assert isinstance(pilot.app.screen, PrepareScreen)  # nothing said yet: back to preparing
        assert pilot.app.screen.query_one("#note").text == "Check inhalers"  # type: ignore[attr-defined]
    session = Session.resume(session.path)
    session.say("What matters most to you?")
    session.end()
    session.record_plan(CarePlan(goal="Sing again"), final=False)
    session.close()  # killed at the plan form: the process lets go of the visit
    async with SimulatorApp(app_config, resume=session.path).run_test(size=SIZE) as pilot:
        assert isinstance(pilot.app.screen, PlanScreen)
        assert pilot.app.screen.query_one("#goal", TextArea).text == "Sing again"


async def test_the_first_turn_waits_for_the_coder_and_every_turn_is_coded_by_it(
        app_config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.coding import choice

    loaded = threading.Event()

    class Slow(RuleCoder):
        version = "slow-1"

    def slow_choose(name: str) -> choice.Chosen:
        loaded.wait(10)  # the coder is still loading when the trainee first speaks
        return choice.Chosen(Slow())

    monkeypatch.setattr(choice, "choose", slow_choose)
    monkeypatch.setattr("simulator.practice.visit.choose", slow_choose)
    app = SimulatorApp(replace(app_config, coder="best"))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        app.screen.query_one(Input).value = "What matters most to you at the moment?"
        await pilot.press("enter")
        await pilot.pause()
        waiting = str(list(app.screen.query(Turn))[-1].render())
        assert "getting ready to listen" in waiting
        assert not any(isinstance(e, TraineeTurn) for e in app.screen.session.events)  # nothing coded yet
        loaded.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await say(pilot, "Tell me more about that.")
        coders = {e.coder for e in app.screen.session.events if isinstance(e, TraineeTurn)}
        assert coders == {"slow-1"}


async def test_a_coder_that_falls_back_says_so_and_one_that_cannot_load_loses_nothing(
        app_config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.coding import choice
    from simulator.errors import CoderUnavailable

    def missing(folder: Path | None = None) -> object:
        raise CoderUnavailable("no trained coder in /nowhere")

    monkeypatch.setattr(choice, "learned_coder", missing)
    app = SimulatorApp(replace(app_config, coder="best"))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await say(pilot, "How have things been?")
        await pilot.pause(0.3)
        notes = [n.message for n in app._notifications]
        assert any("Coding with the rule-based coder: no trained coder in /nowhere" in n for n in notes)
        events = app.screen.session.events
        assert [e.coder for e in events if isinstance(e, TraineeTurn)] == [RuleCoder.version]
        assert any(e.type == "system" and e.kind == "coder_fallback" for e in events)

    app = SimulatorApp(replace(app_config, coder="learned"))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        await say(pilot, "How have things been?")
        assert app.screen.query_one(Input).value == "How have things been?"  # the words are back in the box
        assert len(app.screen.query(Turn)) == 1  # only the patient's opening line
        notes = [n.message for n in app._notifications]
        assert any("no trained coder in /nowhere" in n and "--coder best" in n for n in notes)
        assert not any(isinstance(e, TraineeTurn) for e in app.screen.session.events)


async def test_resuming_an_altered_transcript_says_so(app_config: AppConfig) -> None:
    session = Session.start(load_scenario(locations.builtin_scenario_dir() / "p2-widow-copd.yaml"), seed=1,
                            directory=app_config.session_dir)
    session.say("How have things been?")
    session.close()
    lines = session.path.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b"How have things been?", b"You need to stop smoking.")
    session.path.write_bytes(b"".join(lines))
    app = SimulatorApp(app_config, resume=session.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        warnings = [n.message for n in app._notifications if n.severity == "warning"]
        assert any("ALTERED" in w and "line 3" in w for w in warnings), warnings

"""The trainee's papercuts (issue 17), each driven by Pilot as a trainee would meet it, with snapshots of the
screens they changed at 80x24 and 120x40.

Update the snapshots after an intended change with:
pytest tests/app/test_trainee_papercuts.py --snapshot-update
"""

import argparse
import errno
import json
import threading
import tomllib
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from faults import run_cli
from helpers import script_path
from pilot import choose, notes, say
from pilot import until as wait_until
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea
from textual.widgets._footer import FooterKey

from simulator import locations
from simulator.app.config import AppConfig, remember_name
from simulator.app.practice.app import SimulatorApp
from simulator.app.practice.consultation import ConsultationScreen
from simulator.app.practice.dialogs import ConfirmScreen, NameScreen
from simulator.app.practice.note import NoteScreen
from simulator.app.practice.picker import PickerScreen
from simulator.app.practice.plan import MAX_ANSWER, PlanField, PlanScreen
from simulator.app.practice.prepare import PrepareScreen
from simulator.cli.practice import _app_config, report_record
from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import resolve
from simulator.errors import SimulatorError
from simulator.practice.session import list_sessions
from simulator.scoring.report import build_report
from simulator.settings import load_settings
from simulator.storage.events import PreparationNoted, SessionStarted
from simulator.storage.transcript import read_transcript

SMALL, LARGE = (80, 24), (120, 40)
LIMIT_S = 20.0
until = partial(wait_until, seconds=LIMIT_S)




def transcripts(config: AppConfig) -> list[Path]:
    return sorted(config.session_dir.glob("*.jsonl")) if config.session_dir.is_dir() else []


def screen_lines(app: App[None]) -> list[str]:
    """The text on the terminal, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


# 1. The preparation screen is no dead end, and a wrong pick leaves nothing to resume.

async def test_escape_on_the_preparation_screen_goes_back_to_the_picker_keeping_no_visit(
        app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        await choose(pilot, "p2-widow-copd", prepare=False)
        assert isinstance(app.screen, PrepareScreen) and len(transcripts(app_config)) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        assert transcripts(app_config) == [] and list_sessions(app_config.session_dir) == []
        # The right pick this time goes ahead as usual.
        await choose(pilot, "p1-taxi-driver")
        assert isinstance(app.screen, ConsultationScreen)
        assert [p.name for p in transcripts(app_config)] == [app.screen.session.path.name]


async def test_leaving_a_written_note_asks_first_and_then_keeps_nothing(app_config: AppConfig) -> None:
    from simulator.app.autosave import SAVE_AFTER

    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        await choose(pilot, "p2-widow-copd", prepare=False)
        await pilot.press(*"Inhaler")
        await pilot.pause(SAVE_AFTER + 0.3)  # the note is on disk
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # no: carry on preparing, the note as it was
        assert isinstance(app.screen, PrepareScreen)
        assert app.screen.query_one(TextArea).text == "Inhaler"
        await pilot.press("escape", "n")
        assert isinstance(app.screen, PrepareScreen) and len(transcripts(app_config)) == 1
        await pilot.press("escape", "enter")  # yes: leave it
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen) and transcripts(app_config) == []


async def test_quitting_before_a_word_or_a_note_keeps_nothing_but_a_note_is_kept_to_resume(
        app_config: AppConfig) -> None:
    from simulator.app.autosave import SAVE_AFTER

    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        await choose(pilot, "p2-widow-copd", prepare=False)
        await pilot.press("ctrl+q")
    assert transcripts(app_config) == []
    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        await choose(pilot, "p2-widow-copd", prepare=False)
        await pilot.press(*"Inhaler")
        await pilot.pause(SAVE_AFTER + 0.3)
        await pilot.press("ctrl+q")
    [kept] = list_sessions(app_config.session_dir)
    assert not kept.complete  # resumable, with the note


# 2. Ctrl+Q is in the footer wherever it works, and it works everywhere.

def quit_shown(app: App[None]) -> bool:
    """Whether the footer shows Ctrl+Q, whole, within the terminal."""
    width = app.size.width
    return any(key.key == "ctrl+q" and key.description == "Quit" and 0 < key.region.right <= width
               for key in app.screen.query(FooterKey))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
async def test_ctrl_q_is_in_every_footer(app_config: AppConfig, size: tuple[int, int]) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=size) as pilot:
        seen: list[str] = []

        async def look(*keys: str) -> None:
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert quit_shown(app), f"no Ctrl+Q in the footer of {type(app.screen).__name__}"
            seen.append(type(app.screen).__name__)

        await look()
        await choose(pilot, prepare=False)
        await look()
        await look("f1")
        await look("escape", "f5")
        await say(pilot, "What matters most to you?")
        for key in ("f2", "f3", "f4"):
            await look(key)
            await look("escape")
        await look("f10")
        await look("enter")
        assert seen == ["PickerScreen", "PrepareScreen", "HelpScreen", "ConsultationScreen", "DocumentScreen",
                        "ConsultationScreen", "DocumentScreen", "ConsultationScreen", "NoteScreen",
                        "ConsultationScreen", "ConfirmScreen", "PlanScreen"]


async def test_ctrl_q_quits_from_a_dialog_too(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        await choose(pilot)
        await say(pilot, "What matters most to you?")
        await pilot.press("f10")
        assert isinstance(app.screen, ConfirmScreen)
        path = app.screen_stack[-2].session.path  # type: ignore[attr-defined]
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert not read_transcript(path).finished  # quitting is not ending: the visit can be resumed


# 3. F10 asks before it ends the consultation.

async def test_f10_asks_first_escape_or_n_carries_on_enter_or_y_ends(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        await choose(pilot)
        await say(pilot, "What matters most to you?")
        screen = app.screen
        assert isinstance(screen, ConsultationScreen)
        for cancel in ("escape", "n"):
            await pilot.press("f10")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(cancel)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen is screen and not screen.session.finished
        await say(pilot, "Tell me more about that.")  # the conversation carries on
        assert screen.session.turn == 2
        await pilot.press("f10", "y")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), "the plan form")
        assert screen.session.finished


# 4. The note opens for writing during the conversation, and is saved before it closes.

async def test_f4_note_is_edited_during_the_conversation_and_saved_before_it_closes(
        app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        await choose(pilot, "p2-widow-copd", prepare=False)
        await pilot.press(*"Inhaler?", "f5")
        await say(pilot, "What matters most to you?")
        await pilot.press("f4")
        assert isinstance(app.screen, NoteScreen)
        note = app.screen.query_one(TextArea)
        assert note.has_focus and not note.read_only and note.text == "Inhaler?"
        await pilot.press(*" Choir", "enter", *"Sing")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConsultationScreen)
        path = app.screen.session.path
        saved = [e for e in read_transcript(path).events if isinstance(e, PreparationNoted)]
        assert saved[-1].text == "Inhaler? Choir\nSing"
        await pilot.press("f4")  # opens as saved
        assert app.screen.query_one(TextArea).text == "Inhaler? Choir\nSing"


async def test_a_note_that_cannot_be_saved_stays_open_with_the_reason(
        app_config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        await choose(pilot)
        session = app.screen.session  # type: ignore[attr-defined]
        await pilot.press("f4", *"Badge")

        def full(text: str) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(session, "prepare", full)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen) and app.screen.query_one(TextArea).text == "Badge"
        assert "Could not save your note" in notes(app) and "No space left on device" in notes(app)
        monkeypatch.undo()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConsultationScreen) and session.preparation == "Badge"


async def test_a_note_closed_while_the_patient_speaks_is_saved_once_they_finish_in_order(
        app_config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        await choose(pilot)
        screen = app.screen
        assert isinstance(screen, ConsultationScreen)
        session = screen.session
        gate = threading.Event()
        say_now = session.say

        def slow(text: str, on_show: object = None) -> object:
            assert gate.wait(LIMIT_S)
            return say_now(text, on_show=on_show)  # type: ignore[arg-type]

        monkeypatch.setattr(session, "say", slow)
        screen.query_one(Input).value = "What matters most to you?"
        await pilot.press("enter")  # the patient is answering on the worker
        await pilot.press("f2", "escape", "f4", *"Badge")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)  # held until it is saved
        gate.set()
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.screen is screen, "the note to close")
        assert session.preparation == "Badge"
        read = read_transcript(session.path)
        assert read.problems == [] and [e.seq for e in read.events] == list(range(len(read.events)))
        assert [e.type for e in read.events][-4:] == ["trainee", "patient", "system", "preparation"]


# 5. The plan's answers wrap, and the form still works from the keyboard.

async def plan_form(pilot: Pilot) -> PlanScreen:
    await choose(pilot)
    await say(pilot, "What matters most to you?")
    await pilot.press("f10", "enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, PlanScreen), "the plan form")
    return pilot.app.screen  # type: ignore[return-value]


async def paste(pilot: Pilot, text: str) -> None:
    """Paste `text` as the terminal would: one event, to whatever has the focus."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


LONG = "Keeping my taxi badge, so that I can carry on driving and keep paying the mortgage until I retire"


async def test_plan_answers_wrap_and_enter_or_tab_go_to_the_next_box(app_config: AppConfig) -> None:
    from simulator.app.autosave import SAVE_AFTER

    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        form = await plan_form(pilot)
        first = form.query_one("#what_matters", PlanField)
        assert first.has_focus
        await paste(pilot, LONG)
        assert first.scroll_x == 0 and first.virtual_size.width <= first.scrollable_content_region.width
        lines = first.wrapped_document.height
        assert lines >= 2 and first.scrollable_content_region.height >= lines  # every line of it in view
        await pilot.press("enter", *"Stay on the road", "tab", *"Walk")
        assert form.query_one("#step_what", PlanField).has_focus
        await paste(pilot, " after\nshifts")  # a pasted answer is one paragraph
        for _ in range(5):
            await pilot.press("enter")
        assert form.query_one("#confidence", Input).has_focus
        await pilot.press("8", "enter")
        assert form.query_one("#support", PlanField).has_focus
        await pilot.pause(SAVE_AFTER + 0.3)
        plan = form.plan()
        assert (plan.what_matters, plan.goal, plan.step_what, plan.confidence) == (
            LONG, "Stay on the road", "Walk after shifts", 8)
        assert form.session.plan is not None and form.session.plan.plan == plan  # the draft on disk


async def test_a_plan_answer_past_its_length_is_refused_out_loud(app_config: AppConfig) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=SMALL) as pilot:
        form = await plan_form(pilot)
        field = form.query_one("#goal", PlanField)
        field.text = "x" * (MAX_ANSWER - 2)
        field.focus()
        field.move_cursor(field.document.end)
        await pilot.press("a", "b", "c")
        assert field.text == "x" * (MAX_ANSWER - 2) + "ab"
        assert f"at most {MAX_ANSWER} characters" in notes(app)


# 6. The picker's conditions are readable at 80x24 (and wider).

@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
async def test_the_picker_shows_every_condition_whole(app_config: AppConfig, size: tuple[int, int]) -> None:
    app = SimulatorApp(app_config)
    async with app.run_test(size=size) as pilot:
        table = app.screen.query_one(DataTable)
        screen = app.screen
        assert isinstance(screen, PickerScreen)
        for row, choice in enumerate(screen._choices):
            table.move_cursor(row=row, animate=False)
            await pilot.pause()
            await pilot.pause()
            lines = screen_lines(app)
            top = table.region.y
            column = lines[top].index("Conditions")
            # The table read down the conditions column (up to the scrollbar), its wrapped lines joined up again.
            right = table.region.x + table.scrollable_content_region.width
            shown = " ".join(" ".join(line[column:right].split()) for line in lines[top + 1: table.region.bottom])
            conditions = ", ".join(choice.scenario_file.scenario.persona.conditions)
            assert conditions in shown, (row, conditions, shown)


# 7. The trainee's name: asked once, remembered in the config file, on every transcript.

async def test_the_app_asks_the_name_once_remembers_it_and_puts_it_on_the_transcript(
        app_config: AppConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file = tmp_path / "config" / "config.toml"
    config = replace(app_config, remember_name_in=config_file)
    app = SimulatorApp(config)
    async with app.run_test(size=SMALL) as pilot:
        assert isinstance(app.screen, NameScreen)
        await pilot.press("enter")  # nothing typed: asked again, not saved
        assert isinstance(app.screen, NameScreen) and not config_file.exists()
        await paste(pilot, 'Sam "Sammy" O\'Neil')
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        await choose(pilot)
        await say(pilot, "What matters most to you?")
        path = app.screen.session.path  # type: ignore[attr-defined]
    assert load_settings(config_file).user.name == 'Sam "Sammy" O\'Neil'
    started = read_transcript(path).events[0]
    assert isinstance(started, SessionStarted) and started.trainee == 'Sam "Sammy" O\'Neil'
    # The next run knows the name from the config file, and does not ask.
    monkeypatch.setenv("SIMULATOR_CONFIG", str(config_file))
    again = _app_config(argparse.Namespace(trainee=None, patient=None, model=None, url=None))
    assert again.trainee == 'Sam "Sammy" O\'Neil' and again.remember_name_in is None


async def test_escape_skips_the_name_for_this_run_and_writes_nothing(app_config: AppConfig, tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    app = SimulatorApp(replace(app_config, remember_name_in=config_file))
    async with app.run_test(size=SMALL) as pilot:
        assert isinstance(app.screen, NameScreen)
        await pilot.press("escape")
        await pilot.pause()
        await choose(pilot)
        await say(pilot, "What matters most to you?")
        path = app.screen.session.path  # type: ignore[attr-defined]
    assert not config_file.exists()
    started = read_transcript(path).events[0]
    assert isinstance(started, SessionStarted) and started.trainee is None  # not the login name


def test_with_no_name_configured_the_app_is_told_to_ask_and_where_to_keep_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATOR_CONFIG", str(tmp_path / "config.toml"))
    args = argparse.Namespace(trainee=None, patient=None, model=None, url=None)
    config = _app_config(args)
    assert config.trainee is None and config.remember_name_in == locations.config_file()
    given = _app_config(argparse.Namespace(trainee="Ravi", patient=None, model=None, url=None))
    assert given.trainee == "Ravi" and given.remember_name_in is None


def test_remembering_the_name_keeps_the_rest_of_the_config_file(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    before = '# mine\n[patient]\nbackend = "scripted"  # for now\n'
    config_file.write_text(before, encoding="utf-8")
    remember_name("Sam", config_file)
    assert config_file.read_text(encoding="utf-8") == before + '\n[user]\nname = "Sam"\n'
    # An empty [user] table (a comment after its header) gets the name under its header.
    config_file.write_text('[user]  # who I am\n\n[patient]\nbackend = "scripted"\n', encoding="utf-8")
    remember_name("Jo \\ Bloggs", config_file)
    assert tomllib.loads(config_file.read_text(encoding="utf-8")) == {
        "user": {"name": "Jo \\ Bloggs"}, "patient": {"backend": "scripted"}}


def test_a_config_file_that_cannot_take_the_name_is_left_as_it_was(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    for text in ("[patient\n", 'user = { }\n', '["user"]\n'):
        config_file.write_text(text, encoding="utf-8")
        with pytest.raises(SimulatorError, match='add it yourself, under \\[user\\]: name = "Sam"'):
            remember_name("Sam", config_file)
        assert config_file.read_text(encoding="utf-8") == text


# 8. `play --json` ends with the score and the feedback.

def test_play_json_ends_with_the_score_and_the_feedback_every_surface_renders(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    ran = run_cli(["play", "p1-taxi-driver", "--script", str(script_path("person-centred.txt")), "--json",
                   "--coder", "rules", "--out", str(out)], capfd)
    assert ran.status == 0
    lines = [json.loads(line) for line in ran.out.splitlines()]
    assert [line["type"] for line in lines][-3:] == ["session_ended", "scored", "feedback"]
    scored, shown = lines[-2], lines[-1]
    assert shown["scored"]["score"]["overall"] == scored["overall"] > 0
    assert {b["id"]: b["level"] for b in shown["scored"]["score"]["behaviours"]} == scored["levels"]
    assert shown["advice"]["strengths"] and shown["disclosure"]["hidden"]
    assert shown["measures"][0]["name"] == "Reflections to questions" and "shown" in shown["measures"][0]
    # The very report the other surfaces build from the transcript.
    [path] = out.glob("*.jsonl")
    read = read_transcript(path)
    report = build_report(read, load_rubric(), resolve("p1-taxi-driver").scenario)
    assert json.loads(json.dumps(report_record(report))) == shown
    assert read.events[-1].type == "scored"  # kept beside the conversation, as the app keeps it


# Snapshots of the screens these papercuts changed.

async def _prepare(pilot: Pilot) -> None:
    await choose(pilot, "p2-widow-copd", prepare=False)
    await pilot.press(*"Inhaler technique")


async def _confirm_end(pilot: Pilot) -> None:
    await choose(pilot, "p1-taxi-driver")
    await say(pilot, "What matters most to you at the moment?")
    await pilot.press("f10")


async def _note(pilot: Pilot) -> None:
    await choose(pilot, "p1-taxi-driver")
    await say(pilot, "What matters most to you at the moment?")
    await pilot.press("f4", *"Badge: driving")


async def _plan(pilot: Pilot) -> None:
    await plan_form(pilot)
    await paste(pilot, LONG)
    await pilot.press("enter", *"Stay", "enter", *"Walk")


async def _nothing(pilot: Pilot) -> None:
    await pilot.pause()


SCREENS = {"picker": _nothing, "prepare": _prepare, "confirm_end": _confirm_end, "note": _note, "plan": _plan}


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
@pytest.mark.parametrize("screen", [*SCREENS, "name"])
def test_snapshot(snap_compare, app_config: AppConfig, tmp_path: Path, screen: str,  # noqa: ANN001 - the plugin's
                  size: tuple[int, int]) -> None:
    config = replace(app_config, remember_name_in=tmp_path / "config.toml") if screen == "name" else app_config
    assert snap_compare(SimulatorApp(config), terminal_size=size, run_before=SCREENS.get(screen, _nothing))


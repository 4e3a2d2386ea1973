"""`simulator` (the practice app), `practice`, `list`, `play` and `resume`: practising, with or without the app."""

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.cli import options

if TYPE_CHECKING:
    from simulator.app.config import AppConfig
    from simulator.content.scenario import Scenario
    from simulator.scoring.report import FeedbackReport
    from simulator.storage.events import Event

def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands."""
    practice = commands.add_parser("practice", help="open the practice app (the default)")
    add_practice_options(practice)
    practice.set_defaults(handler=run_app)

    listing = commands.add_parser("list", help="list the scenarios you can practise")
    listing.set_defaults(handler=_list)

    play = commands.add_parser("play", help="play a conversation from a script, without the app")
    play.add_argument("scenario", help="scenario id or YAML file")
    play.add_argument("--script", required=True, help="file with one trainee utterance per line ('-' for stdin)")
    play.add_argument("--seed", type=int, default=0, help="seed for the patient (default 0)")
    play.add_argument("--visit", help="a later visit's id (default: the first, care planning visit)")
    play.add_argument("--json", action="store_true",
                      help="print one JSON object per event, the score's last, then one with the feedback")
    play.add_argument("--out", type=Path, help="keep the transcript in this folder")
    play.add_argument("--trainee", help="the trainee's name on the transcript (default: [user] name, else login)")
    options.add_coder_option(play, "its codes drive the patient and are scored")
    options.add_patient_options(play)
    play.set_defaults(handler=_play)

    resume = commands.add_parser("resume", help="continue an unfinished session in the app")
    resume.add_argument("session", nargs="?", help="session id or transcript file (default: the latest)")
    resume.add_argument("--list", action="store_true", help="list unfinished sessions instead")
    options.add_patient_options(resume)
    resume.set_defaults(handler=_resume)


def add_practice_options(parser: argparse.ArgumentParser) -> None:
    """The options of the practice app (also taken by `simulator` with no command)."""
    parser.add_argument("scenario", nargs="?", help="start straight into this scenario (id or file)")
    parser.add_argument("--seed", type=int, help="seed for the patient (default: random, recorded)")
    parser.add_argument("--visit", help="a later visit's id (default: the first, care planning visit)")
    parser.add_argument("--rubric", type=Path, help="score with this rubric file instead of the built-in one")
    parser.add_argument("--trainee", help="your name on the transcript (default: [user] name, else login name)")
    options.add_coder_option(parser, "its codes drive the patient and are scored")
    options.add_patient_options(parser)


def run_app(args: argparse.Namespace) -> int:
    """Open the practice app (on the picker, or straight into a scenario)."""
    # Imported here, so that the other commands start fast.
    from simulator import locations
    from simulator.app.practice.app import SimulatorApp
    from simulator.app.practice.picker import Choice
    from simulator.content.scenario_loader import resolve

    start = None
    if getattr(args, "scenario", None):
        found = resolve(args.scenario)
        start = Choice(found, options.visit(found, getattr(args, "visit", None)))
    rubric = getattr(args, "rubric", None)
    if rubric is not None:
        from simulator.content.rubric_loader import load_rubric  # only then: the picker needs no rubric

        load_rubric(rubric)  # a broken rubric is reported here, with its lines, before the app opens
    config = replace(_app_config(args), seed=getattr(args, "seed", None), rubric=rubric or locations.builtin_rubric(),
                     coder=getattr(args, "coder", "best"))
    SimulatorApp(config, start=start).run()
    return 0


def _app_config(args: argparse.Namespace) -> "AppConfig":
    """The app's settings from the options: the patient's voice, and who practises (--trainee, else the config
    file's [user] name; with neither, the app asks once and keeps the answer in the config file, rather than
    putting the login name on the transcripts)."""
    from simulator import locations
    from simulator.app.config import AppConfig
    from simulator.settings import load_settings

    trainee = getattr(args, "trainee", None) or load_settings().user.name
    return AppConfig(patient=options.patient_settings(args), trainee=trainee,
                     remember_name_in=None if trainee else locations.config_file())


def _list(_: argparse.Namespace) -> int:
    from simulator.content.scenario_loader import discover
    from simulator.text import clean_utterance

    found, problems = discover()
    for problem in problems:
        print(f"warning: skipped {problem}", file=sys.stderr)
    if not found:
        print("No scenarios found.", file=sys.stderr)
        return 1
    rows: list[tuple[str, ...]] = [("ID", "PERSON", "CONDITIONS", "ACTIVATION", "DIFFICULTY", "VISITS")]
    for item in found:
        persona = item.scenario.persona
        visits = ", ".join(["first", *(v.id for v in item.scenario.visits)])
        rows.append((item.scenario.id, f"{persona.name}, {persona.age}", ", ".join(persona.conditions),
                     str(persona.activation), item.scenario.difficulty, visits))
    rows = [tuple(clean_utterance(cell) for cell in row) for row in rows]  # one line each, whatever a file holds
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _play(args: argparse.Namespace) -> int:
    from simulator.content.rubric_loader import load_rubric
    from simulator.content.scenario_loader import resolve
    from simulator.practice.visit import feedback

    scenario_file = resolve(args.scenario)
    visit = options.visit(scenario_file, args.visit)
    try:
        script = sys.stdin.read() if args.script == "-" else Path(args.script).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: cannot read the script {args.script}: {error}", file=sys.stderr)
        return 2
    rubric = load_rubric()
    with tempfile.TemporaryDirectory() as scratch:
        kit = options.kit(args, seed=args.seed, directory=args.out or Path(scratch))
        _say_what_plays(kit.coder().result().note, kit.voice(scenario_file).exception())
        session = kit.start(scenario_file, visit)
        try:
            for line in script.splitlines():
                if line.strip():
                    session.say(line)
            session.end()
            _say_how_the_voice_did(session.events)
            report = feedback(session, rubric)
            session.scored(report.scored)  # beside the conversation, as the app records it
        finally:
            session.close()  # lets go of the visit, so that it can be resumed straight away
        if args.json:
            # Escaped to ASCII: the events come out exactly as recorded, and still safe for a terminal.
            for event in session.events:
                print(json.dumps(event.model_dump(mode="json"), separators=(",", ":")))
            print(json.dumps(report_record(report), separators=(",", ":")))
        else:
            print("\n".join(transcript_lines(session.scenario, session.events)))
            print()
            print("\n".join(report_lines(report)))
        if args.out:
            print(f"transcript: {session.path}", file=sys.stderr)
    return 0


def _say_what_plays(coder_note: str | None, voice_error: BaseException | None) -> None:
    """Before a headless visit: say when the coder or the patient's voice is not the one asked for."""
    if coder_note:
        print(f"note: {coder_note}", file=sys.stderr)
    if voice_error is not None:
        print(f"warning: {voice_error}; the patient speaks in authored lines", file=sys.stderr)


def _say_how_the_voice_did(events: "list[Event]") -> None:
    """After a headless visit: say how many replies the model was asked to word and did not (a server that
    failed or timed out, a model that broke, or words refused by the checks), and why the first was not."""
    from simulator.storage.events import PatientTurn

    asked = [e for e in events if isinstance(e, PatientTurn) and "backend" in e.meta
             and (e.source != "authored" or any(key.startswith("rejected_") for key in e.meta))]
    fell_back = [e for e in asked if e.source == "authored"]
    if fell_back:
        first = fell_back[0].meta
        why = first[max((k for k in first if k.startswith("rejected_")), key=lambda k: int(k[len("rejected_"):]))]
        print(f"warning: the model's words were not used in {len(fell_back)} of {len(asked)} replies, which are "
              f"authored lines (the first because: {why})", file=sys.stderr)


def transcript_lines(scenario: "Scenario", events: "list[Event]") -> list[str]:
    """The conversation, one line per turn, with the trainee's codes and the patient's intent."""
    from simulator.storage.events import PatientTurn, SystemEvent, TraineeTurn

    lines: list[str] = []
    for event in events:
        if isinstance(event, TraineeTurn):
            codes = ", ".join(code.label for code in event.codes) or "no code"
            lines.append(f"Nurse: {event.text}  [{codes}]")
        elif isinstance(event, PatientTurn):
            extra = f"; released {', '.join(event.released)}" if event.released else ""
            intent = event.intent.value if event.intent else event.source
            lines.append(f"{scenario.persona.name}: {event.text}  [{intent}{extra}]")
        elif isinstance(event, SystemEvent):
            lines.append(f"-- {event.kind}{': ' + event.detail if event.detail else ''}")
    return lines


def report_lines(report: "FeedbackReport") -> list[str]:
    """Feedback as text, as the feedback screen gives it: the score and what it came to, strengths and what
    to work on in the trainee's own words with what to say instead, moments to replay, each behaviour in
    plain words, the plan's checks, the patient's view and what they kept back; then the MITI figures."""
    from simulator.coding.codes import Code
    from simulator.scoring.report import LEVEL_WORDS

    result = report.scored.score
    miti = result.miti
    advice = report.advice
    lines = [f"Overall: {result.overall:.0f} / 100 (rubric {result.rubric_id} v{result.rubric_version}, "
             f"coder {result.coder_version})", report.headline()]
    for title, points in (("Strengths", advice.strengths), ("To work on", advice.development)):
        lines += ["", title]
        for point in points:
            said = point.message if point.level == 2 else " ".join(filter(None, (point.finding, point.message)))
            lines.append(f"  • {point.behaviour}: {said}")
            if point.quote:
                lines.append(f"      You said: “{point.quote}”")
            if point.instead:
                lines.append(f"      Try: “{point.instead}”")
        if not points:
            lines.append("  None yet.")
    if advice.moments:
        lines += ["", "Moments to replay"]
        for moment in advice.moments:
            lines += [f"  • Turn {moment.turn}: “{moment.words}”", f"      {moment.why}",
                      f"      Try: “{moment.instead}”"]
    lines += ["", "Each behaviour"]
    lines += [f"  {b.id} {b.name}: {LEVEL_WORDS[b.level]}. {b.finding}" for b in result.behaviours]
    if report.plan is not None:
        lines += ["", f"Your care and support plan: {report.plan.score} / 100"]
        lines += [f"  {'✓' if c.met else '✗'} {c.name}: {c.detail}." for c in report.plan.checks]
    if report.patient_view:
        lines += ["", f"How it felt from the other chair (CollaboRATE, answered by {report.patient})"]
        for answer in report.patient_view:
            lines.append(f"  {answer.question} {answer.score} of 4, {answer.label.lower()}: "
                         f"“{' '.join(answer.because)}”")
    shared = report.disclosure
    if shared is not None:
        lines += ["", f"What {report.patient} kept back (facts shared freely: {shared.free_shared} of "
                      f"{shared.free_total})"]
        for outcome in shared.hidden:
            priority = " (hidden priority)" if outcome.fact.priority else ""
            lines.append(f"  {outcome.fact.summary}{priority}: {outcome.words}")
    lines += ["", "MITI figures (for educators)", "  Codes: " + (", ".join(
        f"{code.label} {miti.counts[code.value]}" for code in Code if miti.counts[code.value]) or "none")]
    for measure in report.measures:
        limit = f" (fair {measure.threshold.fair:g}, good {measure.threshold.good:g})" if measure.threshold else ""
        lines.append(f"  {measure.name}: {measure.shown}{limit}")
    lines.append("  Behaviours: " + " ".join(f"{b.id}={b.level}" for b in result.behaviours))
    lines += [f"  {b.id}: {b.rationale}" for b in result.behaviours]
    lines.append(f"  {miti.relational_method}")
    return lines


def report_record(report: "FeedbackReport") -> dict[str, object]:
    """The feedback as one JSON object (type "feedback"): the whole report but the coded turns, which the events
    before it carry; each MITI measure by name, with its value as the trainee is shown it."""
    from pydantic import TypeAdapter

    from simulator.scoring.report import FeedbackReport, Measure

    record = TypeAdapter(FeedbackReport).dump_python(report, mode="json",
                                                     exclude={"scored": {"codings", "conversation"}})
    record["measures"] = [{**dict(zip(Measure._fields, fields, strict=True)), "shown": measure.shown}
                          for measure, fields in zip(report.measures, record["measures"], strict=True)]
    return {"type": "feedback", **record}


def _resume(args: argparse.Namespace) -> int:
    from simulator.practice.session import list_sessions

    unfinished = [s for s in list_sessions() if not s.complete]
    if args.list:
        for summary in unfinished:
            print(f"{summary.session_id}  {summary.scenario_title}  {summary.turns} turns  "
                  f"started {summary.started_at:%Y-%m-%d %H:%M} UTC")
        return 0
    if args.session:
        candidate = Path(args.session)
        matches = [s.path for s in unfinished if s.session_id == args.session]
        path = candidate if candidate.is_file() else (matches[0] if matches else None)
    else:
        path = unfinished[0].path if unfinished else None
    if path is None:
        print("No unfinished session to resume." if not args.session
              else f"error: no unfinished session '{args.session}' (see: simulator resume --list)",
              file=sys.stderr)
        return 1
    from simulator.app.practice.app import SimulatorApp

    SimulatorApp(_app_config(args), resume=path).run()
    return 0

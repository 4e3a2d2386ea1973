"""`validate`, `schema`, `scenario new|draft` and `playtest`: the commands trainers write scenarios with."""

import argparse
import sys
import tempfile
from pathlib import Path

from simulator.cli import options
from simulator.errors import SimulatorError


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands."""
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
    options.add_patient_options(drafter, default="local")
    options.add_coder_option(drafter, "its sense of meaning checks that each reworded line still says its line")
    drafter.set_defaults(handler=_scenario_draft)

    play_test = commands.add_parser("playtest", help="play built-in trainee styles against a scenario")
    play_test.add_argument("scenario", help="scenario id or YAML file")
    play_test.add_argument("--script", type=Path, help="also play your own trainee script (one line per turn)")
    play_test.add_argument("--seed", type=int, default=0)
    options.add_coder_option(play_test, "each style is coded by it, as the app would")
    play_test.set_defaults(handler=_playtest)



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
    from simulator.authoring.new_scenario import new_scenario

    target, text = new_scenario(args.name)
    if target.exists():
        print(f"error: {target} already exists; choose another name", file=sys.stderr)
        return 2
    _write_new(target, text)
    print(f"wrote {target}; check it with: simulator validate {target}", file=sys.stderr)
    return 0


def _write_new(target: Path, text: str) -> None:
    """Write a new file whole or not at all: into a temporary file beside it, then renamed into place. A
    full disk or a folder that cannot be written leaves nothing behind (a partial or empty file would
    make the next try refuse with 'already exists') and is reported as a SimulatorError naming the file."""
    import contextlib
    import os
    import secrets

    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise SimulatorError(f"cannot write {target}: {error.strerror or error}; nothing was written") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):  # nothing more can be done, and the target was never touched
            os.unlink(temporary)
        raise SimulatorError(f"cannot write {target}: {error.strerror or error}; nothing was written") from None


def _scenario_draft(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from simulator.authoring.persona_draft import Answers, archetypes, draft
    from simulator.coding.meaning import meaning_of
    from simulator.content.scenario_loader import discover, load_scenario

    if args.out.exists():
        print(f"error: {args.out} already exists; choose another name", file=sys.stderr)
        return 2
    library = discover()[0]
    found = archetypes(library)
    base = found.get(args.archetype.upper())
    if base is None:
        print(f"error: no scenario for archetype '{args.archetype}'; known: {', '.join(sorted(found))}",
              file=sys.stderr)
        return 2
    conditions = [c.strip() for c in args.conditions.split(",") if c.strip()] if args.conditions else None
    answers = Answers(args.name, args.age, args.occupation, conditions, args.context)
    kit = options.kit(args)
    # The coder loads beside the model: its sense of meaning checks every reworded line.
    coder = kit.coder() if kit.patient.backend != "scripted" else None
    try:
        realiser = kit.voice().result()
    except SimulatorError as error:
        print(f"warning: {error}; lines are kept as authored", file=sys.stderr)
        realiser = None
    meaning = None
    if realiser is not None and coder is not None:
        chosen = coder.result()
        meaning = meaning_of(chosen.coder)
        if meaning is None:
            print(f"note: {chosen.note or 'the rule-based coder has no sense of meaning'}; reworded lines are "
                  "checked word by word only", file=sys.stderr)
    try:
        result = draft(base.scenario, answers, realiser, meaning=meaning, seed=args.seed,
                       library=[item.scenario for item in library],
                       progress=lambda done, total: print(f"\rrewording lines {done}/{total}", end="",
                                                          file=sys.stderr))
    except ValidationError as error:
        for problem in error.errors():
            option = {"life_context": "context"}.get(str(problem["loc"][0]), problem["loc"][0])
            print(f"error: --{option}: {problem['msg']}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    _write_new(args.out, result.yaml())
    load_scenario(args.out)  # the draft must validate; a failure here is a bug, reported as a content error
    new = result.scenario.persona.name
    print(f"wrote {args.out}: {result.reworded} lines reworded by the model, {result.kept} kept from "
          f"{base.scenario.id}.", file=sys.stderr)
    print(f"Still the story of archetype {result.archetype}, with the names changed, each part marked in the "
          f"file: {', '.join(result.story)}.", file=sys.stderr)
    print(f"Written for {new} but still the archetype's: {', '.join(result.touched)}.", file=sys.stderr)
    if result.held:
        print(f"Words of the archetype's story still in it: {', '.join(w for w, _ in result.held.most_common(12))}.",
              file=sys.stderr)
    print(f"Rewrite those parts for {new}, then: simulator validate {args.out}; simulator playtest {args.out}",
          file=sys.stderr)
    return 0


def _playtest(args: argparse.Namespace) -> int:
    from simulator.authoring.playtest import playtest
    from simulator.coding.choice import choose
    from simulator.content.rubric_loader import load_rubric
    from simulator.content.scenario_loader import resolve

    scenario_file = resolve(args.scenario)
    own = None
    if args.script:
        own = (f"your script ({args.script.name})",
               [line for line in args.script.read_text(encoding="utf-8").splitlines() if line.strip()])
    chosen = choose(args.coder)
    if chosen.note:
        print(f"note: {chosen.note}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:
        report = playtest(scenario_file, load_rubric(), Path(scratch), script=own, seed=args.seed, coder=chosen.coder)
    print("\n".join(report.lines()))
    return 0 if report.rewards_person_centred else 1

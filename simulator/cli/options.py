"""Options and settings that several command groups share: who plays the patient, who practises, which coder."""

import argparse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

from simulator.errors import ContentError, Problem

if TYPE_CHECKING:
    from simulator.content.scenario_loader import ScenarioFile
    from simulator.practice.visit import Kit
    from simulator.settings import PatientSettings

CODER_HELP = "which coder: best (learned if it loads, else rules), learned (only) or rules"


class Choices(Sequence[str]):
    """An option's choices, looked up when first needed (an option given, or help shown), so that building the
    parser imports none of the core that defines them: `simulator` builds every command's parser before the
    app's first screen. Give the option a metavar: without one argparse lists the choices as it adds it."""

    def __init__(self, find: Callable[[], Sequence[str]]) -> None:
        self._find = find
        self._found: tuple[str, ...] | None = None

    def _all(self) -> tuple[str, ...]:
        if self._found is None:
            self._found = tuple(self._find())
        return self._found

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())


def coder_names() -> Sequence[str]:
    """The coders a --coder option takes."""
    from simulator.coding.choice import CODER_NAMES

    return CODER_NAMES


def add_patient_options(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    """--patient, --model and --url: who words the patient's replies."""
    parser.add_argument("--patient", choices=["scripted", "local", "remote"], default=default,
                        help="who words the patient's replies (default: the config file's, else scripted)")
    parser.add_argument("--model", help="local: installed model name, model folder or .gguf; remote: model name")
    parser.add_argument("--url", help="remote: an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1")


def add_coder_option(parser: argparse.ArgumentParser, what: str) -> None:
    """--coder: which coder codes the trainee's turns."""
    parser.add_argument("--coder", choices=Choices(coder_names), metavar="CODER", default="best",
                        help=f"{CODER_HELP}; {what}")


def patient_settings(args: argparse.Namespace) -> "PatientSettings":
    """The config file's [patient] settings with the command line's options on top."""
    from simulator.settings import load_settings

    settings = load_settings().patient
    chosen = {key: getattr(args, arg) for key, arg in (("backend", "patient"), ("model", "model"), ("url", "url"))
              if getattr(args, arg, None) is not None}
    return settings.model_copy(update=chosen)


def trainee(args: argparse.Namespace) -> str:
    """Who practises: --trainee, else the config file's [user] name, else the login name."""
    from simulator.settings import load_settings

    return getattr(args, "trainee", None) or load_settings().user_name


def kit(args: argparse.Namespace, *, seed: int | None = None, directory: Path | None = None) -> "Kit":
    """The coder and patient voice the options name, for the visits of one command."""
    from simulator import locations
    from simulator.practice.visit import Kit

    return Kit(coder_name=getattr(args, "coder", "best"), patient=patient_settings(args), trainee=trainee(args),
               seed=seed, directory=directory or locations.session_dir())


def visit(scenario_file: "ScenarioFile", name: str | None) -> str | None:
    """Check a --visit against the scenario's visits; a wrong one is a message listing the right ones."""
    known = [v.id for v in scenario_file.scenario.visits]
    if name is None or name in known:
        return name
    raise ContentError([Problem(scenario_file.path, 0, 0, f"no visit '{name}' in {scenario_file.scenario.id}; "
                                f"its visits: {', '.join(known) or 'none besides the first'}")])

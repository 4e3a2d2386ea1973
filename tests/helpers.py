"""Helpers shared by test modules: where the checkout, the tests' own data and the trainee scripts are, a patient
that hears turns as the app's does, and a backend that records what the patient's model was given to read.

Every test folder reaches this module as `from helpers import ...` (pyproject.toml puts tests/ on the path).
"""

from pathlib import Path

from simulator import locations
from simulator.coding.coder import Coder, code_turns
from simulator.coding.meaning import meaning_of
from simulator.content.scenario_loader import resolve
from simulator.patient.backends import Message, OnText
from simulator.patient.engine import PatientEngine, PatientReply

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"
SCRIPTS = TESTS / "scripts"
STYLES = ROOT / "simulator" / "authoring" / "styles"
SHIPPED = sorted(locations.builtin_scenario_dir().glob("*.yaml"))


def script_path(name: str) -> Path:
    """A trainee script: a built-in playtest style, or one of the tests' own."""
    return STYLES / name if (STYLES / name).exists() else SCRIPTS / name


def script(name: str) -> list[str]:
    """A trainee script's utterances, one per line."""
    return [line for line in script_path(name).read_text(encoding="utf-8").splitlines() if line.strip()]


def patient(scenario: str, coder: Coder, seed: int = 0) -> PatientEngine:
    """The scenario's patient, hearing turns by the meaning `coder`'s encoder gives them (topic words without one)."""
    return PatientEngine(resolve(scenario).scenario, seed, meaning=lambda: meaning_of(coder))


def respond(engine: PatientEngine, coder: Coder, text: str) -> PatientReply:
    """The patient's reply to `text`, coded by `coder` as a turn with nothing said before it."""
    return engine.respond(text, code_turns(coder, [text], [""], [False])[0])


class Recording:
    """A backend that says the authored line back and records what it read, and when."""

    name = "fake: recording"

    def __init__(self) -> None:
        self.read: list[tuple[str, str]] = []  # ("warm" or "generate", the last message's content)

    def warm(self, messages: list[Message]) -> None:
        self.read.append(("warm", messages[-1]["content"]))

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        request = messages[-1]["content"]
        self.read.append(("generate", request))
        said = request.rsplit("Meaning: ", 1)[1]
        if on_text is not None:
            on_text(said)
        return said

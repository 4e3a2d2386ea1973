"""Helpers shared by test modules: where the checkout, the tests' own data and the trainee scripts are, a patient
that hears turns as the app's does, fake models' streaming, a packaged model to pull, and a backend that records
what the patient's model was given to read.

Every test folder reaches this module as `from helpers import ...` (pyproject.toml puts tests/ on the path).
"""

import json
import zipfile
from pathlib import Path

import pytest

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


def streamed(text: str, on_text: OnText | None) -> str:
    """`text` streamed word by word, as a model writes it; what was shown when `on_text` stopped it."""
    shown = ""
    for word in text.split(" "):
        shown = f"{shown} {word}".strip()
        if on_text is not None and not on_text(shown):
            break
    return shown


def packaged(gguf: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`gguf` packaged as the model "tiny" is on PyPI: a wheel in `folder`, and a manifest the model store reads
    in place of its own. Returns the wheel, for `models pull tiny --wheel`."""
    from simulator.patient import model_store

    wheel = folder / "tiny_model-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(gguf, "tiny_model/tiny.gguf")
    manifests = folder / "manifests"
    manifests.mkdir()
    (manifests / "tiny.json").write_text(json.dumps({
        "name": "tiny", "description": "a tiny random model", "licence": "Apache-2.0", "package": "tiny-model",
        "version": "1.0", "wheel_sha256": model_store.sha256(wheel), "member": "tiny_model/tiny.gguf",
        "member_sha256": model_store.sha256(gguf)}))
    monkeypatch.setattr(model_store, "MANIFESTS", manifests)
    return wheel


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

"""The coders the product can use, behind one interface, and coding whole conversations with them.

`rules` is the rule-based coder (always there, instant). `learned` adds the trained network in
models/coder (needs torch, transformers and peft; loaded on first use). Where the learned coder cannot
load, CoderUnavailable says why, and callers fall back to the rules with that message.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from simulator import locations
from simulator.coding.rules import CoderContext, Coding, asks_permission, code_utterance
from simulator.errors import CoderUnavailable

RULES_VERSION = "rules-1"


class Coder(Protocol):
    """Codes clinician utterances, each with the patient utterance before it as context."""

    version: str

    def code_batch(self, texts: Sequence[str], contexts: Sequence[str],
                   permissions: Sequence[bool]) -> list[Coding]:
        """Code many utterances at once; `permissions[i]`: the clinician's previous turn asked permission."""
        ...


class RuleCoder:
    """The rule-based coder."""

    version = RULES_VERSION

    def code_batch(self, texts: Sequence[str], contexts: Sequence[str],
                   permissions: Sequence[bool]) -> list[Coding]:
        return [code_utterance(t, CoderContext(permission_asked=p)) for t, p in zip(texts, permissions, strict=True)]


@dataclass(frozen=True)
class Utterance:
    """One turn of a conversation to be coded: who spoke and what they said."""

    speaker: str  # "clinician" or "patient"
    text: str


def code_conversation(utterances: Sequence[Utterance], coder: Coder) -> list[Coding | None]:
    """Code every clinician turn of a conversation in one batch; patient turns get None."""
    texts: list[str] = []
    contexts: list[str] = []
    permissions: list[bool] = []
    positions: list[int] = []
    previous_patient = ""
    permission = False
    for index, utterance in enumerate(utterances):
        if utterance.speaker != "clinician":
            previous_patient = utterance.text
            continue
        texts.append(utterance.text)
        contexts.append(previous_patient)
        permissions.append(permission)
        positions.append(index)
        permission = asks_permission(utterance.text)
        previous_patient = ""
    coded: list[Coding | None] = [None] * len(utterances)
    for index, coding in zip(positions, coder.code_batch(texts, contexts, permissions), strict=True):
        coded[index] = coding
    return coded


@cache  # one network per process: every visit and command of a run shares it
def learned_coder(folder: Path | None = None) -> Coder:
    """The learned coder (the built-in one unless `folder` is given), or CoderUnavailable naming what is missing."""
    folder = folder or locations.coder_dir()
    if not (folder / "manifest.json").is_file():
        raise CoderUnavailable(f"no trained coder in {folder} (train one: python training/train_coder.py "
                               f"--out {folder})")
    try:
        from simulator.coding.learned import LearnedCoder
    except ImportError as error:
        raise CoderUnavailable(f"the learned coder needs torch, transformers and peft ({error.name} is "
                               "missing): reinstall the project with pip install -e .") from None
    try:
        return LearnedCoder(folder)
    except (OSError, RuntimeError, ValueError, KeyError) as error:
        raise CoderUnavailable(f"the coder in {folder} could not be loaded ({error}); retrain it with "
                               f"python training/train_coder.py --out {folder}") from None

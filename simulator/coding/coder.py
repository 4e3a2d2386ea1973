"""The coders the product can use, behind one interface, and coding turns and whole conversations with them.

A coder codes utterances; `code_turns` splits each turn into its utterances (coding/utterances.py), codes
them all in one batch and gives each turn the union, keeping which utterance earned which code.

`rules` is the rule-based coder (always there, instant). `learned` is the trained network in models/coder
(needs torch and transformers; loaded on first use). Where the learned coder cannot load,
CoderUnavailable says why, and callers fall back to the rules with that message.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from simulator import locations
from simulator.coding.codes import CARE_TAGS, MITI, QUESTIONS, REFLECTIONS, Code, Coding, Part
from simulator.coding.rules import CoderContext, asks_permission, code_utterance
from simulator.coding.utterances import split
from simulator.errors import CoderUnavailable

RULES_VERSION = "rules-2"
# Three reflections in one turn pull threads together: a summary, whatever each was coded.
SUMMARY_REFLECTIONS = 3


class Coder(Protocol):
    """Codes clinician utterances, each with the patient turn before it as context."""

    version: str

    def code_utterances(self, texts: Sequence[str], contexts: Sequence[str],
                        permissions: Sequence[bool]) -> list[frozenset[Code]]:
        """Code many utterances at once; `permissions[i]`: permission to share had been asked before it."""
        ...


class RuleCoder:
    """The rule-based coder."""

    version = RULES_VERSION

    def code_utterances(self, texts: Sequence[str], contexts: Sequence[str],
                        permissions: Sequence[bool]) -> list[frozenset[Code]]:
        return [code_utterance(t, CoderContext(permission_asked=p)) for t, p in zip(texts, permissions, strict=True)]


def code_turns(coder: Coder, turns: Sequence[str], contexts: Sequence[str],
               permissions: Sequence[bool]) -> list[Coding]:
    """Code whole clinician turns: each is split into utterances, all are coded in one batch, and each turn
    gets the union. `contexts[i]` is the patient turn before turn i; `permissions[i]` whether the clinician's
    turn before it asked permission to share. Within a turn, asking permission covers what follows it."""
    units: list[str] = []
    unit_contexts: list[str] = []
    unit_permissions: list[bool] = []
    spans: list[range] = []
    for turn, context, permission in zip(turns, contexts, permissions, strict=True):
        start = len(units)
        for unit in split(turn) or [turn]:
            units.append(unit)
            unit_contexts.append(context)
            unit_permissions.append(permission)
            permission = permission or asks_permission(unit)
        spans.append(range(start, len(units)))
    coded = coder.code_utterances(units, unit_contexts, unit_permissions) if units else []
    return [_turn([Part(units[i], coded[i]) for i in span]) for span in spans]


def _turn(parts: list[Part]) -> Coding:
    """One turn's coding from its utterances': adjacent statements doing the same act (the same codes, care
    tags aside) are one utterance, as a MITI coder would count them."""
    merged: list[Part] = []
    for part in parts:
        act = part.codes - CARE_TAGS
        if merged and merged[-1].codes - CARE_TAGS == act and not act & QUESTIONS:
            merged[-1] = Part(f"{merged[-1].text} {part.text}", merged[-1].codes | part.codes)
        else:
            merged.append(part)
    codes = set().union(*(part.codes for part in merged))
    if sum(bool(part.codes & REFLECTIONS) for part in parts) >= SUMMARY_REFLECTIONS:
        codes.add(Code.SUMMARY)
    if codes & MITI:
        codes.discard(Code.OTHER)
    else:
        codes.add(Code.OTHER)
    return Coding(frozenset(codes), sum(bool(part.codes & QUESTIONS) for part in parts), tuple(merged))


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
    for index, coding in zip(positions, code_turns(coder, texts, contexts, permissions), strict=True):
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
        from safetensors import SafetensorError

        from simulator.coding.learned import LearnedCoder
    except ImportError as error:
        raise CoderUnavailable(f"the learned coder needs torch and transformers ({error.name} is "
                               "missing): reinstall the project with pip install -e .") from None
    try:
        return LearnedCoder(folder)
    except (OSError, RuntimeError, ValueError, KeyError, SafetensorError) as error:
        raise CoderUnavailable(f"the coder in {folder} could not be loaded ({error}); retrain it with "
                               f"python training/train_coder.py --out {folder}") from None

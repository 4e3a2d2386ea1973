"""The learned coder: the trained network decides the MITI main behaviour and its subtype; the rules
add what the data cannot teach (affirm, autonomy, asking what matters, care-planning tags...)."""

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import torch

from simulator.coding.codes import Code
from simulator.coding.network import HEADS, decode, encode, load_network
from simulator.coding.rules import CoderContext, Coding, code_utterance

# The codes the network owns: the rule-based coder's versions of these are replaced.
OWNED = frozenset({Code.OPEN_QUESTION, Code.CLOSED_QUESTION, Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION,
                   Code.GIVING_INFORMATION, Code.PERSUADE, Code.PERSUADE_WITH_PERMISSION, Code.OTHER})
INPUT_CODES = {"information": Code.GIVING_INFORMATION, "advice": Code.PERSUADE,
               "negotiation": Code.SEEKING_COLLABORATION, "options": Code.PERSUADE_WITH_PERMISSION}
BATCH = 64


class LearnedCoder:
    """Codes with the network in `folder` (adapter, heads and manifest written by the training script)."""

    def __init__(self, folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        digest = hashlib.sha256((folder / "heads.pt").read_bytes()).hexdigest()[:12]
        self.version = f"learned-{manifest.get('trained', 'unknown')}-{digest}"
        self._network, self._tokenizer = load_network(folder)

    def code_batch(self, texts: Sequence[str], contexts: Sequence[str],
                   permissions: Sequence[bool]) -> list[Coding]:
        found: dict[int, Coding] = {}
        # Similar lengths together: far less padding, so several times faster on a CPU.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]) + len(contexts[i]))
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            for start in range(0, len(order), BATCH):
                chunk = order[start:start + BATCH]
                out = self._network(**encode(self._tokenizer, [texts[i] for i in chunk],
                                             [contexts[i] for i in chunk]))
                labels = decode(out)
                for offset, index in enumerate(chunk):
                    rules = code_utterance(texts[index], CoderContext(permission_asked=permissions[index]))
                    picked = {name: labels[name][offset] for name in HEADS}
                    found[index] = _merge(rules, picked, permissions[index])
        return [found[i] for i in range(len(texts))]


def _merge(rules: Coding, picked: dict[str, str], permission_asked: bool = False) -> Coding:
    """The network's main behaviour and subtype, with the rules' other codes kept."""
    codes = set(rules.codes - OWNED)
    main = picked["main"]
    if main == "question":
        codes.add(Code.CLOSED_QUESTION if picked["question"] == "closed" else Code.OPEN_QUESTION)
    elif main == "reflection":
        codes.add(Code.COMPLEX_REFLECTION if picked["reflection"] == "complex" else Code.SIMPLE_REFLECTION)
    elif main == "therapist_input":
        code = INPUT_CODES.get(picked["input"], Code.GIVING_INFORMATION)
        # Advice after permission was asked is advice with permission, whatever the network saw alone.
        if code is Code.PERSUADE and (permission_asked or Code.PERSUADE_WITH_PERMISSION in rules.codes):
            code = Code.PERSUADE_WITH_PERMISSION
        codes.add(code)
        if code is Code.SEEKING_COLLABORATION:
            codes.add(Code.GIVING_INFORMATION)
    else:
        codes.add(Code.OTHER)
    return Coding(frozenset(codes), rules.questions)

"""The learned coder: the trained head over the sentence encoder decides every code of an utterance; the
rule-based coder's view is one of its inputs (coding/network.py)."""

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import torch

from simulator.coding.codes import Code
from simulator.coding.network import Encoder, Words, decode, features, load_head

HEAD = "head.safetensors"
WORDS = "words.json"


class LearnedCoder:
    """Codes with the head in `folder` (weights, vocabulary and manifest written by training/train_coder.py)."""

    def __init__(self, folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        digest = hashlib.sha256((folder / HEAD).read_bytes()).hexdigest()[:12]
        self.version = f"learned-{manifest.get('trained', 'unknown')}-{digest}"
        self.threshold = float(manifest.get("threshold", 0.5))
        self._head = load_head(folder / HEAD)
        self._words = Words.load(folder / WORDS)
        self._encoder = Encoder()

    def code_utterances(self, texts: Sequence[str], contexts: Sequence[str],
                        permissions: Sequence[bool]) -> list[frozenset[Code]]:
        if not texts:
            return []
        with torch.inference_mode():
            main, extra = self._head(features(self._encoder.embed, self._words, texts, contexts, permissions))
        return decode(main, extra, self.threshold)

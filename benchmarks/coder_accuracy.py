"""How well the shipped coders agree with people: per-code and per-tag F1 on the nurse-turns test split
(never used for any choice), and the cross-validated figures recorded when the learned coder was trained.

    .venv/bin/python benchmarks/coder_accuracy.py

Each test turn is coded as the product codes it (split into utterances, each coded, the union per turn) and
compared with the union of its utterances' human codes.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))

from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs
from nurse_turns import read  # noqa: E402
from train_coder import nurse_scores  # noqa: E402

from simulator import locations  # noqa: E402
from simulator.coding.coder import Coder, RuleCoder, code_turns, learned_coder  # noqa: E402
from simulator.coding.codes import Code  # noqa: E402


def advice_figures(gold: list[bool], found: list[bool]) -> str:
    """Recall and precision of advice without permission, as counts."""
    hit = sum(g and f for g, f in zip(gold, found, strict=True))
    return (f"caught {hit} of {sum(gold)} (recall {hit / max(1, sum(gold)):.2f}), "
            f"precision {hit / max(1, sum(found)):.2f} ({sum(found)} flagged)")


def main() -> None:
    print(describe())
    turns = read("test")
    print(f"nurse-turns test split: {len(turns)} turns, {sum(len(t.utterances) for t in turns)} utterances")
    coders: list[tuple[str, Coder]] = [("rules", RuleCoder()), ("learned", learned_coder())]
    gold_advice = [any(u.main == "persuade" for u in t.utterances) for t in turns]
    for name, coder in coders:
        codings = code_turns(coder, [t.text for t in turns], [t.context for t in turns], [t.permission for t in turns])
        figures = nurse_scores(turns, codings)
        print(f"\n{name} ({coder.version}): MITI-style codes macro-F1 {figures['miti_macro_f1']:.3f} "
              f"({figures['miti_macro_f1_with_other']:.3f} counting 'other'), "
              f"care-planning tags macro-F1 {figures['tags_macro_f1']:.3f}")
        print(f"  advice without permission: {advice_figures(gold_advice, [Code.PERSUADE in c for c in codings])}")
        for code, value in figures["per_code"].items():  # type: ignore[attr-defined]
            print(f"  {code:28} {value:.3f}")
    manifest = json.loads((locations.coder_dir() / "manifest.json").read_text(encoding="utf-8"))
    print("\nrecorded at training (5-fold cross-validation; AnnoMI folds grouped by video):")
    print(json.dumps(manifest.get("cross_validation", {}), indent=2))


if __name__ == "__main__":
    main()

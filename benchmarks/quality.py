"""How well the engine separates high- from low-quality AnnoMI sessions, on videos its coder never saw.

    .venv/bin/python benchmarks/quality.py [benchmarks/results/coder-oof.jsonl]

Uses the out-of-fold codes written by `training/train_coder.py --predictions` (each turn coded as the
product codes it, by a head trained without its video); then scores every development transcript with rubrics/what-matters.yaml and reports
the AUC of `relational_estimate` and of `overall`, beside the same with human codes and with rules only.
"""

import json
import sys
import tempfile
from pathlib import Path

from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

from simulator.coding.coder import RuleCoder  # noqa: E402
from simulator.coding.codes import Code, Coding  # noqa: E402
from simulator.content.rubric_loader import load_rubric  # noqa: E402
from simulator.quality.annomi_import import import_annomi  # noqa: E402
from simulator.scoring.score import score  # noqa: E402
from simulator.scoring.scored_transcript import code_transcript, conversation_of, human_codings  # noqa: E402
from simulator.storage.events import TraineeTurn, TranscriptImported  # noqa: E402
from simulator.storage.transcript import read_transcript  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "annomi-dev" / "AnnoMI-full-dev.csv"


def main() -> None:
    print(describe())
    oof_path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results" / "coder-oof.jsonl"
    oof = {(r["transcript_id"], r["utterance_id"]): r for r in map(json.loads, oof_path.read_text().splitlines())}
    rubric = load_rubric().rubric
    results: dict[str, tuple[list[float], list[float]]] = {"human codes": ([], []), "rules only": ([], []),
                                                           "learned (out-of-fold)": ([], [])}
    quality: list[int] = []
    with tempfile.TemporaryDirectory() as folder:
        for path in import_annomi(DATA, Path(folder)):
            read = read_transcript(path)
            header = read.events[0]
            assert isinstance(header, TranscriptImported)
            quality.append(int(header.metadata["mi_quality"] == "high"))
            rules = code_transcript(read, RuleCoder())
            turns = [e for e in read.events if isinstance(e, TraineeTurn)]
            learned = [Coding(frozenset(map(Code, oof[(header.transcript_id, t.meta["utterance_id"])]["codes"])))
                       for t in turns]
            for name, codings in (("human codes", human_codings(read)), ("rules only", rules),
                                  ("learned (out-of-fold)", learned)):
                result = score(conversation_of(read, list[Coding](codings)), rubric, name)
                results[name][0].append(result.miti.relational_estimate)
                results[name][1].append(result.overall)
    print(f"{len(quality)} transcripts ({sum(quality)} high, {len(quality) - sum(quality)} low quality)")
    print(f"{'codes':<24}{'AUC relational':>16}{'AUC overall':>14}")
    for name, (relational, overall) in results.items():
        print(f"{name:<24}{roc_auc_score(quality, relational):>16.3f}{roc_auc_score(quality, overall):>14.3f}")


if __name__ == "__main__":
    main()

"""How well the checks tell faithful rewordings of a patient's line from unfaithful ones.

Run: .venv/bin/python benchmarks/meaning_checks.py [--coder learned|rules]
Reads the hand-labelled rewordings in benchmarks/data/meaning_kept.yaml. On the development part it sweeps
the meaning threshold (the word checks plus a cosine similarity under the threshold), which is how
reply_checks.MEANING_KEPT was chosen; on the "seen" and "held out" parts it reports precision and recall
at the threshold the product uses (and with the word checks alone, as with the rule-based coder). "Positive" is a rewording the checks refuse: precision is the share of refused
rewordings that were unfaithful, recall the share of unfaithful rewordings refused.
"""

import argparse
from dataclasses import dataclass
from pathlib import Path

import yaml
from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

from simulator.coding.meaning import Meaning, meaning_of
from simulator.content.scenario_loader import resolve
from simulator.errors import SimulatorError
from simulator.patient.engine import Intent, PatientReply
from simulator.patient.realiser import check_context
from simulator.patient.reply_checks import MEANING_KEPT, ReplyContext, reply_problems

DATA = Path(__file__).parent / "data" / "meaning_kept.yaml"


@dataclass(frozen=True)
class Judged:
    """One labelled rewording, with what the word checks and the encoder say of it."""

    part: str  # development, seen or held out
    line: str
    reply: str
    unfaithful: bool
    kind: str  # the kind of change, for an unfaithful one
    word_problems: tuple[str, ...]
    similarity: float | None

    def refused(self, threshold: float | None) -> bool:
        """Whether the checks refuse it at `threshold` (None: the word checks alone)."""
        below = threshold is not None and self.similarity is not None and self.similarity < threshold
        return bool(self.word_problems) or below


def judge(meaning: Meaning | None) -> list[Judged]:
    """Every labelled rewording, judged."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    judged = []
    for item in data["lines"]:
        reply = PatientReply(item["line"], Intent(item["intent"]))
        try:
            context = check_context(resolve(item["scenario"]).scenario, reply, released=[], recent=[], earlier=[])
        except SimulatorError:  # a scenario renamed since: the line alone
            context = ReplyContext(authored=item["line"])
        labelled = [(text, False, "") for text in item["faithful"]] + [(t, True, k) for k, t in item["unfaithful"]]
        # One call a line (the cosine is symmetric): the encoder reads the line once.
        similarities: list[float | None] = (list(meaning.similarity(item["line"], [t for t, _, _ in labelled]))
                                            if meaning is not None else [None] * len(labelled))
        part = item.get("part") or ("seen" if item["scenario"] in data["seen"] else "development")
        for (text, unfaithful, kind), similarity in zip(labelled, similarities, strict=True):
            judged.append(Judged(part, item["line"], text, unfaithful, kind, tuple(reply_problems(text, context)),
                                 similarity))
    return judged


def scores(judged: list[Judged], threshold: float | None) -> tuple[float, float, int, int]:
    """Precision, recall, faithful rewordings refused, unfaithful ones let through."""
    refused = [j for j in judged if j.refused(threshold)]
    hits = sum(j.unfaithful for j in refused)
    unfaithful = sum(j.unfaithful for j in judged)
    precision = hits / len(refused) if refused else 1.0
    return precision, hits / unfaithful, len(refused) - hits, unfaithful - hits


def main() -> None:
    print(describe())
    parser = argparse.ArgumentParser()
    parser.add_argument("--coder", choices=["learned", "rules"], default="learned")
    parser.add_argument("--show", action="store_true", help="print every mistake on the development scenarios "
                        "(never the held-out ones: they must stay unread while the checks are tuned)")
    args = parser.parse_args()
    meaning = None
    if args.coder == "learned":
        from simulator.coding.coder import learned_coder

        meaning = meaning_of(learned_coder())
    judged = judge(meaning)
    parts = {name: [j for j in judged if j.part == name] for name in ("development", "seen", "held out")}
    for name, part in parts.items():
        faithful = sum(not j.unfaithful for j in part)
        print(f"{name}: {len({j.line for j in part})} lines, {faithful} faithful, {len(part) - faithful} "
              "unfaithful rewordings")
    print("\ndevelopment: threshold, precision, recall, faithful refused, unfaithful let through")
    thresholds: list[float | None] = [None]
    if meaning is not None:
        thresholds += [round(0.3 + 0.05 * step, 2) for step in range(12)]
    for threshold in thresholds:
        precision, recall, wrong, missed = scores(parts["development"], threshold)
        label = "words only" if threshold is None else f"{threshold:.2f}"
        print(f"  {label:>10}  {precision:6.1%}  {recall:6.1%}  {wrong:3}  {missed:3}")
    used = [MEANING_KEPT, None] if meaning is not None else [None]
    for name in ("seen", "held out"):
        for threshold in used:
            precision, recall, wrong, missed = scores(parts[name], threshold)
            how = f"words and meaning at {threshold}" if threshold is not None else "words only"
            print(f"\n{name}, {how}: precision {precision:.1%}, recall {recall:.1%} ({wrong} faithful refused, "
                  f"{missed} unfaithful let through)")
            for kind in sorted({j.kind for j in parts[name] if j.unfaithful}):
                of_kind = [j for j in parts[name] if j.kind == kind]
                print(f"  {kind:<9} {sum(j.refused(threshold) for j in of_kind)}/{len(of_kind)} refused")
    if args.show:
        print("\ndevelopment mistakes:")
        for j in parts["development"]:
            if j.refused(used[0]) != j.unfaithful:
                print(f"  {'let through' if j.unfaithful else 'refused'}: {j.reply!r} for {j.line!r} "
                      f"(similarity {j.similarity}, {'; '.join(j.word_problems)})")


if __name__ == "__main__":
    main()

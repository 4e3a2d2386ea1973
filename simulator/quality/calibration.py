"""How far the engine's codes agree with human codes: F1, kappa and a confusion matrix."""

import math
import warnings
from dataclasses import dataclass

from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import cohen_kappa_score, confusion_matrix, f1_score, precision_recall_fscore_support


@dataclass(frozen=True)
class Agreement:
    """Agreement on one label set between engine and humans."""

    name: str
    labels: list[str]
    n: int
    per_label_f1: dict[str, float]
    support: dict[str, int]
    macro_f1: float
    kappa: float
    accuracy: float
    confusion: list[list[int]]  # rows: human, columns: engine

    def lines(self) -> list[str]:
        """A readable report: figures, a plain reading, and the confusion matrix."""
        out = [f"{self.name}: {self.n} utterances; macro-F1 {self.macro_f1:.3f}, Cohen's kappa {self.kappa:.3f} "
               f"({kappa_words(self.kappa)}), accuracy {self.accuracy:.1%}"]
        for label in self.labels:
            out.append(f"  {label:<16} F1 {self.per_label_f1[label]:.3f}   (human count {self.support[label]})")
        width = max(len(label) for label in self.labels) + 2
        out.append("  confusion (rows: human, columns: engine)")
        out.append("  " + " " * width + "".join(f"{label[:10]:>12}" for label in self.labels))
        for label, row in zip(self.labels, self.confusion, strict=True):
            out.append(f"  {label:<{width}}" + "".join(f"{count:>12}" for count in row))
        return out


def kappa_words(kappa: float) -> str:
    """Landis and Koch's words for a kappa, so a reader need not know the scale."""
    if math.isnan(kappa):
        return "undefined: only one label was used"
    for bound, words in ((0.8, "almost perfect"), (0.6, "substantial"), (0.4, "moderate"), (0.2, "fair"),
                         (0.0, "slight")):
        if kappa > bound:
            return f"{words} agreement"
    return "no better than chance"


def _kappa(human: list[str], engine: list[str], labels: list[str]) -> float:
    """Cohen's kappa, or NaN where it is undefined (both sides used one and the same label)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return float(cohen_kappa_score(human, engine, labels=labels))


def agreement(name: str, human: list[str], engine: list[str], labels: list[str]) -> Agreement:
    """Compare paired label lists (human first)."""
    _, _, f1, support = precision_recall_fscore_support(human, engine, labels=labels, zero_division=0)
    return Agreement(
        name=name, labels=labels, n=len(human),
        per_label_f1={label: round(float(v), 4) for label, v in zip(labels, f1, strict=True)},
        support={label: int(v) for label, v in zip(labels, support, strict=True)},
        # Macro-F1 over the labels people actually used ("none" is only ever the engine's answer).
        macro_f1=round(float(f1_score(human, engine, labels=sorted(set(human)), average="macro",
                                      zero_division=0)), 4),
        kappa=round(_kappa(human, engine, labels), 4),
        accuracy=round(sum(h == e for h, e in zip(human, engine, strict=True)) / len(human), 4) if human else 0.0,
        confusion=confusion_matrix(human, engine, labels=labels).tolist(),
    )

"""How far raters agree: the engine against each reviewer, reviewers against each other, and all of them
against AnnoMI's expert coders, per code and per rubric behaviour.

Codes are compared turn by turn on the turns both raters judged: the whole set of codes (agreed only when
every code is the same), then each MITI code and each care-planning tag as given or not (Cohen's kappa).
Where one rater is AnnoMI's experts, who coded one main behaviour per turn in their own scheme, the
other's codes are mapped to that scheme first (annomi.to_annomi); between raters who both gave the
product's codes that coarser comparison is not made, since it would call an open and a closed question
the same. Behaviour levels are ordinal, so they get a linearly weighted kappa. Every figure says in words
what it compared.
"""

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TypeVar

from simulator.coding.annomi import LABELS, to_annomi
from simulator.coding.codes import CARE_TAGS, Code
from simulator.quality.calibration import kappa_words
from simulator.quality.library import Library
from simulator.quality.library_entry import EXPERTS

ENGINE = "engine"
# The kinds of figure that need words of their own, and the name of AnnoMI's whole-scheme figure.
ALL_CODES, MAIN, ALL_FOUR = "all codes", "main behaviour", "all four (AnnoMI)"
Item = tuple[Path, str]
# Both raters' ratings are of one kind: code labels, or ordinal levels.
Rating = TypeVar("Rating", str, int)


@dataclass(frozen=True)
class Figure:
    """Agreement between two raters on one code or behaviour."""

    first: str
    second: str
    kind: str  # "all codes", "MITI code", "care-planning tag", "main behaviour" (AnnoMI's classes) or "behaviour"
    name: str
    items: int
    agreed: int
    kappa: float | None
    weighted: bool

    @property
    def percent(self) -> float:
        return 100 * self.agreed / self.items if self.items else 0.0

    @property
    def compared(self) -> str:
        """What the figure compares, between whom, in a sentence."""
        both = f"{self.first} and {self.second}"
        if self.kind == ALL_CODES:
            return (f"Compared: the whole set of codes {both} gave each turn; a turn counts as agreed only if "
                    "every code and tag is the same.")
        if self.kind == "behaviour":
            return f"Compared: the level (0-2) {both} gave behaviour {self.name} in each session."
        if self.kind == MAIN and self.name == ALL_FOUR:
            return (f"Compared: each turn's main behaviour in AnnoMI's four classes (question, reflection, "
                    f"therapist input, other) as {both} coded it; an open and a closed question are both a "
                    "question here.")
        if self.kind == MAIN:
            return f"Compared: whether {both} each coded a turn's main behaviour as {self.name} (AnnoMI's classes)."
        return f"Compared: whether {both} each gave a turn the {self.kind} {self.name} (given or not)."

    @property
    def reading(self) -> str:
        """The figure in plain words: what was compared, then how far they agreed."""
        what = "turns" if self.kind != "behaviour" else "sessions"
        said = f"{self.compared} They agreed on {self.agreed} of {self.items} {what} ({self.percent:.0f}%)."
        if self.kappa is None:
            return (f"{said} Kappa cannot be computed: both gave the same rating every time, so agreement "
                    "by chance alone would be total.")
        caution = " Few items: a rough guide only." if self.items < 20 else ""
        if self.kappa <= 0.4 and self.percent >= 80:
            # The kappa paradox: a rare code gives high raw agreement that chance alone would give.
            caution = (" The agreement is mostly on turns where both left it out; where it was given, they "
                       "seldom agreed." + caution)
        beyond = " beyond chance" if self.kappa > 0 else ""
        return f"{said} Kappa {self.kappa:.2f}: {kappa_words(self.kappa)}{beyond}.{caution}"


def kappa(first: list[Rating], second: list[Rating], weighted: bool = False) -> float | None:
    """Cohen's kappa (linearly weighted for ordinal levels); None when it is undefined (one rating only)."""
    from sklearn.metrics import cohen_kappa_score

    labels = sorted(set(first) | set(second))
    if len(labels) < 2:
        return None
    value = cohen_kappa_score(first, second, labels=labels, weights="linear" if weighted else None)
    return round(float(value), 3)


@dataclass(frozen=True)
class Ratings:
    """Every rater's view: product codes per turn, AnnoMI main behaviour per turn, levels per session."""

    codes: dict[str, dict[Item, frozenset[str]]]
    main: dict[str, dict[Item, str]]
    levels: dict[str, dict[Item, int]]

    @property
    def raters(self) -> list[str]:
        humans = sorted({*self.codes, *self.main, *self.levels} - {ENGINE, EXPERTS})
        return [ENGINE, *humans, *([EXPERTS] if EXPERTS in self.main else [])]


def ratings(library: Library) -> Ratings:
    """Gather every rater's standing judgements from the library (the latest of each reviewer's wins)."""
    codes: dict[str, dict[Item, frozenset[str]]] = defaultdict(dict)
    main: dict[str, dict[Item, str]] = defaultdict(dict)
    levels: dict[str, dict[Item, int]] = defaultdict(dict)
    for path, turn, engine, expert in library.experts():
        main[ENGINE][(path, str(turn))] = engine
        main[EXPERTS][(path, str(turn))] = expert
    engine_levels = library.levels(judged_only=True)
    for path, row in library.judgements():
        item = (path, row.target)
        if row.kind == "codes":
            for rater, text in ((ENGINE, row.engine), (row.reviewer, row.human)):
                codes[rater][item] = frozenset(text.split())
                main[rater][item] = str(to_annomi(Code(c) for c in text.split())["label"])
        elif row.kind == "score":
            levels[row.reviewer][item] = int(row.human)
            if row.target in engine_levels.get(path, {}):
                levels[ENGINE][item] = engine_levels[path][row.target]
    return Ratings(dict(codes), dict(main), dict(levels))


def figures(found: Ratings) -> list[Figure]:
    """Agreement for every pair of raters that judged the same things."""
    out: list[Figure] = []
    for first, second in combinations(found.raters, 2):
        if EXPERTS in (first, second):
            out += _main(found, first, second)
            continue
        a, b = found.codes.get(first, {}), found.codes.get(second, {})
        shared = sorted(a.keys() & b.keys())
        if shared:
            out.append(_figure(first, second, ALL_CODES, "every code the same", [" ".join(sorted(a[i])) for i in shared],
                               [" ".join(sorted(b[i])) for i in shared]))
            used = [code for code in Code if any(code.value in a[i] | b[i] for i in shared)]
            out += [_figure(first, second, "care-planning tag" if code in CARE_TAGS else "MITI code", code.label,
                            [str(code.value in a[i]) for i in shared], [str(code.value in b[i]) for i in shared])
                    for code in used]
        la, lb = found.levels.get(first, {}), found.levels.get(second, {})
        by_behaviour: dict[str, list[Item]] = defaultdict(list)
        for item in la.keys() & lb.keys():
            by_behaviour[item[1]].append(item)
        for behaviour in sorted(by_behaviour):
            items = sorted(by_behaviour[behaviour])
            out.append(_figure(first, second, "behaviour", behaviour, [la[i] for i in items], [lb[i] for i in items],
                               weighted=True))
    return out


def _figure(first: str, second: str, kind: str, name: str, x: list[Rating], y: list[Rating],
            weighted: bool = False) -> Figure:
    """The figure for two raters' paired ratings of the same items."""
    agreed = sum(p == q for p, q in zip(x, y, strict=True))
    return Figure(first, second, kind, name, len(x), agreed, kappa(x, y, weighted), weighted)


def _main(found: Ratings, first: str, second: str) -> list[Figure]:
    """AnnoMI's main behaviour (four classes) on the turns both rated."""
    a, b = found.main.get(first, {}), found.main.get(second, {})
    shared = sorted(a.keys() & b.keys())
    if not shared:
        return []
    x, y = [a[i] for i in shared], [b[i] for i in shared]
    return [_figure(first, second, MAIN, ALL_FOUR, x, y)] + [
        _figure(first, second, MAIN, label.replace("_", " "), [str(v == label) for v in x], [str(v == label) for v in y])
        for label in LABELS]

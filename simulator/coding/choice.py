"""Choosing the coder: the one place that says which coder a name means and what happens when it cannot load.

`rules` is the rule-based coder. `learned` is the trained network and nothing else: if it cannot load,
that is an error the user sees. `best` is the learned coder where it loads, else the rules, with a
note that says why, for the face to show.
"""

from dataclasses import dataclass
from typing import Literal, get_args

from simulator.coding.coder import Coder, RuleCoder, learned_coder
from simulator.errors import CoderUnavailable

CoderName = Literal["best", "learned", "rules"]
CODER_NAMES: tuple[str, ...] = get_args(CoderName)


@dataclass(frozen=True)
class Chosen:
    """The coder to use, and, when it is not the one asked for, a sentence saying why."""

    coder: Coder
    note: str | None = None


def choose(name: CoderName) -> Chosen:
    """The coder `name` means; CoderUnavailable if `learned` was asked for and cannot load."""
    if name == "rules":
        return Chosen(RuleCoder())
    if name == "learned":
        return Chosen(learned_coder())
    try:
        return Chosen(learned_coder())
    except CoderUnavailable as why:
        return Chosen(RuleCoder(), f"Coding with the rule-based coder: {why}")


def choose_version(version: str) -> Chosen:
    """The coder that recorded `version` on a transcript's turns, so that a resumed visit goes on with the
    same coder; where that coder is no longer here, the nearest one, with a note."""
    if version in ("", RuleCoder.version):
        return Chosen(RuleCoder())
    chosen = choose("best")
    if chosen.coder.version == version:
        return chosen
    return Chosen(chosen.coder, f"This visit was coded by {version}, which is not installed here; its later turns "
                                f"are coded by {chosen.coder.version}.")

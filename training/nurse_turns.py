"""The nurse-turns data set: natural nurse turns from care-planning consultations, labelled per utterance.

Each line of data/nurse-turns/{train,test}/*.jsonl is one nurse turn (see data/nurse-turns/DATASHEET.md).
Run `python training/nurse_turns.py` to check every file and print the counts per label.
"""

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "data" / "nurse-turns"
Split = Literal["train", "test"]

# One of these is each utterance's main behaviour (MITI 4.2.1, plus the product's summary and other).
MAIN = ("open_question", "closed_question", "simple_reflection", "complex_reflection", "summary",
        "giving_information", "persuade", "persuade_with_permission", "affirm", "seeking_collaboration",
        "emphasising_autonomy", "confront", "other")
# Codes an utterance may carry beside its main one.
SECONDARY = ("asks_what_matters", "seeking_collaboration", "emphasising_autonomy", "affirm")
TAGS = ("orients", "agenda_setting", "explores_results", "elicits_goal", "action_step", "confidence_ruler",
        "teach_back", "signposting", "review_arranged")
ARCHETYPES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8")


class LabelledUtterance(BaseModel):
    """One utterance of a nurse turn and its human codes."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    # Literal over the tuples: pydantic names the allowed values when a label is unknown.
    main: Literal[MAIN]  # type: ignore[valid-type]
    also: list[Literal[SECONDARY]] = Field(default_factory=list)  # type: ignore[valid-type]
    tags: list[Literal[TAGS]] = Field(default_factory=list)  # type: ignore[valid-type]

    @property
    def codes(self) -> set[str]:
        """Every code and tag this utterance carries."""
        return {self.main, *self.also, *self.tags}


class NurseTurn(BaseModel):
    """One nurse turn, with the patient line before it, split into labelled utterances."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    archetype: str
    context: str = Field("", description="what the patient said just before (empty at the start)")
    permission: bool = Field(False, description="the nurse asked permission to share, and it was given, before")
    utterances: list[LabelledUtterance] = Field(min_length=1)

    @field_validator("archetype")
    @classmethod
    def _archetype(cls, value: str) -> str:
        if value not in ARCHETYPES:
            raise ValueError(f"archetype must be one of {', '.join(ARCHETYPES)}")
        return value

    @model_validator(mode="after")
    def _joined(self) -> "NurseTurn":
        if any(u.text != u.text.strip() for u in self.utterances):
            raise ValueError("utterance texts must not start or end with spaces")
        return self

    @property
    def text(self) -> str:
        """The whole turn as the nurse typed it."""
        return " ".join(u.text for u in self.utterances)


def read(split: Split, folder: Path = FOLDER) -> list[NurseTurn]:
    """Every turn of one split, in file order; ValueError naming file and line on a bad line."""
    turns: list[NurseTurn] = []
    for path in sorted((folder / split).glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                turns.append(NurseTurn.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as error:
                raise ValueError(f"{path.relative_to(ROOT)}:{number}: {error}") from None
    return turns


def counts(turns: list[NurseTurn]) -> Counter[str]:
    """How many utterances carry each code and tag."""
    found: Counter[str] = Counter()
    for turn in turns:
        for utterance in turn.utterances:
            found.update(utterance.codes)
    return found


def main() -> int:
    """Check both splits; print turns, utterances and counts per label."""
    status = 0
    for split in ("train", "test"):
        try:
            turns = read(split)
        except ValueError as error:
            print(error)
            status = 1
            continue
        ids = Counter(t.id for t in turns)
        repeated = [i for i, n in ids.items() if n > 1]
        if repeated:
            print(f"{split}: repeated ids {repeated[:10]}")
            status = 1
        texts = Counter(t.text.lower() for t in turns)
        same = [t for t, n in texts.items() if n > 1]
        print(f"{split}: {len(turns)} turns, {sum(len(t.utterances) for t in turns)} utterances, "
              f"{len(same)} repeated turn texts; per archetype {dict(sorted(Counter(t.archetype for t in turns).items()))}")
        for label, n in sorted(counts(turns).items()):
            print(f"  {label:28} {n}")
    return status


if __name__ == "__main__":
    sys.exit(main())

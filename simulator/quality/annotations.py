"""Human judgements on a transcript: kept in a file beside it, `NAME.annotations.jsonl`, never in it.

Each line is one judgement by one reviewer at one time: a turn's codes accepted or changed, a
behaviour's score accepted or changed, a flag set or cleared, or an overall review. Nothing is ever
rewritten; the latest judgement of each reviewer on each thing is the one that stands.
"""

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from simulator.coding.codes import Code
from simulator.errors import Problem
from simulator.storage.transcript import annotation_path


class JudgementBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reviewer: str = Field(min_length=1, max_length=80)
    at: datetime
    transcript_hash: str | None = Field(description="the transcript's content hash when it was judged")
    comment: str = ""


class CodeJudgement(JudgementBase):
    """A reviewer's codes for one trainee turn; the same as the engine's means they accepted them."""

    kind: Literal["codes"] = "codes"
    turn: int = Field(ge=1)
    engine: list[Code]
    human: list[Code]


class ScoreJudgement(JudgementBase):
    """A reviewer's level for one rubric behaviour; the same as the engine's means they accepted it."""

    kind: Literal["score"] = "score"
    behaviour: str
    engine: int
    human: int


class FlagJudgement(JudgementBase):
    """A session flagged for attention (or the flag cleared), with why in the comment."""

    kind: Literal["flag"] = "flag"
    flagged: bool


class OverallReview(JudgementBase):
    """A reviewer's written review of the whole session."""

    kind: Literal["review"] = "review"
    text: str


Judgement = Annotated[CodeJudgement | ScoreJudgement | FlagJudgement | OverallReview, Field(discriminator="kind")]
_JUDGEMENT: TypeAdapter[Judgement] = TypeAdapter(Judgement)


def append_judgement(transcript: Path, judgement: JudgementBase) -> None:
    """Add one judgement to the transcript's annotations, durably; the transcript is not touched."""
    path = annotation_path(transcript)
    with path.open("ab") as handle:
        handle.write(judgement.model_dump_json().encode("utf-8") + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


@dataclass(frozen=True)
class Annotations:
    """Every judgement on one transcript, and what stands now."""

    judgements: list[Judgement]
    problems: list[Problem] = field(default_factory=list)

    def codes(self, reviewer: str) -> dict[int, CodeJudgement]:
        """The reviewer's standing codes, by turn."""
        return {j.turn: j for j in self.judgements if isinstance(j, CodeJudgement) and j.reviewer == reviewer}

    def scores(self, reviewer: str) -> dict[str, ScoreJudgement]:
        """The reviewer's standing levels, by behaviour id."""
        return {j.behaviour: j for j in self.judgements if isinstance(j, ScoreJudgement) and j.reviewer == reviewer}

    def overall(self, reviewer: str) -> OverallReview | None:
        """The reviewer's latest written review."""
        return next((j for j in reversed(self.judgements)
                     if isinstance(j, OverallReview) and j.reviewer == reviewer), None)

    @property
    def reviewers(self) -> list[str]:
        """Everyone who has judged this transcript, in the order they first did."""
        return list(dict.fromkeys(j.reviewer for j in self.judgements))

    @property
    def flag(self) -> FlagJudgement | None:
        """The latest flag or unflag, by anyone."""
        return next((j for j in reversed(self.judgements) if isinstance(j, FlagJudgement)), None)

    @property
    def flagged(self) -> bool:
        flag = self.flag
        return flag is not None and flag.flagged

    @property
    def reviewed(self) -> bool:
        """Whether anyone has judged a code or score or written a review."""
        return any(not isinstance(j, FlagJudgement) for j in self.judgements)


def read_annotations(transcript: Path) -> Annotations:
    """The judgements beside a transcript; lines that cannot be read are reported and skipped."""
    path = annotation_path(transcript)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Annotations([])
    except OSError as error:
        return Annotations([], [Problem(path, 0, 0, f"cannot read the annotations: {error.strerror}")])
    judgements: list[Judgement] = []
    problems: list[Problem] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            judgements.append(_JUDGEMENT.validate_python(json.loads(line.decode("utf-8"))))
        except (UnicodeDecodeError, json.JSONDecodeError, ValidationError):
            problems.append(Problem(path, number, 1, "not a readable judgement; skipped"))
    return Annotations(judgements, problems)

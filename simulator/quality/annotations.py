"""Human judgements on a transcript: kept in a file beside it, `NAME.annotations.jsonl`, never in it.

Each line is one judgement by one reviewer at one time: a turn's codes accepted or changed, a
behaviour's score accepted or changed, a flag set or cleared, or an overall review. Nothing is ever
rewritten; the latest judgement of each reviewer on each thing is the one that stands. A line that
cannot be read (cut short, say) is reported with its line number and skipped, and the next judgement
starts on a line of its own. Times must carry a time zone, as in transcripts.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from simulator.coding.codes import Code
from simulator.errors import Problem
from simulator.storage.events import COUNT
from simulator.storage.jsonl import LineError, append_line, lines_of, parse_object, read_regular
from simulator.storage.transcript import annotation_path
from simulator.text import clean_utterance


class JudgementBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    reviewer: str = Field(min_length=1, max_length=80)
    at: AwareDatetime
    transcript_hash: str | None = Field(description="the transcript's content hash when it was judged")
    comment: str = ""


class CodeJudgement(JudgementBase):
    """A reviewer's codes for one trainee turn; the same as the engine's means they accepted them."""

    kind: Literal["codes"] = "codes"
    turn: int = Field(ge=1, le=COUNT)
    engine: list[Code]
    human: list[Code]


class ScoreJudgement(JudgementBase):
    """A reviewer's level for one rubric behaviour; the same as the engine's means they accepted it."""

    kind: Literal["score"] = "score"
    behaviour: str
    engine: int = Field(ge=-COUNT, le=COUNT)
    human: int = Field(ge=-COUNT, le=COUNT)


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
    append_line(annotation_path(transcript), judgement.model_dump_json().encode("utf-8") + b"\n")


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
        raw = read_regular(path)
    except FileNotFoundError:
        return Annotations([])
    except OSError as error:
        return Annotations([], [Problem(path, 0, 0, f"cannot read the annotations: {error.strerror}")])
    judgements: list[Judgement] = []
    problems: list[Problem] = []
    lines = lines_of(raw)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            judgements.append(_JUDGEMENT.validate_python(parse_object(line)))
        except LineError as why:
            cut = number == len(lines)  # no newline after it: the write stopped part-way
            problems.append(Problem(path, number, 1, "judgement cut short (the program stopped while writing it); "
                                    "skipped" if cut else f"not a readable judgement: {why}; skipped"))
        except ValidationError as error:
            problems.append(Problem(path, number, 1, f"not a readable judgement ({_why(error)}); skipped"))
    return Annotations(judgements, problems)


def _why(error: ValidationError) -> str:
    """What is wrong with a judgement, quoting nothing from the file but its field names."""
    first = error.errors()[0]
    if first["type"].startswith("union_tag"):
        return "not a kind of judgement this version knows"
    where = ".".join(clean_utterance(str(part))[:40] for part in first["loc"][1:])
    return f"{where}: {first['msg'][:120]}"

"""What the library keeps about one transcript file: who, what, when, its score, integrity and review state.

Worked out from the file alone (and the annotations beside it), so that indexing can run anywhere and a
rescan only has to redo the files that changed.
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from simulator.coding.annomi import LABELS, to_annomi
from simulator.coding.codes import Code
from simulator.content.rubric_loader import RubricFile
from simulator.errors import Problem
from simulator.quality.annotations import CodeJudgement, FlagJudgement, OverallReview, ScoreJudgement, read_annotations
from simulator.scoring.scored_transcript import score_recorded
from simulator.storage.events import SessionStarted, TraineeTurn, TranscriptImported
from simulator.storage.transcript import Integrity, IntegrityStatus, read_transcript

EXPERTS = "AnnoMI experts"


@dataclass(frozen=True)
class JudgementRow:
    """One human judgement, flattened for the index, the agreement figures and the CSV export."""

    reviewer: str
    at: datetime
    kind: str
    target: str
    engine: str
    human: str
    comment: str


@dataclass(frozen=True)
class ExpertCodes:
    """An imported turn's expert code (AnnoMI's main behaviour) beside the engine's, in AnnoMI's scheme."""

    turn: int
    engine: str
    expert: str


@dataclass(frozen=True)
class Row:
    """One transcript as the library lists it."""

    path: Path
    transcript_id: str
    source: str
    trainee: str
    scenario_id: str
    scenario_title: str
    started: datetime
    turns: int
    overall: float
    complete: bool
    integrity: IntegrityStatus
    digest: str | None
    damaged_lines: int
    reviewed: bool
    flagged: bool
    visit: str | None  # a later visit's id (a review); None for a first visit or an imported transcript
    finished: bool  # the conversation ended (imported ones always did)


@dataclass(frozen=True)
class Entry:
    """Everything the index keeps about one transcript: its row, levels and judgements; and, to report
    while indexing, its integrity in full and what could not be read of it and of its annotations."""

    row: Row
    levels: dict[str, int]
    judgements: list[JudgementRow]
    experts: list[ExpertCodes]
    integrity: Integrity = Integrity("unsealed")
    notes: list[Problem] = field(default_factory=list)
    damage: list[Problem] = field(default_factory=list)  # the transcript's lines that could not be read

    @property
    def path(self) -> Path:
        return self.row.path


@dataclass(frozen=True)
class Skipped:
    """A file that could not be read as a transcript, and why."""

    path: Path
    reason: Problem


def codes_text(codes: list[Code]) -> str:
    """Codes as one sortable, comparable string (the index's and the CSV's form)."""
    return " ".join(sorted(code.value for code in codes))


def read_entry(path: Path, rubric: RubricFile) -> Entry | Skipped:
    """Read, check and score one transcript with the codes the engine recorded; or say why it is skipped."""
    read = read_transcript(path)
    first = read.events[0] if read.events else None
    if not read.usable or first is None:
        return Skipped(path, read.problems[0])
    visit = None
    if isinstance(first, SessionStarted):
        source, trainee, scenario, title = "practice", first.trainee or "", first.scenario_id, first.scenario_title
        visit = first.visit
        if visit:
            title = f"{title} ({visit})"
    else:
        assert isinstance(first, TranscriptImported)
        meta = first.metadata
        source, trainee = first.source, f"{first.source}: {meta.get('mi_quality', '')} quality".strip()
        scenario, title = meta.get("topic", ""), meta.get("video_title", "") or first.transcript_id
    scored = score_recorded(read, rubric)
    review = read_annotations(path)
    trainee_turns = [e for e in read.events if isinstance(e, TraineeTurn)]
    row = Row(path=path, transcript_id=read.transcript_id, source=source, trainee=trainee, scenario_id=scenario,
              scenario_title=title, started=first.at, turns=len(trainee_turns), overall=scored.score.overall,
              complete=read.complete, integrity=read.integrity.status, digest=read.integrity.digest,
              damaged_lines=len(read.problems), reviewed=review.reviewed, flagged=review.flagged, visit=visit,
              finished=source != "practice" or read.finished)
    return Entry(
        row=row, levels={b.id: b.level for b in scored.score.behaviours},
        judgements=[_row(j) for j in review.judgements],
        experts=[ExpertCodes(t.turn, str(to_annomi(t.coding())["label"]), t.meta["main_therapist_behaviour"])
                 for t in trainee_turns if t.coder and t.meta.get("main_therapist_behaviour") in LABELS],
        integrity=read.integrity, notes=review.problems, damage=read.problems,
    )


def _row(judgement: CodeJudgement | ScoreJudgement | FlagJudgement | OverallReview) -> JudgementRow:
    if isinstance(judgement, CodeJudgement):
        target, engine, human = str(judgement.turn), codes_text(judgement.engine), codes_text(judgement.human)
    elif isinstance(judgement, ScoreJudgement):
        target, engine, human = judgement.behaviour, str(judgement.engine), str(judgement.human)
    elif isinstance(judgement, FlagJudgement):
        target, engine, human = "", "", "flagged" if judgement.flagged else "unflagged"
    else:
        target, engine, human = "", "", judgement.text
    return JudgementRow(judgement.reviewer, judgement.at, judgement.kind, target, engine, human, judgement.comment)

"""One transcript under review: the engine's view (codes, levels, evidence) beside each reviewer's, and
recording a reviewer's judgements as annotations beside the file."""

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from simulator.coding.codes import QUESTIONS, Code, Coding
from simulator.content.rubric_loader import RubricFile
from simulator.errors import ContentError
from simulator.practice.session import Clock, utc_now
from simulator.quality.annotations import (
    Annotations,
    CodeJudgement,
    FlagJudgement,
    JudgementBase,
    OverallReview,
    ScoreJudgement,
    append_judgement,
    read_annotations,
)
from simulator.scoring.report import FeedbackReport, build_report
from simulator.scoring.score import BehaviourScore, Score, score
from simulator.scoring.scored_transcript import ScoredTranscript, conversation_of
from simulator.storage.events import PatientTurn, SessionStarted, TraineeTurn, TranscriptImported
from simulator.storage.transcript import TranscriptRead, read_transcript


@dataclass(frozen=True)
class Line:
    """One utterance: the trainee's carry a turn number and the engine's codes."""

    speaker: str
    text: str
    turn: int | None = None
    codes: tuple[Code, ...] = ()


@dataclass
class UnderReview:
    """A transcript, its feedback report (the engine's score) and its annotations, as a reviewer sees them."""

    path: Path
    read: TranscriptRead
    report: FeedbackReport
    annotations: Annotations
    rubric: RubricFile
    now: Clock = utc_now

    @property
    def scored(self) -> ScoredTranscript:
        """The transcript's score, from the codes the patient reacted to."""
        return self.report.scored

    @property
    def title(self) -> str:
        first = self.read.events[0]
        if isinstance(first, SessionStarted):
            return f"{first.scenario_title}, {first.trainee or 'unknown trainee'}, {first.at:%Y-%m-%d %H:%M} UTC"
        assert isinstance(first, TranscriptImported)
        meta = first.metadata
        return f"{meta.get('video_title') or first.transcript_id} ({first.source}, {meta.get('mi_quality', '')} quality)"

    @property
    def trainee(self) -> str | None:
        first = self.read.events[0]
        return first.trainee if isinstance(first, SessionStarted) else None

    @cached_property
    def lines(self) -> list[Line]:
        """The conversation in order, with each trainee turn's engine codes."""
        out: list[Line] = []
        codings = iter(self.scored.codings)
        for event in self.read.events:
            if isinstance(event, TraineeTurn):
                out.append(Line("trainee", event.text, event.turn, tuple(sorted(next(codings).codes))))
            elif isinstance(event, PatientTurn):
                out.append(Line("patient", event.text))
        return out

    @property
    def behaviours(self) -> list[BehaviourScore]:
        return self.scored.score.behaviours

    def score_with(self, reviewer: str) -> Score | None:
        """The transcript scored with the codes the reviewer gave (MITI codes and care-planning tags alike)
        where they changed the engine's, and the engine's elsewhere; None if they changed none."""
        mine = self.annotations.codes(reviewer)
        trainee = [e for e in self.read.events if isinstance(e, TraineeTurn)]
        codings = list(self.scored.codings)
        for index, turn in enumerate(trainee):
            judged = mine.get(turn.turn)
            if judged is not None and set(judged.human) != codings[index].codes:
                codes = frozenset(judged.human)
                # A question keeps the engine's count of questions asked (stacked questions matter).
                questions = max(codings[index].questions, 1) if codes & QUESTIONS else 0
                codings[index] = Coding(codes, questions)
        if codings == self.scored.codings:
            return None
        return score(conversation_of(self.read, codings), self.rubric.rubric, f"{reviewer}'s codes")

    def _judge(self, kind: type[JudgementBase], reviewer: str, comment: str = "", **what: object) -> None:
        """Save a judgement of `kind` by `reviewer`, stamped with the time and the transcript's hash."""
        judgement = kind(reviewer=reviewer, at=self.now(), transcript_hash=self.read.integrity.digest,
                         comment=comment, **what)
        append_judgement(self.path, judgement)
        self.annotations = read_annotations(self.path)

    def judge_codes(self, reviewer: str, turn: int, human: list[Code], comment: str = "") -> None:
        """Accept (the same codes) or change a turn's codes."""
        engine = next(line.codes for line in self.lines if line.turn == turn)
        self._judge(CodeJudgement, reviewer, comment, turn=turn, engine=list(engine), human=sorted(human))

    def judge_score(self, reviewer: str, behaviour: str, level: int, comment: str = "") -> None:
        """Accept (the same level) or change a behaviour's level."""
        engine = next(b.level for b in self.behaviours if b.id == behaviour)
        self._judge(ScoreJudgement, reviewer, comment, behaviour=behaviour, engine=engine, human=level)

    def set_flag(self, reviewer: str, flagged: bool, comment: str = "") -> None:
        """Flag the session for attention, or clear the flag; the comment says why."""
        self._judge(FlagJudgement, reviewer, comment, flagged=flagged)

    def write_review(self, reviewer: str, text: str) -> None:
        """Save the reviewer's overall review of the session."""
        self._judge(OverallReview, reviewer, text=text)


def open_review(path: Path, rubric: RubricFile, now: Clock = utc_now) -> UnderReview:
    """Read, check and score a transcript for review; ContentError if it is not a transcript at all."""
    read = read_transcript(path)
    if not read.usable:
        raise ContentError(read.problems)
    return UnderReview(path, read, build_report(read, rubric), read_annotations(path), rubric, now)

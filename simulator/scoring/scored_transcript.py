"""From a transcript on disk to a scored conversation: recode with a coder, then score."""

from dataclasses import dataclass

from simulator.coding.annomi import human_codes
from simulator.coding.coder import Coder, RuleCoder, Utterance, code_conversation
from simulator.coding.rules import Coding
from simulator.content.rubric_loader import RubricFile
from simulator.scoring.score import CodedTurn, Conversation, Score, score
from simulator.storage.transcript import PatientTurn, PlanRecorded, TraineeTurn, TranscriptRead


@dataclass(frozen=True)
class ScoredTranscript:
    """A transcript, the codes it was scored with, and its score."""

    transcript_id: str
    codings: list[Coding]
    conversation: Conversation
    score: Score
    rubric_hash: str


def conversation_of(read: TranscriptRead, codings: list[Coding]) -> Conversation:
    """The scorer's view of a transcript whose clinician turns carry `codings`, in order."""
    trainee = [e for e in read.events if isinstance(e, TraineeTurn)]
    plan = next((e for e in reversed(read.events) if isinstance(e, PlanRecorded) and e.final), None)
    return Conversation(
        turns=[CodedTurn(i + 1, t.text, c.codes) for i, (t, c) in enumerate(zip(trainee, codings, strict=True))],
        clinician_words=sum(len(t.text.split()) for t in trainee),
        patient_words=sum(len(e.text.split()) for e in read.events if isinstance(e, PatientTurn)),
        plan_checks=plan.checks if plan else None,
    )


def code_transcript(read: TranscriptRead, coder: Coder) -> list[Coding]:
    """Code a transcript's clinician turns with `coder`, each with the patient's words before it."""
    utterances = [Utterance("clinician" if isinstance(e, TraineeTurn) else "patient", e.text)
                  for e in read.events if isinstance(e, TraineeTurn | PatientTurn)]
    return [c for c in code_conversation(utterances, coder) if c is not None]


def human_codings(read: TranscriptRead) -> list[Coding]:
    """The human codes of an imported transcript, as codings."""
    return [Coding(frozenset(human_codes(e.meta)), 0) for e in read.events if isinstance(e, TraineeTurn)]


def _scored(read: TranscriptRead, codings: list[Coding], rubric: RubricFile, coder_version: str) -> ScoredTranscript:
    conversation = conversation_of(read, codings)
    result = score(conversation, rubric.rubric, coder_version)
    return ScoredTranscript(read.transcript_id, codings, conversation, result, rubric.content_hash)


def score_transcript(read: TranscriptRead, rubric: RubricFile, coder: Coder) -> ScoredTranscript:
    """Recode and score one transcript."""
    return _scored(read, code_transcript(read, coder), rubric, coder.version)


def engine_score(read: TranscriptRead, rubric: RubricFile) -> ScoredTranscript:
    """Score with the codes the engine recorded as the conversation happened (or at import). A transcript
    whose turns were never coded (imported with `--coder none`) is coded now with the rule-based coder."""
    trainee = [e for e in read.events if isinstance(e, TraineeTurn)]
    if not all(t.coder for t in trainee):
        return score_transcript(read, rubric, RuleCoder())
    codings = [Coding(frozenset(t.codes), 0) for t in trainee]
    return _scored(read, codings, rubric, trainee[0].coder if trainee else RuleCoder.version)

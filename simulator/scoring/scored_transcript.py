"""From a transcript to its score.

A transcript has one score: the one from the codes recorded on its turns, which are the codes the
patient reacted to. Every face shows that one (`score_recorded`). Coding a transcript again with another
coder (`score_recoded`) is a quality-assurance tool, and is always labelled as such.
"""

from dataclasses import dataclass

from simulator.coding.annomi import human_codes
from simulator.coding.coder import Coder, RuleCoder, Utterance, code_conversation
from simulator.coding.codes import Coding
from simulator.content.rubric_loader import RubricFile
from simulator.patient.engine import Intent
from simulator.scoring.score import CodedTurn, Conversation, Score, score
from simulator.storage.events import Event, PatientTurn, PlanRecorded, TraineeTurn
from simulator.storage.transcript import TranscriptRead


@dataclass(frozen=True)
class ScoredTranscript:
    """A transcript, the codes it was scored with, and its score."""

    transcript_id: str
    codings: list[Coding]
    conversation: Conversation
    score: Score
    rubric_hash: str


def conversation_of(read: TranscriptRead, codings: list[Coding]) -> Conversation:
    """The scorer's view of a transcript whose clinician turns carry `codings`, in order, each with what the
    patient said just before it and in answer to it."""
    trainee = [e for e in read.events if isinstance(e, TraineeTurn)]
    heard, replies = _around(read.events)
    plan = next((e for e in reversed(read.events) if isinstance(e, PlanRecorded) and e.final), None)
    return Conversation(
        turns=[CodedTurn(i + 1, t.text, c.codes, c.parts, heard[i], replies[i])
               for i, (t, c) in enumerate(zip(trainee, codings, strict=True))],
        clinician_words=sum(len(t.text.split()) for t in trainee),
        patient_words=sum(len(e.text.split()) for e in read.events if isinstance(e, PatientTurn)),
        plan_checks=plan.checks if plan else None,
    )


def _around(events: list[Event]) -> tuple[list[str], list[str]]:
    """For each trainee turn in order: the patient's words just before it, and their answer to it (not their
    goodbye)."""
    heard: list[str] = []
    replies: list[str] = []
    last = ""
    for event in events:
        if isinstance(event, TraineeTurn):
            heard.append(last)
            replies.append("")
            last = ""
        elif isinstance(event, PatientTurn) and event.intent is not Intent.CLOSING:
            if replies and not replies[-1] and not last:
                replies[-1] = event.text
            last = event.text
    return heard, replies


def code_transcript(read: TranscriptRead, coder: Coder) -> list[Coding]:
    """Code a transcript's clinician turns with `coder`, each with the patient's words before it."""
    utterances = [Utterance("clinician" if isinstance(e, TraineeTurn) else "patient", e.text)
                  for e in read.events if isinstance(e, TraineeTurn | PatientTurn)]
    return [c for c in code_conversation(utterances, coder) if c is not None]


def human_codings(read: TranscriptRead) -> list[Coding]:
    """The human codes of an imported transcript, as codings."""
    return [Coding(frozenset(human_codes(e.meta))) for e in read.events if isinstance(e, TraineeTurn)]


def _scored(read: TranscriptRead, codings: list[Coding], rubric: RubricFile, coder_version: str) -> ScoredTranscript:
    conversation = conversation_of(read, codings)
    result = score(conversation, rubric.rubric, coder_version)
    return ScoredTranscript(read.transcript_id, codings, conversation, result, rubric.content_hash)


def score_recoded(read: TranscriptRead, rubric: RubricFile, coder: Coder) -> ScoredTranscript:
    """Code a transcript again with `coder` and score that: not the transcript's own score, so the coder is
    named as a recoding."""
    return _scored(read, code_transcript(read, coder), rubric, f"{coder.version} (recoded)")


def recorded_coder(read: TranscriptRead) -> str:
    """Which coder coded the transcript's turns as it was played: one version, or each with its turns when
    they differ (a transcript from before one coder per transcript)."""
    turns: dict[str, list[int]] = {}
    for turn in (e for e in read.events if isinstance(e, TraineeTurn)):
        turns.setdefault(turn.coder, []).append(turn.turn)
    if len(turns) <= 1:
        return next(iter(turns), RuleCoder.version)
    return "mixed: " + "; ".join(f"{version} on turns {_spans(numbers)}" for version, numbers in turns.items())


def _spans(numbers: list[int]) -> str:
    """1, 2, 3, 5 -> '1-3, 5'."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][-1] + 1:
            spans[-1].append(number)
        else:
            spans.append([number])
    return ", ".join(f"{s[0]}-{s[-1]}" if len(s) > 1 else str(s[0]) for s in spans)


def score_recorded(read: TranscriptRead, rubric: RubricFile) -> ScoredTranscript:
    """The transcript's score: from the codes recorded as the conversation happened (or at import). A
    transcript whose turns were never coded (imported with `--coder none`) is coded now by the rules, and
    says so."""
    trainee = [e for e in read.events if isinstance(e, TraineeTurn)]
    if not all(t.coder for t in trainee):
        return _scored(read, code_transcript(read, RuleCoder()), rubric, f"{RuleCoder.version} (coded at scoring)")
    return _scored(read, [t.coding() for t in trainee], rubric, recorded_coder(read))

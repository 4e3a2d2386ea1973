"""The events a transcript is made of, one per line: what was said, by whom, and what happened around it.

The models check every field as a file is read (times must carry a time zone; numbers are bounded and
finite), so a reader turns a line that fails them into a problem rather than an event.
"""

from collections.abc import Sequence
from typing import Annotated, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from simulator.coding.codes import QUESTIONS, Code, Coding, Part
from simulator.patient.engine import Intent
from simulator.storage.care_plan import CarePlan

# 1: chained lines; 2: a finished transcript ends with a seal, and every line is chained.
FORMAT_VERSION = 2
# Bounds on the numbers an event may hold: far beyond any real transcript, well inside what every reader
# of the file (SQLite, JSON, the scorer) handles.
COUNT = 2**31 - 1
SEED = 2**63 - 1

class EventBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    seq: int = Field(ge=0, le=COUNT)
    at: AwareDatetime


class SessionStarted(EventBase):
    """The first event of every transcript: what was played, with which content and seed."""

    type: Literal["session_started"] = "session_started"
    format: int = Field(FORMAT_VERSION, ge=1, le=COUNT)
    session_id: str
    product_version: str
    scenario_id: str
    scenario_title: str
    scenario_path: str
    scenario_hash: str
    seed: int = Field(ge=-SEED, le=SEED)
    trainee: str | None = Field(None, description="who practised (older transcripts did not record it)")
    visit: str | None = Field(None, description="a later visit's id; none for the first visit")
    cycle_id: str | None = Field(None, description="the session id of the first visit of this patient's cycle")
    plan: CarePlan | None = Field(None, description="a review visit: the plan recorded at the last visit")
    plan_quality: float | None = Field(None, description="that plan's share of checks met, 0 to 1")
    outcome: str | None = Field(None, description="how its first step went: worked, partly or did_not")
    known: list[str] = Field(default_factory=list, description="a review visit: the facts the patient told at "
                             "the last visit, which they do not tell again as news")


class TranscriptImported(EventBase):
    """The first event of a transcript brought in from elsewhere (an AnnoMI session, say)."""

    type: Literal["imported"] = "imported"
    format: int = Field(FORMAT_VERSION, ge=1, le=COUNT)
    source: str
    transcript_id: str
    product_version: str
    metadata: dict[str, str] = Field(default_factory=dict)


class UtteranceCodes(BaseModel):
    """One utterance of a trainee turn and the codes it earned."""

    model_config = ConfigDict(extra="forbid")

    text: str
    codes: list[Code]


class TraineeTurn(EventBase):
    """What the trainee (the clinician) said and the codes it carried when it was said."""

    type: Literal["trainee"] = "trainee"
    turn: int = Field(ge=0, le=COUNT)
    text: str
    codes: list[Code]
    utterances: list[UtteranceCodes] = Field(
        default_factory=list,
        description="the turn's utterances and each one's codes (empty in transcripts from before they were kept)")
    coder: str = Field("", description="the coder that gave `codes` (empty for imported turns)")
    meta: dict[str, str] = Field(default_factory=dict, description="e.g. an imported turn's human codes")

    def coding(self) -> Coding:
        """The codes recorded on this turn, with the utterance that earned each where it was kept."""
        parts = tuple(Part(u.text, frozenset(u.codes)) for u in self.utterances)
        questions = sum(bool(p.codes & QUESTIONS) for p in parts)
        return Coding(frozenset(self.codes), questions, parts)


def utterances_of(coding: Coding) -> list[UtteranceCodes]:
    """A coded turn's utterances, as a transcript keeps them."""
    return [UtteranceCodes(text=part.text, codes=sorted(part.codes)) for part in coding.parts]


class PatientTurn(EventBase):
    """What the patient said, the intent behind it, and the facts it released."""

    type: Literal["patient"] = "patient"
    turn: int = Field(ge=0, le=COUNT)
    text: str
    intent: Intent | None = None
    released: list[str] = Field(default_factory=list)
    cue: str | None = None
    source: Literal["authored", "generated", "retried", "imported"] = Field(
        "authored", description="how the words came about: an authored line, a model's wording that passed "
        "the checks first time or on retry, or imported")
    meta: dict[str, str] = Field(default_factory=dict, description="for a worded reply: backend, seed, the "
                                 "authored line it reworded, and why any attempt was refused")


class SystemEvent(EventBase):
    """Something that happened around the conversation (resumed, letter opened, a warning)."""

    type: Literal["system"] = "system"
    kind: str
    detail: str = ""


class ScoreRecorded(EventBase):
    """A score given to the transcript, with the exact rubric and coder it was produced with."""

    type: Literal["scored"] = "scored"
    overall: float
    levels: dict[str, Annotated[int, Field(ge=-COUNT, le=COUNT)]]
    rubric_id: str
    rubric_version: str
    rubric_hash: str
    coder_version: str


class PreparationNoted(EventBase):
    """The trainee's preparation note, saved as they write it (the latest one is the note)."""

    type: Literal["preparation"] = "preparation"
    text: str


class PlanRecorded(EventBase):
    """The care and support plan as the trainee recorded it: drafts as they type, then the final one."""

    type: Literal["plan"] = "plan"
    plan: CarePlan
    final: bool = Field(description="false for a draft saved while typing, true when the trainee saved it")
    checks: dict[str, bool] = Field(default_factory=dict, description="the final plan checked against the "
                                    "conversation: each check's id and whether it holds (see plan_review)")


class PatientRated(EventBase):
    """The simulated patient's CollaboRATE answers at the end of the visit, 0 to 4 each."""

    type: Literal["patient_rated"] = "patient_rated"
    answers: dict[str, Annotated[int, Field(ge=0, le=4)]] = Field(
        description="understand, listen and include, each 0 (no effort) to 4")


class SessionEnded(EventBase):
    """The trainee ended the consultation."""

    type: Literal["session_ended"] = "session_ended"


Event = Annotated[SessionStarted | TranscriptImported | TraineeTurn | PatientTurn | SystemEvent | SessionEnded
                  | ScoreRecorded | PatientRated | PreparationNoted | PlanRecorded,
                  Field(discriminator="type")]
E = TypeVar("E", bound=EventBase)


def latest(events: Sequence[Event], kind: type[E]) -> E | None:
    """The last event of this kind (the latest saved note, plan or reply), or None."""
    return next((e for e in reversed(events) if isinstance(e, kind)), None)

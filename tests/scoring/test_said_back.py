"""What a suggested reflection says back: the patient's own words, not the engine's "Like I said" on a line said
again, and never a stock reply with nothing of theirs in it."""

from datetime import UTC, datetime

from simulator.coding.codes import Code, Part
from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import resolve
from simulator.patient.engine import Intent
from simulator.scoring.instead import scene_of, telling, write_instead
from simulator.scoring.score import CodedTurn, Conversation
from simulator.storage.events import Event, PatientTurn

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
REFLECT = next(b for b in load_rubric().rubric.behaviours if b.id == "R06")


def test_a_line_said_again_is_said_back_without_its_preface() -> None:
    for again in ("Like I said, I'll ring Citizens Advice on Monday about the mortgage.",
                  "As I say, I'll ring Citizens Advice on Monday about the mortgage."):
        assert telling(again) == "I'll ring Citizens Advice on Monday about the mortgage."


def test_a_stock_reply_is_not_said_back() -> None:
    said: list[Event] = [
        PatientTurn(seq=1, at=AT, turn=1, text="I have to stop halfway up the stairs and hold the banister.",
                    intent=Intent.OPEN_UP),
        PatientTurn(seq=2, at=AT, turn=2, text="You've lost me there.", intent=Intent.UNSURE),
    ]
    turn = CodedTurn(3, "Have you been using the brown inhaler?", frozenset({Code.CLOSED_QUESTION}),
                     (Part("Have you been using the brown inhaler?", frozenset({Code.CLOSED_QUESTION})),),
                     heard="You've lost me there.")
    instead = write_instead(REFLECT, scene_of(resolve("p2-widow-copd").scenario, said), turn,
                            Conversation([turn], clinician_words=10, patient_words=10))
    assert instead is not None and "lost" not in instead and "stop halfway up the stairs" in instead, instead

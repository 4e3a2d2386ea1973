"""The patient's voice: a model that fails, even only on a later visit's prompt, leaves the authored lines."""

from pathlib import Path

from simulator.content.scenario_loader import resolve
from simulator.patient.backends import Message, OnText
from simulator.patient.realiser import Realiser
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.storage.events import PatientTurn, SystemEvent


class Fragile:
    """A model that loads, then fails as soon as it reads a prompt."""

    name = "fragile"

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        raise AssertionError("never asked: it could not even read the prompt")

    def warm(self, messages: list[Message]) -> None:
        raise RuntimeError("CUDA out of memory")


def test_a_model_that_cannot_read_the_prompt_leaves_the_authored_lines(tmp_path: Path) -> None:
    session = Session.start(resolve("p2-widow-copd"), seed=1, directory=tmp_path, voice=ready(Realiser(Fragile())))
    exchange = session.say("How have things been for you lately?")
    assert exchange is not None and exchange[1].source == "authored"
    session.say("Tell me more about that.")
    notes = [e for e in session.events if isinstance(e, SystemEvent)]
    assert [n.kind for n in notes] == ["backend_unavailable"] and "CUDA out of memory" in notes[0].detail
    assert all(e.source == "authored" for e in session.events if isinstance(e, PatientTurn))

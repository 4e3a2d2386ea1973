"""`scenario draft` writes a file worth editing: it loads and validates, keeps the archetype's visits, writes
the letter as a block a person can edit, shows no rewording that changed a line's meaning, and says which
parts are still the archetype's story."""

from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml
from helpers import streamed

from simulator.authoring.persona_draft import Answers, draft, to_reword
from simulator.cli import main
from simulator.content.scenario import Scenario
from simulator.content.scenario_loader import discover, load_scenario, resolve
from simulator.patient.backends import Message, OnText
from simulator.patient.realiser import Realiser

NONSENSE = "I was too kind to listen, but you're just a patient."
ANSWERS = Answers(name="Ann Lee", age=64, occupation="School cook", conditions=["COPD"],
                  life_context="Lives with her husband Ray; minds her grandson two days a week.")


class Voice:
    """A backend that answers every line with `reply(line)`, streaming word by word; counts its calls."""

    name = "fake: voice"

    def __init__(self, reply: str | None = None) -> None:
        self.reply = reply
        self.calls = 0

    def warm(self, messages: list[Message]) -> None:
        pass

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        self.calls += 1
        line = messages[-1]["content"].rsplit("Meaning: ", 1)[1]
        # Without a reply of its own: the line itself, said a little differently (a faithful rewording).
        text = self.reply or faithful(line)
        return streamed(text, on_text)


def faithful(line: str) -> str:
    """The line said a little differently, meaning the same."""
    return line.replace("I don't", "I do not").replace("I'm", "I am").replace("I've", "I have")


class Unrelated:
    """A sense of meaning that finds every two texts unrelated."""

    def similarity(self, text: str, others: Sequence[str]) -> list[float]:
        return [0.0 for _ in others]


def _lines(scenario: Scenario) -> list[str]:
    return [line for lines in scenario.lines.model_dump().values() for line in lines]


@pytest.fixture(scope="module")
def taxi() -> Scenario:
    return resolve("p1-taxi-driver").scenario


@pytest.fixture(scope="module")
def library() -> list[Scenario]:
    return [item.scenario for item in discover()[0]]


def test_a_nonsense_rewording_is_never_kept(taxi: Scenario, library: list[Scenario]) -> None:
    drafted = draft(taxi, ANSWERS, Realiser(Voice(NONSENSE)), library=library)
    assert drafted.reworded == 0
    assert NONSENSE not in _lines(drafted.scenario)
    assert _lines(drafted.scenario) == _lines(taxi)  # the archetype's words (they name no one here)


def test_a_faithful_rewording_is_kept_and_short_lines_cost_no_model_call(taxi: Scenario) -> None:
    voice = Voice()
    drafted = draft(taxi, ANSWERS, Realiser(voice))
    assert voice.calls >= to_reword(taxi) > 0 and drafted.reworded > 0
    assert voice.calls <= 2 * to_reword(taxi) < 2 * len(_lines(taxi))  # "Yeah.", "Mm." are not sent to the model
    pairs = list(zip(_lines(taxi), _lines(drafted.scenario), strict=True))
    # Each line is the archetype's, or the rewording (which stops at a sentence end once it is long enough).
    assert all(new == old or (faithful(old).startswith(new) and new[-1] in ".!?") for old, new in pairs)
    assert any(new != old for old, new in pairs) and ("Mm.", "Mm.") in pairs


def test_every_reworded_line_is_checked_by_meaning(taxi: Scenario) -> None:
    drafted = draft(taxi, ANSWERS, Realiser(Voice()), meaning=Unrelated())
    assert drafted.reworded == 0 and _lines(drafted.scenario) == _lines(taxi)


def test_the_drafted_file_loads_keeps_the_visits_and_writes_the_letter_as_a_block(
        taxi: Scenario, library: list[Scenario], tmp_path: Path) -> None:
    drafted = draft(taxi, ANSWERS, Realiser(Voice()), library=library)
    out = tmp_path / "ann.yaml"
    out.write_text(drafted.yaml(), encoding="utf-8")
    loaded = load_scenario(out).scenario
    assert loaded == drafted.scenario
    assert [v.id for v in loaded.visits] == [v.id for v in taxi.visits] and loaded.visits
    assert loaded.planning == taxi.planning
    text = out.read_text(encoding="utf-8")
    letter = text.split("\nresults_letter: ", 1)[1]
    assert letter.startswith("|") and "\n  Dear Mr Lee,\n" in letter  # a block, line by line, not one escaped line
    assert "\\n" not in text
    assert main(["validate", str(out)]) == 0


def test_the_file_and_the_terminal_say_which_parts_are_still_the_archetypes(
        tmp_path: Path, tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ann.yaml"
    assert main(["scenario", "draft", "--archetype", "P1", "--out", str(out), "--name", "Ann Lee", "--age", "64",
                 "--occupation", "School cook", "--conditions", "COPD", "--context", ANSWERS.life_context or "",
                 "--model", str(tiny), "--coder", "rules"]) == 0
    said = capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    comments = {}
    for block in text.split("\n\n"):
        lines = block.splitlines()
        notes = " ".join(line for line in lines if line.startswith("#"))
        keys = [line.split(":")[0] for line in lines if line[:1].isalpha()]
        if notes and keys:
            comments[keys[0]] = notes
    for part in ("summary", "results_letter", "clinical_notes", "free_facts", "hidden_facts", "planning", "visits"):
        assert "STILL THE ARCHETYPE'S" in comments[part], part
        assert part in said.split("Still the story of archetype P1 (p1-taxi-driver)")[1].splitlines()[0]
    assert "Tracey" in comments["free_facts"] and "opening_line" in comments["persona"]
    assert "persona.opening_line" in said and "Tracey" in said
    assert "id" not in comments and "title" not in comments
    drafted = load_scenario(out).scenario
    assert drafted.persona.name == "Ann Lee" and drafted.visits
    assert "Gary" not in text and "Marsh" not in text  # the old person's names are gone, comments included
    assert yaml.safe_load(text)["persona"]["occupation"] == "School cook"

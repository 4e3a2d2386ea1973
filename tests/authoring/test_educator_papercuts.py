"""The educator's papercuts (issue 17): a bad id is explained in words, `scenario new` writes a title as a
person would, and the authoring guide says what an `answer_brief` line can and cannot mean."""

import re
from pathlib import Path

import pytest
import yaml
from helpers import ROOT

from simulator.authoring.new_scenario import person_title
from simulator.cli import main
from simulator.content.rubric import Rubric
from simulator.content.scenario import ID_RULES, Scenario

GUIDE = ROOT / "docs" / "authoring.md"


def _new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> dict[str, object]:
    monkeypatch.chdir(tmp_path)
    assert main(["scenario", "new", name]) == 0
    written = next(tmp_path.glob("*.yaml"))
    assert main(["validate", str(written)]) == 0
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(("where", "old", "new", "bad", "fix"), [
    ("id", "id: __ID__", "id: Mrs_Khan", "Mrs_Khan", "mrs-khan"),
    ("free_facts.0.id", "  - id: daily-life", "  - id: Daily Life!", "Daily Life!", "daily-life"),
    ("visits", "lines:", "visits:\n  - id: Review 2\n    title: Review\n    opening_line: Hello again.\nlines:",
     "Review 2", "review-2"),
])
def test_a_bad_id_is_explained_in_words_with_its_value_and_place(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, old: str, new: str, bad: str,
        fix: str) -> None:
    template = (ROOT / "simulator" / "authoring" / "templates" / "scenario.yaml").read_text(encoding="utf-8")
    text = template.replace("__ID__", "fine").replace("__TITLE__", "Fine").replace(old.replace("__ID__", "fine"),
                                                                                   new, 1)
    path = tmp_path / "khan.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if f"'{bad}'" in line)
    number = text[:text.index(bad)].count("\n") + 1
    assert re.match(rf"{re.escape(str(path))}:{number}:\d+: ", line), line
    assert "is not a valid id: an id may hold only lower-case letters (a-z), digits and hyphens" in line
    assert f"'{fix}' would do" in line
    assert "^[" not in line and "pattern" not in line


def test_a_bad_behaviour_id_in_a_rubric_is_explained_in_words(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    rubric = (ROOT / "rubrics" / "what-matters.yaml").read_text(encoding="utf-8")
    path = tmp_path / "rubric.yaml"
    path.write_text(rubric.replace("- id: R04", "- id: r04", 1), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "'r04' is not a valid id: an id may hold only letters, digits and hyphens, starting with a capital" in out
    assert "pattern" not in out


def test_every_id_pattern_in_the_file_formats_has_words() -> None:
    def patterns(node: object) -> set[str]:
        if isinstance(node, dict):
            own = {str(node["pattern"])} if isinstance(node.get("pattern"), str) else set()
            return own.union(*map(patterns, node.values()))
        if isinstance(node, list):
            return set().union(*map(patterns, node))
        return set()

    used = patterns(Scenario.model_json_schema()) | patterns(Rubric.model_json_schema())
    assert used and used <= set(ID_RULES)


@pytest.mark.parametrize(("typed", "title", "identifier"), [
    ("mrs-khan", "Mrs Khan", "mrs-khan"),
    ("MRS KHAN", "Mrs Khan", "mrs-khan"),
    ("Mrs Khan", "Mrs Khan", "mrs-khan"),
    ("mr o'neill-copd-review", "Mr O'Neill COPD Review", "mr-o-neill-copd-review"),
    ("gary_mcdonald.yaml", "Gary McDonald", "gary-mcdonald"),
])
def test_scenario_new_writes_a_title_cased_as_a_person_would(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: str, title: str, identifier: str) -> None:
    data = _new(tmp_path, monkeypatch, typed)
    assert (data["title"], data["id"]) == (title, identifier)


def test_a_title_keeps_what_the_author_cased_on_purpose() -> None:
    assert person_title("mrs DeSouza hba1c") == "Mrs DeSouza HbA1c"
    assert person_title("lee walsh after a heart attack") == "Lee Walsh after a Heart Attack"


def test_a_title_with_quotes_or_controls_still_gives_a_file_that_validates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _new(tmp_path, monkeypatch, 'mrs "kay" \\ khan\x1b[2J')
    assert data["title"] == 'Mrs "Kay" \\ Khan'


def test_the_guide_says_answer_brief_lines_carry_no_yes_or_no() -> None:
    guide = " ".join(GUIDE.read_text(encoding="utf-8").split())
    assert "`answer_brief` lines carry no yes or no" in guide
    assert "When the answer matters, make it a fact: `topics` that name it and a `brief` that gives the answer" in guide
    template = yaml.safe_load((ROOT / "simulator" / "authoring" / "templates" / "scenario.yaml").read_text(
        encoding="utf-8").replace("__ID__", "x").replace("__TITLE__", "X"))
    # The template practises what the guide says: no line answers yes or no.
    assert not any(re.match(r"(yes|no)\b", line, re.IGNORECASE) for line in template["lines"]["answer_brief"])

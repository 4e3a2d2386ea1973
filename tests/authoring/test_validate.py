"""`simulator validate`: every kind of broken file gets its file:line:column and a hint that helps."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from helpers import ROOT, SHIPPED

from simulator.cli import main
from simulator.content.rubric import Rubric
from simulator.content.rubric_loader import BUILTIN
from simulator.content.scenario import Scenario

TEMPLATE = (ROOT / "simulator" / "authoring" / "templates" / "scenario.yaml").read_text(
    encoding="utf-8").replace("__ID__", "broken").replace("__TITLE__", "Broken")

# (case, text to replace, replacement, text marking the reported place, message fragment)
CASES = [
    ("unknown-top-field", "title: ", "titel: ", "titel", "titel: unknown field; did you mean 'title'?"),
    ("unknown-nested-field", "  age: 60", "  agee: 60", "agee", "persona.agee: unknown field; did you mean 'age'?"),
    ("missing-field", "  name: Alex Example\n", "", "persona:", "persona.name: missing required field"),
    ("wrong-type", "  age: 60", "  age: sixty", "age", "persona.age: Input should be a valid integer"),
    ("out-of-range", "  activation: 2 ", "  activation: 5 ", "activation", "persona.activation: Input should be less than or equal to 4"),
    ("bad-choice", "difficulty: intermediate", "difficulty: easy", "difficulty", "difficulty: 'easy' is not allowed here; one of: introductory, intermediate, advanced"),
    ("trust-above-one", "  trust: 0.3 ", "  trust: 1.5 ", "trust: 1.5", "resistance.trust: Input should be less than or equal to 1"),
    ("bad-id", "  - id: daily-life", "  - id: Daily Life", "id: Daily", "free_facts.0.id: 'Daily Life' is not a valid id: an id may hold only lower-case letters"),
    ("duplicate-fact-id", "  - id: what-matters-most", "  - id: daily-life", "id: daily-life\n    priority", "hidden_facts.0.id: the id 'daily-life' is used twice"),
    ("no-priority", "    priority: true ", "    priority: false ", "hidden_facts:", "mark exactly one hidden fact 'priority: true' (found 0)"),
    ("unknown-code-in-needs", "needs: {asks_what_matters: 1, open_question: 2}", "needs: {asks_what_matters: 1, open_questions: 2}", "open_questions", "needs.open_questions: 'open_questions' is not allowed here; did you mean 'open_question'?"),
    ("unknown-code-in-hardens", "hardens: [persuade, confront]", "hardens: [persuade, confronting]", "confronting", "resistance.hardens.1: 'confronting' is not allowed here; did you mean 'confront'?"),
    ("unknown-fact-in-after", "        cued: true ", "        after: [daily-lfe]\n        cued: true ", "daily-lfe", "no fact has the id 'daily-lfe'; did you mean 'daily-life'?"),
    ("zero-count", "{asks_what_matters: 1, open_question: 2}", "{asks_what_matters: 0, open_question: 2}", "asks_what_matters: 0", "needs.asks_what_matters: Input should be greater than or equal to 1"),
    ("intent-without-lines", '  closing: ["Thanks. See you next time."]', "  closing: []", "closing", "lines.closing: List should have at least 1 item"),
    ("missing-intent", '  unsure: ["I don\'t know."]\n', "", "lines:", "lines.unsure: missing required field"),
    ("cued-without-cue", "    cue: >\n      A hint the patient drops once while still guarded (optional).\n", "", "cued: true", "the fact has no 'cue' line to drop"),
    ("duplicate-key", "  age: 60\n", "  age: 60\n  age: 61\n", "age: 61", "'age' appears twice in the same mapping"),
    ("empty-list", "  conditions: [Type 2 diabetes]", "  conditions: []", "conditions", "persona.conditions: List should have at least 1 item"),
    ("text-not-list", "  topics: [day, week, home]", "  topics: day", "topics", "free_facts.0.topics: Input should be a valid list"),
]


def _place(text: str, marker: str) -> tuple[int, int]:
    offset = text.index(marker)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _validate(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[str]]:
    status = main(["validate", *map(str, paths)])
    return status, capsys.readouterr().out.splitlines()


def test_the_template_and_shipped_content_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    status, out = _validate(capsys, tmp_path, ROOT / "scenarios", ROOT / "rubrics")
    assert (status, out) == (0, [])


@pytest.mark.parametrize(("case", "old", "new", "marker", "message"), CASES, ids=[c[0] for c in CASES])
def test_one_defect_one_placed_message(capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, old: str,
                                       new: str, marker: str, message: str) -> None:
    assert old in TEMPLATE, case
    text = TEMPLATE.replace(old, new, 1)
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    status, out = _validate(capsys, path)
    assert status == 1
    matching = [line for line in out if message in line]
    assert matching, out
    line, column = _place(text, marker)
    assert matching[0].startswith(f"{path}:{line}:{column}: "), (matching[0], line, column)


@pytest.mark.parametrize(
    ("case", "content", "place", "message"),
    [
        ("empty", b"", "1:1", "the file is empty"),
        ("not-utf8", b"id: x\ntitle: caf\xe9\n", "2:1", "not UTF-8"),
        ("tabs", b"id: x\npersona:\n\tname: A\n", "3:", "use spaces"),
        ("syntax", b"id: x\ntitle: [unclosed\n", "3:", "not valid YAML"),
        ("list", b"- a\n- b\n", "1:1", "must be a mapping"),
        ("bomb", b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                 b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                 b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
         "1:1", "expands to more than"),
    ],
)
def test_unusable_files(capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, content: bytes,
                        place: str, message: str) -> None:
    path = tmp_path / f"{case}.yaml"
    path.write_bytes(content)
    status, out = _validate(capsys, path)
    assert status == 1
    assert out[0].startswith(f"{path}:{place}") and message in out[0], out


def test_huge_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * 3_000_000 + b"\n")
    status, out = _validate(capsys, path)
    assert status == 2 and "content files are limited to" in out[0]


def test_every_problem_in_one_run_and_duplicate_ids_across_files(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(TEMPLATE.replace("  age: 60", "  agee: 60").replace("level: 0.4", "level: 4"),
                                     encoding="utf-8")
    status, out = _validate(capsys, tmp_path)
    assert status == 1
    assert any("b.yaml:3:1: id: 'broken' is already the id of" in line for line in out)
    assert sum("c.yaml" in line for line in out) >= 3  # unknown field, missing age, level out of range


def test_unreadable_input_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out = _validate(capsys, tmp_path / "missing.yaml")
    assert status == 2 and "no such file or folder" in out[0]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_json_schema_validates_every_shipped_scenario(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), Scenario.model_json_schema())


def test_json_schema_validates_the_shipped_rubric_and_rejects_a_bad_one() -> None:
    schema = Rubric.model_json_schema()
    data = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    data["behaviours"][0]["unit"] = "sometimes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


@pytest.mark.parametrize("kind", ["scenario", "rubric"])
def test_schema_command_gives_every_field_a_description_and_an_example(
        capsys: pytest.CaptureFixture[str], kind: str) -> None:
    assert main(["schema", kind]) == 0
    schema = json.loads(capsys.readouterr().out)
    models = {**schema.get("$defs", {}), "(top level)": schema}
    fields = [(model, name, spec) for model, spec_ in models.items() for name, spec in spec_.get("properties", {}).items()]
    assert len(fields) > 10
    for model, name, spec in fields:
        assert spec.get("description") and spec.get("examples"), f"{model}.{name}"


def test_scenario_new_writes_a_template_that_validates(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["scenario", "new", "Mrs Khan"]) == 0
    written = tmp_path / "Mrs Khan.yaml"
    assert "id: mrs-khan" in written.read_text(encoding="utf-8")
    assert main(["validate", str(written)]) == 0
    assert main(["scenario", "new", "Mrs Khan"]) == 2


def test_a_rubric_anywhere_is_checked_as_a_rubric(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = BUILTIN.read_text(encoding="utf-8").replace("weight: 3\n", "weight: -3\n", 1)
    path = tmp_path / "my-rubric.yaml"
    path.write_text(text, encoding="utf-8")
    status, out = _validate(capsys, path)
    assert status == 1
    assert "weight: Input should be greater than or equal to 0" in out[0]

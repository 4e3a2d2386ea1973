"""Scenario files: the shipped ones load, and every kind of broken file is placed and explained."""

from pathlib import Path

import pytest
from helpers import ROOT, SHIPPED

from simulator.content.scenario_loader import discover, load_scenario, resolve
from simulator.errors import ContentError

GOOD = (ROOT / "scenarios" / "p6-knee-pain.yaml").read_text(encoding="utf-8")


def test_at_least_three_scenarios_ship_and_load() -> None:
    assert len(SHIPPED) >= 3
    for path in SHIPPED:
        loaded = load_scenario(path)
        assert loaded.scenario.priority is not None
        assert len(loaded.content_hash) == 64


def test_discover_finds_shipped_scenarios_sorted_by_title() -> None:
    found, problems = discover()
    assert problems == []
    titles = [item.scenario.title for item in found]
    assert titles == sorted(titles) and len(titles) == len(SHIPPED)


def _broken(tmp_path: Path, text: str | bytes) -> ContentError:
    path = tmp_path / "broken.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(ContentError) as caught:
        load_scenario(path)
    return caught.value


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "expected"),
    [
        ("  activation: 2", "  activation: 7", "activation: 7", "persona.activation: Input should be less than or equal to 4"),
        ("  age: 63", "  agee: 63", "agee: 63", "persona.agee: unknown field; did you mean 'age'?"),
        ("difficulty: introductory", "difficulty: easy", "difficulty: easy", "difficulty: 'easy' is not allowed here; one of: introductory"),
        ("  - id: knee-pain", "  - id: Knee Pain", "id: Knee Pain", "free_facts.0.id: 'Knee Pain' is not a valid id: an id may hold only lower-case letters"),
        ("        trust: 0.5\n", "        trust: high\n", "trust: high", "hidden_facts.0.release.0.trust: Input should be a valid number"),
    ],
)
def test_field_errors_name_file_line_and_field(tmp_path: Path, old: str, new: str, needle: str,
                                               expected: str) -> None:
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    error = _broken(tmp_path, text)
    problem = next(p for p in error.problems if expected in p.message)
    assert problem.path.name == "broken.yaml"
    assert problem.line == _line_of(text, needle)
    assert str(problem).startswith(f"{problem.path}:{problem.line}:{problem.column}: ")


def test_missing_required_field_points_at_its_parent(tmp_path: Path) -> None:
    text = GOOD.replace("  opening_line: >\n    Hiya.", "  old_line: >\n    Hiya.", 1)
    error = _broken(tmp_path, text)
    messages = [p.message for p in error.problems]
    assert "persona.opening_line: missing required field" in messages
    assert any("persona.old_line: unknown field" in m for m in messages)


def test_intent_without_lines_is_an_error(tmp_path: Path) -> None:
    text = GOOD.replace('  closing:\n    - "Thanks, love. I feel a bit better for that, actually."\n'
                        '    - "Okay. See you next time, then."\n', "  closing: []\n")
    error = _broken(tmp_path, text)
    assert error.problems[0].message.startswith("lines.closing: List should have at least 1 item")
    assert error.problems[0].line == _line_of(text, "closing: []")


def test_cross_checks_unknown_fact_and_second_priority(tmp_path: Path) -> None:
    text = GOOD.replace("after: [play-with-ava]", "after: [play-with-eva]")
    text = text.replace("  - id: extra-codeine\n", "  - id: extra-codeine\n    priority: true\n")
    error = _broken(tmp_path, text)
    messages = "\n".join(p.message for p in error.problems)
    assert "no fact has the id 'play-with-eva'; did you mean 'play-with-ava'?" in messages
    assert "mark exactly one hidden fact 'priority: true' (found 2)" in messages


def test_duplicate_key_is_reported_where_it_repeats(tmp_path: Path) -> None:
    text = GOOD.replace("  age: 63\n", "  age: 63\n  age: 64\n")
    error = _broken(tmp_path, text)
    assert error.problems[0].line == _line_of(text, "age: 64")
    assert "'age' appears twice" in error.problems[0].message


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("  age: 63\n", "  age: [63\n")
    error = _broken(tmp_path, text)
    assert error.problems[0].message.startswith("not valid YAML")
    assert error.problems[0].line > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"id: x\ntitle: \xff\xfe broken\n", "not UTF-8"),
        (b"id: x\n\ttitle: tabbed\n", "tabs"),
        (b"- just\n- a list\n", "must be a mapping"),
        (b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
         b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
         "expands to more than"),
    ],
)
def test_unreadable_files_get_clear_messages(tmp_path: Path, content: bytes, message: str) -> None:
    error = _broken(tmp_path, content)
    assert message in error.problems[0].message


def test_a_broken_file_does_not_hide_the_good_ones(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("id: [", encoding="utf-8")
    found, problems = discover([tmp_path])
    assert [item.scenario.id for item in found] == ["p6-knee-pain"]
    assert problems[0].path.name == "bad.yaml"


def test_resolve_by_id_suggests_near_misses() -> None:
    assert resolve("p2-widow-copd").scenario.persona.name == "Margaret Ellis"
    with pytest.raises(ContentError, match="did you mean 'p2-widow-copd'"):
        resolve("p2-widow-cpd")

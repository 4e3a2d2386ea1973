"""Hostile scenario and rubric files: every loader and every face that reads them (`validate`, `list`,
`playtest`, `play`) turns each into problems placed by file and line, under a time limit, with no
traceback and no byte from the file that could act on the terminal.

The files are generated from the shipped scenario and rubric: YAML tags that would run code, impossible
dates, alias bombs, nesting thousands deep, files too big, bytes that are not UTF-8, escape sequences and
control characters in every kind of text field, non-finite numbers, release conditions in a circle, and
things that are not files at all (a pipe, a folder, a device, a dangling link) under a `.yaml` name.
"""

import contextlib
import os
import re
import resource
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import pytest
from helpers import ROOT

from simulator import locations
from simulator.cli import main
from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import load_scenario
from simulator.errors import ContentError

SCENARIO = (ROOT / "scenarios" / "p6-knee-pain.yaml").read_text(encoding="utf-8")
RUBRIC = (ROOT / "rubrics" / "what-matters.yaml").read_text(encoding="utf-8")
TITLE = 'title: "Denise Walker: knee pain and prediabetes review"'
LIMIT = 10.0  # seconds for any one read; the slowest hostile file takes well under one
# What must never reach the terminal from a file: C0 controls but tab and newline, DEL, C1 controls,
# bidi controls, zero-width and other invisible format characters, line separators, lone surrogates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")

T = TypeVar("T")


@dataclass(frozen=True)
class Hostile:
    """One hostile file: how to make it, which loader it is for, and the problem it must give."""

    name: str
    kind: Literal["scenario", "rubric"]
    make: Callable[[Path], object]
    expected: str  # a fragment of the problem's message
    line: int  # where the problem must be placed; 0 when the whole file is at fault


CASES: list[Hostile] = []


def _line_of(text: str, marker: str) -> int:
    return text.count("\n", 0, text.index(marker)) + 1


def text_case(name: str, text: str, expected: str, marker: str | None = None, line: int = 1,
              kind: Literal["scenario", "rubric"] = "scenario", encoding: str = "utf-8") -> None:
    """A file holding `text`; its problem is on the line of `marker` (or on `line`)."""
    data = text.encode(encoding, "surrogatepass")
    CASES.append(Hostile(name, kind, lambda path: path.write_bytes(data), expected,
                         _line_of(text, marker) if marker else line))


def edit(name: str, old: str, new: str, expected: str, marker: str | None = None,
         kind: Literal["scenario", "rubric"] = "scenario") -> None:
    """The shipped file with `old` replaced by `new`; the problem is on the line of `marker` (default:
    the first line of `new`)."""
    base = SCENARIO if kind == "scenario" else RUBRIC
    assert old in base, old
    text = base.replace(old, new, 1)
    text_case(name, text, expected, marker or new.strip().splitlines()[0], kind=kind)


def special_case(name: str, make: Callable[[Path], object], expected: str) -> None:
    """Not a file of text at all; the whole file is at fault."""
    CASES.append(Hostile(name, "scenario", make, expected, 0))


# YAML tags and values the safe constructor cannot build.
edit("include-tag", TITLE, "title: !include other.yaml", "the tag '!include' is not allowed")
edit("python-apply-tag", TITLE, 'title: !!python/object/apply:os.system ["echo pwned"]',
     "python/object/apply:os.system' is not allowed")
edit("python-name-tag", TITLE, "title: !!python/name:os.system ''", "python/name:os.system' is not allowed")
edit("local-tag", "  name: Denise Walker", "  name: !secret vault", "the tag '!secret' is not allowed")
edit("impossible-date", TITLE, "title: 2023-02-30", "cannot read '2023-02-30' as a date")
edit("impossible-date-in-a-list", "topics: [knee, knees,", "topics: [knee, 2023-02-30, knees,",
     "as a date (day is out of range for month)")
edit("month-thirteen", "  age: 63", "  age: 2023-13-01", "month must be in 1..12")
edit("impossible-time", "  activation: 2", "  activation: 2023-01-01T25:00:00", "as a date")
edit("bad-boolean", "  prepared: true", "  prepared: !!bool maybe", "cannot read 'maybe' as true or false")
edit("empty-integer", "  age: 63", "  age: !!int ''", "as a whole number")
edit("integer-of-5000-digits", "  age: 63", "  age: " + "9" * 5000, "as a whole number (Exceeds the limit")
edit("bad-float", "        trust: 0.5", "        trust: !!float _", "cannot read '_' as a number")
edit("bad-timestamp-tag", TITLE, "title: !!timestamp soon", "cannot read 'soon' as a date")
edit("binary-escape", TITLE, "title: !!binary G1syShtdNTI7YztlQT09Bw==", "title: holds U+001B (ESCAPE)")

# The structure of the file.
edit("duplicate-key", TITLE, TITLE + "\ntitle: Again", "'title' appears twice", marker="title: Again")
edit("list-as-key", TITLE, TITLE + "\n? [a, b]\n: c", "a key must be a single word", marker="? [a, b]")
text_case("billion-laughs", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)),
    "expands to more than 20,000 values")
edit("alias-to-itself", TITLE, "title: &t [*t]", "nested more than 32 deep")
edit("nested-900-deep", TITLE, "title: " + "[" * 900 + "]" * 900, "nested more than 32 deep")
edit("nested-5000-deep", TITLE, "title: " + "[" * 5000 + "]" * 5000, "not valid YAML: exceeded maximum nesting depth")
text_case("nested-40-deep-block", SCENARIO + "".join(f"{' ' * i}k{i}:\n" for i in range(40)) + " " * 40 + "end\n",
          "nested more than 32 deep", marker="k33:")
edit("thirty-thousand-values", "topics: [knee, knees,", "topics: [" + "a, " * 30_000 + "knee, knees,",
     "expands to more than 20,000 values", marker="# Archetype P6")
text_case("over-the-size-limit", SCENARIO + "# " + "x" * 300_000 + "\n", "content files are limited to", line=0)
text_case("two-documents", SCENARIO + "---\nid: other\n", "not valid YAML", marker="---\nid: other")
text_case("a-list-not-a-mapping", "- a\n- b\n", "the file must be a mapping of field: value")
text_case("a-scalar-not-a-mapping", "just some words\n", "the file must be a mapping of field: value")
text_case("empty", "", "the file is empty")
text_case("only-comments", "# nothing here\n", "the file holds no data")
text_case("bad-merge", "<<: 1\n" + SCENARIO, "expected a mapping or list of mappings for merging")
edit("unclosed-flow", "topics: [knee, knees,", "topics: {knee, knees,", "not valid YAML")

# Bytes that are not UTF-8 text, and characters YAML itself refuses, placed where they are.
text_case("latin-1", SCENARIO.replace("  name: Denise Walker", "  name: Denise Café"), "not UTF-8",
          marker="Denise Café", encoding="latin-1")
text_case("utf-16", SCENARIO, "UTF-16", encoding="utf-16")
edit("raw-nul", "  name: Denise Walker", "  name: Denise\x00Walker", "U+0000 (NULL) is not allowed")
edit("raw-escape", "  name: Denise Walker", "  name: Denise\x1b[2JWalker", "U+001B (ESCAPE) is not allowed")
edit("raw-c1-csi", "  occupation: Retired", "  occupation: \x9b2JRetired", "U+009B")
edit("raw-bell", "    brief: Yes, every day.", "    brief: Yes, every day.\x07", "U+0007 (BELL)")
edit("raw-delete", "  occupation: Retired", "  occupation: \x7fRetired", "U+007F (DELETE)")
edit("raw-backspace", "  occupation: Retired", "  occupation: Ret\x08\x08\x08ired", "U+0008 (BACKSPACE)")

# Escape sequences and control characters in the text fields (YAML escapes let them through).
edit("osc52-clipboard-in-title", TITLE, r'title: "\e]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\a"',
     "title: holds U+001B (ESCAPE) at character 1")
edit("osc0-window-title-in-name", "  name: Denise Walker", r'  name: "Denise\e]0;pwned\a"',
     "persona.name: holds U+001B (ESCAPE) at character 7")
edit("clear-screen-in-occupation", "  occupation: Retired school dinner supervisor",
     r'  occupation: "\e[2J\e[HRetired"', "persona.occupation: holds U+001B")
edit("c1-csi-in-a-line", '    - "Depends on the day, love."', r'    - "\x9b2JDepends on the day, love."', "lines.answer_brief.0: holds U+009B")
edit("bell-in-a-line", '    - "Hard to say, really."', r'    - "Hard to say, really.\a"', "lines.answer_brief.1: holds U+0007")
edit("carriage-return-in-note", "  note: \"'Only surgery", "  note: \"'Only\\rsurgery",
     "resistance.note: holds U+000D (CARRIAGE RETURN)")
edit("backspace-in-brief", "    brief: Yes, every day.", r'    brief: "Yes, every day.\b\b\b"',
     "free_facts.0.brief: holds U+0008")
edit("rtl-override-in-topic", "topics: [knee, knees,", "topics: [knee, \"kn\u202eee\", knees,",
     "free_facts.0.topics.1: holds U+202E (RIGHT-TO-LEFT OVERRIDE)")
edit("bidi-isolate-in-brief", "    brief: I'd have the operation tomorrow if they'd let me.",
     r'    brief: "\u2066I would have the operation tomorrow"', "free_facts.1.brief: holds U+2066")
edit("zero-width-space-in-condition", "conditions: [Osteoarthritis", "conditions: [Osteo\u200barthritis",
     "persona.conditions.0: holds U+200B")
edit("line-separator-in-a-line", '    - "Right."', r'    - "Rig\Lht."', "lines.acknowledge.0: holds U+2028")
edit("next-line-in-a-line", '    - "Okay, love."', r'    - "Okay,\N love."', "lines.acknowledge.1: holds U+0085")
edit("escape-in-a-deflection", '    - "Can I not just have', r'    - "\x1b[31mCan I not just have',
     "lines.deflect.0: holds U+001B")
edit("conceal-in-visit-title", "    title: Review of the first step", r'    title: "Review\e[8m of the first step"',
     "visits.0.title: holds U+001B")
edit("byte-order-mark-in-title", TITLE, r'title: "Denise\uFEFF Walker"', "title: holds U+FEFF")
edit("lone-surrogate", TITLE, r'title: "Denise\ud800"', "not valid YAML")
edit("escape-in-an-unknown-key", TITLE, TITLE + '\n"\\e[2Jx": 1', "\\x1b[2Jx: unknown field", marker='"\\e[2Jx"')
edit("escape-in-a-choice", "difficulty: introductory", r'difficulty: "\e]52;c;eA==\a"',
     "difficulty: '\\x1b]52;c;eA==\\x07' is not allowed here")
edit("escape-in-a-duplicate-key", TITLE, TITLE + '\n"\\e[2J": 1\n"\\e[2J": 2', "'\\x1b[2J' appears twice",
     marker='"\\e[2J": 2')
edit("escape-in-the-id", "id: p6-knee-pain", r'id: "p6\e[2J"', "id: 'p6\ufffd[2J' is not a valid id")
edit("escape-in-a-code", "needs: {asks_what_matters: 1, open_question: 2}",
     'needs: {"\\e[2J": 1, open_question: 2}', "'\\x1b[2J' is not allowed here")

# Numbers that are not finite.
edit("trust-nan", "        trust: 0.5", "        trust: .nan", "hidden_facts.0.release.0.trust: Input should be a finite number")
edit("trust-minus-infinity", "        trust: 0.5", "        trust: -.inf", "hidden_facts.0.release.0.trust:")
edit("resistance-infinite", "  level: 0.45", "  level: .inf", "resistance.level: Input should be a finite number")
edit("age-infinite", "  age: 63", "  age: .inf", "persona.age:")

# Release conditions that can never hold.
text_case("after-itself", SCENARIO.replace(
    "        trust: 0.5\n", "        trust: 0.5\n        after: [play-with-ava]\n", 1).replace(
    "        trust: 0.4\n", "        trust: 0.4\n        after: [play-with-ava]\n", 1),
    "hidden_facts.0.release: 'play-with-ava' can never come out", marker="    release:")
text_case("after-in-a-circle", SCENARIO.replace(
    "        trust: 0.5\n", "        trust: 0.5\n        after: [extra-codeine]\n", 1).replace(
    "        trust: 0.4\n", "        trust: 0.4\n        after: [extra-codeine]\n", 1).replace(
    "        trust: 0.65\n", "        trust: 0.65\n        after: [play-with-ava]\n", 1),
    "'play-with-ava' can never come out: each of its releases waits (after:) on a fact that cannot come out "
    "before it: play-with-ava -> extra-codeine -> play-with-ava", marker="    release:")

# Rubrics.
edit("weight-infinite", "    weight: 1\n", "    weight: .inf\n", "behaviours.0.weight: Input should be a finite number",
     kind="rubric")
edit("weight-nan", "    weight: 1\n", "    weight: .nan\n", "behaviours.0.weight: Input should be a finite number",
     kind="rubric")
edit("weight-overflowing", "    weight: 1\n", "    weight: 1e308\n", "behaviours.0.weight: Input should be less than",
     kind="rubric")
edit("threshold-nan", "relational: {fair: 3.5, good: 4.0}", "relational: {fair: .nan, good: 4.0}",
     "thresholds.relational.fair: Input should be a finite number", kind="rubric")
edit("threshold-minus-infinity", "reflection_question_ratio: {fair: 1.0, good: 2.0}",
     "reflection_question_ratio: {fair: 1.0, good: -.inf}", "thresholds.reflection_question_ratio.good:", kind="rubric")
edit("levels-nan", "at_least: [0.5, 0.7]", "at_least: [.nan, 0.7]", "at_least.0: Input should be a finite number",
     kind="rubric")
edit("osc52-in-rubric-name", 'name: "What matters to you? Care and support planning conversation"',
     r'name: "\e]52;c;cm0gLXJmIH4=\a"', "name: holds U+001B", kind="rubric")
edit("clear-screen-in-anchor", "      0: No orientation to the purpose", r'      0: "\e[2J" # No orientation to the purpose',
     "behaviours.0.anchors.0: holds U+001B", kind="rubric")
edit("rtl-override-in-feedback", "      2: You set the conversation up", "      2: \u202eYou set the conversation up",
     "behaviours.0.feedback.2: holds U+202E", kind="rubric")
edit("bell-in-instead", '    instead: "This is your time.', r'    instead: "\aThis is your time.',
     "behaviours.0.instead: holds U+0007", kind="rubric")
edit("c1-in-definition", "    definition: Early on,", r'    definition: "\x9d0;x\x07" # Early on,',
     "behaviours.0.definition: holds U+009D", kind="rubric")
edit("include-in-rubric", 'version: "1.1"', "version: !include version.txt", "the tag '!include' is not allowed",
     kind="rubric")
edit("impossible-date-in-rubric", 'version: "1.1"', "version: 2023-02-30", "as a date", kind="rubric")
edit("duplicate-key-in-rubric", "    weight: 1\n", "    weight: 1\n    weight: 2\n", "'weight' appears twice",
     marker="    weight: 2", kind="rubric")
edit("huge-integer-weight", "    weight: 1\n", "    weight: " + "9" * 5000 + "\n", "as a whole number", kind="rubric")


# Things that are not plain files, under a .yaml name.
def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _device(path: Path) -> None:
    path.symlink_to(os.devnull)


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone.yaml")


def _loop(path: Path) -> None:
    path.symlink_to(path)


special_case("fifo", _fifo, "not an ordinary file")
special_case("folder", _folder, "this is a folder, not a file")
special_case("device", _device, "not an ordinary file")
special_case("dangling-link", _dangling, "cannot read the file: No such file or directory")
special_case("link-to-itself", _loop, "cannot read the file: Too many levels of symbolic links")


def _within(seconds: float, call: Callable[[], T]) -> T:
    """Run `call` in a thread and fail if it is still running after `seconds` (a hang)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # noqa: BLE001  (re-raised below, in the test's thread)
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def _unblock(path: Path) -> None:
    """If a reader is stuck on the FIFO at `path` (the bug this guards against), give it an end of file."""
    with contextlib.suppress(OSError):  # no reader is waiting: nothing to unblock
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def _place(case: Hostile, path: Path) -> str:
    return f"{path}:{case.line}:"


def _faces(case: Hostile, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`validate`, and for scenarios `list`, `playtest` and `play`: each reports the problem at its place."""
    capsys.readouterr()
    if case.name != "folder":  # `validate` reads a folder as a folder of content files
        status = _within(LIMIT, lambda: main(["validate", str(path)]))
        out, err = capsys.readouterr()
        assert status == (2 if case.line == 0 else 1)
        assert _place(case, path) in out and case.expected in out and "1 file(s) checked" in err
        assert not UNSAFE.search(out + err) and "Traceback" not in out + err
    if case.kind == "rubric":
        return
    for command in (["playtest", str(path)], ["play", str(path), "--script", "-"]):
        status = _within(LIMIT, lambda command=command: main(command))  # type: ignore[misc]
        out, err = capsys.readouterr()
        assert status == 2 and f"error: {_place(case, path)}" in err and case.expected in err
        assert not UNSAFE.search(out + err) and "Traceback" not in out + err
    if case.name == "fifo":
        return  # `list` is run in a subprocess for the FIFO (below)
    (locations.user_scenario_dir() / path.name).parent.mkdir(parents=True, exist_ok=True)
    listed = locations.user_scenario_dir() / path.name
    case.make(listed)
    status = _within(LIMIT, lambda: main(["list"]))
    out, err = capsys.readouterr()
    assert status == 0 and "p6-knee-pain" in out  # the shipped scenarios are still listed
    assert _place(case, listed) in err and case.expected in err
    assert not UNSAFE.search(out + err) and "Traceback" not in out + err


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_hostile_file_is_refused_with_its_place(case: Hostile, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / ("rubrics" if case.kind == "rubric" else "scenarios")
    folder.mkdir()
    path = folder / f"{case.name}.yaml"
    case.make(path)
    load = load_rubric if case.kind == "rubric" else load_scenario
    try:
        with pytest.raises(ContentError) as caught:
            _within(LIMIT, lambda: load(path))
        placed = [p for p in caught.value.problems if case.expected in p.message]
        assert placed, f"{case.expected!r} not among {caught.value.problems}"
        assert (placed[0].path, placed[0].line) == (path, case.line)
        assert not UNSAFE.search(str(caught.value))
        _faces(case, path, capsys)
    finally:
        if case.name == "fifo":
            _unblock(path)


def _bounded_memory() -> None:
    """In the child: a reader that never stops (of /dev/zero) fails on memory instead of exhausting it."""
    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))


def test_list_with_a_fifo_and_an_endless_device_among_the_scenarios_does_not_hang(tmp_path: Path) -> None:
    folder = locations.user_scenario_dir()
    folder.mkdir(parents=True)
    os.mkfifo(folder / "pipe.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    try:
        done = subprocess.run([sys.executable, "-m", "simulator", "list"], capture_output=True, text=True,
                              timeout=60, preexec_fn=_bounded_memory,
                              env={**os.environ, "SIMULATOR_DATA_DIR": str(locations.data_dir())})
    finally:
        _unblock(folder / "pipe.yaml")
    assert done.returncode == 0 and "p6-knee-pain" in done.stdout
    for name in ("pipe.yaml", "zero.yaml"):
        assert f"{folder / name}:0:0: not an ordinary file" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SCENARIO.encode("utf-8"))
    assert load_scenario(path).scenario.id == "p6-knee-pain"
    rubric = tmp_path / "rubric.yaml"
    rubric.write_bytes(b"\xef\xbb\xbf" + RUBRIC.encode("utf-8"))
    assert load_rubric(rubric).rubric.id == "what-matters"


def test_a_release_with_another_way_out_is_not_a_circle(tmp_path: Path) -> None:
    # extra-codeine waits on play-with-ava in one release only; play-with-ava waits on it in one of two.
    text = SCENARIO.replace("        trust: 0.4\n", "        trust: 0.4\n        after: [extra-codeine]\n", 1)
    path = tmp_path / "fine.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).scenario.hidden_facts[0].release[1].after == ["extra-codeine"]


def test_there_are_at_least_sixty_hostile_files() -> None:
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


def test_a_scenario_folder_that_cannot_be_looked_into_is_reported_and_the_rest_listed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / ("x" * 300)  # longer than any file system allows a name to be
    monkeypatch.setenv(locations.SCENARIOS_VARIABLE, str(folder))
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    assert "p6-knee-pain" in out and f"{folder}:0:0: cannot read the folder: File name too long" in err

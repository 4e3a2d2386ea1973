"""Nothing from a file or a person drives the terminal through the command line.

Every hostile string (escape sequences that set the clipboard or the window title or clear the screen, their
one-byte C1 forms, BEL, NUL, bidi overrides, zero-width characters) is put in every place a command prints
text from: scenario fields and file names (`list`, `play`, `validate`), typed script lines (`play`), the
fields of transcripts (`resume --list`, `library list`, `score`) and the reviewer names and comments of
annotation files (`agreement`). The files are written directly, as a hostile colleague would. Each command
then runs as the installed command does, through `main`, and the bytes it writes to stdout and stderr are
read back at the file descriptors.
"""

import json
import sys
from pathlib import Path

import pytest
from helpers import script
from hostile_text import HOSTILE, file_name, play_once, unsafe_in, words, write_reviewed

from simulator import locations
from simulator.cli import main
from simulator.cli.output import terminal_safe_output
from simulator.storage.events import Event


def assert_terminal_safe(raw: bytes) -> None:
    """Not one byte that starts an escape sequence or rings the bell, and no C1, bidi or invisible character
    (looked for in the decoded text: UTF-8 spells ordinary characters with bytes in the C1 range)."""
    assert b"\x1b" not in raw and b"\x07" not in raw and b"\x00" not in raw
    found = unsafe_in(raw.decode("utf-8"))
    assert found is None, f"reached the terminal: {found}"


def run(capfdbinary: pytest.CaptureFixture[bytes], *argv: str) -> bytes:
    """Run one command; its stdout and stderr, as bytes, once it has shown it did not crash."""
    main(list(argv))
    captured = capfdbinary.readouterr()
    assert b"Traceback" not in captured.err
    return captured.out + captured.err


# Scenario files: a shipped one with one field made hostile through YAML's escapes (as a hostile author
# would write it; raw control characters are refused by the YAML reader itself), or with a hostile name.

def hostile_scenario(folder: Path, hostile: str, place: str) -> Path:
    text = (locations.builtin_scenario_dir() / "p6-knee-pain.yaml").read_text(encoding="utf-8")
    text = text.replace("id: p6-knee-pain", "id: hostile-knee", 1)
    value = json.dumps(words(hostile))  # YAML reads JSON's escapes in a double-quoted string
    fields = {"title": ('title: "Denise Walker: knee pain and prediabetes review"', f"title: {value}"),
              "name": ("  name: Denise Walker", f"  name: {value}"),
              "condition": ("  conditions: [Osteoarthritis of both knees, Prediabetes, Chronic pain]",
                            f"  conditions: [{value}, Prediabetes]")}
    if place == "opening":
        # The folded opening line (two lines long) is replaced whole.
        head, _, rest = text.partition("  opening_line: >\n")
        text = f"{head}  opening_line: {value}\n{rest.split(chr(10), 2)[2]}"
    elif place == "file":
        # Broken too, so that every command names the file.
        text = text.replace("difficulty: introductory", "difficulty: hard", 1)
    elif place in fields:
        original, hostile_line = fields[place]
        assert original in text
        text = text.replace(original, hostile_line, 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"{file_name(hostile)}.yaml" if place == "file" else "hostile.yaml")
    path.write_text(text, encoding="utf-8")
    return path


SCENARIO_PLACES = ["title", "name", "condition", "opening", "file"]


@pytest.mark.parametrize("place", SCENARIO_PLACES)
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_list_play_and_validate_of_a_hostile_scenario(hostile: str, place: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    path = hostile_scenario(tmp_path / "extra", hostile, place)
    monkeypatch.setenv(locations.SCENARIOS_VARIABLE, str(path.parent))
    lines = tmp_path / "script.txt"
    lines.write_text("\n".join(script("person-centred.txt")[:3]), encoding="utf-8")
    assert_terminal_safe(run(capfdbinary, "list"))
    assert_terminal_safe(run(capfdbinary, "play", str(path), "--script", str(lines), "--coder", "rules"))
    assert_terminal_safe(run(capfdbinary, "validate", str(path)))


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_play_of_hostile_typed_lines(hostile: str, tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    lines = tmp_path / "script.txt"
    lines.write_text(f"Hello {hostile}, how are you?\nWhat matters to you {hostile}?\n", encoding="utf-8")
    for json_flag in ([], ["--json"]):
        out = run(capfdbinary, "play", "p6-knee-pain", "--script", str(lines), "--coder", "rules", *json_flag)
        assert_terminal_safe(out)


# Transcripts: one conversation played for real, then retold with one field made hostile.

@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> list[Event]:
    return play_once(tmp_path_factory.mktemp("played"))


# The fields of transcripts and annotations that some command prints.
TRANSCRIPT_PLACES = ["trainee", "title", "session_id", "reviewer", "file"]


@pytest.mark.parametrize("place", TRANSCRIPT_PLACES)
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_library_agreement_score_and_resume_of_hostile_transcripts(
        hostile: str, place: str, played: list[Event], tmp_path: Path,
        capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    folder = tmp_path / "shared"
    path = write_reviewed(folder, played, hostile, {place})
    write_reviewed(locations.session_dir(), played, hostile, {place}, finished=False)
    for command in (["library", "add", str(folder)], ["library", "list"], ["library", "list", "--json"],
                    ["agreement"], ["agreement", "--json"], ["score", str(path)], ["resume", "--list"]):
        assert_terminal_safe(run(capfdbinary, *command))


def test_the_hostile_names_are_shown_with_placeholders_not_dropped(
        played: list[Event], tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    """What is left shows that something was there: the reviewer sees the tampering."""
    folder = tmp_path / "shared"
    write_reviewed(folder, played, HOSTILE["osc52-clipboard"], {"reviewer"})
    run(capfdbinary, "library", "add", str(folder))
    out = run(capfdbinary, "agreement").decode("utf-8")
    assert "Ann \ufffd]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\ufffd Lee" in out


def test_json_output_keeps_the_recorded_text_exactly(played: list[Event], tmp_path: Path,
                                                     capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    """Machine-readable output escapes what it holds instead of changing it."""
    folder = tmp_path / "shared"
    write_reviewed(folder, played, HOSTILE["c1-osc"] + HOSTILE["bidi-override"], {"trainee"})
    run(capfdbinary, "library", "add", str(folder))
    out = run(capfdbinary, "library", "list", "--json")
    assert json.loads(out.splitlines()[0])["trainee"] == words(HOSTILE["c1-osc"] + HOSTILE["bidi-override"])


def test_a_progress_line_still_redraws_itself(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    """The carriage return that starts a write is the command's own; one inside text is not."""
    with terminal_safe_output():
        print("\r1/2 transcripts", end="", file=sys.stderr, flush=True)
        print(f"\r2/2 {words(HOSTILE['csi-clear'])}\rfake", file=sys.stderr)
    assert capfdbinary.readouterr().err == "\r1/2 transcripts\r2/2 Ann \ufffd[2J\ufffd[3J Lee\nfake\n".encode()

"""Hostile transcripts through every surface that reads them, headless, each under a time limit.

Each kind of damage or tampering is made from one healthy, complete visit and put beside a healthy copy.
Then every surface (the reader itself, `score`, `export html`, `calibrate`, `library add`, resuming) must
hold: no traceback and no hang, a clear exit status, the hostile file named wherever something is wrong
with it, the healthy file beside it still read, and the file's integrity reported as what it is: a
tampered file is never `intact`, a cut one is `truncated`, an unfinished one `unfinished`, and a correctly
chained line this version cannot use is a problem with its line number, not tampering.
"""

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from faults import run_cli, time_limit
from helpers import script

from simulator.errors import SimulatorError
from simulator.storage.events import FORMAT_VERSION
from simulator.storage.jsonl import MAX_DEPTH, MAX_LINE_BYTES
from simulator.storage.transcript import IntegrityStatus, chain_digest, read_transcript

# --- the healthy visit, and how a tamperer who knows the format would re-chain it -------------------------

@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One healthy, complete visit: a conversation, its end, a draft plan and the final plan."""
    from simulator.content.scenario_loader import resolve
    from simulator.practice.session import Session
    from simulator.storage.care_plan import CarePlan

    session = Session.start(resolve("p2-widow-copd"), seed=3, directory=tmp_path_factory.mktemp("played"))
    for line in script("person-centred.txt")[:4]:
        session.say(line)
    session.end()
    session.record_plan(CarePlan(goal="walk to the shop"), final=False)
    session.record_plan(CarePlan(goal="walk to the shop", step_what="walk", step_when="mornings"), final=True)
    session.close()
    return session.path


def lines(raw: bytes) -> list[bytes]:
    return raw.splitlines(keepends=True)


def events(raw: bytes) -> list[dict[str, object]]:
    """Every line as a JSON object, its chain dropped."""
    out = []
    for line in lines(raw):
        event = json.loads(line)
        event.pop("chain")
        out.append(event)
    return out


def rechain(contents: list[dict[str, object]]) -> bytes:
    """The lines chained and sealed as this version's writer would: a correctly sealed file."""
    out, previous = [], ""
    for content in contents:
        chain = chain_digest(previous, content)
        out.append(json.dumps({**content, "chain": chain}).encode() + b"\n")
        if content.get("type") != "sealed":
            previous = chain
    return b"".join(out)


def edited(index: int, **changes: object) -> Callable[[bytes], bytes]:
    """Change one line's fields without re-chaining it (what an editor does)."""
    def make(raw: bytes) -> bytes:
        found = lines(raw)
        event = json.loads(found[index])
        event.update(changes)
        found[index] = json.dumps(event).encode() + b"\n"
        return b"".join(found)
    return make


def resealed(change: Callable[[list[dict[str, object]]], None]) -> Callable[[bytes], bytes]:
    """Change the events, then chain and seal them again correctly (what a newer version, or another
    program that knows the format, would write)."""
    def make(raw: bytes) -> bytes:
        contents = events(raw)
        change(contents)
        return rechain(contents)
    return make


def inserted(index: int, line: bytes) -> Callable[[bytes], bytes]:
    return lambda raw: b"".join(lines(raw)[:index] + [line] + lines(raw)[index:])


def _set(index: int, **changes: object) -> Callable[[list[dict[str, object]]], None]:
    return lambda contents: contents[index].update(changes)


def _insert(index: int, content: dict[str, object]) -> Callable[[list[dict[str, object]]], None]:
    return lambda contents: contents.insert(index, content)


def _strip_all(raw: bytes) -> bytes:
    contents = events(raw)[:-1]  # without the seal, as an older version wrote it, but claiming this format
    contents[3]["text"] = "I changed my mind."
    return b"".join(json.dumps(c).encode() + b"\n" for c in contents)


def _after_seal(raw: bytes) -> bytes:
    """A chained event appended after the seal, without moving the seal (not what a writer does)."""
    contents = events(raw)
    extra = {**contents[-2], "seq": len(contents) - 1}
    chained = rechain(contents)
    previous = json.loads(lines(chained)[-2])["chain"]
    return chained + json.dumps({**extra, "chain": chain_digest(previous, extra)}).encode() + b"\n"


def _deep(depth: int) -> bytes:
    return b'{"seq": 4, "meta": ' + b"[" * depth + b"]" * depth + b"}\n"


@dataclass(frozen=True)
class Kind:
    """A way to damage the healthy transcript, and what reading the result must report."""

    make: Callable[[bytes], bytes]
    integrity: IntegrityStatus | None  # None: not a transcript at all (skipped with its path)
    problems: bool  # whether something must be reported with the file's name


UNKNOWN = {"seq": 5, "at": "2026-11-23T09:30:00+00:00", "type": "telepathy", "thought": "tea"}
HOSTILE: dict[str, Kind] = {
    # Lines no JSON reader should choke on.
    "deep-nesting": Kind(inserted(3, b"[" * 100_000 + b"]" * 100_000 + b"\n"), "altered", True),
    "deep-nesting-object": Kind(inserted(3, b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"\n"), "altered", True),
    "deep-field": Kind(inserted(3, _deep(MAX_DEPTH + 5)), "altered", True),
    "deep-in-strings": Kind(resealed(_set(3, text="[" * 5000 + "{" * 5000)), "intact", False),
    "huge-number": Kind(inserted(3, b'{"seq": ' + b"9" * 5000 + b"}\n"), "altered", True),
    "huge-number-sealed": Kind(resealed(_set(3, seq=10**4000)), "intact", True),
    "nan": Kind(lambda raw: raw.replace(b'"seq":2,', b'"seq":NaN,', 1), "altered", True),
    "infinity-header": Kind(resealed(_set(0, plan_quality=float("inf"))), None, True),
    "negative-seq": Kind(resealed(_set(4, seq=-1)), "intact", True),
    "oversized-line": Kind(resealed(_set(3, text="x" * (MAX_LINE_BYTES + 10))), "altered", True),
    "not-utf8": Kind(inserted(4, b'{"seq": 4, "text": "\xff\xfe"}\n'), "altered", True),
    # Times.
    "naive-time-header": Kind(resealed(_set(0, at="2026-11-23T09:30:00")), None, True),
    "naive-time-turn": Kind(resealed(_set(2, at="2026-11-23T09:30:00")), "intact", True),
    "date-only": Kind(resealed(_set(2, at="2026-11-23")), "intact", True),
    # Whole files that are not transcripts.
    "empty": Kind(lambda raw: b"", None, True),
    "binary": Kind(lambda raw: bytes(range(256)) * 8, None, True),
    "nul-bytes": Kind(lambda raw: b"\x00" * 4096, None, True),
    "utf16": Kind(lambda raw: raw.decode("utf-8").encode("utf-16"), None, True),
    "not-an-object": Kind(lambda raw: b"[1, 2, 3]\n" + b"".join(lines(raw)[1:]), None, True),
    "header-deleted": Kind(lambda raw: b"".join(lines(raw)[1:]), None, True),
    # Benign: odd, but as the session wrote it.
    "bom": Kind(lambda raw: b"\xef\xbb\xbf" + raw, "intact", False),
    "crlf": Kind(lambda raw: raw.replace(b"\n", b"\r\n"), "intact", False),
    "blank-lines": Kind(lambda raw: raw.replace(b"\n", b"\n\n\n"), "intact", False),
    # Cut.
    "cut-mid-line": Kind(lambda raw: raw[:-40], "truncated", True),
    "seal-deleted": Kind(lambda raw: b"".join(lines(raw)[:-1]), "truncated", True),
    "last-2-deleted": Kind(lambda raw: b"".join(lines(raw)[:-2]), "truncated", True),
    "last-3-deleted": Kind(lambda raw: b"".join(lines(raw)[:-3]), "truncated", True),
    # Tampered.
    "edited-text": Kind(edited(3, text="I shouted at the patient."), "altered", True),
    "chain-stripped": Kind(lambda raw: edited(3, text="Hm.")(raw).replace(b', "chain": "', b', "x": "', 1), "altered",
                           True),
    "chain-stripped-all": Kind(_strip_all, "altered", True),
    "line-deleted": Kind(lambda raw: b"".join(lines(raw)[:3] + lines(raw)[4:]), "altered", True),
    "lines-swapped": Kind(lambda raw: b"".join(lines(raw)[:3] + [lines(raw)[4], lines(raw)[3]] + lines(raw)[5:]),
                          "altered", True),
    "line-duplicated": Kind(lambda raw: b"".join(lines(raw)[:4] + lines(raw)[3:]), "altered", True),
    "garbage-line": Kind(inserted(4, b"not json at all\n"), "altered", True),
    "garbage-at-end": Kind(lambda raw: raw + b"not json at all\n", "altered", True),
    "appended-after-seal": Kind(_after_seal, "altered", True),
    "type-edited": Kind(edited(3, type="telepathy"), "altered", True),
    # Correctly sealed, but with what this version cannot use: a problem with its line, not tampering.
    "unknown-type-sealed": Kind(resealed(_insert(5, UNKNOWN)), "intact", True),
    "unknown-field-sealed": Kind(resealed(_set(3, mood="grumpy")), "intact", True),
    "wrong-type-sealed": Kind(resealed(_set(3, turn="one")), "intact", True),
    "future-format": Kind(resealed(_set(0, format=FORMAT_VERSION + 7)), "intact", True),
}
TAMPERED = {name for name, kind in HOSTILE.items() if kind.integrity in ("altered", "truncated")}


@pytest.fixture
def hostile(request: pytest.FixtureRequest, played: Path, isolated: Path) -> Iterator[tuple[Kind, Path]]:
    """The hostile file, in the sessions folder beside a healthy copy of the visit."""
    name: str = request.param
    folder = isolated / "sessions"
    folder.mkdir(parents=True)
    shutil.copy(played, folder / "healthy.jsonl")
    path = folder / f"20261123-093000-{name}.jsonl"
    path.write_bytes(HOSTILE[name].make(played.read_bytes()))
    yield HOSTILE[name], path


def _healthy_id(played: Path) -> str:
    return json.loads(lines(played.read_bytes())[0])["session_id"]


hostile_kinds = pytest.mark.parametrize("hostile", list(HOSTILE), indirect=True)


@hostile_kinds
def test_the_reader_reports_each_kind_with_its_line(hostile: tuple[Kind, Path]) -> None:
    kind, path = hostile
    with time_limit(f"reading {path.name}"):
        read = read_transcript(path)
    assert all(p.path == path and p.line >= 0 for p in read.problems)
    assert bool(read.problems) == kind.problems, read.problems
    if kind.integrity is None:
        assert not read.usable and "not a simulator transcript" in read.problems[0].message
    else:
        assert read.usable and read.integrity.status == kind.integrity, (read.integrity, read.problems)
    if read.integrity.status in ("altered", "truncated"):
        assert read.integrity.line is not None and any(p.line == read.integrity.line for p in read.problems)
    assert read_transcript(path.with_name("healthy.jsonl")).integrity.status == "intact"


@hostile_kinds
def test_score_names_the_file_and_scores_the_healthy_one(hostile: tuple[Kind, Path], played: Path,
                                                          capfd: pytest.CaptureFixture[str]) -> None:
    kind, path = hostile
    outcome = run_cli(["score", str(path.parent), "--json"], capfd)
    assert outcome.status == 0
    assert _healthy_id(played) in outcome.out
    assert (path.name in outcome.err) == kind.problems


@hostile_kinds
def test_export_html_never_calls_a_tampered_file_intact(hostile: tuple[Kind, Path], tmp_path: Path,
                                                         capfd: pytest.CaptureFixture[str]) -> None:
    kind, path = hostile
    out = tmp_path / "report.html"
    outcome = run_cli(["export", "html", str(path), "--out", str(out)], capfd)
    if kind.integrity is None:
        assert outcome.status == 2 and path.name in outcome.err and not out.exists()
        return
    assert outcome.status == 0 and out.exists()
    report = out.read_text(encoding="utf-8")
    assert ("Intact:" in report) == (kind.integrity == "intact")
    if kind.problems:
        assert path.name in outcome.err


@hostile_kinds
def test_calibrate_and_code_carry_on_past_it(hostile: tuple[Kind, Path], played: Path,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    kind, path = hostile
    outcome = run_cli(["calibrate", str(path.parent), "--coder", "rules"], capfd)
    assert outcome.status in (0, 1)
    assert (path.name in outcome.err) == kind.problems
    coded = run_cli(["code", str(path.parent), "--coder", "rules", "--jsonl"], capfd)
    assert coded.status == 0 and _healthy_id(played) in coded.out


@hostile_kinds
def test_the_library_lists_the_rest_and_marks_or_skips_it(hostile: tuple[Kind, Path],
                                                          capfd: pytest.CaptureFixture[str]) -> None:
    kind, path = hostile
    added = run_cli(["library", "add", str(path.parent)], capfd)
    assert added.status == 0
    listed = run_cli(["library", "list", "--json"], capfd)
    rows = {Path(r["path"]).name: r for r in map(json.loads, listed.out.splitlines())}
    assert "healthy.jsonl" in rows
    if kind.integrity is None:
        assert path.name not in rows and f"skipped: {path}" in added.err
    else:
        assert rows[path.name]["integrity"] == kind.integrity
    if kind.integrity in ("altered", "truncated"):
        assert f"warning: {path}" in added.err
    filtered = run_cli(["library", "list", "--json", "--integrity", "intact"], capfd)
    assert (path.name in filtered.out) == (kind.integrity == "intact")


@hostile_kinds
def test_resuming_refuses_or_warns(hostile: tuple[Kind, Path], capfd: pytest.CaptureFixture[str]) -> None:
    """A complete visit cannot be resumed; one cut back to an unfinished state can, and the note it leaves
    says what was found. Whatever the file, resuming says why not with its path, or carries on."""
    from simulator.practice.session import Session
    from simulator.storage.events import SystemEvent

    kind, path = hostile
    with time_limit(f"resuming {path.name}"):
        try:
            session = Session.resume(path)
        except SimulatorError as error:
            assert path.name in str(error) or any(path.name in str(p) for p in getattr(error, "problems", []))
            session = None
    if session is not None:
        session.close()
        note = session.events[-1]
        assert isinstance(note, SystemEvent) and note.kind == "resumed"
        if kind.problems:
            assert path.name in note.detail
        if kind.integrity in ("altered", "truncated"):
            assert kind.integrity.upper() in note.detail
    listed = run_cli(["resume", "--list"], capfd)
    assert listed.status == 0


def test_an_unfinished_visit_is_unfinished_and_its_end_seals_it(played: Path, tmp_path: Path) -> None:
    """Before its end a visit reads as unfinished (lines cut from it could not be noticed); its end seals it,
    every event after the end moves the seal, and only the seal's absence tells a cut file."""
    from simulator.content.scenario_loader import resolve
    from simulator.practice.session import Session
    from simulator.storage.care_plan import CarePlan

    session = Session.start(resolve("p6-knee-pain"), seed=1, directory=tmp_path)
    session.say("What matters most to you?")
    assert read_transcript(session.path).integrity.status == "unfinished"
    session.end()
    sealed = read_transcript(session.path)
    assert sealed.integrity.status == "intact" and sealed.finished
    assert json.loads(lines(session.path.read_bytes())[-1]) == {"type": "sealed", "chain": sealed.integrity.digest}
    session.record_plan(CarePlan(goal="walk"), final=False)
    session.record_plan(CarePlan(goal="walk", step_what="walk"), final=True)
    session.close()
    raw = session.path.read_bytes()
    assert raw.count(b'"sealed"') == 1 and lines(raw)[-1].startswith(b'{"type":"sealed"')
    assert read_transcript(session.path).integrity.status == "intact"
    for cut in range(1, 4):
        session.path.write_bytes(b"".join(lines(raw)[:-cut]))
        assert read_transcript(session.path).integrity.status == "truncated", cut


def test_a_truncated_file_is_never_sealed_again(played: Path, tmp_path: Path) -> None:
    """Writing to a file found cut (a late score, say) does not hide the cut behind a new seal."""
    from simulator.storage.events import SystemEvent
    from simulator.storage.transcript import TranscriptWriter

    path = tmp_path / "cut.jsonl"
    path.write_bytes(b"".join(lines(played.read_bytes())[:-2]))
    writer = TranscriptWriter(path)
    writer.append(SystemEvent(seq=99, at=read_transcript(played).events[0].at, kind="late", detail=""))
    writer.close()
    assert read_transcript(path).integrity.status == "truncated"
    assert b'"sealed"' not in path.read_bytes()


def test_a_line_too_long_for_any_reader_is_not_written(tmp_path: Path) -> None:
    from simulator.content.scenario_loader import resolve
    from simulator.practice.session import Session

    session = Session.start(resolve("p6-knee-pain"), seed=1, directory=tmp_path)
    before = session.path.read_bytes()
    with pytest.raises(OSError, match="more than a transcript line may hold") as raised:
        session.note("huge", "x" * (MAX_LINE_BYTES + 1))
    assert raised.value.filename == str(session.path) and session.path.read_bytes() == before


def test_a_fifo_or_folder_named_like_a_transcript_is_skipped_not_waited_on(played: Path, isolated: Path,
                                                                           capfd: pytest.CaptureFixture[str]) -> None:
    import os

    folder = isolated / "shared"
    folder.mkdir(parents=True)
    shutil.copy(played, folder / "healthy.jsonl")
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "folder.jsonl").mkdir()
    with time_limit("reading a named pipe"):
        assert "not a regular file" in read_transcript(folder / "pipe.jsonl").problems[-1].message
    added = run_cli(["library", "add", str(folder)], capfd)
    assert added.status == 0 and "pipe.jsonl" in added.err and "folder.jsonl" in added.err
    assert "healthy.jsonl" in run_cli(["library", "list", "--json"], capfd).out


def test_the_battery_is_big_enough() -> None:
    assert len(HOSTILE) * 6 >= 200


@pytest.mark.parametrize("drafts", [0, 2])
def test_a_full_disk_after_the_end_leaves_the_seal_in_place_and_names_the_file(
        drafts: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An event after the end overwrites the seal in place; if that write fails (the first after the end,
    or one after drafts moved the seal), the file is as it was, seal and all, and the error names it."""
    import errno
    import os

    from simulator.content.scenario_loader import resolve
    from simulator.practice.session import Session
    from simulator.storage.care_plan import CarePlan

    session = Session.start(resolve("p6-knee-pain"), seed=1, directory=tmp_path)
    session.say("What matters most to you?")
    session.end()
    for draft in range(drafts):
        session.record_plan(CarePlan(goal="walk" * (draft + 1)), final=False)

    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    before = session.path.read_bytes()
    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", fsync)
        with pytest.raises(OSError) as raised:
            session.record_plan(CarePlan(goal="walk", step_what="walk"), final=True)
    assert raised.value.filename == str(session.path) and raised.value.errno == errno.ENOSPC
    assert session.path.read_bytes() == before
    assert read_transcript(session.path).integrity.status == "intact"
    session.record_plan(CarePlan(goal="walk", step_what="walk"), final=True)
    session.close()
    read = read_transcript(session.path)
    assert read.integrity.status == "intact" and read.complete and read.problems == []


async def test_the_review_app_opens_over_every_hostile_transcript(played: Path, tmp_path: Path) -> None:
    """All the kinds in one library: the app opens, lists the healthy and the readable ones with their
    integrity, names the unreadable ones, and opens every listed one for review."""
    from pilot import REVIEW_SIZE, review_app
    from textual.widgets import DataTable, Static

    from simulator.app.review.transcript import ReviewScreen
    from simulator.quality.library import Library

    folder = tmp_path / "shared"
    folder.mkdir()
    shutil.copy(played, folder / "healthy.jsonl")
    for name, kind in HOSTILE.items():
        (folder / f"{name}.jsonl").write_bytes(kind.make(played.read_bytes()))
    with Library.open(tmp_path / "index.sqlite3") as library:
        with time_limit("indexing every hostile transcript"):
            library.add(folder)
        listed = {row.path.stem: row.integrity for row in library.rows()}
        assert listed == {"healthy": "intact"} | {n: k.integrity for n, k in HOSTILE.items() if k.integrity}
        app = review_app(library)
        async with app.run_test(size=REVIEW_SIZE) as pilot:
            await pilot.pause()
            skipped = str(app.screen.query_one("#skipped", Static).content)
            assert "Skipped (not a readable transcript)" in skipped
            rows = app.screen.shown
            assert {row.path.stem for row in rows} == set(listed)
            # One of each integrity state, and each kind whose lines could not all be read.
            chosen = {row.integrity: index for index, row in enumerate(rows)}
            chosen |= {name: index for index, row in enumerate(rows) for name in ("deep-in-strings", "future-format",
                                                                                  "unknown-type-sealed")
                       if row.path.stem == name}
            for index in sorted(set(chosen.values())):
                app.screen.query_one(DataTable).move_cursor(row=index)
                await pilot.press("enter")
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, ReviewScreen)
                status = screen.under.read.integrity.status
                assert listed[screen.under.path.stem] == status
                assert status in screen.query_one("#integrity", Static).classes
                await pilot.press("escape")
                await pilot.pause()
            assert app.is_running and len(chosen) >= 6

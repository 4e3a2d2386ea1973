"""Writing and reloading scenarios when things go wrong: a full disk or a folder that cannot be written
leaves no file behind (an empty one would make the next `scenario new` refuse), and a hostile save of the
scenario being played never stops the consultation."""

import contextlib
import os
import re
import resource
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from pilot import SIZE, choose, say

from simulator import locations
from simulator.app.config import AppConfig
from simulator.app.practice.app import SimulatorApp
from simulator.app.practice.consultation import ConsultationScreen
from simulator.app.widgets.turn import Turn
from simulator.cli import main
from simulator.content.scenario_loader import load_scenario

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _full_disk() -> None:
    """In the child: every write past the first byte fails as it would on a full disk (EFBIG, not ENOSPC,
    but through the same path: the file is created, the bytes do not land). Python ignores SIGXFSZ."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))


def _simulator(*args: str, cwd: Path, full: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simulator", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, preexec_fn=_full_disk if full else None,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


def test_scenario_new_on_a_full_disk_leaves_nothing_and_can_be_run_again(tmp_path: Path) -> None:
    failed = _simulator("scenario", "new", "my-patient", cwd=tmp_path, full=True)
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert "cannot write my-patient.yaml: File too large; nothing was written" in failed.stderr
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one
    again = _simulator("scenario", "new", "my-patient", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert load_scenario(tmp_path / "my-patient.yaml").scenario.id == "my-patient"
    assert [p.name for p in tmp_path.iterdir()] == ["my-patient.yaml"]


def test_scenario_draft_on_a_full_disk_leaves_nothing(tmp_path: Path) -> None:
    failed = _simulator("scenario", "draft", "--archetype", "p2", "--out", "joan.yaml", "--patient", "scripted",
                        "--name", "Joan Smith", cwd=tmp_path, full=True)
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert "cannot write joan.yaml: File too large; nothing was written" in failed.stderr
    assert list(tmp_path.iterdir()) == []


def test_scenario_new_where_no_folder_can_be_written_says_so(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes").write_text("a file, not a folder", encoding="utf-8")
    target = tmp_path / "notes" / "my-patient.yaml"
    assert main(["scenario", "new", str(target)]) == 2
    assert f"error: cannot write {target}: Not a directory; nothing was written" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_scenario_new_in_a_read_only_folder_leaves_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert main(["scenario", "new", str(folder / "x.yaml")]) == 2
        assert "Permission denied; nothing was written" in capsys.readouterr().err
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def _unblock(path: Path) -> None:
    """Give a reader stuck on the FIFO at `path` an end of file (only the bug this guards against blocks)."""
    with contextlib.suppress(OSError):  # no reader is waiting
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


async def test_hostile_saves_during_a_consultation_keep_it_going(tmp_path: Path, app_config: AppConfig) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    good = (locations.builtin_scenario_dir() / "p6-knee-pain.yaml").read_text(encoding="utf-8")
    path = folder / "p6-knee-pain.yaml"
    path.write_text(good, encoding="utf-8")
    title = 'title: "Denise Walker: knee pain and prediabetes review"'
    saves: list[tuple[str, str | None]] = [
        ("the tag '!include' is not allowed", good.replace(title, "title: !include other.yaml")),
        ("the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
         good.replace(title, 'title: !!python/object/apply:os.system ["echo pwned"]')),
        ("cannot read '2023-02-30' as a date", good.replace(title, "title: 2023-02-30")),
        ("title: holds U+001B (ESCAPE)", good.replace(title, r'title: "\e]52;c;Y3VybCBldmlsIHwgc2g=\a"')),
        ("expands to more than", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9))),
        ("Input should be a finite number", good.replace("  level: 0.45", "  level: .nan")),
        ("can never come out", good.replace("        trust: 0.5\n", "        trust: 0.5\n        after: [play-with-ava]\n")
         .replace("        trust: 0.4\n", "        trust: 0.4\n        after: [play-with-ava]\n")),
        ("not an ordinary file", None),  # a FIFO saved in its place
    ]
    cfg = replace(app_config, scenario_dirs=[folder], watch_scenarios=True)
    app = SimulatorApp(cfg)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot)
        screen = app.screen
        assert isinstance(screen, ConsultationScreen)
        await say(pilot, "Do you have any pain?")
        before = screen.session.scenario_file.content_hash
        for stamp, (expected, text) in enumerate(saves, start=1):
            if text is None:
                os.mkfifo(folder / "pipe")
                os.replace(folder / "pipe", path)
            else:
                path.write_text(text, encoding="utf-8")
            # A distinct modification time for each save, so the watcher sees every one.
            os.utime(path, ns=(stamp * 10**9, stamp * 10**9))
            guard = threading.Timer(5.0, _unblock, [path])
            guard.start()
            started = time.monotonic()
            try:
                screen._check_scenario()
            finally:
                guard.cancel()
            assert time.monotonic() - started < 5.0
            await pilot.pause()
            shown = [str(n.message) for n in app._notifications][-1]
            assert "still playing the last good version" in shown and f"{path}:" in shown and expected in shown
            assert not UNSAFE.search(shown)
            turns = len(screen.query(Turn))
            await say(pilot, "How are things at home?")
            assert len(screen.query(Turn)) == turns + 2  # the patient still answers
            assert screen.session.scenario_file.content_hash == before
    assert app.return_code in (None, 0)

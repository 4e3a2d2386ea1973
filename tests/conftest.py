"""Shared fixtures: every test gets its own data folder and UTC, and no cursor blinks."""

import time
from pathlib import Path

import pytest
from pilot import practice_config
from textual.widgets import Input, TextArea

from simulator import locations
from simulator.app.config import AppConfig
from simulator.content.scenario_loader import ScenarioFile, load_scenario


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep tests out of the user's real data folder and config file (the app writes the trainee's name
    there), and fix the time zone."""
    data = tmp_path / "data"
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(data))
    monkeypatch.setenv(locations.CONFIG_VARIABLE, str(tmp_path / "config" / "config.toml"))
    monkeypatch.delenv("SIMULATOR_SCENARIOS", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    return data


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every input and text area starts with a steady cursor, so snapshots do not depend on when the
    blink timer fired. A test-only switch kept out of the product: it changes the widgets' default."""
    for widget in (Input, TextArea):
        monkeypatch.setattr(widget.cursor_blink, "_default", False)


@pytest.fixture
def app_config(tmp_path: Path) -> AppConfig:
    """The practice app's configuration for one test: frozen clocks, the rule coder, sessions in tmp_path."""
    return practice_config(tmp_path)


@pytest.fixture
def taxi() -> ScenarioFile:
    """The P1 scenario, the hardest of the shipped ones."""
    return load_scenario(locations.builtin_scenario_dir() / "p1-taxi-driver.yaml")


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random chat model folder, built once per test run (nothing is downloaded)."""
    from tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_gguf(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model written as a GGUF file, as llama.cpp would write it."""
    from tiny_model import build_tiny_gguf

    return build_tiny_gguf(tiny, tmp_path_factory.mktemp("tiny-gguf") / "tiny.gguf")

"""In the app, the model reads the start of the next reply's prompt while the trainee types: once it has loaded,
and after every reply."""

from dataclasses import replace

import pytest
from helpers import Recording
from pilot import SIZE, choose, say, until

from simulator.app.config import AppConfig
from simulator.app.practice.app import SimulatorApp
from simulator.patient.backends import choice
from simulator.settings import PatientSettings


async def test_the_app_reads_ahead_while_the_trainee_types(app_config: AppConfig,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    backend = Recording()
    monkeypatch.setattr(choice, "open_backend", lambda settings: backend)
    app = SimulatorApp(replace(app_config, patient=PatientSettings(backend="local")))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "p2-widow-copd")
        await until(pilot, lambda: backend.read[-1:] != [] and backend.read[-1][1].endswith("\nNurse:"),
                    "the start of the first reply's prompt read once the model has loaded", 10)
        for turn in ("How have things been?", "How are the stairs?"):
            await say(pilot, turn)
            await until(pilot, lambda: [kind for kind, _ in backend.read[-2:]] == ["generate", "warm"],
                        "the next prompt's start read after the reply", 10)
            assert backend.read[-1][1].endswith("\nNurse:")

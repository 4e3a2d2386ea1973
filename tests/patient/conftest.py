"""The patient's tests share one learned coder, loaded once: its encoder also tells the patient what a turn is
about, as in the app."""

import pytest

from simulator.coding.coder import Coder, learned_coder


@pytest.fixture(scope="session")
def coder() -> Coder:
    return learned_coder()

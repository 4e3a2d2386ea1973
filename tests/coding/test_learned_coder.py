"""The learned coder: the shipped artefact is intact and codes clear cases right; training runs end to end."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from simulator import locations
from simulator.coding.annomi import to_annomi
from simulator.coding.coder import learned_coder
from simulator.coding.codes import Code
from simulator.coding.learned import LearnedCoder, _merge
from simulator.coding.rules import CoderContext, Coding, code_utterance
from simulator.errors import CoderUnavailable

SHARED = ROOT.parent / "shared" / "data" / "annomi-dev"


@pytest.fixture(scope="module")
def coder() -> LearnedCoder:
    found = learned_coder()
    assert isinstance(found, LearnedCoder)
    return found


def test_manifest_checksums_match_the_shipped_files() -> None:
    folder = locations.coder_dir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sha256"], "the manifest lists no files"
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert manifest["cross_validation"]["main_macro_f1"] > 0.7


@pytest.mark.parametrize(
    ("text", "context", "label"),
    [
        ("What would you like to talk about today?", "", "question"),
        ("Do you drink every day?", "I drink a bit.", "question"),
        ("So you're worried that if you stop, you'll lose your friends.", "All my mates drink.", "reflection"),
        ("It sounds like your family means a great deal to you.", "My kids are everything.", "reflection"),
        ("The guidelines say no more than fourteen units a week.", "How much is too much?", "therapist_input"),
    ],
)
def test_codes_clear_cases(coder: LearnedCoder, text: str, context: str, label: str) -> None:
    coding = coder.code_batch([text], [context], [False])[0]
    assert to_annomi(coding.codes)["label"] == label


def test_rules_add_what_the_network_does_not_know(coder: LearnedCoder) -> None:
    coding = coder.code_batch(["What matters most to you in your life right now?"], [""], [False])[0]
    assert {Code.ASKS_WHAT_MATTERS, Code.OPEN_QUESTION} <= coding.codes


def test_advice_after_permission_stays_permitted() -> None:
    rules = code_utterance("You could walk after meals.", CoderContext(permission_asked=True))
    merged = _merge(rules, {"main": "therapist_input", "question": "open", "reflection": "simple", "input": "advice"},
                    permission_asked=True)
    assert Code.PERSUADE_WITH_PERMISSION in merged.codes and Code.PERSUADE not in merged.codes
    other = _merge(Coding(frozenset({Code.AFFIRM}), 0), {"main": "other", "question": "open",
                                                          "reflection": "simple", "input": "none"})
    assert other.codes == {Code.AFFIRM, Code.OTHER}


def test_a_missing_model_is_a_message_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(CoderUnavailable, match="train one: python training/train_coder.py"):
        learned_coder(tmp_path / "nothing-here")


def test_a_corrupt_model_is_a_message_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "coder"
    folder.mkdir()
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    (folder / "heads.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CoderUnavailable, match="could not be loaded"):
        learned_coder(folder)


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data/annomi-dev")
def test_training_runs_end_to_end_on_a_small_slice(tmp_path: Path) -> None:
    out = tmp_path / "coder"
    done = subprocess.run(
        [sys.executable, str(ROOT / "training" / "train_coder.py"), "--limit", "120", "--folds", "2", "--epochs", "1",
         "--out", str(out)], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["cross_validation"]["utterances"] == 120
    trained = LearnedCoder(out)
    assert len(trained.code_batch(["How are you?", "You seem tired."], ["", "I'm tired."], [False, False])) == 2

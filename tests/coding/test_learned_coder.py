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
from simulator.coding.coder import code_turns, learned_coder
from simulator.coding.codes import Code
from simulator.coding.learned import LearnedCoder
from simulator.coding.network import EXTRA, MAIN, RULE_CODES
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
    assert manifest["cross_validation"]["annomi"]["main_macro_f1"] > 0.6


def test_the_rule_features_cover_every_code_the_head_gives() -> None:
    assert set(MAIN) | set(EXTRA) == set(RULE_CODES)
    assert set(EXTRA) >= {code for code in Code if code.value in {"orients", "teach_back", "review_arranged"}}


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
    coding = code_turns(coder, [text], [context], [False])[0]
    assert to_annomi(coding)["label"] == label


def test_a_missing_model_is_a_message_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(CoderUnavailable, match="train one: python training/train_coder.py"):
        learned_coder(tmp_path / "nothing-here")


def test_a_corrupt_model_is_a_message_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "coder"
    folder.mkdir()
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    (folder / "head.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(CoderUnavailable, match="could not be loaded"):
        learned_coder(folder)


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data/annomi-dev")
def test_training_runs_end_to_end_on_a_small_slice(tmp_path: Path) -> None:
    out = tmp_path / "coder"
    done = subprocess.run(
        [sys.executable, str(ROOT / "training" / "train_coder.py"), "--limit", "60", "--folds", "2", "--epochs", "2",
         "--cache", str(tmp_path / "features.pt"), "--out", str(out)],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert figures["annomi"]["turns"] == 60 and figures["nurse_turns"]["turns"] == 60
    trained = LearnedCoder(out)
    assert len(trained.code_utterances(["How are you?", "You seem tired."], ["", "I'm tired."], [False, False])) == 2

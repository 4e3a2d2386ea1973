"""The nurse-turns data set the learned coder is trained and tested on: every line reads, the splits are
apart, and every label is there to learn and to test."""

import sys

from helpers import ROOT

sys.path.insert(0, str(ROOT / "training"))

from nurse_turns import ARCHETYPES, MAIN, SECONDARY, TAGS, counts, read  # noqa: E402


def test_both_splits_read_and_no_test_turn_is_a_training_turn() -> None:
    train, test = read("train"), read("test")
    assert len(train) >= 2000 and len(test) >= 400
    assert len({t.id for t in train + test}) == len(train) + len(test)
    # A one- or two-word turn ("Mostly?") may be written twice; anything longer would leak the test split.
    shared = {t.text.lower() for t in test} & {t.text.lower() for t in train}
    assert {text for text in shared if len(text.split()) > 2} == set()


def test_every_label_and_archetype_is_in_both_splits() -> None:
    for split in ("train", "test"):
        turns = read(split)
        found = counts(turns)
        assert {label for label in (*MAIN, *SECONDARY, *TAGS) if found[label] < 20} == set(), split
        assert {t.archetype for t in turns} == set(ARCHETYPES)

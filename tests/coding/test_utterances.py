"""Splitting a turn into utterances, and what a turn's coding keeps of them."""

from simulator.coding.coder import RuleCoder, code_turns
from simulator.coding.codes import Code
from simulator.coding.utterances import split


def test_sentences_are_utterances() -> None:
    assert split("It sounds like the nights are the hardest part. What would help?") == [
        "It sounds like the nights are the hardest part.", "What would help?"]


def test_typed_lower_case_and_dashes_still_split() -> None:
    assert split("ok so you've been shattered - what would help") == ["ok so you've been shattered",
                                                                        "what would help"]


def test_abbreviations_and_decimals_do_not_split() -> None:
    assert split("Dr. Patel said your HbA1c was 6.5 this time.") == ["Dr. Patel said your HbA1c was 6.5 this time."]


def test_a_turn_of_no_words_has_no_utterances() -> None:
    assert split("...") == []
    assert split("") == []


def test_adjacent_utterances_of_one_act_are_kept_as_one() -> None:
    coding = code_turns(RuleCoder(), ["Your HbA1c was 64. That's up from 58 last time. How do you feel about that?"],
                        [""], [False])[0]
    assert [part.text for part in coding.parts] == ["Your HbA1c was 64. That's up from 58 last time.",
                                                    "How do you feel about that?"]
    assert coding.codes >= {Code.GIVING_INFORMATION, Code.OPEN_QUESTION}


def test_three_reflections_in_a_turn_are_a_summary() -> None:
    coding = code_turns(RuleCoder(), ["You're tired. You're worried about Ava. You miss the choir."], [""], [False])[0]
    assert Code.SUMMARY in coding.codes


def test_a_turn_with_nothing_coded_is_other() -> None:
    assert code_turns(RuleCoder(), ["ok"], [""], [False])[0].codes == {Code.OTHER}

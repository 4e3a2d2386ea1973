"""AnnoMI's codes and the product's: mapping one onto the other, and reading the human codes kept on a turn."""

from collections.abc import Iterable

from simulator.coding.codes import Code, Coding

HUMAN_FIELDS = ("main_therapist_behaviour", "question_subtype", "reflection_subtype", "therapist_input_subtype",
                "client_talk_type")
LABELS = ("question", "reflection", "therapist_input", "other")
# The subtypes AnnoMI codes for its questions and reflections.
SUBTYPES = {"question": ["open", "closed"], "reflection": ["simple", "complex"]}

# The product's codes -> AnnoMI's therapist main behaviour. An utterance carrying several codes takes the
# first family that matches, in this order (AnnoMI codes one main behaviour per utterance).
TO_ANNOMI: tuple[tuple[str, frozenset[Code]], ...] = (
    ("reflection", frozenset({Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION})),
    ("question", frozenset({Code.OPEN_QUESTION, Code.CLOSED_QUESTION})),
    ("therapist_input", frozenset({Code.GIVING_INFORMATION, Code.PERSUADE, Code.PERSUADE_WITH_PERMISSION})),
)
# AnnoMI's human codes -> the product's codes, for comparing the engine with people.
INPUT_TO_CODE = {"information": Code.GIVING_INFORMATION, "advice": Code.PERSUADE,
                 "negotiation": Code.SEEKING_COLLABORATION, "options": Code.PERSUADE_WITH_PERMISSION}


def to_annomi(coded: Coding | Iterable[Code]) -> dict[str, str | None]:
    """One clinician turn's codes in AnnoMI's scheme: label, and question and reflection subtypes. AnnoMI
    gives a turn one behaviour: where the turn's utterances are known, it is its longest utterance's (the
    act its coders code; on AnnoMI's data this agrees with them better than any order of precedence)."""
    if isinstance(coded, Coding):
        codes = set(max(coded.parts, key=lambda p: len(p.text)).codes if coded.parts else coded.codes)
    else:
        codes = set(coded)
    label = next((name for name, family in TO_ANNOMI if codes & family), "other")
    question = None
    reflection = None
    if label == "question":
        question = "open" if Code.OPEN_QUESTION in codes else "closed"
    if label == "reflection":
        reflection = "complex" if Code.COMPLEX_REFLECTION in codes else "simple"
    return {"label": label, "question": question, "reflection": reflection}


def human_codes(meta: dict[str, str]) -> set[Code]:
    """The product codes that an imported turn's human AnnoMI codes amount to."""
    main = meta.get("main_therapist_behaviour", "")
    if main == "question":
        return {Code.CLOSED_QUESTION if meta.get("question_subtype") == "closed" else Code.OPEN_QUESTION}
    if main == "reflection":
        return {Code.COMPLEX_REFLECTION if meta.get("reflection_subtype") == "complex" else Code.SIMPLE_REFLECTION}
    if main == "therapist_input":
        return {INPUT_TO_CODE.get(meta.get("therapist_input_subtype", ""), Code.GIVING_INFORMATION)}
    return {Code.OTHER}

"""A new scenario from the template (`simulator scenario new NAME`): its file, id and title from the name the
author typed, in whatever case they typed it."""

import json
import re
from importlib.resources import files
from pathlib import Path

from simulator.text import clean_utterance

# Words a title keeps in lower case (but for its first word), as people write titles.
_SMALL = frozenset({"a", "an", "and", "at", "after", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"})
# Abbreviations in clinical titles, written as people write them whatever case they were typed in.
_ABBREVIATIONS = {word.lower(): word for word in ("AF", "BP", "CKD", "COPD", "GP", "HbA1c", "NHS", "TIA")}


def scenario_id(name: str) -> str:
    """The id a name gives: lower case, digits and hyphens ("Mrs Khan" -> "mrs-khan")."""
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "new-scenario"


def person_title(name: str) -> str:
    """A title written as a person would write it, from a name typed in any case: each word capitalised
    ("mrs khan" and "MRS KHAN" -> "Mrs Khan"), with O'Neill and McDonald as they are spelt, small words
    after the first in lower case, known abbreviations in capitals, and a word typed in mixed case
    (HbA1c, DeSouza) kept as typed. Hyphens and underscores separate words, as in file names."""
    words = clean_utterance(re.sub(r"[-_]+", " ", name)).split()
    out: list[str] = []
    for index, word in enumerate(words):
        lower = word.lower()
        if lower in _ABBREVIATIONS:
            out.append(_ABBREVIATIONS[lower])
        elif not (word.islower() or word.isupper()):
            out.append(word)  # the author chose its case
        elif index and lower in _SMALL:
            out.append(lower)
        else:
            out.append(_capitalised(lower))
    return " ".join(out)


def _capitalised(word: str) -> str:
    """One lower-case word as a name is written: o'neill -> O'Neill, mcdonald -> McDonald."""
    if re.fullmatch(r"[a-z]'[a-z]{2,}", word):
        return word[0].upper() + "'" + word[2:].capitalize()
    if re.fullmatch(r"mc[a-z]{2,}", word):
        return "Mc" + word[2:].capitalize()
    return re.sub(r"[a-z]", lambda letter: letter.group().upper(), word, count=1)  # '"kay"' -> '"Kay"'


def new_scenario(name: str) -> tuple[Path, str]:
    """The file a new scenario goes in and its text: the template, with the id and title from `name` (an
    id, words, or a path ending in .yaml)."""
    target = Path(name if name.endswith((".yaml", ".yml")) else f"{name}.yaml")
    identifier = scenario_id(target.stem)
    title = person_title(target.stem) or person_title(identifier)
    template = files("simulator.authoring").joinpath("templates/scenario.yaml").read_text(encoding="utf-8")
    # A JSON string is a YAML double-quoted scalar: whatever the title holds, the file still reads.
    text = template.replace("__ID__", identifier).replace('"__TITLE__"', json.dumps(title, ensure_ascii=False))
    return target, text

"""Reading the AnnoMI development data into examples for the learned coder."""

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "annomi-dev"


@dataclass(frozen=True)
class Example:
    """One therapist utterance with its context and human labels."""

    transcript_id: str
    utterance_id: str
    video: str
    quality: str
    text: str
    context: str
    main: str
    question: str
    reflection: str
    input: str


def _majority(values: list[str]) -> str:
    kept = [v for v in values if v and v != "n/a"]
    return Counter(kept).most_common(1)[0][0] if kept else "none"


def load_examples(folder: Path = DATA) -> list[Example]:
    """Therapist utterances of the simple file, with sub-labels by majority from the full file."""
    subs: dict[tuple[str, str], dict[str, list[str]]] = {}
    with (folder / "AnnoMI-full-dev.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["interlocutor"] != "therapist":
                continue
            entry = subs.setdefault((row["transcript_id"], row["utterance_id"]),
                                    {"question": [], "reflection": [], "input": []})
            entry["question"].append(row["question_subtype"])
            entry["reflection"].append(row["reflection_subtype"])
            entry["input"].append(row["therapist_input_subtype"])
    with (folder / "AnnoMI-simple-dev.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    examples: list[Example] = []
    for index, row in enumerate(rows):
        if row["interlocutor"] != "therapist":
            continue
        before = rows[index - 1] if index else None
        context = before["utterance_text"] if before and before["transcript_id"] == row["transcript_id"] \
            and before["interlocutor"] == "client" else ""
        sub = subs.get((row["transcript_id"], row["utterance_id"]), {})
        main = row["main_therapist_behaviour"]
        examples.append(Example(
            row["transcript_id"], row["utterance_id"], row["video_url"], row["mi_quality"],
            row["utterance_text"], context, main,
            _majority(sub.get("question", [])) if main == "question" else "none",
            _majority(sub.get("reflection", [])) if main == "reflection" else "none",
            _majority(sub.get("input", [])) if main == "therapist_input" else "none",
        ))
    return examples

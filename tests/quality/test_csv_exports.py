"""The CSV exports open safely in a spreadsheet: text from people is never read as a formula."""

import csv
from pathlib import Path

from helpers import script

from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import resolve
from simulator.practice.session import Session
from simulator.quality.exports import write_annotations_csv, write_scores_csv
from simulator.quality.library import Library
from simulator.quality.reviewing import open_review

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]


def test_text_that_looks_like_a_formula_is_exported_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    session = Session.start(resolve("p2-widow-copd"), seed=1, directory=folder, trainee=FORMULAS[0])
    for line in script("person-centred.txt")[:3]:
        session.say(line)
    session.end()
    under = open_review(session.path, load_rubric())
    for number, formula in enumerate(FORMULAS[1:], start=1):
        under.judge_score(f"Reviewer {number}", "R04", 1, formula)
    with Library.open() as library:
        library.add(folder)
        write_scores_csv(library, tmp_path / "scores.csv")
        write_annotations_csv(library, tmp_path / "notes.csv")
    with (tmp_path / "scores.csv").open(encoding="utf-8", newline="") as handle:
        scores = list(csv.DictReader(handle))
    with (tmp_path / "notes.csv").open(encoding="utf-8", newline="") as handle:
        notes = list(csv.DictReader(handle))
    assert scores[0]["trainee"] == "'" + FORMULAS[0]
    assert [n["comment"] for n in notes] == ["'" + f for f in FORMULAS[1:]]
    assert float(scores[0]["overall"]) >= 0  # numbers stay numbers

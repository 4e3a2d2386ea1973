"""Natural consultations: a good and a poor consultation for each shipped patient, scored.

Run: .venv/bin/python benchmarks/consultations.py [--rules] [--show]
Plays benchmarks/data/consultations/<scenario-id>-good.txt and -poor.txt (one trainee utterance a
line, written as practice nurses talk, not from any keyword list) against each scenario's first visit
with the learned coder (the rule-based one with --rules), seed 0 and authored patient lines; ends the
visit and builds its feedback, as `simulator play` does. Prints, per visit: the overall score, hidden
facts reached, the turn the hidden priority came out, patient lines said more than once word for word,
and replies where the patient was unsure or had nothing on the question (for information). The targets
(issue 15): good at least 70, poor at most 25, the good reaching more hidden facts than the poor, and no
patient line said twice within a visit. Always exits 0: it measures, it does not judge.
"""

import argparse
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from machine import describe  # noqa: E402 - benchmarks/ is on the path when a script runs

from simulator import locations
from simulator.cli.practice import report_lines, transcript_lines
from simulator.content.rubric_loader import RubricFile, load_rubric
from simulator.content.scenario_loader import ScenarioFile, discover
from simulator.patient.engine import Intent
from simulator.practice.visit import Kit, feedback
from simulator.storage.events import PatientTurn

CONSULTATIONS = Path(__file__).parent / "data" / "consultations"
KINDS = ("good", "poor")
GOOD_AT_LEAST, POOR_AT_MOST = 70, 25


@dataclass(frozen=True)
class Played:
    """One consultation's figures, and its transcript with codes and feedback, as `simulator play` prints them."""

    scenario: str
    kind: str
    overall: float
    hidden_reached: int
    hidden_total: int
    priority_turn: int | None
    repeated: list[str]
    unsure: list[str]
    transcript: list[str]


def play(kit: Kit, rubric: RubricFile, scenario_file: ScenarioFile, kind: str) -> Played:
    """Play one scenario's consultation of `kind` to the end and gather its figures."""
    script = CONSULTATIONS / f"{scenario_file.scenario.id}-{kind}.txt"
    session = kit.start(scenario_file)
    for line in script.read_text(encoding="utf-8").splitlines():
        if line.strip():
            session.say(line)
    session.end()
    report = feedback(session, rubric)
    disclosure = report.disclosure
    assert disclosure is not None  # built with the scenario, so always there
    replies = [e for e in session.events if isinstance(e, PatientTurn)]
    said = Counter(" ".join(e.text.split()) for e in replies)
    return Played(
        scenario=scenario_file.scenario.id,
        kind=kind,
        overall=report.scored.score.overall,
        hidden_reached=sum(1 for o in disclosure.hidden if o.reached),
        hidden_total=len(disclosure.hidden),
        priority_turn=next((o.turn for o in disclosure.hidden if o.fact.priority), None),
        repeated=[text for text, count in said.items() if count > 1],
        unsure=[e.text for e in replies if e.intent is Intent.UNSURE],
        transcript=[*transcript_lines(session.scenario, session.events), "", *report_lines(report)],
    )


def misses(pair: dict[str, Played]) -> list[str]:
    """Which of the targets one scenario's pair misses, in words."""
    good, poor = pair["good"], pair["poor"]
    found = []
    if good.overall < GOOD_AT_LEAST:
        found.append(f"good {good.overall:.0f} < {GOOD_AT_LEAST}")
    if poor.overall > POOR_AT_MOST:
        found.append(f"poor {poor.overall:.0f} > {POOR_AT_MOST}")
    if good.hidden_reached <= poor.hidden_reached:
        found.append(f"good reaches {good.hidden_reached} hidden facts, poor {poor.hidden_reached}")
    found += [f"{p.kind} repeats {len(p.repeated)} line(s)" for p in (good, poor) if p.repeated]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", action="store_true", help="code with the rule-based coder, not the learned one")
    parser.add_argument("--show", action="store_true", help="print each transcript with its codes and feedback too")
    args = parser.parse_args()
    print(describe())
    found, problems = discover([locations.builtin_scenario_dir()])
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    rubric = load_rubric()
    with tempfile.TemporaryDirectory() as scratch:
        kit = Kit(coder_name="rules" if args.rules else "best", seed=0, directory=Path(scratch))
        chosen = kit.coder().result()
        print(f"coder: {chosen.coder.version}" + (f" ({chosen.note})" if chosen.note else ""))
        played = {item.scenario.id: {kind: play(kit, rubric, item, kind) for kind in KINDS}
                  for item in sorted(found, key=lambda item: item.scenario.id)
                  if all((CONSULTATIONS / f"{item.scenario.id}-{kind}.txt").is_file() for kind in KINDS)}
    print()
    print("| scenario | kind | overall | hidden facts reached | priority reached (turn) | patient lines said twice "
          "| unsure / nothing on it |")
    print("|---|---|---|---|---|---|---|")
    for pair in played.values():
        for p in pair.values():
            turn = "missed" if p.priority_turn is None else str(p.priority_turn)
            print(f"| {p.scenario} | {p.kind} | {p.overall:.0f} | {p.hidden_reached} of {p.hidden_total} | {turn} "
                  f"| {len(p.repeated)} | {len(p.unsure)} |")
    print()
    for scenario, pair in played.items():
        missed = misses(pair)
        print(f"{scenario}: {'; '.join(missed) if missed else 'meets every target'}")
        for p in pair.values():
            for line in p.repeated:
                print(f"  {p.kind}, said twice: {line}")
    if args.show:
        for pair in played.values():
            for p in pair.values():
                print(f"\n== {p.scenario} ({p.kind}): {p.overall:.0f}")
                print("\n".join(p.transcript))


if __name__ == "__main__":
    main()

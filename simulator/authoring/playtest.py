"""Playtesting a scenario: built-in trainee styles against the patient, and what the author should fix."""

from collections import defaultdict
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from simulator.coding.choice import Chosen
from simulator.coding.coder import Coder, RuleCoder
from simulator.content.rubric_loader import RubricFile
from simulator.content.scenario_loader import ScenarioFile
from simulator.patient.engine import Intent
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.scoring.scored_transcript import score_recorded
from simulator.storage.events import PatientTurn

STYLES = ("person-centred", "checklist", "lecturing")
# How far ahead the person-centred style must score for the scenario to count as rewarding it.
CLEAR_MARGIN = 15.0


def builtin_style(name: str) -> list[str]:
    """A built-in trainee style's utterances."""
    return _lines(files("simulator.authoring").joinpath(f"styles/{name}.txt").read_text(encoding="utf-8"))


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class StyleRun:
    """What one style achieved with the patient."""

    style: str
    released: dict[str, int]  # fact id -> trainee turn it came out at
    intents: set[Intent]
    lines_used: set[str]
    overall: float
    priority_turn: int | None


@dataclass
class PlaytestReport:
    """Every style's run and the scenario-level findings."""

    scenario: ScenarioFile
    runs: list[StyleRun]
    verdict: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def rewards_person_centred(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The report as text."""
        scenario = self.scenario.scenario
        out = [f"Playtest of {scenario.id} ({self.scenario.path})", ""]
        for run in self.runs:
            priority = f"turn {run.priority_turn}" if run.priority_turn else "never"
            out.append(f"{run.style}: score {run.overall:.0f}/100; hidden priority reached: {priority}")
            for fact_id, turn in sorted(run.released.items(), key=lambda item: item[1]):
                out.append(f"    turn {turn:>2}: {fact_id}")
        out.append("")
        out += [f"Never reached by any style: {', '.join(self.unreached) or 'none'}",
                f"Intents that never fired: {', '.join(sorted(self.unfired)) or 'none'}"]
        unused = self.unused_lines
        out.append(f"Lines never used: {sum(len(v) for v in unused.values())}")
        for intent, texts in sorted(unused.items()):
            out += [f"    {intent}: {text}" for text in texts]
        out += ["", self.verdict]
        out += [f"  - {problem}" for problem in self.problems]
        return out

    @property
    def unreached(self) -> list[str]:
        reached = set().union(*(run.released for run in self.runs))
        return [f.id for f in self.scenario.scenario.hidden_facts if f.id not in reached]

    @property
    def unfired(self) -> set[str]:
        fired = set().union(*(run.intents for run in self.runs))
        return {intent.value for intent in Intent} - {intent.value for intent in fired}

    @property
    def unused_lines(self) -> dict[str, list[str]]:
        used = set().union(*(run.lines_used for run in self.runs))
        unused: dict[str, list[str]] = defaultdict(list)
        for intent, texts in self.scenario.scenario.lines.model_dump().items():
            unused[intent] += [text for text in texts if text not in used]
        return {intent: texts for intent, texts in unused.items() if texts}


def playtest(scenario_file: ScenarioFile, rubric: RubricFile, directory: Path, *,
             script: tuple[str, list[str]] | None = None, seed: int = 0, coder: Coder | None = None) -> PlaytestReport:
    """Play every built-in style (and the author's script) against the scenario and judge the result. Each is
    coded by `coder` (the rules unless given), and scored with the codes the patient reacted to."""
    coder = coder or RuleCoder()
    styles = [(name, builtin_style(name)) for name in STYLES] + ([script] if script else [])
    runs = [_run(scenario_file, rubric, directory, name, lines, seed, coder) for name, lines in styles]
    report = PlaytestReport(scenario_file, runs)
    good, others = runs[0], runs[1:3]
    if good.priority_turn is None:
        report.problems.append("the person-centred style never reaches the hidden priority: loosen its release "
                               "conditions or lower the trust they need")
    for other in others:
        if other.priority_turn is not None:
            report.problems.append(f"the {other.style} style reaches the hidden priority (turn "
                                   f"{other.priority_turn}): its release conditions are too easy")
        if good.overall < other.overall + CLEAR_MARGIN:
            report.problems.append(f"the person-centred style scores {good.overall:.0f}, not clearly above "
                                   f"{other.style} ({other.overall:.0f})")
    report.verdict = ("This scenario rewards the person-centred style and not the others."
                      if not report.problems else "This scenario does NOT clearly reward the person-centred style:")
    return report


def _run(scenario_file: ScenarioFile, rubric: RubricFile, directory: Path, name: str, lines: list[str],
         seed: int, coder: Coder) -> StyleRun:
    session = Session.start(scenario_file, seed=seed, directory=directory, coder=ready(Chosen(coder)))
    for line in lines:
        session.say(line)
    session.end()
    patient = [e for e in session.events if isinstance(e, PatientTurn)]
    released = {fact: e.turn for e in patient for fact in e.released}
    priority = scenario_file.scenario.priority
    return StyleRun(
        style=name, released=released, intents={e.intent for e in patient if e.intent is not None},
        lines_used={e.text for e in patient}, overall=score_recorded(session.transcript, rubric).score.overall,
        priority_turn=released.get(priority.id) if priority else None,
    )

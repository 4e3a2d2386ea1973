"""Playtesting a scenario: built-in trainee styles against the patient, and what the author should fix."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from simulator.coding.choice import Chosen
from simulator.coding.coder import Coder, RuleCoder
from simulator.content.rubric_loader import RubricFile
from simulator.content.scenario import Scenario
from simulator.content.scenario_loader import ScenarioFile
from simulator.patient.engine import Intent
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.scoring.scored_transcript import score_recorded
from simulator.storage.events import PatientTurn

STYLES = ("person-centred", "checklist", "lecturing")
# How far ahead the person-centred style must score for the scenario to count as rewarding it.
CLEAR_MARGIN = 15.0
# The earliest trainee turn at which the hidden priority should come out, by difficulty: a harder
# scenario makes the trainee work for it.
EARLIEST_PRIORITY = {"introductory": 1, "intermediate": 4, "advanced": 6}
# A capitalised word inside a sentence: a name, a place or a brand (the story's people among them).
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+)\b")
_CAPITALISED = re.compile(r"\b([A-Z][a-z]+)\b")


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
    early_names: list[str] = field(default_factory=list)  # facts that name someone before they are introduced


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
            out += [f"    ! {problem}" for problem in run.early_names]
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
    difficulty = scenario_file.scenario.difficulty
    if good.priority_turn is not None and good.priority_turn < EARLIEST_PRIORITY[difficulty]:
        report.problems.append(f"the hidden priority comes out at turn {good.priority_turn}, too early for an "
                               f"{difficulty} scenario (not before turn {EARLIEST_PRIORITY[difficulty]}): raise "
                               "the trust or the behaviour its release needs")
    report.problems += [f"{run.style}: {problem}" for run in runs for problem in run.early_names]
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
        early_names=early_names(session.scenario, patient),
    )


def names(text: str) -> set[str]:
    """The capitalised words inside sentences of `text`: the people and places a line names."""
    return set(_NAME.findall(text.replace("\n", " ")))


def introduces(text: str, name: str) -> bool:
    """Whether `text` introduces `name` ("my granddaughter Ava", "Ava, my granddaughter"), not just names them."""
    return bool(re.search(rf"\b(my|our|his|her|the)\s+(\w+\s+){{0,2}}{name}\b|\b{name},\s+(my|our|who|she|he)\b",
                          text))


def early_names(scenario: Scenario, said: list[PatientTurn]) -> list[str]:
    """Facts told that name someone before the patient has introduced them, though another fact introduces
    them (the fact needs `after:` naming that one)."""
    facts = [*scenario.free_facts, *scenario.hidden_facts]
    # A name is a word the scenario capitalises inside a sentence; at a sentence's start it is still a name.
    known = set().union(*(names(text) for text in [*(f.text for f in facts), *(t.text for t in said)]))
    found: list[str] = []
    for index, turn in enumerate(said):
        before = {word for t in said[:index] for word in _CAPITALISED.findall(t.text)}
        for fact_id in turn.released:
            for name in sorted(set(_CAPITALISED.findall(turn.text)) & known - before):
                if introduces(turn.text, name):
                    continue
                introducer = next((f.id for f in facts if f.id != fact_id and introduces(f.text, name)), None)
                if introducer is not None:
                    found.append(f"turn {turn.turn}: '{fact_id}' names {name} before any reply has introduced "
                                 f"them (as '{introducer}' does): add after: [{introducer}]")
    return found

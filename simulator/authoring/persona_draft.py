"""Drafting a new scenario from a persona archetype and a few answers, for a trainer to edit.

The shipped scenario of the chosen archetype is the skeleton: its structure, facts, release
conditions and resistance stay (they are what makes the archetype play as it should). The new
person's name, age, work, conditions and circumstances replace the old ones, and every authored
line is reworded for the new person by the language model, under the same checks as in a
consultation; a line whose rewording fails keeps the archetype's words. The draft always validates.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from simulator.content.scenario import Persona, ReplyLines, Scenario
from simulator.content.scenario_loader import ScenarioFile
from simulator.patient.engine import Intent, PatientReply
from simulator.patient.realiser import Realiser

# Which intent each authored line carries, so the model knows what the line is for.
LINE_INTENTS = {name: Intent(name) for name in ReplyLines.model_fields}


@dataclass(frozen=True)
class Answers:
    """What the trainer says about the new person; anything left out keeps the archetype's value."""

    name: str | None = None
    age: int | None = None
    occupation: str | None = None
    conditions: list[str] | None = None
    life_context: str | None = None


@dataclass(frozen=True)
class Draft:
    """A drafted scenario and how many of its lines the model reworded."""

    scenario: Scenario
    reworded: int
    kept: int

    def yaml(self, base: ScenarioFile) -> str:
        """The draft as a scenario file, with a header saying where it came from and what to check."""
        header = (f"# Drafted from archetype {self.scenario.archetype} ({base.scenario.id}) by "
                  "'simulator scenario draft'.\n"
                  "# The facts, cues and release conditions are the archetype's: rewrite them for this person,\n"
                  "# then check the file with 'simulator validate' and 'simulator playtest'.\n")
        body = yaml.safe_dump(self.scenario.model_dump(mode="json", exclude_none=True), sort_keys=False,
                              allow_unicode=True, width=100)
        return header + body


def archetypes(scenarios: list[ScenarioFile]) -> dict[str, ScenarioFile]:
    """The scenario that stands for each archetype (the first found for it)."""
    found: dict[str, ScenarioFile] = {}
    for item in scenarios:
        if item.scenario.archetype:
            found.setdefault(item.scenario.archetype.upper(), item)
    return found


def slug(text: str) -> str:
    """A scenario id made from free text."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "drafted"


def draft(base: Scenario, answers: Answers, realiser: Realiser | None, *, seed: int = 0,
          progress: Callable[[int, int], None] = lambda done, total: None) -> Draft:
    """A new scenario for the person in `answers`, built on `base`, its lines reworded by `realiser`.
    Raises pydantic's ValidationError when an answer is not allowed (an age of 200, an empty name)."""
    old = base.persona
    given = {key: value for key, value in vars(answers).items() if value is not None}
    persona = Persona.model_validate({**old.model_dump(), **given})
    renamed = _renamer(old.name, persona.name)
    scenario = Scenario.model_validate_json(renamed(base.model_dump_json()))
    scenario = scenario.model_copy(update={
        "id": slug(f"{persona.name}-{base.archetype or 'draft'}"),
        "title": f"{persona.name}: {', '.join(persona.conditions)} review",
        "persona": persona,
        "visits": [],
    })
    total = sum(len(v) for v in scenario.lines.model_dump().values())
    if realiser is None:
        return Draft(scenario, 0, total)
    lines: dict[str, list[str]] = {}
    reworded, kept = 0, 0
    for field, intent in LINE_INTENTS.items():
        new_lines: list[str] = []
        for line in getattr(scenario.lines, field):
            # Two seeds a line: a try and its retry.
            said = realiser.realise(scenario, PatientReply(line, intent), released=[], recent=[], earlier=new_lines,
                                    seed=seed + 2 * (reworded + kept))
            new_lines.append(said.text)
            reworded, kept = (reworded + 1, kept) if said.how != "authored" else (reworded, kept + 1)
            progress(reworded + kept, total)
        lines[field] = new_lines
    return Draft(scenario.model_copy(update={"lines": ReplyLines(**lines)}), reworded, kept)


def _renamer(old: str, new: str) -> Callable[[str], str]:
    """Replace the archetype person's full, first and last names with the new person's, as whole words,
    inside a JSON document (so the replacements are JSON-escaped)."""
    old_parts, new_parts = old.split(), new.split()
    pairs = [(old, new), (old_parts[0], new_parts[0]), (old_parts[-1], new_parts[-1])] if old != new else []

    def rename(document: str) -> str:
        for before, after in pairs:
            escaped = json.dumps(after)[1:-1]
            # Doubled backslashes: re.sub reads the replacement as a template, and JSON escapes must stay literal.
            document = re.sub(rf"\b{re.escape(before)}\b", escaped.replace("\\", "\\\\"), document)
        return document
    return rename

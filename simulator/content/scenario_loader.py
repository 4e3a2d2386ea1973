"""Loading and checking scenario files, and finding the scenarios a user can play."""

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from simulator import locations
from simulator.content.scenario import ID_RULES, SLUG, Scenario
from simulator.content.yaml_source import Location, YamlDocument, problem, read_yaml
from simulator.errors import ContentError, Problem
from simulator.text import terminal_safe

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario that loaded cleanly, with where it came from and a hash of its exact bytes."""

    path: Path
    scenario: Scenario
    content_hash: str


def load_scenario(path: Path) -> ScenarioFile:
    """Load and check one scenario file; raise ContentError listing every problem with its place."""
    return scenario_from(read_yaml(path))


def scenario_from(document: YamlDocument) -> ScenarioFile:
    """Check a YAML document read from a scenario file; raise ContentError listing every problem."""
    scenario = validate_document(document, Scenario)
    problems = [Problem(document.path, *document.position_of(where), message)
                for where, message in cross_check(scenario)]
    if problems:
        raise ContentError(problems)
    return ScenarioFile(document.path, scenario, document.content_hash)


def validate_document(document: YamlDocument, model: type[ModelT]) -> ModelT:
    """Validate a YAML document against `model`, turning pydantic's errors into placed Problems."""
    if not isinstance(document.data, dict):
        raise ContentError([Problem(document.path, 1, 1, "the file must be a mapping of field: value")])
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        problems = [_problem(document, model, detail) for detail in error.errors()]
        raise ContentError(sorted(problems, key=lambda p: (p.line, p.column))) from None


def _problem(document: YamlDocument, model: type[BaseModel], detail: ErrorDetails) -> Problem:
    location: Location = tuple(part for part in detail["loc"] if part != "[key]")
    field = ".".join(str(part) for part in location) or "(top level)"
    kind = detail["type"]
    if kind in {"enum", "literal_error"}:
        allowed = re.findall(r"'([^']+)'", str(detail.get("ctx", {}).get("expected", "")))
        close = difflib.get_close_matches(str(detail["input"]), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(allowed)}"
        message = f"{field}: '{detail['input']}' is not allowed here; {hint}"
    elif kind == "extra_forbidden":
        known = _known_fields(model, location[:-1])
        close = difflib.get_close_matches(str(location[-1]), known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known fields: {', '.join(known)}"
        message = f"{field}: unknown field{hint}"
    elif kind == "missing":
        message = f"{field}: missing required field"
    elif kind == "string_pattern_mismatch" and (pattern := str(detail.get("ctx", {}).get("pattern"))) in ID_RULES:
        message = f"{field}: {_bad_id(str(detail['input']), pattern)}"
    else:
        message = f"{field}: {detail['msg']}"
    return problem(document.path, *document.position_of(location), message)


def _bad_id(value: str, pattern: str) -> str:
    """Why an id is refused, in words (what an id may hold), with the value and, where one can be made, an
    id that would do."""
    shown = terminal_safe(value)[:60]  # a control character shows as a placeholder: it is why the id is refused
    hint = ""
    if pattern == SLUG:
        fixed = re.sub(r"[^a-z0-9]+", "-", shown.lower()).strip("-")[:60]
        hint = f"; '{fixed}' would do" if fixed else ""
    return f"'{shown}' is not a valid id: an id may hold only {ID_RULES[pattern]}{hint}"


def _known_fields(model: type[BaseModel], location: Location) -> list[str]:
    """The field names allowed at `location`, following nested models and lists of models."""
    current: type[BaseModel] = model
    for part in location:
        if isinstance(part, int):
            continue
        annotation = current.model_fields[str(part)].annotation
        nested = _model_in(annotation)
        if nested is None:
            return []
        current = nested
    return list(current.model_fields)


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def cross_check(scenario: Scenario) -> list[tuple[Location, str]]:
    """Checks that span fields: unique ids, one hidden priority, release conditions naming real facts."""
    found: list[tuple[Location, str]] = []
    # The preparation is shared as a free fact with this id.
    seen: set[str] = {"preparation"} if scenario.preparation else set()
    facts = [("free_facts", i, f) for i, f in enumerate(scenario.free_facts)]
    facts += [("hidden_facts", i, f) for i, f in enumerate(scenario.hidden_facts)]
    for group, index, fact in facts:
        if fact.id in seen:
            found.append(((group, index, "id"), f"{group}.{index}.id: the id '{fact.id}' is used twice"))
        seen.add(fact.id)
    for v, visit in enumerate(scenario.visits):
        for i, fact in enumerate(visit.free_facts):
            if fact.id in seen:
                found.append((("visits", v, "free_facts", i, "id"),
                              f"visits.{v}.free_facts.{i}.id: the id '{fact.id}' is used twice"))
            seen.add(fact.id)
    visit_ids = [visit.id for visit in scenario.visits]
    for v, visit_id in enumerate(visit_ids):
        if visit_ids.index(visit_id) != v:
            found.append((("visits", v, "id"), f"visits.{v}.id: the visit id '{visit_id}' is used twice"))
    priorities = [i for i, fact in enumerate(scenario.hidden_facts) if fact.priority]
    if len(priorities) != 1:
        where: Location = ("hidden_facts", priorities[1], "priority") if priorities else ("hidden_facts",)
        found.append((where, f"hidden_facts: mark exactly one hidden fact 'priority: true' (found {len(priorities)})"))
    references: list[tuple[Location, str]] = [
        ((group, index, "after", a), name) for group, index, fact in facts for a, name in enumerate(fact.after)]
    references += [(("visits", v, "free_facts", i, "after", a), name) for v, visit in enumerate(scenario.visits)
                   for i, fact in enumerate(visit.free_facts) for a, name in enumerate(fact.after)]
    references += [(("hidden_facts", index, "release", r, "after", a), name)
                   for index, fact in enumerate(scenario.hidden_facts) for r, release in enumerate(fact.release)
                   for a, name in enumerate(release.after)]
    if scenario.planning is not None:
        references += [(("planning", "goals", g, "after", a), name)
                       for g, goal in enumerate(scenario.planning.goals) for a, name in enumerate(goal.after)]
        options = [option.id for option in scenario.planning.options]
        found += [(("planning", "options", o, "id"), f"planning.options.{o}.id: the id '{name}' is used twice")
                  for o, name in enumerate(options) if options.index(name) != o]
    for place, name in references:
        if name not in seen:
            close = difflib.get_close_matches(name, sorted(seen), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            found.append((place, f"{'.'.join(map(str, place))}: no fact has the id '{name}'{hint}"))
    for index, fact in enumerate(scenario.hidden_facts):
        for r, release in enumerate(fact.release):
            if release.cued and fact.cue is None:
                cued_at: Location = ("hidden_facts", index, "release", r, "cued")
                found.append((cued_at, f"hidden_facts.{index}.release.{r}.cued: the fact has no 'cue' line to drop"))
    return found + _never_released(scenario, seen)


def _never_released(scenario: Scenario, known: set[str]) -> list[tuple[Location, str]]:
    """Hidden facts that can never come out because every one of their releases waits, through `after:`,
    on a fact that itself can never come out first (a circle such as a after b, b after a)."""
    hidden = {fact.id: fact for fact in scenario.hidden_facts}
    out = known - set(hidden)
    growing = True
    while growing:
        growing = False
        for fact in hidden.values():
            if fact.id not in out and any(set(release.after) <= out for release in fact.release):
                out.add(fact.id)
                growing = True
    found: list[tuple[Location, str]] = []
    for index, fact in enumerate(scenario.hidden_facts):
        names = {name for release in fact.release for name in release.after}
        if fact.id in out or not names <= known:  # a name that is no fact's id is reported already
            continue
        chain = [fact.id]
        while chain.count(chain[-1]) < 2:
            waits_on = [name for release in hidden[chain[-1]].release for name in release.after
                        if name in hidden and name not in out]
            if not waits_on:  # blocked by a name that is no fact's id, reported already
                break
            chain.append(waits_on[0])
        found.append((("hidden_facts", index, "release"),
                      f"hidden_facts.{index}.release: '{fact.id}' can never come out: each of its releases waits "
                      f"(after:) on a fact that cannot come out before it: {' -> '.join(chain)}"))
    return found


def scenario_dirs() -> list[Path]:
    """Where scenarios are looked for: built-in ones, the user's own folder, and SIMULATOR_SCENARIOS."""
    return [locations.builtin_scenario_dir(), locations.user_scenario_dir(), *locations.extra_scenario_dirs()]


def discover(dirs: list[Path] | None = None) -> tuple[list[ScenarioFile], list[Problem]]:
    """Every scenario in `dirs` that loads, sorted by title, and the problems of those that do not."""
    loaded: dict[str, ScenarioFile] = {}
    problems: list[Problem] = []
    for folder in dirs if dirs is not None else scenario_dirs():
        try:
            if not folder.is_dir():
                continue
            paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
        except OSError as error:  # a folder that cannot be looked into (no permission, a name too long)
            problems.append(problem(folder, 0, 0, f"cannot read the folder: {error.strerror or error}"))
            continue
        for path in paths:
            try:
                found = load_scenario(path)
            except ContentError as error:
                problems.extend(error.problems)
                continue
            # A user's copy of a built-in scenario replaces it, since later folders win.
            loaded[found.scenario.id] = found
    return sorted(loaded.values(), key=lambda f: f.scenario.title), problems


def resolve(reference: str, dirs: list[Path] | None = None) -> ScenarioFile:
    """Find a scenario by file path or by id; raise ContentError saying what was looked for."""
    candidate = Path(reference)
    # os.path.exists, unlike Path.exists, answers False (not an exception) for a name too long to look up.
    if candidate.suffix in {".yaml", ".yml"} or os.path.exists(candidate):
        return load_scenario(candidate)
    found, _ = discover(dirs)
    for item in found:
        if item.scenario.id == reference:
            return item
    known = [item.scenario.id for item in found]
    close = difflib.get_close_matches(reference, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known scenarios: {', '.join(known)}"
    raise ContentError([Problem(candidate, 0, 0, f"no scenario file or id '{reference}'{hint}")])

"""Loading and checking rubric files."""

from dataclasses import dataclass
from pathlib import Path

from simulator import locations
from simulator.content.rubric import Rubric
from simulator.content.scenario_loader import validate_document
from simulator.content.yaml_source import YamlDocument, read_yaml
from simulator.errors import ContentError, Problem

BUILTIN = locations.builtin_rubric()


@dataclass(frozen=True)
class RubricFile:
    """A rubric that loaded cleanly, with a hash of its exact bytes."""

    path: Path
    rubric: Rubric
    content_hash: str


def load_rubric(path: Path = BUILTIN) -> RubricFile:
    """Load and check a rubric; raise ContentError with every problem placed by line."""
    return rubric_from(read_yaml(path))


def rubric_from(document: YamlDocument) -> RubricFile:
    """Check a YAML document read from a rubric file; raise ContentError with every problem placed by line."""
    rubric = validate_document(document, Rubric)
    seen: set[str] = set()
    problems: list[Problem] = []
    for index, behaviour in enumerate(rubric.behaviours):
        if behaviour.id in seen:
            where = document.position_of(("behaviours", index, "id"))
            problems.append(Problem(document.path, *where,
                                    f"behaviours.{index}.id: the id '{behaviour.id}' is used twice"))
        seen.add(behaviour.id)
    if problems:
        raise ContentError(problems)
    return RubricFile(document.path, rubric, document.content_hash)

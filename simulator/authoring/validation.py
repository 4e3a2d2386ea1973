"""Checking content files (scenarios and rubrics) in bulk, for `simulator validate`."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import load_scenario
from simulator.content.yaml_source import MAX_BYTES, read_yaml
from simulator.errors import ContentError, Problem


@dataclass
class ValidationReport:
    """Every problem found, the files that could not be read at all, and how many files were checked."""

    problems: list[Problem] = field(default_factory=list)
    unreadable: list[Problem] = field(default_factory=list)
    checked: int = 0

    @property
    def status(self) -> int:
        """0 clean, 1 problems found, 2 some input could not be read."""
        return 2 if self.unreadable else 1 if self.problems else 0


def content_files(paths: list[Path], report: ValidationReport) -> list[Path]:
    """The YAML files named or inside the folders named; a missing path is unreadable input."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            report.unreadable.append(Problem(path, 0, 0, "no such file or folder"))
    return files


def is_rubric(path: Path) -> bool:
    """Rubrics are told from scenarios by a top-level `behaviours:` key (or a folder named rubrics);
    a look at the text is enough, and leaves parsing, with its messages, to the loader."""
    if path.parent.name == "rubrics":
        return True
    try:
        head = path.read_bytes()[:MAX_BYTES]
    except OSError:
        return False
    return re.search(rb"^behaviours\s*:", head, re.MULTILINE) is not None


def validate(paths: list[Path]) -> ValidationReport:
    """Check every file; a broken file never stops the others being checked."""
    report = ValidationReport()
    scenario_ids: dict[str, Path] = {}
    for path in content_files(paths, report):
        report.checked += 1
        try:
            if is_rubric(path):
                load_rubric(path)
                continue
            loaded = load_scenario(path)
        except ContentError as error:
            for problem in error.problems:
                (report.unreadable if problem.line == 0 else report.problems).append(problem)
            continue
        first = scenario_ids.setdefault(loaded.scenario.id, path)
        if first != path:
            where = read_yaml(path).position_of(("id",))
            report.problems.append(Problem(path, *where, f"id: '{loaded.scenario.id}' is already the id of {first}; "
                                                         "scenario ids must be unique"))
    return report

"""Checking content files (scenarios and rubrics) in bulk, for `simulator validate`."""

from dataclasses import dataclass, field
from pathlib import Path

from simulator.content.rubric_loader import rubric_from
from simulator.content.scenario_loader import scenario_from
from simulator.content.yaml_source import YamlDocument, read_yaml
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
    """The YAML files named or inside the folders named; a missing path is unreadable input. Anything that
    is not a folder is listed, even a pipe or a device: the reader then says what it is, without opening
    it for a blocking read."""
    files: list[Path] = []
    for path in paths:
        try:
            if path.is_dir():
                files += sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"} and not p.is_dir())
            elif path.exists() or path.is_symlink():
                files.append(path)
            else:
                report.unreadable.append(Problem(path, 0, 0, "no such file or folder"))
        except OSError as error:
            report.unreadable.append(Problem(path, 0, 0, f"cannot read it: {error.strerror or error}"))
    return files


def is_rubric(document: YamlDocument) -> bool:
    """Rubrics are told from scenarios by a top-level `behaviours:` key (or a folder named rubrics)."""
    if document.path.parent.name == "rubrics":
        return True
    return isinstance(document.data, dict) and "behaviours" in document.data


def validate(paths: list[Path]) -> ValidationReport:
    """Check every file; a broken file never stops the others being checked. Each is read once."""
    report = ValidationReport()
    scenario_ids: dict[str, Path] = {}
    for path in content_files(paths, report):
        report.checked += 1
        try:
            document = read_yaml(path)
            if is_rubric(document):
                rubric_from(document)
                continue
            loaded = scenario_from(document)
        except ContentError as error:
            for problem in error.problems:
                (report.unreadable if problem.line == 0 else report.problems).append(problem)
            continue
        first = scenario_ids.setdefault(loaded.scenario.id, path)
        if first != path:
            where = document.position_of(("id",))
            report.problems.append(Problem(path, *where, f"id: '{loaded.scenario.id}' is already the id of {first}; "
                                                         "scenario ids must be unique"))
    return report

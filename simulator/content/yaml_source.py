"""Reading YAML content files while remembering where each value came from."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import ContentError, Problem

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

MAX_BYTES = 2_000_000
# Aliases let a tiny file expand into a huge tree ("billion laughs"); count nodes as they expand.
MAX_NODES = 200_000

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """The data in one YAML file and the (line, column) of every mapping key and sequence item."""

    path: Path
    data: Any
    positions: dict[Location, tuple[int, int]]

    def position_of(self, location: Location) -> tuple[int, int]:
        """Where `location` (or the nearest enclosing value that exists in the file) starts."""
        for end in range(len(location), -1, -1):
            found = self.positions.get(tuple(location[:end]))
            if found:
                return found
        return (1, 1)


def read_yaml(path: Path) -> YamlDocument:
    """Parse `path` as a single YAML document; raise ContentError saying where it is unreadable."""

    def fail(message: str, line: int = 0, column: int = 0) -> ContentError:
        return ContentError([Problem(path, line, column, message)])

    try:
        raw = path.read_bytes()
    except OSError as error:
        raise fail(f"cannot read the file: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise fail(f"the file is {len(raw):,} bytes; content files are limited to {MAX_BYTES:,}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise fail("the file is not UTF-8 text; save it as UTF-8", line, 1) from None
    if not text.strip():
        raise fail("the file is empty", 1, 1)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        hint = " (YAML does not allow tabs for indentation; use spaces)" if "\t" in text else ""
        raise fail(f"not valid YAML: {error.problem or error.context}{hint}", line, column) from None
    except yaml.YAMLError as error:
        raise fail(f"not valid YAML: {error}") from None
    if node is None:
        raise fail("the file holds no data", 1, 1)

    positions: dict[Location, tuple[int, int]] = {}
    problems: list[Problem] = []
    _walk(node, (), positions, problems, path, [0])
    if problems:
        raise ContentError(problems)
    data = _Loader(text).construct_document(node)
    return YamlDocument(path, data, positions)


def _walk(
    node: yaml.Node,
    location: Location,
    positions: dict[Location, tuple[int, int]],
    problems: list[Problem],
    path: Path,
    count: list[int],
) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise ContentError([Problem(path, 1, 1, f"the file expands to more than {MAX_NODES:,} values"
                                    " (are aliases nested inside each other?)")])
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in seen:
                problems.append(Problem(path, *where, f"'{key}' appears twice in the same mapping"))
            seen.add(key)
            positions[(*location, key)] = where
            _walk(value_node, (*location, key), positions, problems, path, count)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            positions[(*location, index)] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, (*location, index), positions, problems, path, count)

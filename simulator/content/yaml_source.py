"""Reading YAML content files while remembering where each value came from.

The one way content files are read. Whatever a file holds (a pipe or a folder in its place, megabytes,
bytes that are not UTF-8, tags that would run code, impossible dates, aliases that expand into millions
of values, nesting thousands deep), reading it either gives data or raises ContentError placing every
problem by line and column; it never blocks, never recurses without bound and never raises anything else.
"""

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import ContentError, Problem
from simulator.text import describe, escaped

try:
    _Base: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Base = yaml.SafeLoader

# The shipped files are under 20 kB with under 500 values; the limits are far above any real file and
# low enough that the worst file within them is parsed in well under a second.
MAX_BYTES = 256_000
# Aliases let a tiny file expand into a huge tree ("billion laughs"); count values as they expand.
MAX_NODES = 20_000
# The deepest shipped value is six levels down.
MAX_DEPTH = 32
# Characters YAML itself refuses (C0 controls but tab and line breaks, DEL, C1 but NEL, surrogates,
# U+FFFE/U+FFFF), found before parsing so that each is placed by line and column.
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAX_CHARACTER_PROBLEMS = 10

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """The data in one YAML file, the (line, column) of every mapping key and sequence item, and the
    SHA-256 of the bytes the data was read from."""

    path: Path
    data: Any
    positions: dict[Location, tuple[int, int]]
    content_hash: str

    def position_of(self, location: Location) -> tuple[int, int]:
        """Where `location` (or the nearest enclosing value that exists in the file) starts."""
        for end in range(len(location), -1, -1):
            found = self.positions.get(tuple(location[:end]))
            if found:
                return found
        return (1, 1)


def problem(path: Path, line: int, column: int, message: str) -> Problem:
    """A Problem whose message may quote the file: anything unsafe for a terminal in it is escaped."""
    return Problem(path, line, column, escaped(message))


def read_yaml(path: Path) -> YamlDocument:
    """Parse `path` as a single YAML document; raise ContentError saying where it is unreadable."""

    def fail(message: str, line: int = 0, column: int = 0) -> ContentError:
        return ContentError([problem(path, line, column, message)])

    raw = _read_regular_file(path)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail("the file is UTF-16 text; save it as UTF-8", 1, 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - raw.rfind(b"\n", 0, error.start)
        raise fail("the file is not UTF-8 text; save it as UTF-8", line, column) from None
    if not text.strip():
        raise fail("the file is empty", 1, 1)
    refused = [problem(path, *_line_and_column(text, m.start()),
                       f"{describe(m.group())} is not allowed in a content file; remove it")
               for m in _NOT_YAML.finditer(text)]
    if refused:
        raise ContentError(refused[:_MAX_CHARACTER_PROBLEMS])
    try:
        node = yaml.compose(text, Loader=_Base)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        hint = " (YAML does not allow tabs for indentation; use spaces)" if "\t" in text else ""
        raise fail(f"not valid YAML: {error.problem or error.context}{hint}", line, column) from None
    except yaml.YAMLError as error:
        raise fail(f"not valid YAML: {error}", 1, 1) from None
    except RecursionError:  # only the pure-Python parser recurses; libyaml stops at its own depth limit
        raise fail(f"values are nested more than {MAX_DEPTH} deep", 1, 1) from None
    if node is None:
        raise fail("the file holds no data", 1, 1)

    positions: dict[Location, tuple[int, int]] = {}
    problems = _walk(node, positions, path)
    if problems:
        raise ContentError(problems)
    try:
        data = _Constructor(text).construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise fail(str(error.problem or error.context), line, column) from None
    return YamlDocument(path, data, positions, hashlib.sha256(raw).hexdigest())


def _read_regular_file(path: Path) -> bytes:
    """The file's bytes, refusing anything but a regular file (a FIFO would block a plain read forever,
    a device would never end) and anything over MAX_BYTES; each refusal a ContentError for the whole file."""

    def fail(message: str) -> ContentError:
        return ContentError([problem(path, 0, 0, message)])

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except (OSError, ValueError) as error:  # ValueError: a NUL in the name
        raise fail(f"cannot read the file: {getattr(error, 'strerror', None) or error}") from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise fail("this is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise fail("not an ordinary file (a pipe, socket or device?); content must be in a plain file")
        if info.st_size > MAX_BYTES:
            raise fail(f"the file is {info.st_size:,} bytes; content files are limited to {MAX_BYTES:,}")
        chunks: list[bytes] = []
        size = 0
        # Read to the end, not to st_size: the file may be growing while it is read.
        while chunk := os.read(descriptor, MAX_BYTES + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BYTES:
                raise fail(f"the file is over {MAX_BYTES:,} bytes; content files are limited to {MAX_BYTES:,}")
    except OSError as error:
        raise fail(f"cannot read the file: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def _line_and_column(text: str, index: int) -> tuple[int, int]:
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _walk(root: yaml.Node, positions: dict[Location, tuple[int, int]], path: Path) -> list[Problem]:
    """Record where every key and item is, and find duplicate and non-scalar keys; stop at MAX_NODES
    values (counting each expansion of an alias) or MAX_DEPTH levels. A stack, not recursion, so that
    no depth of nesting can overflow Python's."""
    problems: list[Problem] = []
    stack: list[tuple[yaml.Node, Location]] = [(root, ())]
    count = 0
    while stack:
        node, location = stack.pop()
        count += 1
        if count > MAX_NODES:  # a whole-file problem: an alias expands where it is used, far from its anchor
            raise ContentError([problem(path, 1, 1, f"the file expands to more than {MAX_NODES:,} values"
                                        " (are aliases nested inside each other?)")])
        if len(location) > MAX_DEPTH:
            line, column = node.start_mark.line + 1, node.start_mark.column + 1
            raise ContentError([problem(path, line, column, f"values are nested more than {MAX_DEPTH} deep"
                                        " (does an alias refer to itself?)")])
        children: list[tuple[yaml.Node, Location]] = []
        if isinstance(node, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key_node, value_node in node.value:
                where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if not isinstance(key_node, yaml.ScalarNode):
                    problems.append(problem(path, *where, "a key must be a single word or number, "
                                            "not a list or mapping"))
                    continue
                text = key_node.value
                if (key_node.tag, text) in seen:
                    problems.append(problem(path, *where, f"'{text}' appears twice in the same mapping"))
                seen.add((key_node.tag, text))
                # A key such as the 0 of a rubric's anchors is placed under the number pydantic names it by.
                number = key_node.tag.endswith(":int") and text.isascii() and text.isdigit() and len(text) < 10
                key: str | int = int(text) if number else text
                positions.setdefault((*location, key), where)
                children.append((value_node, (*location, key)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                positions.setdefault((*location, index), (item.start_mark.line + 1, item.start_mark.column + 1))
                children.append((item, (*location, index)))
        stack.extend(reversed(children))
    return problems


class _Constructor(_Base):
    """The safe loader, with a value it cannot build (an impossible date, an integer too long for
    Python to convert) reported at that value instead of raising from deep inside PyYAML."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.MarkedYAMLError:
            raise
        # PyYAML's constructors fail on hostile scalars with whatever the conversion raised (IndexError
        # for `!!int ''`, KeyError for `!!bool maybe`, AttributeError for `!!timestamp foo`).
        except Exception as error:  # noqa: BLE001
            tag = str(node.tag).rsplit(":", 1)[-1]
            kind = {"int": "a whole number", "float": "a number", "timestamp": "a date", "bool": "true or false"}.get(
                tag, tag)
            value = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else tag
            # A ValueError says what is wrong (a day out of range); Python's advice after a semicolon is
            # for programmers, and other errors say nothing useful.
            reason = f" ({str(error).split(';')[0]})" if isinstance(error, ValueError) else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read '{value}' as {kind}{reason}; put it in quotes if it is text",
                node.start_mark) from None

    def refuse_tag(self, node: yaml.Node) -> Any:
        """Tags such as !include or !!python/object name a constructor the safe loader does not have."""
        raise yaml.constructor.ConstructorError(
            None, None, f"the tag '{node.tag}' is not allowed; content files hold plain text, numbers, lists "
            "and mappings", node.start_mark)


_Constructor.add_constructor(None, _Constructor.refuse_tag)

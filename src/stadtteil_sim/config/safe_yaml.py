"""Reading a YAML file that may be broken or hostile: bounded in size, depth and alias
expansion before anything is built from it, and never echoing its contents.

PyYAML builds nested collections recursively (a file of 5,000 nested brackets ends in a
``RecursionError``) and keeps an alias as a reference, so a "billion laughs" file is small until
something walks it and it becomes 10^9 values. Both are caught on the event stream, which
PyYAML produces without recursion, before the document is composed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1_000_000  # the bundled scenarios are under 10 kB, experiment files under 5 kB
MAX_DEPTH = 40  # the scenario schema nests 4 levels (lists of mappings included)
MAX_VALUES = 100_000  # values once every alias is expanded; a district file has about 300

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML has it


class YamlInputError(ValueError):
    """The file cannot be read as YAML; the message says why and what is allowed, but not
    which file (the caller names it, and the key that led to it)."""


class _StrictLoader(_Parser):
    """``yaml.SafeLoader`` (tags never construct Python objects; libyaml's parser where PyYAML
    has it, about ten times faster, with the same safe constructor) that also rejects a key given
    twice in one mapping and keys that are not names (YAML reads ``1:`` or ``on:`` as a number
    or a bool): both would otherwise be dropped or misread without a word."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        self.flatten_mapping(node)
        first_line: dict[str, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is not a name; allowed: a key name such as handover_month", key_node.start_mark
                )
            if key in first_line:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is given twice (first at line {first_line[key]}); allowed: each key once", key_node.start_mark
                )
            first_line[key] = line
        return super().construct_mapping(node, deep=deep)


def read_text(path: Path) -> str:
    """The file's text, if it is a regular UTF-8 text file of at most :data:`MAX_BYTES`."""
    if path.is_dir():
        raise YamlInputError("is a folder; allowed: a YAML file")
    if not path.exists():
        raise YamlInputError("file not found")
    if not path.is_file():
        raise YamlInputError("is not a regular file (a device or a pipe?); allowed: a YAML file")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise YamlInputError(f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise YamlInputError(f"is larger than {MAX_BYTES:,} bytes; allowed: a YAML file of at most {MAX_BYTES:,} bytes")
    if b"\0" in data:
        raise YamlInputError("is a binary file, not YAML text; allowed: a YAML text file (UTF-8)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlInputError(f"is not UTF-8 text (at byte {exc.start}); allowed: a YAML text file in UTF-8") from None


def _too_deep(mark) -> YamlInputError:
    where = f" (line {mark.line + 1})" if mark is not None else ""
    return YamlInputError(f"nests more than {MAX_DEPTH} levels deep{where}; allowed: at most {MAX_DEPTH} levels of lists and mappings")


def _check_shape(text: str) -> None:
    """Walk the event stream once: refuse nesting beyond :data:`MAX_DEPTH` and aliases that
    expand beyond :data:`MAX_VALUES` values, before a node is built."""
    depth = 0
    values = 0  # values so far with every alias expanded
    opened: list[tuple[str | None, int]] = []  # (anchor, values before it) of each open collection
    sizes: dict[str, int] = {}  # expanded size of each anchored value
    for event in yaml.parse(text, Loader=_Parser):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(event.start_mark)
            opened.append((event.anchor, values))
            values += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, before = opened.pop()
            if anchor is not None:
                sizes[anchor] = values - before
        elif isinstance(event, yaml.ScalarEvent):
            values += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            values += sizes.get(event.anchor, 1)
        if values > MAX_VALUES:
            raise YamlInputError(
                f"holds more than {MAX_VALUES:,} values once its aliases are expanded (line {event.start_mark.line + 1}); "
                f"allowed: at most {MAX_VALUES:,} (anchors and aliases are fine within that)"
            )


def load(text: str) -> Any:
    """Parse YAML text safely (see the module docstring); errors say where, not what the text holds."""
    try:
        _check_shape(text)
        return yaml.load(text, Loader=_StrictLoader)  # the safe constructor: no Python objects
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if "nesting depth" in str(getattr(exc, "problem", "")):  # libyaml's own limit, met while reading ahead
            raise _too_deep(mark) from None
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlInputError(f"not valid YAML{where}: {problem}") from None
    except RecursionError:  # the limit above should prevent it; never show a traceback for it
        raise _too_deep(None) from None

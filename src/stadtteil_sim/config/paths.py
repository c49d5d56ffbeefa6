"""Dotted paths such as ``office.handover_month`` or ``district.communities.Turkish.size``: one
way to read them from a scenario or its plain data, to write them into plain data and to find
the schema field they name. A list item is addressed by its index or, for communities, by its
name, everywhere the same."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.schema import Scenario


def split(dotted: str, where: str) -> list[str]:
    parts = dotted.split(".")
    if not all(parts):
        raise ScenarioError(f"{where}: empty part in the key; allowed: a dotted path such as office.handover_month")
    return parts


def get(source: BaseModel | dict | list, dotted: str, *, where: str | None = None) -> Any:
    """The value at ``dotted`` in a scenario (or any model) or in plain data. An unknown path is
    a ScenarioError that begins with ``where`` (default: the path) and says what is allowed."""
    where = where or dotted
    parts = split(dotted, where)
    node: Any = source
    for i, part in enumerate(parts):
        if isinstance(node, list):
            node = node[item_index(node, part, where)]
        elif isinstance(node, BaseModel) and part in type(node).model_fields:
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, BaseModel | dict):
            keys = list(type(node).model_fields) if isinstance(node, BaseModel) else [str(k) for k in node]
            close = difflib.get_close_matches(part, keys, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            inside = f"in '{'.'.join(parts[:i])}'" if i else "at the top"
            raise ScenarioError(f"{where}: no key '{part}' {inside}{hint}; allowed: one of {keys}")
        else:
            raise ScenarioError(f"{where}: '{'.'.join(parts[:i])}' is a value, not a section; allowed: '{'.'.join(parts[:i])}' itself")
    return node


def set(
    data: dict,
    dotted: str,
    value: Any,
    *,
    fill: Callable[[list[str | int]], Any] | None = None,
    where: str | None = None,
) -> list[str | int]:
    """Set ``value`` at ``dotted`` in plain data (in place) and return the location as pydantic
    reports it (list items by index). A missing section on the way becomes ``fill(location)``
    (default ``{}``); messages begin with ``where`` (default ``--set PATH``)."""
    where = where or f"--set {dotted}"
    parts = split(dotted, where)
    node: Any = data
    loc: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            idx = item_index(node, part, where)
            loc.append(idx)
            if last:
                node[idx] = value
            else:
                node = node[idx]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(
                f"{where}: '{'.'.join(parts[:i])}' is a value, not a section; "
                f"allowed: set '{'.'.join(parts[:i])}' itself"
            )
        loc.append(part)
        if last:
            node[part] = value
        else:
            if part not in node:
                node[part] = fill(loc) if fill else {}
            node = node[part]
    return loc


def item_index(items: list, part: str, where: str) -> int:
    """The index of a list item named by its index or by its ``name``."""
    if part.isdigit() and int(part) < len(items):
        return int(part)
    for i, item in enumerate(items):
        if _name(item) == part:
            return i
    names = [_name(item) for item in items if isinstance(item, dict | BaseModel)]
    close = difflib.get_close_matches(part, [str(n) for n in names], n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    span = f"an index 0..{len(items) - 1} or " if items else ""
    raise ScenarioError(f"{where}: no list item '{part}'{hint}; allowed: {span}one of {names}")


def _name(item: Any) -> Any:
    return item.get("name") if isinstance(item, dict) else getattr(item, "name", None)


def field_at(dotted: str) -> FieldInfo:
    """The schema field a dotted path of a scenario names (the list item's name or index is
    skipped); KeyError for a path the schema does not have."""
    model: Any = Scenario
    parts = dotted.split(".")
    while True:
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or parts[0] not in model.model_fields:
            raise KeyError(dotted)
        field = model.model_fields[parts.pop(0)]
        if not parts:
            return field
        model = field.annotation
        if get_origin(model) is list:
            model = get_args(model)[0]
            parts.pop(0)
            if not parts:
                raise KeyError(dotted)

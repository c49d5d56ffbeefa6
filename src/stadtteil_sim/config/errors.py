"""Error messages for invalid input: one line per problem, naming the file (or ``--set``), the
key path, the value and what is allowed; never a traceback, never the file's contents."""

from __future__ import annotations

import difflib
import math
from typing import Any

from pydantic import BaseModel, ValidationError

from stadtteil_sim.config.schema import Scenario, describe_field


class ScenarioError(ValueError):
    """Invalid scenario input; the message names the file, the key path, the value and what is allowed."""


def validate_model[M: BaseModel](model: type[M], data: dict, label: str, origins: dict | None = None) -> M:
    """Validate ``data`` as ``model`` (a scenario, an experiment, ...); every problem becomes one
    line naming the file (``label`` or the key's origin), the key path, the value and what is allowed."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [_format_error(err, data, label, origins or {}, model) for err in exc.errors()]
        raise ScenarioError("\n".join(dict.fromkeys(lines))) from None


def _where(loc: list, origins: dict, label: str) -> str:
    """The file (or ``--set``) a key path came from: the path itself, else the files of the keys
    under it (a section-level check), else the nearest enclosing path, else ``label``."""
    if not loc:
        return label
    dotted = ".".join(map(str, loc))
    if dotted in origins:
        return origins[dotted]
    below = [s for k, s in origins.items() if k.startswith(dotted + ".")]
    if below:
        return ", ".join(dict.fromkeys(below))
    for i in range(len(loc) - 1, 0, -1):
        up = ".".join(map(str, loc[:i]))
        if up in origins:
            return origins[up]
    return label


def _format_error(err: dict, data: dict, label: str, origins: dict, root: type[BaseModel]) -> str:
    loc = list(err["loc"])
    path = _path_text(loc, data)
    where = _where(loc, origins, label)
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        parent_fields = _fields_at(loc[:-1], root)
        close = difflib.get_close_matches(str(loc[-1]), parent_fields, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{where}: {path}: unknown key{hint}; allowed keys: {', '.join(parent_fields)}"
    if kind == "missing":
        return f"{where}: {path}: required key is missing; allowed: {_allowed(loc, root) or 'any value'}"
    if kind == "value_error" and not loc:
        return f"{where}: {err['msg'].removeprefix('Value error, ')}"
    if kind == "value_error":
        return f"{where}: {path}: {err['msg'].removeprefix('Value error, ')}"
    allowed = _allowed(loc, root)
    shown = _short(value)
    if isinstance(value, float) and math.isnan(value):
        shown = "NaN"
    return f"{where}: {path} = {shown}: {err['msg']}" + (f"; allowed: {allowed}" if allowed else "")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _path_text(loc: list, data: dict) -> str:
    """``district.communities[2](Afghan).size`` so a user finds the list item."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            name = node[part].get("name") if isinstance(node, list) and part < len(node) and isinstance(node[part], dict) else None
            out += f"[{part}]" + (f"({name})" if name else "")
        else:
            out += ("." if out else "") + str(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out or "<top>"


def _model_at(loc: list, root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    model: Any = root or Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", None)
    if args:
        for arg in args:
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return annotation


def _fields_at(loc: list, root: type[BaseModel]) -> list[str]:
    model = _model_at(loc, root)
    return sorted(model.model_fields) if model else []


def _allowed(loc: list, root: type[BaseModel]) -> str:
    if not loc:
        return ""
    if isinstance(loc[-1], int):  # a list item, e.g. one community
        item = _model_at(loc, root)
        return f"a mapping with keys {', '.join(sorted(item.model_fields))}" if item else ""
    model = _model_at(loc[:-1], root)
    field = model.model_fields.get(loc[-1]) if model else None
    if field is None:
        return ""
    inner = _inner_model(field.annotation)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        keys = ", ".join(sorted(inner.model_fields))
        if getattr(field.annotation, "__origin__", None) is list:
            return f"a list of mappings, each with keys {keys}"
        return f"a mapping with keys {keys}"
    return describe_field(field)[1]

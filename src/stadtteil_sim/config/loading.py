"""Reading scenarios: safe YAML, ``include:`` (merged in order, each key remembering its file),
dotted overrides (``--set office.handover_month=24``) and validation into a :class:`Scenario`."""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from stadtteil_sim.config import paths, safe_yaml
from stadtteil_sim.config.errors import ScenarioError, _model_at, _short, validate_model
from stadtteil_sim.config.schema import Scenario

# --------------------------------------------------------------------------- loading
# An empty file (nothing but comments or blanks) is an error, not "all defaults": the built-in
# defaults describe no real district, and an empty file is far more often a mistake (a file
# truncated or saved before it was filled) than a wish. Write ``{}`` to ask for the defaults.


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping; any problem is a ScenarioError naming the file (and
    never echoing what the file holds: it may not be ours to show)."""
    shown = display_path(path)
    try:
        data = safe_yaml.load(safe_yaml.read_text(path))
    except safe_yaml.YamlInputError as exc:
        raise ScenarioError(f"{shown}: {exc}") from None
    if data is None:
        raise ScenarioError(
            f"{shown}: the file is empty (no keys, only blanks or comments); "
            "allowed: a mapping of keys, or '{}' to use the built-in defaults on purpose"
        )
    if not isinstance(data, dict):
        kind = {str: "text", list: "a list", bool: "true or false", int: "a number", float: "a number"}.get(type(data), "a value")
        raise ScenarioError(
            f"{shown}: the top level is {kind}, not a mapping; "
            "allowed: a mapping of keys such as 'district:' and 'office:'"
        )
    return data


def _merge(base: dict, top: dict, origins: dict, top_origins: dict, prefix: str = "") -> dict:
    """Deep-merge ``top`` over ``base``; a key ``top`` replaces takes its origin from ``top_origins``."""
    out = dict(base)
    for key, value in top.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, origins, top_origins, path + ".")
        else:
            out[key] = copy.deepcopy(value)
            _forget(origins, path)
            origins.update({k: s for k, s in top_origins.items() if k == path or k.startswith(path + ".")})
    return out


def _forget(origins: dict, path: str) -> None:
    for k in [k for k in origins if k == path or k.startswith(path + ".")]:
        del origins[k]


def _mark(origins: dict, path: str, value: Any, source: str) -> None:
    """Record ``source`` for every leaf under ``path`` (a list counts as one leaf)."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _mark(origins, f"{path}.{k}" if path else str(k), v, source)
    elif path:
        origins[path] = source


def _check_looks_like_a_scenario(data: dict, path: Path) -> None:
    """A mapping none of whose keys is (or nearly is) a scenario key is some other file, e.g.
    notes whose first line holds a colon: say so without repeating its keys, which are its text."""
    if "districts" in data:
        raise ScenarioError(
            f"{display_path(path)}: a city file (it lists districts:); allowed here: a district file. "
            "A city runs with 'stadtteil-sim run' (or stadtteil_sim.run_city, stadtteil_sim.load_city); "
            "experiments, calibration targets, sensitivity specs and the dashboard take it too"
        )
    known = [*Scenario.model_fields, "include"]
    keys = [str(k) for k in data]
    if keys and not any(k in known or difflib.get_close_matches(k, known, n=1, cutoff=0.6) for k in keys):
        raise ScenarioError(
            f"{display_path(path)}: not a scenario file: none of its {len(keys)} top-level keys is a scenario key; "
            f"allowed: a mapping with keys such as {', '.join(known[:4])} (see 'stadtteil-sim params')"
        )


def _load_with_includes(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict, dict[str, str]]:
    """The merged data of ``path`` and its includes, and the file each leaf key path came from.

    Included files are merged in order, then the including file on top; include paths are
    relative to the including file.
    """
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(display_path(p) for p in (*seen, path))
        raise ScenarioError(f"{display_path(seen[-1])}: include cycle: {chain}; allowed: includes that do not lead back")
    data = read_yaml(path)
    _check_looks_like_a_scenario(data, path)
    includes = data.pop("include", None)
    if includes is None:
        includes = []
    elif isinstance(includes, str):
        includes = [includes]
    elif not (isinstance(includes, list) and all(isinstance(i, str) for i in includes)):
        raise ScenarioError(
            f"{display_path(path)}: include = {_short(includes)}: allowed: a file path or a list of file paths"
        )
    merged: dict = {}
    origins: dict[str, str] = {}
    for inc in includes:
        inc_path = path.parent / inc
        if not inc_path.exists():
            raise ScenarioError(
                f"{display_path(path)}: include = {inc!r}: file not found (looked for {display_path(inc_path)}); "
                "allowed: a path relative to the including file"
            )
        try:
            inc_data, inc_origins = _load_with_includes(inc_path, (*seen, path))
        except ScenarioError as exc:
            if str(exc).startswith(f"{display_path(path)}:"):  # a cycle back to this file: named already
                raise
            raise ScenarioError(f"{display_path(path)}: include = {inc!r}: {exc}") from None
        merged = _merge(merged, inc_data, origins, inc_origins)
    own: dict[str, str] = {}
    _mark(own, "", data, display_path(path))
    return _merge(merged, data, origins, own), origins


def relative_scenario_file(source: Path, entry: str, key: str) -> Path:
    """A scenario file named in ``source`` (an experiment, target or spec file), relative to
    it; a missing one is a ScenarioError naming ``source`` and ``key``."""
    file = Path(source).parent / entry
    if not file.is_file():
        raise ScenarioError(
            f"{display_path(source)}: {key}: '{entry}' not found (looked for {display_path(file)}); "
            f"allowed: scenario files relative to {display_path(source)}"
        )
    return file


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_override(text: str) -> tuple[str, Any]:
    """``'office.handover_month=24'`` -> ``('office.handover_month', 24)``; the value is read as YAML."""
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: no '='; allowed: KEY=VALUE, e.g. office.handover_month=24")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ScenarioError(f"--set {text!r}: the key is empty; allowed: KEY=VALUE, e.g. office.handover_month=24")
    try:
        value = safe_yaml.load(raw) if raw.strip() else None
    except safe_yaml.YamlInputError as exc:
        raise ScenarioError(f"--set {text!r}: the value: {exc}") from None
    return key, value


def apply_overrides(
    data: dict,
    overrides: dict[str, Any] | None,
    origins: dict | None = None,
    labels: dict[str, str] | None = None,
) -> dict:
    """Set values by dotted path; list items by index or, for communities, by name.

    A section the data leaves out is filled with its schema default first, so
    ``district.communities.Turkish.size=900`` also works on a file without communities.
    ``origins`` records, under the path pydantic reports (list items by index), where the value
    came from: ``labels[dotted]`` or ``--set``; a path that leads nowhere is blamed on the same.
    """
    data = copy.deepcopy(data)
    labels = labels or {}
    for dotted, value in (overrides or {}).items():
        where = f"{labels[dotted]}: {dotted}" if dotted in labels else None  # None: "--set PATH"
        loc = paths.set(data, dotted, value, fill=_default_at, where=where)
        if origins is not None:
            path = ".".join(map(str, loc))
            _forget(origins, path)
            origins[path] = labels.get(dotted, "--set")
    return data


def _default_at(loc: list) -> Any:
    """The schema default of the section at ``loc`` as plain data ({} if it has none)."""
    model = _model_at(loc[:-1])
    field = model.model_fields.get(loc[-1]) if model else None
    if field is None or field.is_required():
        return {}
    default = field.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return default.model_dump(mode="json")
    if isinstance(default, list):
        return [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in default]
    return default if isinstance(default, dict) else {}


def load_scenario(
    source: str | Path | dict | Scenario,
    overrides: dict[str, Any] | None = None,
    *,
    labels: dict[str, str] | None = None,
) -> Scenario:
    """Load and validate a scenario from a YAML path, a dict or a Scenario, applying dotted overrides.

    ``labels`` names where an override came from in error messages (default ``--set``).
    Raises :class:`ScenarioError` with one line per problem.
    """
    origins: dict[str, str] = {}
    if isinstance(source, Scenario):
        if not overrides:
            return source
        data, label = source.to_dict(), source.name
    elif isinstance(source, dict):
        data, label = copy.deepcopy(source), "<dict>"
    else:
        path = Path(source)
        data, origins = _load_with_includes(path)
        label = display_path(path)
    data = apply_overrides(data, overrides, origins, labels)
    return validate_dict(data, label, origins)


def validate_dict(data: dict, label: str, origins: dict | None = None) -> Scenario:
    return validate_model(Scenario, data, label, origins)

"""What a workshop runs: one scenario (a district, or a city of districts sharing the office's staff
pool) with the room's levers, alone or beside a copy that differs in one lever, stepped in
lock-step with the same seed (common random numbers, see ``rng.py``).

``WorkshopModel`` is what the page drives. It builds its copies with ``load_scenario`` and
``StadtteilModel`` (a district file) or ``load_city`` and ``CityModel`` (a city file) and never
re-implements the model. Bad input (a broken scenario file, a seed that is not a number, a lever
value outside its range) does not raise: the model keeps the message in ``error`` and stands
still, so the page shows the message instead of crashing.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import mesa
import yaml

from stadtteil_sim.config import paths, safe_yaml
from stadtteil_sim.config.city import ALLOCATIONS, CityScenario, is_city_file, load_city
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import load_scenario, read_yaml
from stadtteil_sim.config.schema import Control, Declared, Scenario, bounds, declared
from stadtteil_sim.experiments.atomic import shareable
from stadtteil_sim.experiments.ownership import free_name
from stadtteil_sim.model.city import CityModel
from stadtteil_sim.model.district import StadtteilModel


@dataclass(frozen=True)
class Lever:
    """One setting the room may change: a dotted scenario path and how its control looks, as
    its field in the schema declares it (``config/schema.py``, ``show=Control(...)``)."""

    path: str
    kind: str  # "int" | "float" | "bool" | "choice"
    control: Control
    lo: float = 0
    hi: float = 1
    step: float = 1
    choices: tuple[str, ...] = ()

    @property
    def param(self) -> str:
        """The keyword name in ``WorkshopModel(**levers)`` (Mesa passes parameters by name)."""
        return self.path.replace(".", "__")

    def label(self, lang: str) -> str:
        return self.control.label(lang)


def _lever(item: Declared) -> Lever:
    """The control of a declared lever or switch: a checkbox, a choice, or a slider over the
    schema's range, up to the declaration's ``hi`` where it is lower (floats in steps of 0.05)."""
    control, ann = item.control, item.field.annotation
    assert control is not None
    if ann is bool:
        return Lever(item.path, "bool", control)
    if get_origin(ann) is Literal:
        return Lever(item.path, "choice", control, choices=tuple(map(str, get_args(ann))))
    kind, number = {int: ("int", int), float: ("float", float)}[ann]
    lo, hi = bounds(item.field)
    hi = control.hi if control.hi is not None else hi
    return Lever(item.path, kind, control, number(lo), number(hi), 1 if kind == "int" else 0.05)


def _place(item: Declared) -> tuple[int, int]:
    """The office's levers first (its timing is what a workshop is about), then the other
    levers, then the mechanism switches, each in schema order."""
    return (0 if item.path.startswith("office.") else 1) if item.role == "lever" else 2, declared().index(item)


# Every field whose declaration shows it on the dashboard.
LEVERS: tuple[Lever, ...] = tuple(_lever(item) for item in sorted((i for i in declared() if i.control), key=_place))
LEVER_BY_PARAM = {lever.param: lever for lever in LEVERS}
LEVER_BY_PATH = {lever.path: lever for lever in LEVERS}

# Levers offered for the side-by-side comparison (the timing levers first).
COMPARE_LEVERS = tuple(lever.path for lever in LEVERS if lever.control.compare)
NO_COMPARISON = "none"

# The city's own levers (config/city.py, ``CityOffice``). Their fields declare no dashboard
# control (the schema's ``show=`` covers the district scenario only), so they are declared here.
CITY_LEVERS: tuple[Lever, ...] = (
    Lever("office.allocation", "choice",
          Control("Verteilung der Stunden (Ausbauplan)", "How the hours are shared (roll-out plan)", compare=True),
          choices=ALLOCATIONS),
    Lever("office.staff_pool_hours", "int",
          Control("Personal des Büros für alle Stadtteile", "Office staff for all districts", compare=True, contrast=120),
          0, 800, 10),
)
CITY_LEVER_BY_PATH = {lever.path: lever for lever in CITY_LEVERS}
CITY_COMPARE_LEVERS = tuple(lever.path for lever in CITY_LEVERS) + COMPARE_LEVERS


def lever_of(path: str) -> Lever:
    """The lever at a dotted path, a city's or a district's."""
    return CITY_LEVER_BY_PATH.get(path) or LEVER_BY_PATH[path]


def lever_values(scenario: Scenario) -> dict[str, Any]:
    """The scenario's value of every lever, by dotted path."""
    return {lever.path: paths.get(scenario, lever.path) for lever in LEVERS}


def city_lever_values(city: CityScenario) -> dict[str, Any]:
    """A city's levers: its own, then its first district's (a changed one applies to every district)."""
    return {**{lever.path: paths.get(city, lever.path) for lever in CITY_LEVERS}, **lever_values(city.districts[0])}


def check_value(path: str, value: Any) -> Any:
    """``value`` for the lever at ``path`` within its control's range, or ValueError."""
    lever = lever_of(path)
    if lever.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{path} = {value!r}: allowed: yes | no")
        return value
    if lever.kind == "choice":
        if value not in lever.choices:
            raise ValueError(f"{path} = {value!r}: allowed: {' | '.join(lever.choices)}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{path} = {value!r}: allowed: a number from {lever.lo:g} to {lever.hi:g}")
    if lever.kind == "int" and value != int(value):
        raise ValueError(f"{path} = {value!r}: allowed: a whole number from {lever.lo:g} to {lever.hi:g}")
    if not lever.lo <= value <= lever.hi:
        raise ValueError(f"{path} = {value!r}: allowed: {lever.lo:g} to {lever.hi:g}")
    return int(value) if lever.kind == "int" else float(value)


def parse_value(lever_path: str, text: Any) -> Any:
    """A value typed into the page (or read from a select) as the lever's type; the schema checks it."""
    if not isinstance(text, str):
        return text
    raw = text.strip()
    lowered = raw.lower()
    if lowered in ("ja", "an", "yes", "true", "on"):
        return True
    if lowered in ("nein", "aus", "no", "false", "off"):
        return False
    try:
        return safe_yaml.load(raw)
    except safe_yaml.YamlInputError:
        return raw


def default_b_value(path: str, a_value: Any) -> Any:
    """The comparison value when the room gives none: the other choice, or a clear contrast."""
    lever = lever_of(path)
    if a_value is None:  # an unlimited staff pool: B has the top of the slider's range
        return int(lever.hi)
    if lever.kind == "bool":
        return not a_value
    if lever.kind == "choice":
        return next(c for c in lever.choices if c != a_value)
    contrast = lever.control.contrast
    if contrast:
        moved = a_value + contrast if a_value + contrast <= lever.hi else max(lever.lo, a_value - contrast)
        return int(moved) if lever.kind == "int" else moved
    if lever.kind == "float":
        return lever.lo if a_value > (lever.lo + lever.hi) / 2 else lever.hi
    return int(lever.hi) if a_value <= (lever.lo + lever.hi) / 2 else int(lever.lo)


def parse_seed(seed: Any, default: int) -> int:
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return default
    if isinstance(seed, bool):
        raise ValueError(f"seed = {seed!r}: allowed: a whole number >= 0")
    try:
        value = int(str(seed).strip())
    except ValueError:
        raise ValueError(f"seed = {seed!r}: not a whole number; allowed: a whole number >= 0") from None
    if value < 0:
        raise ValueError(f"seed = {value}: allowed: a whole number >= 0")
    return value


@dataclass
class Copy:
    """One run on screen: its label ('A', 'B'), the levers it was built with, and what steps it:
    a district's ``StadtteilModel`` or a city's ``CityModel``."""

    label: str
    runner: StadtteilModel | CityModel
    overrides: dict[str, Any]

    @property
    def city(self) -> CityModel | None:
        return self.runner if isinstance(self.runner, CityModel) else None

    @property
    def districts(self) -> dict[str, StadtteilModel]:
        """Every district of the run by name (a district file: its one district)."""
        city = self.city
        return city.districts if city is not None else {self.runner.config.district.name: self.runner}

    @property
    def model(self) -> StadtteilModel:
        """The first district (a district file's only one)."""
        return next(iter(self.districts.values()))

    def value(self, path: str) -> Any:
        """The run's value of a lever (a city's: its own, else its first district's)."""
        city = self.city
        if city is not None and path in CITY_LEVER_BY_PATH:
            return paths.get(city.config, path)
        return paths.get(self.model.config, path)


class WorkshopModel(mesa.Model):
    """One scenario file plus the room's levers; with ``compare`` a second copy (B) that differs in
    that one lever. Both copies use the same seed and step together."""

    def __init__(
        self,
        scenario_file: str | Path = "scenarios/kranichstein_sued.yaml",
        seed: int | str | None = None,
        compare: str = NO_COMPARISON,
        compare_value: Any = "",
        **levers: Any,
    ):
        super().__init__()
        self.scenario_file = Path(scenario_file)
        self.compare = compare or NO_COMPARISON
        self.copies: list[Copy] = []
        self.error: str | None = None
        self.base: Scenario | None = None
        self.city_base: CityScenario | None = None
        self.seed_value: int | None = None
        self.levers: dict[str, Any] = {}
        self.base_levers: dict[str, Any] = {}
        try:
            self._build(seed, compare_value, levers)
        except (ScenarioError, ValueError, OSError) as exc:
            self.copies = []
            self.error = str(exc)
            self.running = False

    @property
    def is_city(self) -> bool:
        """A city file of several districts (a district file is a city of one, shown as a district)."""
        return self.city_base is not None

    @property
    def compare_levers(self) -> tuple[str, ...]:
        return CITY_COMPARE_LEVERS if self.is_city else COMPARE_LEVERS

    def _build(self, seed: Any, compare_value: Any, levers: dict[str, Any]) -> None:
        if not self.scenario_file.is_file():
            raise ScenarioError(f"{self.scenario_file}: file not found; allowed: a scenario YAML file")
        if is_city_file(read_yaml(self.scenario_file)):
            self.city_base = load_city(self.scenario_file)
            self.base = self.city_base.districts[0]
            known = {**LEVER_BY_PARAM, **{lever.param: lever for lever in CITY_LEVERS}}
        else:
            self.base = load_scenario(self.scenario_file)
            known = LEVER_BY_PARAM
        unknown = sorted(set(levers) - set(known))
        if unknown:
            raise ValueError(f"unknown lever(s) {unknown}; allowed: {sorted(known)}")
        self.seed_value = parse_seed(seed, (self.city_base or self.base).run.seed)
        overrides = {
            known[name].path: parse_value(known[name].path, value) for name, value in levers.items() if value is not None
        }
        self.base_levers = city_lever_values(self.city_base) if self.city_base else lever_values(self.base)
        a = self._copy("A", overrides, dict.fromkeys(overrides, "lever"))
        self.levers = {path: a.value(path) for path in self.base_levers}
        self.copies = [a]
        if self.compare != NO_COMPARISON:
            if self.compare not in self.compare_levers:
                raise ValueError(f"comparison lever {self.compare!r}; allowed: {', '.join(self.compare_levers)}")
            blank = compare_value is None or (isinstance(compare_value, str) and not compare_value.strip())
            value_b = (
                default_b_value(self.compare, self.levers[self.compare])
                if blank
                else parse_value(self.compare, compare_value)
            )
            overrides_b = {**overrides, self.compare: value_b}
            self.copies.append(self._copy("B", overrides_b, {self.compare: "value in B"}))

    def _copy(self, label: str, overrides: dict[str, Any], labels: dict[str, str]) -> Copy:
        if self.city_base is not None:
            city = load_city(self.scenario_file, overrides)
            return Copy(label, CityModel(city, seed=self.seed_value), overrides)
        scenario = load_scenario(self.base, overrides, labels=labels)
        return Copy(label, StadtteilModel(scenario, seed=self.seed_value), overrides)

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        """One month in every copy (lock-step: B never runs ahead of A)."""
        for copy in self.copies:
            if copy.runner.running:
                copy.runner.step()
        self.running = bool(self.copies) and all(c.runner.running for c in self.copies)

    @property
    def month(self) -> int:
        return self.copies[0].runner.month if self.copies else 0

    @property
    def months(self) -> int:
        """The run's horizon (the charts' time axis)."""
        return (self.city_base or self.base).run.months if self.base else 0

    @property
    def compared_values(self) -> tuple[Any, Any] | None:
        """(A's value, B's value) of the comparison lever, or None for a single run."""
        if len(self.copies) < 2:
            return None
        return tuple(c.value(self.compare) for c in self.copies)  # type: ignore[return-value]


# --------------------------------------------------------------------------- scenario files
def scenario_files(directory: Path) -> list[Path]:
    """The scenarios a facilitator may choose: ``*.yaml`` in the folder and in its ``workshop/``
    subfolder (where the page saves), district and city files alike; ``shared/`` holds included
    parts and a city's own folder its districts, not scenarios."""
    directory = Path(directory)
    found = sorted(directory.glob("*.yaml")) + sorted((directory / "workshop").glob("*.yaml"))
    return [p for p in found if p.is_file()]


def is_city(path: Path) -> bool:
    """Whether ``path`` is a city file (a broken file is not: choosing it shows its message)."""
    try:
        return is_city_file(read_yaml(path))
    except ScenarioError:
        return False


def save_levers(workshop: WorkshopModel, directory: Path, stamp: str | None = None) -> list[Path]:
    """Write each copy on screen as a small scenario file: it includes the chosen scenario and
    sets every lever and the seed, so an analyst reruns exactly what the room saw.

    Each file is loaded back before it takes its name, so a file that would not load never
    appears; a name already taken gets ``-2``, ``-3``, … added, so no file is ever replaced.
    """
    if workshop.error or not workshop.copies:
        raise ScenarioError(workshop.error or "no run to save")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = stamp or _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base_name = workshop.base.name if workshop.base else workshop.scenario_file.stem
    include = os.path.relpath(workshop.scenario_file.resolve(), directory.resolve())
    if workshop.is_city:
        return [_save_city_copy(workshop, copy, directory, stamp) for copy in workshop.copies]
    written = []
    for copy in workshop.copies:
        values = lever_values(copy.model.config)
        data: dict[str, Any] = {"include": include, "name": f"{base_name}_workshop_{stamp}_{copy.label}"}
        what = "the run" if len(workshop.copies) == 1 else f"copy {copy.label} of the side-by-side comparison"
        data["description"] = f"Levers of {what} shown in the workshop dashboard ({stamp}), on {base_name}"
        for path, value in values.items():
            section, key = path.split(".", 1)
            data.setdefault(section, {})[key] = value
        data["run"] = {"seed": int(copy.model.seed)}
        header = f"# Saved by the stadtteil_sim workshop dashboard: {what}.\n"
        text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        target = _place_new_file(directory, data["name"], ".yaml", text)
        written.append(target)
    return written


def _save_city_copy(workshop: WorkshopModel, copy: Copy, directory: Path, stamp: str) -> Path:
    """A city copy as a city file: the chosen city file's own entries with their districts' paths
    from the new folder, the levers the room changed (a district lever in every district's
    ``set:``) and the seed. A city file includes nothing, so it repeats the city's head."""
    data = read_yaml(workshop.scenario_file)
    here = workshop.scenario_file.resolve().parent
    base_name = workshop.city_base.name if workshop.city_base else workshop.scenario_file.stem
    what = "the run" if len(workshop.copies) == 1 else f"copy {copy.label} of the side-by-side comparison"
    city_set = {p: v for p, v in copy.overrides.items() if p in CITY_LEVER_BY_PATH}
    district_set = {p: v for p, v in copy.overrides.items() if p not in CITY_LEVER_BY_PATH}
    entries = []
    for entry in data["districts"]:
        file, extra = (entry["file"], dict(entry.get("set") or {})) if isinstance(entry, dict) else (entry, {})
        relative = os.path.relpath((here / file).resolve(), directory.resolve())
        merged = {**extra, **district_set}
        entries.append({"file": relative, "set": merged} if merged else relative)
    data["districts"] = entries
    for path, value in city_set.items():
        data.setdefault("office", {})[path.split(".", 1)[1]] = value
    data["name"] = f"{base_name}_workshop_{stamp}_{copy.label}"
    data["description"] = f"Levers of {what} shown in the workshop dashboard ({stamp}), on {base_name}"
    data.setdefault("run", {})["seed"] = int(copy.runner.seed)
    header = f"# Saved by the stadtteil_sim workshop dashboard: {what} (a city file).\n"
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return _place_new_file(directory, data["name"], ".yaml", text, load=load_city)


def _place_new_file(directory: Path, stem: str, suffix: str, text: str, load=load_scenario) -> Path:
    """Write ``text`` under a temporary name, check that it loads as a scenario, then give it
    the first free name (linking never replaces a file, so a name taken meanwhile is skipped)."""
    fd, name = tempfile.mkstemp(prefix=f".{stem}.", suffix=suffix, dir=directory)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        shareable(tmp)
        load(tmp)
        while True:
            target = free_name(directory, stem, suffix)
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                continue
    finally:
        tmp.unlink(missing_ok=True)

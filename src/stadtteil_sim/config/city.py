"""A city: one or more districts, each a district scenario from its own file, and the one
integration office that serves them all from a limited staff pool (M14).

A district file is a city of one with an unlimited pool, so everything that takes a district
file takes a city file too. A city file::

    name: darmstadt
    city: {name: Darmstadt, start_year: 2000, population: 135547, foreign_share: 0.155}
    office: {staff_pool_hours: 200, allocation: rollout}
    districts:
      - kranichstein_sued.yaml                      # relative to the city file
      - {file: eberstadt_sued.yaml, set: {office.handover_month: 24}}
    run: {months: 120, seed: 1, scale: 1.0}

The city's ``run`` settings are every district's. Overrides (``--set``) address the city
(``office.staff_pool_hours``, ``office.allocation``, ``city.*``, ``run.*``), one district
(``districts.Eberstadt-Süd.office.handover_month``) or, any other path, every district
(``office.handover_month=24`` hands over after 24 months everywhere).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from stadtteil_sim.config import paths
from stadtteil_sim.config.errors import ScenarioError, validate_model
from stadtteil_sim.config.loading import display_path, load_scenario, read_yaml
from stadtteil_sim.config.schema import P, RunSettings, Scenario, Strict, meta

ALLOCATIONS = ("rollout", "proportional", "weakest_first")
# What a district's record of the text's table may differ from the city's, once rounded as the
# table rounds: totals to the person, shares and densities to the last digit it prints.
SHARE_TOLERANCE = 0.0005  # 0.1 percentage point, rounded
DENSITY_TOLERANCE = 0.05  # densities are printed with one decimal


class CityOffice(Strict):
    """The Interkulturelles Büro as one team for the whole city: its staff pool and how it shares it."""

    staff_pool_hours: float | None = Field(
        None, ge=0, le=100_000, json_schema_extra=meta(source="assumption", role="lever"),
        description="office staff hours per month for all districts together; none: unlimited "
        "(a district file is a city of one)",
    )
    allocation: Literal["rollout", "proportional", "weakest_first"] = Field(
        "rollout", json_schema_extra=meta(role="lever"),
        description="rollout: districts in the file's order, each starting once the unallocated pool covers its "
        "full moderation; proportional: every request scaled by pool / total requests; weakest_first: lowest "
        "migrant participation served first",
    )


class CityFigures(Strict):
    """The city as the text's table gives it; the districts must add up to the figures given."""

    name: str = Field("Darmstadt", min_length=1)
    start_year: int = P(2000, 1950, 2100, source="text", doc="calendar year of the city's month 0 (the office starts)")
    population: int | None = Field(None, ge=1, description="residents of the whole city; the districts' populations add up to it")
    foreign_share: float | None = Field(None, ge=0, le=1, description="share of foreign nationals in the whole city")
    unemployment_density: float | None = Field(None, ge=0, le=100, description="city-wide unemployment density")
    welfare_density: float | None = Field(None, ge=0, le=100, description="city-wide welfare density")


class CityScenario(Strict):
    """A validated city: its districts (each a complete :class:`Scenario`), the office's pool."""

    name: str = Field("city", min_length=1)
    description: str = ""
    city: CityFigures = Field(default_factory=CityFigures)
    office: CityOffice = Field(default_factory=CityOffice)
    districts: list[Scenario] = Field(min_length=1)
    run: RunSettings = Field(default_factory=RunSettings)

    @property
    def one_district(self) -> bool:
        """A city of one: a district file run as it always was (no district key in its streams)."""
        return len(self.districts) == 1

    @property
    def district_names(self) -> list[str]:
        return [d.district.name for d in self.districts]


    @model_validator(mode="after")
    def _consistent(self) -> CityScenario:
        names = self.district_names
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"district names must differ, got {twice} more than once")
        early = [d.district.name for d in self.districts if d.district.start_year < self.city.start_year]
        if early:
            raise ValueError(f"districts {early} start before the city's start_year {self.city.start_year}")
        return self

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def on_city_clock(scenario: Scenario, start_year: int) -> Scenario:
    """A district whose own month 0 (its ``start_year``) lies after the city's: its office's
    months moved by the difference, so every district counts months from the city's month 0
    (Eberstadt-Süd, from 2001, starts in the city's month 12)."""
    offset = 12 * (scenario.district.start_year - start_year)
    if offset <= 0:
        return scenario
    office = scenario.office
    moved = {f"office.{key}": getattr(office, key) + offset for key in ("start_month", "handover_month", "link_month")}
    if office.withdraw_month is not None:
        moved["office.withdraw_month"] = office.withdraw_month + offset
    return load_scenario(scenario, {**moved, "district.start_year": start_year})


def city_of_one(scenario: Scenario) -> CityScenario:
    """A district scenario as a city of one: unlimited staff, the district's own clock."""
    figures = CityFigures(name=scenario.district.name, start_year=scenario.district.start_year)
    return CityScenario(name=scenario.name, description=scenario.description, city=figures,
                        districts=[scenario], run=scenario.run)


def is_city_file(data: dict) -> bool:
    return "districts" in data


CITY_KEYS = ("name", "description", "city", "run", "office.staff_pool_hours", "office.allocation")


def split_overrides(overrides: dict[str, Any] | None, names: list[str]) -> tuple[dict, dict[str, dict]]:
    """City overrides, and each district's: ``districts.NAME.path`` for one district, a city key
    for the city (``run.*`` for the city and every district), any other path for every district."""
    city: dict[str, Any] = {}
    per: dict[str, dict[str, Any]] = {name: {} for name in names}
    for path, value in (overrides or {}).items():
        if path.startswith("districts."):
            name, _, rest = path.removeprefix("districts.").partition(".")
            if name not in per or not rest:
                raise ScenarioError(f"--set {path}: no district '{name}'; allowed: districts.NAME.PATH with NAME one of {names}")
            per[name][rest] = value
            continue
        if any(path == key or path.startswith(key + ".") for key in CITY_KEYS):
            city[path] = value
            if not path.startswith("run"):
                continue
        for name in names:
            per[name][path] = value
    return city, per


def load_city(source: str | Path | dict | Scenario | CityScenario, overrides: dict[str, Any] | None = None,
              *, labels: dict[str, str] | None = None) -> CityScenario:
    """A city from a city file (or dict, or CityScenario); a district file, dict or Scenario
    becomes a city of one. Raises :class:`ScenarioError` naming the file and key (``labels``:
    where an override came from, as for :func:`load_scenario`). In a resolved city (a
    CityScenario or its dict) every district is already on the city's clock, so an override of
    an office month there counts from the city's month 0, not from the district's own start."""
    if isinstance(source, CityScenario):
        if not overrides:
            return source
        return _city_from(source.to_dict(), None, overrides, source.name, labels)
    if isinstance(source, Scenario):
        return city_of_one(load_scenario(source, overrides, labels=labels))
    if isinstance(source, dict):
        data, path = copy.deepcopy(source), None
    else:
        path = Path(source)
        data = read_yaml(path)
    if not is_city_file(data):
        return city_of_one(load_scenario(source if path is None else path, overrides, labels=labels))
    return _city_from(data, path, overrides, display_path(path) if path else "<dict>", labels or {})


def _city_from(data: dict, path: Path | None, overrides: dict | None, label: str,
               labels: dict[str, str] | None = None) -> CityScenario:
    entries = data.get("districts")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(f"{label}: districts = {entries!r:.60}: allowed: a non-empty list of district files "
                            "(or {file: ..., set: {...}} mappings)")
    own = {k: v for k, v in data.items() if k != "districts"}
    sources = [_district_source(entry, i, path, label) for i, entry in enumerate(entries)]
    # Each district file is read once (with its own `set:`), which names the district; then its
    # share of the overrides and the city's run settings are applied to the loaded scenario.
    own_districts = [load_scenario(src, extra) for src, extra, _ in sources]
    names = [d.district.name for d in own_districts]
    city_set, per = split_overrides(overrides, names)
    labels = labels or {}
    city_data = validate_model(_CityHead, _apply(own, city_set, label, labels), label).model_dump(mode="json")
    run, start = city_data["run"], city_data["city"]["start_year"]
    districts = [
        on_city_clock(load_scenario(district, {**per[name], **{f"run.{k}": v for k, v in run.items()}},
                                    labels=_district_labels(labels, name)), start)
        for district, name in zip(own_districts, names, strict=True)
    ]
    city = validate_model(CityScenario, {**city_data, "districts": districts}, label)
    _check_behaviour(city, sources, label)
    _check_citywide_associations(city, sources, label)
    _check_totals(city, label)
    return city


class _CityHead(Strict):
    """A city file without its districts (validated before they are loaded)."""

    name: str = Field("city", min_length=1)
    description: str = ""
    city: CityFigures = Field(default_factory=CityFigures)
    office: CityOffice = Field(default_factory=CityOffice)
    run: RunSettings = Field(default_factory=RunSettings)


def _apply(data: dict, overrides: dict[str, Any], label: str, labels: dict[str, str]) -> dict:
    """The city file's head with the city's overrides (checked when validated)."""
    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        where = f"{labels[dotted]}: {dotted}" if dotted in labels else f"{label}: --set {dotted}"
        paths.set(out, dotted, value, where=where)
    return out


def _district_labels(labels: dict[str, str], name: str) -> dict[str, str]:
    """Where each of one district's overrides came from: ``districts.NAME.PATH`` names PATH."""
    prefix = f"districts.{name}."
    own = {path.removeprefix(prefix): where for path, where in labels.items() if path.startswith(prefix)}
    return {**{p: w for p, w in labels.items() if not p.startswith("districts.")}, **own}


def _district_source(entry: Any, index: int, path: Path | None, label: str) -> tuple[Path | dict, dict, str]:
    """A district entry: a file relative to the city file, ``{file: ..., set: {...}}``, or (in a
    resolved city, e.g. a batch's task) the district's whole scenario as a mapping; with the
    name messages give it."""
    where = f"{label}: districts[{index}]"
    extra: dict = {}
    if isinstance(entry, dict) and "district" in entry:
        return entry, extra, where
    if isinstance(entry, dict) and set(entry) <= {"file", "set"} and "file" in entry:
        extra = entry.get("set") or {}
        if not isinstance(extra, dict):
            raise ScenarioError(f"{where}.set = {extra!r:.60}: allowed: a mapping of dotted paths to values")
        entry = entry["file"]
    if not isinstance(entry, str):
        raise ScenarioError(f"{where} = {entry!r:.60}: allowed: a district file, or {{file: FILE, set: {{PATH: VALUE}}}}")
    file = (path.parent if path else Path.cwd()) / entry
    if not file.is_file():
        raise ScenarioError(f"{where} = '{entry}': file not found (looked for {display_path(file)}); "
                            "allowed: a district file relative to the city file")
    if is_city_file(read_yaml(file)):
        raise ScenarioError(f"{where} = '{entry}': a city file; allowed: district files (a city holds districts, not cities)")
    return file, extra, display_path(file)


def _check_behaviour(city: CityScenario, sources: list, label: str) -> None:
    """One city, one population's behaviour: every district must share the behavioural parameters."""
    first = city.districts[0].behaviour
    for district, (_, _, shown) in zip(city.districts[1:], sources[1:], strict=True):
        if district.behaviour != first:
            differing = [k for k in type(first).model_fields if getattr(district.behaviour, k) != getattr(first, k)]
            raise ScenarioError(
                f"{label}: districts: {sources[0][2]} and {shown} differ in behaviour "
                f"({', '.join(differing)}); allowed: districts of one city share their behaviour (include the same "
                "shared/behaviour.yaml)"
            )


# What describes a city-wide association itself (seated in the city centre, members in several
# districts: M1): the same in every district file that names it.
ASSOCIATION_KEYS = ("language", "association_openness", "association_formality", "women_interests_served")


def _check_citywide_associations(city: CityScenario, sources: list, label: str) -> None:
    """One city-wide association per community: two district files may not describe it differently."""
    seen: dict[str, tuple[str, dict]] = {}
    for district, (_, _, src) in zip(city.districts, sources, strict=True):
        for c in district.district.communities:
            if not c.acts_citywide:
                continue
            described = {key: getattr(c, key) for key in ASSOCIATION_KEYS}
            if c.name not in seen:
                seen[c.name] = (src, described)
                continue
            first, before = seen[c.name]
            differing = [k for k in ASSOCIATION_KEYS if before[k] != described[k]]
            if differing:
                raise ScenarioError(
                    f"{label}: districts: {first} and {src} describe the {c.name} "
                    f"community's city-wide association differently ({', '.join(differing)}); allowed: one "
                    "city-wide association per community, described alike in every district file"
                )


def _check_totals(city: CityScenario, label: str) -> None:
    """The districts add up to the city's figures in the text's table, as far as it gives them."""
    fig = city.city
    population = sum(d.district.population for d in city.districts)
    foreign = sum(c.size for d in city.districts for c in d.district.communities if c.foreign_nationals)
    problems = []
    if fig.population is not None and population != fig.population:
        problems.append(f"city.population = {fig.population}, but the districts' populations add up to {population}")
    if fig.foreign_share is not None and abs(foreign / population - fig.foreign_share) > SHARE_TOLERANCE:
        problems.append(f"city.foreign_share = {fig.foreign_share}, but the districts' foreign-national communities "
                        f"are {foreign} of {population} ({foreign / population:.4f})")
    for key in ("unemployment_density", "welfare_density"):
        given = getattr(fig, key)
        mean = sum(getattr(d.district, key) * d.district.population for d in city.districts) / population
        if given is not None and abs(mean - given) > DENSITY_TOLERANCE:
            problems.append(f"city.{key} = {given}, but the districts' population-weighted mean is {mean:.3f}")
    if problems:
        raise ScenarioError("\n".join(f"{label}: {p}; allowed: district figures that add up to the city's" for p in problems))

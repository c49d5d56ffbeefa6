"""Calibration targets as data: the observed patterns, the simulated conditions they are read
from, the parameters to calibrate with their priors, and the distance between simulated and
observed patterns.

A target file (``calibration/targets.yaml``) names *conditions* (a district or city scenario
plus overrides, e.g. the no-office baseline), *targets* (a metric of one condition, in a city of
several districts of one named district or of the city as a whole, optionally divided by a metric
of the same or another condition, with an observed value, a tolerance and a direction) and *parameters* (dotted paths under ``behaviour.``, shared by every condition, so
both districts are fitted jointly with shared behaviour and their own district inputs).
This module describes and scores; :mod:`stadtteil_sim.calibration.abc` runs the ABC.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from stadtteil_sim.config import paths
from stadtteil_sim.config.city import CityScenario, load_city
from stadtteil_sim.config.errors import ScenarioError, validate_model
from stadtteil_sim.config.loading import display_path, read_yaml, relative_scenario_file
from stadtteil_sim.config.schema import Strict
from stadtteil_sim.experiments.design import SafeName
from stadtteil_sim.model.metrics import check_metric, describe_metric, is_city_metric, metric_value

# A target more than this many tolerances away counts as this many: one wild statistic (or a
# ratio of 0/0) should not swamp the others; a NaN statistic counts as this far too.
CAP_TOLERANCES = 3.0


class Condition(Strict):
    """A scenario the targets are read from: a district or a city, possibly with levers changed."""

    scenario: str = Field(description="district or city file, relative to the target file")
    overrides: dict[str, Any] = Field(default_factory=dict, description="dotted paths, e.g. office.enabled: false")


class Target(Strict):
    """One observed pattern as a summary statistic of a condition."""

    name: SafeName = Field(description="short name (letters, digits, _ . -)")
    condition: str = Field(description="the condition the metric is read from")
    district: str | None = Field(
        None, description="in a city of several districts: the district the metric is read in (its name or its "
        "file's scenario name); none for the city's own metrics (and for a district file)",
    )
    metric: str = Field(description="a summary value or INDICATOR@MONTH")
    per: str | None = Field(None, description="divide by this metric; 'CONDITION:METRIC' reads another condition")
    observed: float = Field(description="the observed value (or bound, see direction)")
    tolerance: float = Field(gt=0, description="how far off still counts as one unit of distance")
    direction: Literal["equal", "at_least", "at_most"] = Field(
        "equal", description="equal: distance from observed; at_least / at_most: only a shortfall / excess counts"
    )
    weight: float = Field(1.0, gt=0, description="weight in the distance")
    source: str = Field("", description="where the pattern comes from (MODEL.md pattern, quote)")

    @field_validator("metric")
    @classmethod
    def _metric(cls, metric):
        return check_metric(metric)

    @field_validator("per")
    @classmethod
    def _per(cls, per):
        if per is not None:
            check_metric(per.split(":", 1)[-1])
        return per

    def denominator(self) -> tuple[str, str] | None:
        """(condition, metric) of ``per``, or None."""
        if self.per is None:
            return None
        condition, _, metric = self.per.rpartition(":")
        return condition or self.condition, metric

    def error(self, simulated: float) -> float:
        """Signed distance in tolerances (0 inside a one-sided bound), capped. NaN counts as the cap,
        except for a ratio whose denominator was 0: undefined (a women's share of no associations)
        is no evidence either way, and the count targets already score the zero."""
        if math.isnan(simulated):
            return 0.0 if self.per else CAP_TOLERANCES
        gap = (simulated - self.observed) / self.tolerance
        if self.direction == "at_least":
            gap = min(gap, 0.0)
        elif self.direction == "at_most":
            gap = max(gap, 0.0)
        return max(-CAP_TOLERANCES, min(CAP_TOLERANCES, gap))


class Prior(Strict):
    """A bounded prior for one parameter."""

    distribution: Literal["uniform", "loguniform"] = Field("uniform", description="uniform or loguniform")
    low: float
    high: float

    @model_validator(mode="after")
    def _bounds(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"a loguniform prior needs low > 0, got {self.low}")
        return self


RESUMABLE_SETTINGS = ("budget", "max_generations", "min_epsilon", "predictive_draws", "install")


class Settings(Strict):
    """How the ABC-SMC runs (each can also be given on the command line)."""

    population_size: int = Field(100, ge=10, le=100_000, description="accepted parameter sets per generation")
    max_generations: int = Field(8, ge=1, le=100, description="stop after this many generations")
    min_epsilon: float = Field(0.5, ge=0, description="stop once the acceptance threshold (RMS tolerances) is this small")
    budget: int = Field(3000, ge=1, description="stop after this many parameter sets tried in total (each runs every condition)")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="seed of the sampler and of every run's seed (single worker)")
    predictive_draws: int = Field(20, ge=2, le=10_000, description="posterior draws simulated for the predictive check")
    install: str | None = Field(
        None, description="the shared behaviour file that --install replaces, relative to the target file"
    )


class TargetFile(Strict):
    """A whole target file (see calibration/targets.yaml)."""

    name: SafeName = Field(description="folder name under results/ (letters, digits, _ . -)")
    description: str = ""
    conditions: dict[str, Condition] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    parameters: dict[str, Prior] = Field(min_length=1, description="behaviour.* dotted path -> prior")
    settings: Settings = Field(default_factory=Settings)

    @field_validator("parameters")
    @classmethod
    def _behaviour_only(cls, parameters):
        for path in parameters:
            if not path.startswith("behaviour."):
                raise ValueError(
                    f"'{path}': allowed: behaviour.* paths (the shared behavioural parameters); "
                    "district inputs stay in the scenario files"
                )
        return parameters

    @model_validator(mode="after")
    def _references(self) -> TargetFile:
        names = [t.name for t in self.targets]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"target names {twice} appear twice; allowed: each name once")
        for target in self.targets:
            for condition in (target.condition, (target.denominator() or (target.condition,))[0]):
                if condition not in self.conditions:
                    raise ValueError(
                        f"target '{target.name}': condition '{condition}' is not defined; "
                        f"allowed: one of {sorted(self.conditions)}"
                    )
        return self


def parameter_key(path: str) -> str:
    """A dotted path as an identifier (pyabc stores parameter names as SQL column values)."""
    return path.replace(".", "__")


def parameter_path(key: str) -> str:
    return key.replace("__", ".")


@dataclass
class ConditionOutput:
    """One condition's run: the city's (series, summary) and each district's."""

    city: tuple[Any, dict]
    districts: dict[str, tuple[Any, dict]]

    def value(self, metric: str, district: str | None) -> float:
        """A city metric from the city, a district's from the named district (None: the only one)."""
        if is_city_metric(metric):
            return metric_value(*self.city, metric)
        read = self.districts[district] if district is not None else next(iter(self.districts.values()))
        return metric_value(*read, metric)


@dataclass
class CalibrationSpec:
    """A validated target file with every condition's city resolved (a district file: a city of one)."""

    targets_file: TargetFile
    source: Path
    scenarios: dict[str, dict]  # condition -> resolved city
    condition_districts: dict[str, list[str]]  # condition -> its districts' names
    aliases: dict[str, str]  # district name or scenario name (kranichstein_sued) -> district name
    target_districts: dict[str, str]  # target name -> the district it reads (the city's name for a city metric)

    @property
    def targets(self) -> list[Target]:
        return self.targets_file.targets

    @property
    def parameters(self) -> dict[str, Prior]:
        return self.targets_file.parameters

    @property
    def settings(self) -> Settings:
        return self.targets_file.settings

    def district_of(self, target: Target) -> str:
        return self.target_districts[target.name]

    def fitted(self, districts: list[str] | None) -> list[Target]:
        """The targets a fit uses: all, or those read in the given districts (out-of-sample checks
        hold the others out; a ratio counts only if its denominator's district is fitted too)."""
        if not districts:
            return list(self.targets)
        keep = set(districts)
        return [t for t in self.targets
                if self.district_of(t) in keep and (not t.per or self.denominator_district(t) in keep)]

    def denominator_district(self, target: Target) -> str:
        """Where a ratio's denominator is read: the target's district where its condition has it,
        else that condition's only district (or, for a city metric, its city)."""
        condition, metric = target.denominator()
        names = self.condition_districts[condition]
        if is_city_metric(metric):
            return self.scenarios[condition]["city"]["name"]
        return self.district_of(target) if self.district_of(target) in names else names[0]

    def conditions_for(self, targets: list[Target]) -> list[str]:
        """Conditions the given targets read, in file order."""
        wanted = {t.condition for t in targets} | {t.denominator()[0] for t in targets if t.per}
        return [c for c in self.scenarios if c in wanted]

    def fingerprint(self, districts: list[str] | None = None) -> str:
        payload = {
            # Stopping rules and outputs may change between sessions of one calibration.
            "targets": self.targets_file.model_dump(mode="json", exclude={"settings": set(RESUMABLE_SETTINGS)}),
            "scenarios": self.scenarios,
            "districts": sorted(districts or []),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def load_targets(path: str | Path) -> CalibrationSpec:
    """Read and validate a target file; every condition's scenario, with every parameter at both
    ends of its prior, is validated too, so a bad prior fails here and names the target file."""
    path = Path(path)
    shown = display_path(path)
    spec = validate_model(TargetFile, read_yaml(path), shown)
    cities: dict[str, CityScenario] = {}
    aliases: dict[str, str] = {}
    for name, condition in spec.conditions.items():
        file = relative_scenario_file(path, condition.scenario, f"conditions.{name}.scenario")
        labels = {k: f"{shown}: conditions.{name}.overrides" for k in condition.overrides}
        cities[name] = city = load_city(file, condition.overrides, labels=labels)
        for district in city.districts:
            aliases[district.district.name] = aliases[district.name] = district.district.name
    read = {}
    for target in spec.targets:
        where = f"{shown}: targets.{target.name}"
        read[target.name] = _target_district(target, cities[target.condition], aliases, where)
        _check_month(target.metric, cities[target.condition], f"{where}.metric")
        if target.per:
            condition, metric = target.denominator()
            _check_month(metric, cities[condition], f"{where}.per")
            names = cities[condition].district_names
            if not is_city_metric(metric) and len(names) > 1 and read[target.name] not in names:
                raise ScenarioError(f"{where}.per: condition '{condition}' has no district '{read[target.name]}'; "
                                    f"allowed: a condition with that district, or a district file")
    first = next(iter(cities.values()))
    for parameter, prior in spec.parameters.items():
        try:
            value = paths.get(first.districts[0], parameter)
        except ScenarioError:  # an unknown path: loading the scenario below names it and what is allowed
            value = None
        if value is not None and (isinstance(value, bool) or not isinstance(value, float)):
            raise ScenarioError(
                f"{shown}: parameters.{parameter}: a {type(value).__name__} parameter; allowed: real-valued parameters"
            )
        for end in ("low", "high"):  # an unknown path or a prior outside the allowed range fails here
            labels = {parameter: f"{shown}: parameters.{parameter}.{end}"}
            load_city(first, {parameter: getattr(prior, end)}, labels=labels)
    return CalibrationSpec(spec, path, {n: c.to_dict() for n, c in cities.items()},
                           {n: c.district_names for n, c in cities.items()}, aliases, read)


def _target_district(target: Target, city: CityScenario, aliases: dict[str, str], where: str) -> str:
    """The district a target reads: the named one, a city of one's only one, or for a city
    metric the city itself (its name)."""
    names = city.district_names
    if is_city_metric(target.metric):
        if target.district is not None:
            raise ScenarioError(f"{where}.district = '{target.district}': {target.metric} is the city's own metric; "
                                "allowed: no district for a city metric")
        return city.city.name
    if target.district is None:
        if len(names) > 1:
            raise ScenarioError(f"{where}.district: missing; condition '{target.condition}' is a city of "
                                f"{len(names)} districts; allowed: one of {names}")
        return names[0]
    district = aliases.get(target.district, target.district)
    if district not in names:
        raise ScenarioError(f"{where}.district = '{target.district}': not a district of condition "
                            f"'{target.condition}'; allowed: one of {names}")
    return district


def _check_month(metric: str, city: CityScenario, where: str) -> None:
    _, month = describe_metric(metric)
    if month is not None and month > city.run.months:
        raise ScenarioError(f"{where}: month {month} is past the condition's end; allowed: 0..{city.run.months} (run.months)")


def statistics(targets: list[Target], outputs: dict[str, ConditionOutput], read: dict[str, str]) -> dict[str, float]:
    """Target name -> simulated value, from each condition's run (``read``: target -> the district
    it reads, :attr:`CalibrationSpec.target_districts`; a denominator is read in the same district
    where its condition has it, else in its only one)."""
    values = {}
    for target in targets:
        district = read[target.name]
        own = outputs[target.condition]
        value = own.value(target.metric, district if district in own.districts else None)
        if target.per:
            condition, metric = target.denominator()
            known = outputs[condition].districts
            below = outputs[condition].value(metric, district if district in known else None)
            value = value / below if below else math.nan
        values[target.name] = value
    return values


def distance(targets: list[Target], simulated: dict[str, float]) -> float:
    """Weighted root mean square of the capped errors, in tolerances (0 = every pattern met)."""
    total = sum(t.weight * t.error(simulated[t.name]) ** 2 for t in targets)
    return math.sqrt(total / sum(t.weight for t in targets))

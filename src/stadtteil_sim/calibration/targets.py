"""Calibration targets as data: the observed patterns, the simulated conditions they are read
from, the parameters to calibrate with their priors, and the distance between simulated and
observed patterns.

A target file (``calibration/targets.yaml``) names *conditions* (a district scenario plus
overrides, e.g. the no-office baseline), *targets* (a metric of one condition, optionally divided
by a metric of the same or another condition, with an observed value, a tolerance and a
direction) and *parameters* (dotted paths under ``behaviour.``, shared by every condition, so
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
from stadtteil_sim.config.errors import ScenarioError, validate_model
from stadtteil_sim.config.loading import (
    display_path,
    load_scenario,
    read_yaml,
    relative_scenario_file,
)
from stadtteil_sim.config.schema import Scenario, Strict
from stadtteil_sim.experiments.design import SafeName
from stadtteil_sim.model.metrics import check_metric, describe_metric, metric_value

# A target more than this many tolerances away counts as this many: one wild statistic (or a
# ratio of 0/0) should not swamp the others; a NaN statistic counts as this far too.
CAP_TOLERANCES = 3.0


class Condition(Strict):
    """A scenario the targets are read from: one district, possibly with levers changed."""

    scenario: str = Field(description="scenario file, relative to the target file")
    overrides: dict[str, Any] = Field(default_factory=dict, description="dotted paths, e.g. office.enabled: false")


class Target(Strict):
    """One observed pattern as a summary statistic of a condition."""

    name: SafeName = Field(description="short name (letters, digits, _ . -)")
    condition: str = Field(description="the condition the metric is read from")
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
class CalibrationSpec:
    """A validated target file with every condition's scenario resolved."""

    targets_file: TargetFile
    source: Path
    scenarios: dict[str, dict]  # condition -> resolved scenario
    districts: dict[str, str]  # condition -> district name
    aliases: dict[str, str]  # district name or scenario name (kranichstein_sued) -> district name

    @property
    def targets(self) -> list[Target]:
        return self.targets_file.targets

    @property
    def parameters(self) -> dict[str, Prior]:
        return self.targets_file.parameters

    @property
    def settings(self) -> Settings:
        return self.targets_file.settings

    def fitted(self, districts: list[str] | None) -> list[Target]:
        """The targets a fit uses: all, or those of the given districts' conditions (out-of-sample
        checks hold the others out; a ratio counts only if both its conditions are fitted)."""
        if not districts:
            return list(self.targets)
        keep = {c for c, d in self.districts.items() if d in districts}
        return [t for t in self.targets if t.condition in keep and (t.denominator() or (t.condition,))[0] in keep]

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
    scenarios: dict[str, dict] = {}
    districts: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for name, condition in spec.conditions.items():
        file = relative_scenario_file(path, condition.scenario, f"conditions.{name}.scenario")
        labels = {k: f"{shown}: conditions.{name}.overrides" for k in condition.overrides}
        scenario = load_scenario(file, condition.overrides, labels=labels)
        scenarios[name], districts[name] = scenario.to_dict(), scenario.district.name
        aliases[scenario.district.name] = aliases[scenario.name] = scenario.district.name
        for target in spec.targets:
            if target.condition == name:
                _check_month(target.metric, scenario, f"{shown}: targets.{target.name}.metric")
            if target.per and target.denominator()[0] == name:
                _check_month(target.denominator()[1], scenario, f"{shown}: targets.{target.name}.per")
    first = next(iter(scenarios.values()))
    current = Scenario.model_validate(first)
    for parameter, prior in spec.parameters.items():
        try:
            value = paths.get(current, parameter)
        except ScenarioError:  # an unknown path: loading the scenario below names it and what is allowed
            value = None
        if value is not None and (isinstance(value, bool) or not isinstance(value, float)):
            raise ScenarioError(
                f"{shown}: parameters.{parameter}: a {type(value).__name__} parameter; allowed: real-valued parameters"
            )
        for end in ("low", "high"):  # an unknown path or a prior outside the allowed range fails here
            labels = {parameter: f"{shown}: parameters.{parameter}.{end}"}
            load_scenario(first, {parameter: getattr(prior, end)}, labels=labels)
    return CalibrationSpec(spec, path, scenarios, districts, aliases)


def _check_month(metric: str, scenario: Scenario, where: str) -> None:
    _, month = describe_metric(metric)
    if month is not None and month > scenario.run.months:
        raise ScenarioError(f"{where}: month {month} is past the condition's end; allowed: 0..{scenario.run.months} (run.months)")


def statistics(targets: list[Target], outputs: dict[str, tuple[Any, dict]]) -> dict[str, float]:
    """Target name -> simulated value, from each condition's (timeseries, summary)."""
    values = {}
    for target in targets:
        value = metric_value(*outputs[target.condition], target.metric)
        if target.per:
            condition, metric = target.denominator()
            below = metric_value(*outputs[condition], metric)
            value = value / below if below else math.nan
        values[target.name] = value
    return values


def distance(targets: list[Target], simulated: dict[str, float]) -> float:
    """Weighted root mean square of the capped errors, in tolerances (0 = every pattern met)."""
    total = sum(t.weight * t.error(simulated[t.name]) ** 2 for t in targets)
    return math.sqrt(total / sum(t.weight for t in targets))

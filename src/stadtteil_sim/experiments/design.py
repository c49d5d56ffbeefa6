"""Experiment files: base scenarios, factors (a grid and/or named variants), replicates, seeds,
what to keep and the objectives, expanded into one task per run.

The design is paired: replicate r has the same seed in every variant and base scenario, so with
the model's common random numbers a difference between two timings is estimated per replicate.
With a parameter sample (``parameters.sample``), replicate r also uses the same draw from it
everywhere, so differences stay paired while the spread over replicates includes parameter
uncertainty. This module only describes runs; :mod:`stadtteil_sim.experiments.batch` executes them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, Field, field_validator, model_validator

from stadtteil_sim.config.city import CityScenario, load_city
from stadtteil_sim.config.errors import ScenarioError, validate_model
from stadtteil_sim.config.loading import display_path, read_yaml, relative_scenario_file
from stadtteil_sim.config.schema import Strict
from stadtteil_sim.experiments.param_sample import ParameterSample, draw_rows, read_sample
from stadtteil_sim.experiments.uncertainty import Uncertainties, condition_sample
from stadtteil_sim.model.indicators import CITY_INDICATORS, INDICATORS, SUMMARY_MONTHS
from stadtteil_sim.model.metrics import check_metric, describe_metric

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_name(name: str) -> str:
    """Names that become folder or file names (experiments, targets, analyses)."""
    if not NAME.match(name):
        raise ValueError("not usable as a folder name; allowed: letters, digits, _ . - (not starting with . _ or -)")
    return name


SafeName = Annotated[str, AfterValidator(check_name)]


class Keep(Strict):
    """Which indicators of the monthly series to store, and at which months (default: all)."""

    indicators: Literal["all"] | list[str] = Field(
        "all", description="indicator names (a district's, or in a city of several districts the city's), or 'all'"
    )
    months: Literal["all"] | list[int] = Field("all", description="months to store, or 'all'")

    @field_validator("indicators")
    @classmethod
    def _known(cls, value):
        if isinstance(value, list):
            unknown = [v for v in value if v not in INDICATORS and v not in CITY_INDICATORS]
            if unknown:
                raise ValueError(f"unknown indicator(s) {unknown}; allowed: {', '.join([*INDICATORS, *CITY_INDICATORS])}")
        return value


class Parameters(Strict):
    """Where the replicates' parameter values come from (see :mod:`stadtteil_sim.experiments.param_sample`)."""

    sample: str = Field(
        min_length=1,
        description="CSV or Parquet file, relative to the experiment file: a column per dotted path, optional 'weight'",
    )


class Threshold(Strict):
    """A condition a plan must meet in a run to count as satisficing there."""

    at_least: float | None = Field(None, description="the metric must be at least this")
    at_most: float | None = Field(None, description="the metric must be at most this")

    @model_validator(mode="after")
    def _one(self) -> Threshold:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least or at_most")
        return self

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where the threshold holds (a missing value never does)."""
        with np.errstate(invalid="ignore"):
            return values >= self.at_least if self.at_least is not None else values <= self.at_most


class Question(Strict):
    """A question for scenario discovery: in which conditions does a case of interest occur? The
    case is that ``plan`` fails a threshold (``fails``), or that it beats another plan
    (``beats``) on ``metric`` (default: the primary objective)."""

    question: str = Field(min_length=1, description="the question in the report's words, e.g. 'Wann scheitert eine frühe Übergabe?'")
    plan: str = Field(description="the variant asked about")
    fails: dict[str, Threshold] = Field(
        default_factory=dict, description="metric -> threshold: the case is a run where the plan misses any of them"
    )
    beats: str | None = Field(None, description="another variant: the case is a run where the plan does better than it")
    metric: str | None = Field(None, description="the metric of 'beats' (default: the primary objective)")

    @model_validator(mode="after")
    def _one_case(self) -> Question:
        if bool(self.fails) == (self.beats is not None):
            raise ValueError("give exactly one of 'fails' (thresholds) or 'beats' (another variant)")
        for metric in [*self.fails, *([self.metric] if self.metric else [])]:
            check_metric(metric)
        return self


class Experiment(Strict):
    """One experiment file (see experiments/handover_timing.yaml for a commented example)."""

    name: SafeName = Field(description="folder name under results/ (letters, digits, _ . -)")
    description: str = Field("", description="what the experiment asks")
    scenarios: list[str] = Field(
        min_length=1,
        description="base scenario files, relative to the experiment file: district files (each a city of one, "
        "with its own office) or city files",
    )
    overrides: dict[str, Any] = Field(default_factory=dict, description="dotted paths set in every run, e.g. run.months: 96")
    grid: dict[str, list[Any] | dict[str, dict[str, Any]]] = Field(
        default_factory=dict,
        description="factors crossed in full: a dotted path with a list of values, or a factor name with named levels, each a mapping of dotted paths",
    )
    variants: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="named variants (mappings of dotted paths), run besides the grid"
    )
    reference: str | None = Field(None, description="the variant the others are compared with (default: the first)")
    replicates: int = Field(10, ge=1, le=100_000, description="replicates per variant and base scenario (paired: same seeds)")
    seed: int = Field(1, ge=0, le=2**63 - 1, description="root seed; replicate r's seed is derived from it and r")
    keep: Keep = Field(default_factory=Keep, description="what of the monthly series to store")
    objectives: dict[str, Literal["maximise", "minimise"]] = Field(
        default_factory=dict, description="metric -> maximise | minimise; the first is the primary objective"
    )
    budget: dict[str, float] = Field(
        default_factory=dict, description="metric -> upper bound on its mean, e.g. office_staff_hours_total: 5000"
    )
    metrics: list[str] = Field(
        default_factory=list, description="further metrics (INDICATOR@MONTH) stored in each run's row, e.g. token_index@36"
    )
    parameters: Parameters | None = Field(
        None, description="replicate r uses draw r of a weighted resample of a parameter sample, in every variant"
    )
    uncertainties: Uncertainties | None = Field(
        None, description="conditions from a Latin hypercube over ranges, each crossed with every variant and run "
        "'replicates' times (paired: the same seeds and values in every variant)"
    )
    satisficing: dict[str, Threshold] = Field(
        default_factory=dict, description="metric -> at_least | at_most: a plan satisfices in a run where all hold"
    )
    discovery: dict[SafeName, Question] = Field(
        default_factory=dict, description="name -> a question for scenario discovery (PRIM over the conditions)"
    )

    @field_validator("grid")
    @classmethod
    def _levels(cls, grid):
        for factor, levels in grid.items():
            if len(levels) == 0:
                raise ValueError(f"factor '{factor}' has no levels; allowed: a non-empty list or mapping")
            if isinstance(levels, dict):
                if "." in factor:
                    raise ValueError(
                        f"factor '{factor}' with named levels needs a plain name (no dots); "
                        "allowed: e.g. handover: {{'36': {{office.handover_month: 36}}, stable: {{office.handover_rule: stable}}}}"
                    )
                for label in levels:
                    if not NAME.match(str(label)):
                        raise ValueError(f"level name '{label}' of factor '{factor}'; allowed: letters, digits, _ . -")
            elif len({json.dumps(v, sort_keys=True, default=str) for v in levels}) != len(levels):
                raise ValueError(f"factor '{factor}' lists a value twice; allowed: each value once")
        return grid

    @field_validator("objectives", "budget", "metrics", "satisficing")
    @classmethod
    def _metrics(cls, value):
        for metric in value:
            check_metric(metric)
        return value

    @model_validator(mode="after")
    def _reference(self) -> Experiment:
        names = [v.name for v in expand_variants(self)]
        for name in self.variants:
            if name in names[: len(names) - len(self.variants)]:
                raise ValueError(f"variant name '{name}' is also a grid variant's name; allowed: a different name")
        if self.reference is not None and self.reference not in names:
            raise ValueError(f"reference '{self.reference}' is not a variant; allowed: one of {names}")
        if self.parameters is not None and self.uncertainties is not None:
            raise ValueError("both 'parameters' (a sample) and 'uncertainties' (ranges); allowed: one source of "
                             "conditions per experiment")
        if self.discovery and self.parameters is None and self.uncertainties is None:
            raise ValueError("'discovery' needs conditions to search; allowed: with an 'uncertainties' section "
                             "(or a 'parameters' sample)")
        fixed = [p for p in (self.uncertainties.ranges if self.uncertainties else {}) if p in self.overrides]
        if fixed:
            raise ValueError(f"uncertainties.ranges {fixed}: also set in overrides; allowed: a path in one of them")
        for key, question in self.discovery.items():
            for role, variant in (("plan", question.plan), ("beats", question.beats)):
                if variant is not None and variant not in names:
                    raise ValueError(f"discovery.{key}.{role}: '{variant}' is not a variant; allowed: one of {names}")
            if question.beats is not None and not (question.metric or self.objectives):
                raise ValueError(f"discovery.{key}: 'beats' needs a 'metric' or an objective; allowed: e.g. "
                                 "metric: participation_month_84")
        return self

    @property
    def all_metrics(self) -> list[str]:
        """Every metric the experiment names: objectives, budget, further metrics, satisficing
        thresholds and discovery questions, each once."""
        asked = [m for q in self.discovery.values() for m in [*q.fails, *([q.metric] if q.metric else [])]]
        return list(dict.fromkeys([*self.objectives, *self.budget, *self.metrics, *self.satisficing, *asked]))

    @property
    def conditions(self) -> int:
        """Replicate slots: the replicates, times the conditions where uncertainties are drawn."""
        return self.replicates * (self.uncertainties.conditions if self.uncertainties else 1)


@dataclass(frozen=True)
class Variant:
    """One setting of the factors: its name, the overrides it applies and its grid levels."""

    name: str
    overrides: dict[str, Any]
    levels: dict[str, str] = field(default_factory=dict)  # factor -> level label (grid variants only)


def factor_name(factor: str) -> str:
    """Short name of a factor: the last part of a dotted path (``office.handover_month`` -> ``handover_month``)."""
    return factor.rsplit(".", 1)[-1]


def factor_levels(experiment: Experiment) -> dict[str, list[str]]:
    """Factor short name -> its level labels, in the order the file gives them."""
    return {factor_name(f): [_label(v) for v in levels] for f, levels in experiment.grid.items()}


def _label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def expand_variants(experiment: Experiment) -> list[Variant]:
    """The grid's full factorial (in file order, last factor fastest), then the named variants."""
    variants = []
    if experiment.grid:
        axes = []
        for factor, levels in experiment.grid.items():
            if isinstance(levels, dict):
                axes.append([(factor_name(factor), str(label), dict(over)) for label, over in levels.items()])
            else:
                axes.append([(factor_name(factor), _label(v), {factor: v}) for v in levels])
        for combo in itertools.product(*axes):
            levels = {name: label for name, label, _ in combo}
            overrides: dict[str, Any] = {}
            for _, _, over in combo:
                overrides.update(over)
            variants.append(Variant(" ".join(f"{k}={v}" for k, v in levels.items()), overrides, levels))
    variants += [Variant(name, dict(over)) for name, over in experiment.variants.items()]
    return variants or [Variant("base", {})]


def replicate_seed(root_seed: int, replicate: int) -> int:
    """Seed of replicate r: the same for every variant and base scenario (paired design)."""
    return int(np.random.SeedSequence([root_seed, replicate]).generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run; plain data, so it travels to other processes and machines."""

    run_id: str
    base: str  # base scenario name (a district file's, or a city file's)
    variant: str
    replicate: int
    seed: int
    scenario: dict  # the resolved city (a district file: a city of one)
    keep_indicators: tuple[str, ...]
    keep_months: tuple[int, ...] | None  # None: all months
    metrics: tuple[str, ...]  # INDICATOR@MONTH values to extract into the run table
    parameter_draw: int | None = None  # row of the parameter sample this replicate uses (None: no sample)
    parameters: dict = field(default_factory=dict)  # that row's values the experiment does not set itself
    parameter_paths: tuple[str, ...] = ()  # the sample's columns, stored as param.<path> with the value used


@dataclass
class Design:
    """An experiment resolved against its base scenarios."""

    experiment: Experiment
    source: Path
    bases: dict[str, Path]  # base scenario name -> file
    variants: list[Variant]
    scenarios: dict[tuple[str, str], dict]  # (base, variant) -> resolved city (without a draw)
    tasks: list[Task]
    sample: ParameterSample | None = None
    draws: tuple[int, ...] = ()  # replicate r uses sample row draws[r]
    set_by_experiment: dict[str, list[str]] = field(default_factory=dict)  # variant -> sampled paths it sets itself

    @property
    def reference(self) -> str:
        return self.experiment.reference or self.variants[0].name

    def fingerprint(self) -> str:
        """Hash of everything that decides the results: the experiment, every resolved scenario
        and, with a parameter sample, the sample's content and the rows drawn."""
        payload = {
            "experiment": self.experiment.model_dump(mode="json"),
            "scenarios": {f"{b}|{v}": s for (b, v), s in sorted(self.scenarios.items())},
        }
        if self.sample is not None:
            payload["parameters"] = {"sha256": self.sample.sha256, "draws": list(self.draws)}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def load_experiment(path: str | Path, overrides: dict[str, Any] | None = None) -> Design:
    """Read, validate and expand an experiment file; every scenario it makes is validated too,
    so an impossible combination fails here, before any run, naming the experiment file.
    ``overrides`` (``batch --set``) are added to the file's own, e.g. ``run.scale: 1.0`` for the
    1:1 version of a scaled experiment; the results folder records them with the experiment."""
    path = Path(path)
    experiment = validate_model(Experiment, read_yaml(path), display_path(path))
    if overrides:
        experiment = experiment.model_copy(update={"overrides": {**experiment.overrides, **overrides}})
    return make_design(experiment, path, command_line=frozenset(overrides or ()))


def make_design(experiment: Experiment, path: Path, command_line: frozenset[str] = frozenset()) -> Design:
    """Expand a validated experiment into tasks; scenario files are relative to ``path``'s
    folder and messages name ``path`` (built in memory by, e.g., the sensitivity analysis), or
    ``--set`` for the overrides in ``command_line``."""
    path = Path(path)
    shown = display_path(path)
    variants = expand_variants(experiment)
    bases: dict[str, Path] = {}
    loaded: dict[str, CityScenario] = {}  # base name -> its city with the experiment's overrides
    scenarios: dict[tuple[str, str], dict] = {}
    for entry in experiment.scenarios:
        file = relative_scenario_file(path, entry, "scenarios")
        labels = {k: "--set" if k in command_line else f"{shown}: overrides" for k in experiment.overrides}
        base = load_city(file, experiment.overrides, labels=labels)
        if base.name in bases:
            raise ScenarioError(f"{shown}: scenarios: two files have the scenario name '{base.name}'; allowed: distinct names")
        bases[base.name] = file
        loaded[base.name] = base
        for variant in variants:
            where = f"variant '{variant.name}'" if not variant.levels else "grid"
            variant_labels = {**labels, **{k: f"{shown}: {where}" for k in variant.overrides}}
            try:
                # A city of one takes the variant on its loaded scenario; a city of several from
                # its file, so an office month counts from each district's own start, as written.
                resolved = (load_city(base, variant.overrides, labels=variant_labels) if base.one_district else
                            load_city(file, {**experiment.overrides, **variant.overrides}, labels=variant_labels))
            except ScenarioError as exc:
                raise ScenarioError(f"{exc}\n{shown}: (in variant '{variant.name}' of scenario '{base.name}')") from None
            scenarios[(base.name, variant.name)] = resolved.to_dict()
    horizon = min(s["run"]["months"] for s in scenarios.values())
    _check_months(experiment, horizon, shown)
    everything = (*INDICATORS, *CITY_INDICATORS)  # the city's only where a city has several districts
    keep_ind = everything if experiment.keep.indicators == "all" else tuple(experiment.keep.indicators)
    keep_months = None if experiment.keep.months == "all" else tuple(sorted(set(experiment.keep.months)))
    metrics = tuple(m for m in experiment.all_metrics if describe_metric(m)[1] is not None)
    sample, draws, own = None, (), {v.name: set() for v in variants}
    slots = experiment.conditions
    if experiment.parameters is not None:
        sample = read_sample(path.parent / experiment.parameters.sample, loaded, f"{shown}: parameters.sample")
        draws = tuple(int(r) for r in draw_rows(sample.weights, len(sample.values), experiment.replicates, experiment.seed))
    elif experiment.uncertainties is not None:
        sample = condition_sample(experiment.uncertainties, loaded, experiment.seed, path, f"{shown}: uncertainties")
        draws = tuple(r // experiment.replicates for r in range(slots))  # condition c's replicates side by side
    if sample is not None:
        _check_city_clock(sample, loaded, shown)
        own = {v.name: _set_by(sample.columns, [*experiment.overrides, *v.overrides]) for v in variants}
        _check_draws(sample, sorted(set(draws)), loaded, scenarios, variants, experiment, own, shown)
    # One dict per drawn row, shared by every task that applies all of it (tasks already share
    # their (base, variant) scenario), so a large design holds no copies of scenarios or rows.
    rows = {row: sample.row(row) for row in set(draws)} if sample is not None else {}
    tasks = []
    for base_name in bases:
        for index, variant in enumerate(variants):
            for r in range(slots):
                values = rows[draws[r]] if sample is not None else {}
                if own[variant.name]:
                    values = {p: v for p, v in values.items() if p not in own[variant.name]}
                tasks.append(
                    Task(
                        run_id=f"{base_name}__v{index:03d}__r{r:04d}",
                        base=base_name,
                        variant=variant.name,
                        replicate=r,
                        seed=replicate_seed(experiment.seed, r),
                        scenario=scenarios[(base_name, variant.name)],
                        keep_indicators=keep_ind,
                        keep_months=keep_months,
                        metrics=tuple(dict.fromkeys(metrics)),
                        parameter_draw=draws[r] if sample is not None else None,
                        parameters=values,
                        parameter_paths=tuple(sample.columns) if sample is not None else (),
                    )
                )
    set_by = {name: sorted(paths) for name, paths in own.items() if paths}
    return Design(experiment, path, bases, variants, scenarios, tasks, sample, draws, set_by)


def _set_by(columns: list[str], paths: list[str]) -> set[str]:
    """The sampled columns the experiment sets itself (the path, or a section holding it):
    its own value wins over the draw, since the analyst asked for it."""
    return {c for c in columns if any(c == p or c.startswith(p + ".") for p in paths)}


def _check_city_clock(sample: ParameterSample, loaded: dict[str, CityScenario], shown: str) -> None:
    """A drawn value is set on the resolved city at run time, where every district counts months
    from the city's month 0: an office month would mean another month in a district that starts
    later, so a city of several districts takes no office months from a sample."""
    months = [c for c in sample.columns if c.startswith("office.") and c.endswith("_month")]
    cities = [name for name, city in loaded.items() if not city.one_district]
    if months and cities:
        key = "uncertainties.ranges" if sample.hypercube else "parameters.sample: column(s)"
        raise ScenarioError(
            f"{shown}: {key} {months} in a city of several districts ('{cities[0]}'); "
            "allowed: office months as grid factors or variants there, behavioural parameters in the sample"
        )


def _check_draws(sample: ParameterSample, rows: list[int], loaded: dict[str, CityScenario],
                 scenarios: dict[tuple[str, str], dict], variants: list[Variant], experiment: Experiment,
                 own: dict[str, set[str]], shown: str) -> None:
    """Every drawn row must make a valid scenario wherever it is used (ranges and types of all
    rows were checked on reading; what is left are checks across values, e.g. of the office's
    months). The schema's cross-checks stay within one top-level section (district, office,
    ...), so a row checked against a base scenario holds in every variant that sets nothing in
    the sections the sample touches; the other variants are checked row by row."""
    sections = {c.split(".")[0] for c in sample.columns}
    fixed = _set_by(sample.columns, list(experiment.overrides))
    sample_shown = display_path(sample.file)
    for base_name, base in loaded.items():
        checks: list[tuple[CityScenario | dict, set[str], str]] = [(base, fixed, "")]
        checks += [(scenarios[(base_name, v.name)], own[v.name], f" in variant '{v.name}'")
                   for v in variants if sections & {p.split(".")[0] for p in v.overrides}]
        for source, skip, where in checks:
            for row in rows:
                values = {p: v for p, v in sample.row(row).items() if p not in skip}
                labels = {p: (f"{shown}: uncertainties, condition {row}, path '{p}'" if sample.hypercube
                              else f"{sample_shown}: row {row}, column '{p}'") for p in values}
                try:
                    load_city(source, values, labels=labels)
                except ScenarioError as exc:
                    raise ScenarioError(
                        f"{exc}\n{shown}: ({'uncertainties' if sample.hypercube else 'parameters.sample'}, "
                        f"{sample.row_name} {row}{where} of scenario '{base_name}')"
                    ) from None


def _check_months(experiment: Experiment, horizon: int, shown: str) -> None:
    """Months named by keep.months or by INDICATOR@MONTH metrics must lie within every run."""
    if isinstance(experiment.keep.months, list):
        late = [m for m in experiment.keep.months if m > horizon or m < 0]
        if late:
            raise ScenarioError(f"{shown}: keep.months = {late}: outside the runs; allowed: 0..{horizon} (run.months)")
    sections = {"objectives": experiment.objectives, "budget": experiment.budget, "metrics": experiment.metrics,
                "satisficing": experiment.satisficing,
                **{f"discovery.{k}": [*q.fails, *([q.metric] if q.metric else [])] for k, q in experiment.discovery.items()}}
    for section, named in sections.items():
        for metric in named:
            name, month = describe_metric(metric)
            month = SUMMARY_MONTHS.get(name, month)
            if month is not None and month > horizon:
                raise ScenarioError(f"{shown}: {section}.{metric}: month {month} is past the runs' end; allowed: 0..{horizon} (run.months)")

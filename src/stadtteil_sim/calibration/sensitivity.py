"""Sensitivity analysis of the model's outputs to its behavioural parameters: Morris screening
(which parameters matter at all) and Sobol indices (how much of the output's variance each one
explains, alone and with the others).

A spec file (``calibration/sensitivity.yaml`` is commented) names base scenarios, parameters
with their ranges and the outputs. A parameter must be an uncertainty or a lever the schema
declares (``config/schema.py``); ``plausible`` instead of a range, or ``parameters: all
uncertainties``, takes the ranges declared there. SALib draws the design points; every point becomes a named
variant of an in-memory :class:`~stadtteil_sim.experiments.design.Experiment`, so the runs go through the
batch engine (any executor, a resumable store, failures recorded) with paired seeds: replicate r
has the same seed at every point. An output is averaged over the replicates of a point, then
SALib computes the indices. :func:`design_points` and :func:`indices` take plain arrays, so the
numerics can be checked on test functions without the model.
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, field_validator
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from stadtteil_sim.config.city import load_city
from stadtteil_sim.config.errors import ScenarioError, validate_model
from stadtteil_sim.config.loading import display_path, read_yaml, relative_scenario_file
from stadtteil_sim.config.schema import Strict, iter_parameters
from stadtteil_sim.experiments.analysis import Plan as RunPlan
from stadtteil_sim.experiments.analysis import units
from stadtteil_sim.experiments.atomic import write_bytes, write_figure
from stadtteil_sim.experiments.batch import BatchSummary, run_batch
from stadtteil_sim.experiments.design import (
    Design,
    Experiment,
    Keep,
    SafeName,
    make_design,
    replicate_seed,
)
from stadtteil_sim.experiments.executors import ExecutorSpec
from stadtteil_sim.experiments.ownership import claim_folder
from stadtteil_sim.experiments.store import is_batch_folder, load_results
from stadtteil_sim.experiments.uncertainty import (
    ALL_UNCERTAINTIES,
    PLAUSIBLE,
    check_pairs,
    declared_ranges,
)
from stadtteil_sim.model.metrics import check_metric, describe_metric, is_city_metric

METHODS = ("morris", "sobol")
VARIED = ("uncertainty", "lever")  # the roles a spec may vary (config/schema.py declares them)
COLUMNS = {
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}


class MorrisSettings(Strict):
    """Morris screening (elementary effects): trajectories x (parameters + 1) design points."""

    trajectories: int = Field(10, ge=2, le=10_000, description="random trajectories through the grid (each changes every parameter once)")
    levels: int = Field(4, ge=2, le=100, description="grid levels per parameter (even)")

    @field_validator("levels")
    @classmethod
    def _even(cls, levels):
        if levels % 2:
            raise ValueError(f"{levels} is odd; allowed: an even number (SALib's Morris grid is biased otherwise)")
        return levels


class SobolSettings(Strict):
    """Sobol indices (Saltelli's scheme): base_samples x (parameters + 2) design points, or
    base_samples x (2 x parameters + 2) with second-order indices."""

    base_samples: int = Field(64, ge=2, le=2**20, description="N of Saltelli's scheme, a power of 2")
    second_order: bool = Field(False, description="also estimate the pairwise indices S2 (about twice the runs)")

    @field_validator("base_samples")
    @classmethod
    def _power_of_two(cls, n):
        if n & (n - 1):
            raise ValueError(
                f"{n} is not a power of 2; allowed: a power of 2 such as {1 << (n.bit_length() - 1)} or {1 << n.bit_length()} "
                "(the Sobol sequence keeps its balance only then)"
            )
        return n


class SensitivitySpec(Strict):
    """One sensitivity spec file."""

    name: SafeName = Field(description="folder name under results/sensitivity/ (letters, digits, _ . -)")
    description: str = Field("", description="what the analysis asks")
    scenarios: list[str] = Field(min_length=1, description="base scenario files, relative to the spec file")
    overrides: dict[str, Any] = Field(default_factory=dict, description="dotted paths set in every run, e.g. run.months: 72")
    parameters: dict[str, list[float]] = Field(
        min_length=1,
        description=f"dotted path of a real-valued uncertainty or lever -> [low, high] or '{PLAUSIBLE}' (its declared "
        f"range), sampled uniformly; or '{ALL_UNCERTAINTIES}' (each over its declared range)",
    )
    outputs: list[str] = Field(min_length=1, description="a summary value or INDICATOR@MONTH per output")
    replicates: int = Field(2, ge=1, le=10_000, description="runs per design point and base scenario (paired: same seeds at every point)")
    seed: int = Field(1, ge=0, le=2**63 - 1, description="root seed of the design points, the replicates' seeds and the bootstrap")
    morris: MorrisSettings = Field(default_factory=MorrisSettings)
    sobol: SobolSettings = Field(default_factory=SobolSettings)

    @field_validator("parameters", mode="before")
    @classmethod
    def _declared_ranges(cls, parameters, info):
        """'all uncertainties' and 'plausible' become the ranges the schema declares."""
        fixed = info.data.get("overrides") or {}
        return declared_ranges(parameters, fixed)

    @field_validator("parameters")
    @classmethod
    def _ranges(cls, parameters):
        return check_pairs(parameters)

    @field_validator("outputs")
    @classmethod
    def _metrics(cls, outputs):
        for metric in outputs:
            check_metric(metric)
        if len(set(outputs)) != len(outputs):
            raise ValueError("an output is listed twice; allowed: each output once")
        return outputs


def load_spec(path: str | Path) -> SensitivitySpec:
    """Read and validate a spec file, against its base scenarios too: every parameter must be a
    real-valued uncertainty or lever of the scenario schema with [low, high] inside its allowed
    range, and every INDICATOR@MONTH output within the runs. Raises ``ScenarioError`` naming the
    file and key."""
    path = Path(path)
    spec = validate_model(SensitivitySpec, read_yaml(path), display_path(path))
    _check_against_scenarios(spec, path)
    return spec


def _check_against_scenarios(spec: SensitivitySpec, path: Path) -> None:
    shown = display_path(path)
    problems: list[str] = []
    for entry in spec.scenarios:
        file = relative_scenario_file(path, entry, "scenarios")
        city = load_city(file, spec.overrides, labels={k: f"{shown}: overrides" for k in spec.overrides})
        base = city.districts[0]  # a parameter is set in every district of a city alike
        rows = {row["path"]: row for row in iter_parameters(base)}
        floats = [p for p, row in rows.items() if row["type"] == "float" and row["role"] in VARIED]
        for dotted, (low, high) in spec.parameters.items():
            if dotted in spec.overrides:
                problems.append(f"{shown}: parameters.{dotted}: also set in overrides; allowed: a parameter or an override, not both")
            elif dotted not in rows:
                close = difflib.get_close_matches(dotted, floats, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(
                    f"{shown}: parameters.{dotted}: not a parameter of scenario '{city.name}'{hint}; "
                    "allowed: the dotted path of a real-valued uncertainty or lever (stadtteil-sim params lists them)"
                )
            elif rows[dotted]["role"] not in VARIED:
                problems.append(
                    f"{shown}: parameters.{dotted}: is {_article(rows[dotted]['role'])} {rows[dotted]['role']}, not an "
                    "uncertainty or a lever; allowed: the uncertainties and levers the schema declares "
                    "(stadtteil-sim params shows each path's role)"
                )
            elif rows[dotted]["type"] != "float":
                problems.append(
                    f"{shown}: parameters.{dotted}: is of type {rows[dotted]['type']} ({rows[dotted]['allowed']}); "
                    "allowed: float parameters (sampled continuously)"
                )
            else:
                for value in (low, high):
                    try:
                        load_city(city, {dotted: value}, labels={dotted: f"{shown}: parameters"})
                    except ScenarioError as exc:
                        problems.append(str(exc))
        horizon = base.run.months
        for metric in spec.outputs:
            _, month = describe_metric(metric)
            if month is not None and month > horizon:
                problems.append(
                    f"{shown}: outputs: {metric}: month {month} is past the end of scenario '{city.name}'s runs; "
                    f"allowed: 0..{horizon} (run.months)"
                )
    if problems:
        raise ScenarioError("\n".join(dict.fromkeys(problems)))


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


# ------------------------------------------------------------------ plain numerics (SALib)
def problem(spec: SensitivitySpec) -> dict[str, Any]:
    """SALib's problem description: the parameters and their uniform ranges."""
    return {
        "num_vars": len(spec.parameters),
        "names": list(spec.parameters),
        "bounds": [list(bounds) for bounds in spec.parameters.values()],
    }


def design_points(problem: Mapping[str, Any], settings: MorrisSettings | SobolSettings, seed: int) -> np.ndarray:
    """The design points (one row each, columns in ``problem['names']`` order), drawn reproducibly
    from ``seed``: Morris trajectories, or Saltelli's A, B and AB_i matrices from a scrambled
    Sobol sequence."""
    if isinstance(settings, MorrisSettings):
        return morris_sample.sample(dict(problem), settings.trajectories, num_levels=settings.levels, seed=seed)
    return sobol_sample.sample(dict(problem), settings.base_samples, calc_second_order=settings.second_order, seed=seed)


def _method_name(settings: MorrisSettings | SobolSettings) -> str:
    return "morris" if isinstance(settings, MorrisSettings) else "sobol"


def indices(
    problem: Mapping[str, Any],
    settings: MorrisSettings | SobolSettings,
    X: np.ndarray,
    Y: Mapping[str, np.ndarray],
    seed: int,
) -> pd.DataFrame:
    """One row per output and parameter: Morris ``mu, mu_star, mu_star_conf, sigma`` or Sobol
    ``S1, S1_conf, ST, ST_conf`` (conf: half-width of the 95 % bootstrap interval). Morris
    effects are changes of the output per full range of a parameter (SALib's elementary effects
    on the unit scale), so mu_star compares parameters in the output's own units.

    ``Y`` maps an output name to its value at every row of ``X``. SALib's estimators need every
    point, so an output with a NaN at any point gets NaN indices, and one that is the same at
    every point (no variance to apportion) gets NaN Sobol indices; the ``note`` column says which.
    """
    method = _method_name(settings)
    rows = []
    for output, values in Y.items():
        y = np.asarray(values, dtype=float)
        result, note = _analyse(problem, settings, X, y, seed)
        for i, name in enumerate(problem["names"]):
            row = {"output": output, "parameter": name}
            row.update({c: float(result[c][i]) if result else math.nan for c in COLUMNS[method]})
            row["note"] = note
            rows.append(row)
    return pd.DataFrame(rows, columns=["output", "parameter", *COLUMNS[method], "note"])


def second_order_indices(
    problem: Mapping[str, Any], settings: SobolSettings, Y: Mapping[str, np.ndarray], seed: int
) -> pd.DataFrame:
    """Sobol's pairwise indices S2 (with ``second_order: true``): one row per output and pair."""
    names = problem["names"]
    rows = []
    for output, values in Y.items():
        result, note = _analyse(problem, settings, None, np.asarray(values, dtype=float), seed)
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                rows.append({
                    "output": output, "parameter": names[i], "other": names[j],
                    "S2": float(result["S2"][i, j]) if result else math.nan,
                    "S2_conf": float(result["S2_conf"][i, j]) if result else math.nan,
                    "note": note,
                })  # fmt: skip
    return pd.DataFrame(rows, columns=["output", "parameter", "other", "S2", "S2_conf", "note"])


def _analyse(problem, settings, X, y: np.ndarray, seed: int) -> tuple[dict | None, str]:
    missing = int(np.isnan(y).sum())
    if missing:
        return None, f"{missing} of {len(y)} design points without a value: indices not computed"
    if isinstance(settings, MorrisSettings):
        result = morris_analysis.analyze(dict(problem), X, y, num_levels=settings.levels, seed=seed)
        return result, ""
    if np.ptp(y) == 0:
        return None, "the output is the same at every design point: no variance to apportion"
    return sobol_analysis.analyze(dict(problem), y, calc_second_order=settings.second_order, seed=seed), ""


# ------------------------------------------------------------------ runs through the batch engine
@dataclass
class Plan:
    """One method's design points and the batch that runs them. A point the sampler draws twice
    (a Morris grid can) is one variant, run once: its runs would be identical."""

    method: str
    settings: MorrisSettings | SobolSettings
    points: np.ndarray  # design points in the sampler's order
    point_variant: np.ndarray  # row of ``points`` -> index of its variant
    design: Design

    @property
    def runs(self) -> int:
        return len(self.design.tasks)


@dataclass
class Analysis:
    """A validated spec with the design of each requested method."""

    spec: SensitivitySpec
    problem: dict[str, Any]
    plans: dict[str, Plan]

    def default_folder(self) -> Path:
        return Path("results") / "sensitivity" / self.spec.name


def prepare(spec_path: str | Path, methods: Iterable[str] = METHODS) -> Analysis:
    """Validate the spec and build each method's batch design (every scenario it makes is
    validated too), before any run."""
    source = Path(spec_path)
    spec = load_spec(source)
    prob = problem(spec)
    plans = {}
    for method in methods:
        if method not in METHODS:
            raise ScenarioError(f"method '{method}': allowed: {', '.join(METHODS)}")
        settings = spec.morris if method == "morris" else spec.sobol
        points = design_points(prob, settings, spec.seed)
        first: dict[tuple[float, ...], int] = {}
        point_variant = np.array([first.setdefault(tuple(row), len(first)) for row in points])
        variants = {
            f"p{i:05d}": {name: float(value) for name, value in zip(prob["names"], row, strict=True)}
            for i, row in enumerate(first)
        }
        experiment = Experiment(
            name=f"{spec.name}_{method}",
            description=spec.description,
            scenarios=spec.scenarios,
            overrides=spec.overrides,
            variants=variants,
            replicates=spec.replicates,
            seed=spec.seed,
            keep=Keep(indicators=[], months=[]),  # the outputs are in each run's row
            metrics=list(spec.outputs),
        )
        plans[method] = Plan(method, settings, points, point_variant, make_design(experiment, source))
    return Analysis(spec, prob, plans)


def stored_runs(plan: Plan, folder: Path) -> int:
    """Runs of ``plan`` already committed under ``folder`` (a rerun skips them)."""
    runs = folder / plan.method / "runs"
    ids = {t.run_id for t in plan.design.tasks}
    return sum(1 for p in runs.glob("*.parquet") if p.stem in ids) if runs.is_dir() else 0


def measure_run_seconds(analysis: Analysis) -> float:
    """Wall time of one run of the first base scenario at the spec's overrides (for the budget)."""
    from stadtteil_sim.model.runner import run_city

    plan = next(iter(analysis.plans.values()))
    scenario = next(iter(plan.design.scenarios.values()))
    started = time.perf_counter()
    run_city(scenario, seed=replicate_seed(analysis.spec.seed, 0))
    return time.perf_counter() - started


def budget_lines(analysis: Analysis, folder: Path, seconds_per_run: float, executor: ExecutorSpec) -> list[str]:
    """Per method: design points x replicates x scenarios = runs, and a rough wall time."""
    parallel = {"serial": 1, "pool": executor.pool_size()}.get(executor.kind, executor.dask_workers)
    lines = []
    for plan in analysis.plans.values():
        design = plan.design
        points, unique = len(plan.points), len(design.variants)
        shown = f"{points} design points" + (f" ({unique} distinct)" if unique != points else "")
        stored = stored_runs(plan, folder)
        todo = plan.runs - stored
        if todo == 0:
            eta = "nothing left to run"
        elif parallel:
            eta = f"about {_duration(todo * seconds_per_run / parallel)} on {executor.describe()}"
        else:  # a cluster of unknown size
            eta = f"{_duration(todo * seconds_per_run)} of worker time on {executor.describe()}"
        lines.append(
            f"{plan.method}: {shown} x {analysis.spec.replicates} replicates x {len(design.bases)} scenarios = "
            f"{plan.runs} runs" + (f", {stored} already stored" if stored else "") + f"; {eta}"
        )
    lines.append(f"(one run measured here: {seconds_per_run:.2f} s)")
    return lines


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


@dataclass
class SensitivityResult:
    folder: Path
    batches: dict[str, BatchSummary]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # method -> indices (methods without failures)
    files: list[Path] = field(default_factory=list)


def is_sensitivity_folder(folder: Path) -> bool:
    """A sensitivity folder written before folders carried a marker: a method's batch inside."""
    return any(is_batch_folder(folder / method) for method in METHODS)


def run_sensitivity(
    spec: str | Path | Analysis,
    out: str | Path | None = None,
    methods: Sequence[str] = METHODS,
    executor: ExecutorSpec | None = None,
    progress: bool = True,
    *,
    force: bool = False,
) -> SensitivityResult:
    """Run the design points of each method (``methods`` applies when ``spec`` is a path; an
    :class:`Analysis` brings its own) into ``out`` (default ``results/sensitivity/<name>``), one
    batch folder per method, then write ``indices_<method>.csv`` / ``.png`` and
    ``points_<method>.csv`` (each point's parameters and outputs). A method whose batch
    recorded failed runs gets no indices: rerun to retry them. A folder holding files the
    program did not write is refused (``OutputError``) unless ``force``."""
    analysis = spec if isinstance(spec, Analysis) else prepare(spec, methods)
    folder = Path(out) if out is not None else analysis.default_folder()
    claim_folder(folder, "sensitivity", force=force, recognise=is_sensitivity_folder)
    result = SensitivityResult(folder, {})
    seed = analysis.spec.seed
    for method, plan in analysis.plans.items():
        result.batches[method] = summary = run_batch(plan.design, folder / method, executor, progress=progress, force=force)
        if summary.failures:
            continue
        points, nan_runs, outputs = _point_means(analysis, plan, folder / method)
        tables, pairs = [], []
        for base in dict.fromkeys(points["scenario"]):
            mine = points[points["scenario"] == base]
            Y = {output: mine[output].to_numpy(dtype=float) for output in outputs[base]}
            table = indices(analysis.problem, plan.settings, plan.points, Y, seed)
            table.insert(0, "scenario", base)
            table["nan_runs"] = table["output"].map(nan_runs[base]).astype(int)
            tables.append(table)
            if method == "sobol" and plan.settings.second_order:
                pair = second_order_indices(analysis.problem, plan.settings, Y, seed)
                pair.insert(0, "scenario", base)
                pairs.append(pair)
        result.tables[method] = table = pd.concat(tables, ignore_index=True)
        result.files.append(_write_csv(table, folder / f"indices_{method}.csv"))
        result.files.append(_write_csv(points, folder / f"points_{method}.csv"))
        if pairs:
            result.files.append(_write_csv(pd.concat(pairs, ignore_index=True), folder / "indices_sobol_s2.csv"))
        result.files.append(plot_indices(table, method, folder / f"indices_{method}.png"))
    return result


def _point_means(analysis: Analysis, plan: Plan, batch_folder: Path
                 ) -> tuple[pd.DataFrame, dict[str, pd.Series], dict[str, list[str]]]:
    """Every design point's parameters and outputs per base scenario (a city of several districts:
    per district, and the city as a whole for the city's outputs), each output averaged over the
    point's replicates. A replicate whose output is NaN (e.g. no handover, so no sustainability
    ratio) is left out of its point's mean; a point with no value at all stays NaN. Also the
    number of NaN runs per base scenario and output, and the outputs each one has."""
    results = load_results(batch_folder)
    runs, run_plan = units(results.runs, RunPlan.from_manifest(results.manifest))
    frames, nan_runs, own = [], {}, {}
    for base in run_plan.bases:
        scope = run_plan.scopes.get(base, "")
        outputs = [m for m in analysis.spec.outputs if not scope or (scope == "city") == is_city_metric(m)]
        if not outputs:
            continue
        own[base] = outputs
        mine = runs[runs["base"] == base]
        means = mine[outputs].astype(float).groupby(mine["variant_index"]).mean()  # skips NaN
        means = means.reindex(range(len(plan.design.variants)))
        nan_runs[base] = mine[outputs].isna().sum()
        points = pd.DataFrame(plan.points, columns=analysis.problem["names"])
        points.insert(0, "scenario", base)
        points.insert(1, "point", range(len(points)))
        points.insert(2, "variant", [plan.design.variants[v].name for v in plan.point_variant])
        points[outputs] = means.to_numpy()[plan.point_variant]
        frames.append(points)
    return pd.concat(frames, ignore_index=True), nan_runs, own


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    write_bytes(path, frame.to_csv(index=False).encode("utf-8"))
    return path


def short_name(path: str) -> str:
    """``behaviour.dependency.strength`` -> ``dependency.strength`` (labels in tables and charts)."""
    return ".".join(path.split(".")[-2:])


def plot_indices(table: pd.DataFrame, method: str, path: Path) -> Path:
    """Bar charts, one panel per scenario (rows) and output (columns): Morris mu_star, Sobol S1
    and ST, each with its 95 % confidence half-width as an error bar."""
    from matplotlib.figure import Figure  # matplotlib only when plotting

    scenarios = list(dict.fromkeys(table["scenario"]))
    outputs = list(dict.fromkeys(table["output"]))
    parameters = list(dict.fromkeys(table["parameter"]))
    bars = [("mu_star", "mu_star_conf", "tab:blue")] if method == "morris" else [("S1", "S1_conf", "tab:blue"), ("ST", "ST_conf", "tab:orange")]
    fig = Figure(figsize=(3.6 * len(outputs) + 1.5, 0.32 * len(parameters) * len(scenarios) + 1.4 * len(scenarios)))
    axes = fig.subplots(len(scenarios), len(outputs), squeeze=False, sharey=True)
    y = np.arange(len(parameters))
    height = 0.8 / len(bars)
    for r, scenario in enumerate(scenarios):
        for c, output in enumerate(outputs):
            ax = axes[r][c]
            panel = table[(table["scenario"] == scenario) & (table["output"] == output)].set_index("parameter").reindex(parameters)
            for k, (value, conf, colour) in enumerate(bars):
                ax.barh(y + (k - (len(bars) - 1) / 2) * height, panel[value], height, xerr=panel[conf],
                        color=colour, ecolor="0.3", capsize=2, label=value)  # fmt: skip
            note = panel["note"].iloc[0]
            if note:
                ax.text(0.02, 0.5, "\n".join(note.split(": ")), transform=ax.transAxes, fontsize=7, va="center")
            ax.axvline(0, color="0.6", lw=0.8)
            ax.set_title(f"{output}\n{scenario}", fontsize=8)
            ax.tick_params(labelsize=7)
            if c == 0:
                ax.set_yticks(y, [short_name(p) for p in parameters])
    axes[0][0].invert_yaxis()  # the first parameter on top (the y axis is shared)
    if method == "sobol":
        axes[0][0].legend(fontsize=7, loc="lower right")
    fig.suptitle("Morris screening: mu* (95 % CI)" if method == "morris" else "Sobol indices: first order S1, total ST (95 % CI)", fontsize=10)
    fig.tight_layout()
    write_figure(fig, path, dpi=110)
    return path


def compact_table(table: pd.DataFrame, method: str) -> str:
    """The indices as text: per scenario, parameters x outputs, ``value±conf`` (Morris mu_star,
    Sobol ST with S1 in brackets)."""
    blocks = []
    for scenario, rows in table.groupby("scenario", sort=False):
        if method == "morris":
            cells = rows.apply(lambda r: _pm(r["mu_star"], r["mu_star_conf"]), axis=1)
            what = "mu_star ± 95% conf"
        else:
            cells = rows.apply(lambda r: f"{_pm(r['ST'], r['ST_conf'])} ({_pm(r['S1'], r['S1_conf'])})", axis=1)
            what = "ST (S1), each ± 95% conf"
        grid = rows.assign(cell=cells, parameter=rows["parameter"].map(short_name)).pivot(
            index="parameter", columns="output", values="cell"
        )
        grid = grid.reindex(index=list(dict.fromkeys(rows["parameter"].map(short_name))), columns=list(dict.fromkeys(rows["output"])))
        grid.index.name = grid.columns.name = None
        notes = [f"  {output}: {note}" for output, note in rows.groupby("output", sort=False)["note"].first().items() if note]
        blocks.append("\n".join([f"{method}, {scenario} ({what}):", grid.to_string(), *notes]))
    return "\n\n".join(blocks)


def _pm(value: float, conf: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3g}±{conf:.2g}"

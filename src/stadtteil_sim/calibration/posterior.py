"""What a calibration leaves behind: the posterior sample and its summary, a pair plot, the
posterior predictive check (every target, fitted or held out, against the simulated spread),
the calibrated behaviour file and report.md.

The predictive check is reproducible: its draws and seeds come from ``settings.seed``, and its
runs go through the batch executors, so any executor gives the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from stadtteil_sim.calibration.abc import CalibrationRun, simulate_conditions
from stadtteil_sim.calibration.targets import CalibrationSpec, Target, parameter_path, statistics
from stadtteil_sim.config.city import load_city
from stadtteil_sim.config.schema import BEHAVIOUR_HEADER, behaviour_yaml
from stadtteil_sim.experiments.atomic import write_bytes, write_figure
from stadtteil_sim.experiments.executors import ExecutorSpec, execute

QUANTILES = (0.05, 0.5, 0.95)  # the 90 % interval and the median


def posterior_sample(folder: Path) -> pd.DataFrame:
    """The last generation's particles: one column per parameter (dotted path) and ``weight``."""
    import pyabc

    history = pyabc.History(f"sqlite:///{(Path(folder) / 'history.db').resolve()}", _id=1)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.rename(columns=parameter_path).reset_index(drop=True)
    frame.columns.name = None
    frame["weight"] = np.asarray(weights, dtype=float) / float(np.sum(weights))
    return frame


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles=QUANTILES) -> list[float]:
    order = np.argsort(values)
    values, weights = np.asarray(values, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return [float(np.interp(q, cumulative, values)) for q in quantiles]


def summary_table(spec: CalibrationSpec, sample: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: prior range, posterior median and 90 % interval, interval width / prior width."""
    rows = []
    for path, prior in spec.parameters.items():
        low, median, high = weighted_quantiles(sample[path].to_numpy(), sample["weight"].to_numpy())
        rows.append(
            {
                "parameter": path,
                "prior": prior.distribution,
                "prior_low": prior.low,
                "prior_high": prior.high,
                "median": median,
                "q05": low,
                "q95": high,
                "width_share": (high - low) / (prior.high - prior.low),
            }
        )
    return pd.DataFrame(rows)


def calibrated_behaviour(spec: CalibrationSpec, table: pd.DataFrame, run: CalibrationRun) -> str:
    """The shared behaviour file with the posterior medians, each noted with its interval."""
    medians = {row.parameter: float(_rounded(row.median)) for row in table.itertuples()}
    base = next(iter(spec.scenarios.values()))
    behaviour = load_city(base, medians).districts[0].behaviour  # shared by every district
    notes = {}
    for row in table.itertuples():
        field = row.parameter.removeprefix("behaviour.")
        notes[field] = (
            f"[calibrated] ABC posterior median, 90 % interval {_rounded(row.q05)}-{_rounded(row.q95)} "
            f"(prior {row.prior_low}-{row.prior_high})"
        )
    header = (
        BEHAVIOUR_HEADER
        + f"\n\nCalibrated by `stadtteil-sim calibrate {spec.source.as_posix()}` against "
        + f"{', '.join(run.districts)}: {run.generations} generations, {run.total_simulations} parameter sets tried, "
        + f"final epsilon {run.epsilons[-1]:.3g} (RMS of target errors in tolerances)."
    )
    return behaviour_yaml(behaviour, header, notes)


def _rounded(value: float) -> float:
    """Four significant digits: the posterior is not known better than that."""
    return float(f"{value:.4g}")


@dataclass(frozen=True)
class PredictiveTask:
    """One posterior draw run in every condition (plain data, so it travels to workers)."""

    draw: int
    particle: int
    parameters: dict[str, float]
    seed: int
    scenarios: dict[str, dict]
    conditions: tuple[str, ...]
    targets: tuple[Target, ...]
    read: dict[str, str]  # target -> the district it reads


def run_predictive(task: PredictiveTask) -> dict[str, float]:
    outputs = simulate_conditions(task.scenarios, list(task.conditions), task.parameters, task.seed)
    values = statistics(list(task.targets), outputs, task.read)
    return {"draw": task.draw, "particle": task.particle, **values}


def predictive_check(spec: CalibrationSpec, sample: pd.DataFrame, executor: ExecutorSpec, draws: int | None = None) -> pd.DataFrame:
    """Simulated target values for posterior draws (a weighted resample), one row per draw."""
    draws = draws or spec.settings.predictive_draws
    rng = np.random.default_rng(np.random.SeedSequence([spec.settings.seed, 0x9C]))
    particles = rng.choice(len(sample), size=draws, replace=True, p=sample["weight"].to_numpy())
    seeds = rng.integers(0, 2**62, size=draws)
    conditions = tuple(spec.scenarios)
    tasks = [
        PredictiveTask(
            draw=i,
            particle=int(p),
            parameters={path: float(sample.at[int(p), path]) for path in spec.parameters},
            seed=int(seeds[i]),
            scenarios=spec.scenarios,
            conditions=conditions,
            targets=tuple(spec.targets),
            read=spec.target_districts,
        )
        for i, p in enumerate(particles)
    ]
    rows = list(execute(run_predictive, tasks, executor))
    return pd.DataFrame(rows).sort_values("draw").reset_index(drop=True)


def predictive_table(spec: CalibrationSpec, simulated: pd.DataFrame, fitted: list[str]) -> pd.DataFrame:
    """Per target: observed against the simulated median and 90 % interval, and how often a draw
    meets it (within one tolerance, or on the right side of a bound)."""
    rows = []
    for target in spec.targets:
        values = simulated[target.name].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        low, median, high = np.quantile(finite, QUANTILES) if len(finite) else (math.nan,) * 3
        errors = np.array([target.error(v) for v in values])
        rows.append(
            {
                "target": target.name,
                "district": spec.district_of(target),
                "role": "fitted" if target.name in fitted else "held out",
                "direction": target.direction,
                "observed": target.observed,
                "tolerance": target.tolerance,
                "median": float(median),
                "q05": float(low),
                "q95": float(high),
                "error_of_median": target.error(float(median)),
                "share_of_draws_met": float(np.mean(np.abs(errors) <= 1.0)),
                "inside_90": _inside(target, float(low), float(high)),
            }
        )
    return pd.DataFrame(rows)


def _inside(target: Target, low: float, high: float) -> bool:
    """Does the 90 % predictive interval reach the observed value (or the allowed side of a bound)?"""
    if math.isnan(low):
        return False
    if target.direction == "at_least":
        return high >= target.observed
    if target.direction == "at_most":
        return low <= target.observed
    return low <= target.observed <= high


def pair_plot(spec: CalibrationSpec, sample: pd.DataFrame, path: Path) -> None:
    """Marginals on the diagonal, particle clouds (size by weight) below, on the prior ranges."""
    names = list(spec.parameters)
    n = len(names)
    fig = Figure(figsize=(2.1 * n + 1, 2.1 * n + 1))
    axes = fig.subplots(n, n, squeeze=False)
    weights = sample["weight"].to_numpy()
    for i, row_name in enumerate(names):
        for j, col_name in enumerate(names):
            ax = axes[i][j]
            prior_x = spec.parameters[col_name]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                ax.hist(sample[col_name], bins=20, range=(prior_x.low, prior_x.high), weights=weights, color="#4c72b0")
                ax.set_yticks([])
            else:
                prior_y = spec.parameters[row_name]
                ax.scatter(sample[col_name], sample[row_name], s=4 + 400 * weights, alpha=0.5, color="#4c72b0", linewidths=0)
                ax.set_ylim(prior_y.low, prior_y.high)
            ax.set_xlim(prior_x.low, prior_x.high)
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(_short(col_name), fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(_short(row_name), fontsize=7)
    fig.suptitle("Posterior (last ABC-SMC generation); axes span the prior ranges", fontsize=9)
    fig.tight_layout()
    write_figure(fig, path, dpi=110)


def _short(path: str) -> str:
    return path.removeprefix("behaviour.")


def predictive_figure(spec: CalibrationSpec, simulated: pd.DataFrame, table: pd.DataFrame, path: Path) -> None:
    """One panel per target: simulated draws (dots and box) against the observed value, its
    tolerance band (or the allowed side of a bound); held-out targets are marked."""
    targets = spec.targets
    cols = 4
    rows = math.ceil(len(targets) / cols)
    fig = Figure(figsize=(3.2 * cols, 2.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    roles = dict(zip(table["target"], table["role"], strict=True))
    for ax, target in zip(axes.flat, targets, strict=False):
        values = simulated[target.name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        held_out = roles[target.name] == "held out"
        colour = "#dd8452" if held_out else "#4c72b0"
        if len(values):
            ax.boxplot(values, orientation="horizontal", widths=0.5, showfliers=False)
            jitter = 1 + 0.12 * np.random.default_rng(0).standard_normal(len(values))
            ax.scatter(values, jitter, s=8, alpha=0.6, color=colour)
        lo, hi = target.observed - target.tolerance, target.observed + target.tolerance
        if target.direction == "at_least":
            lo, hi = target.observed, max(target.observed + target.tolerance, float(np.max(values, initial=target.observed)))
        elif target.direction == "at_most":
            lo, hi = min(target.observed - target.tolerance, float(np.min(values, initial=target.observed))), target.observed
        ax.axvspan(lo, hi, color="#55a868", alpha=0.15)
        ax.axvline(target.observed, color="#55a868", lw=2)
        ax.set_yticks([])
        title = f"{target.name}{' (held out)' if held_out else ''}"
        ax.set_title(title, fontsize=8, color=colour)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(targets):]:
        ax.axis("off")
    fig.suptitle("Posterior predictive check: simulated draws (dots, box) vs observed (green line, allowed band)", fontsize=9)
    fig.tight_layout()
    write_figure(fig, path, dpi=110)


def write_outputs(spec: CalibrationSpec, run: CalibrationRun, executor: ExecutorSpec, fitted: list[str]) -> tuple[Path, list[str]]:
    """Write every output of a calibration into its folder; returns report.md and summary lines."""
    folder = run.folder
    sample = posterior_sample(folder)
    write_bytes(folder / "posterior.csv", sample.to_csv(index=False).encode())
    table = summary_table(spec, sample)
    write_bytes(folder / "posterior_summary.csv", table.to_csv(index=False).encode())
    write_bytes(folder / "behaviour.yaml", calibrated_behaviour(spec, table, run).encode())
    pair_plot(spec, sample, folder / "pair_plot.png")
    simulated = predictive_check(spec, sample, executor)
    write_bytes(folder / "predictive_draws.csv", simulated.to_csv(index=False).encode())
    predictive = predictive_table(spec, simulated, fitted)
    write_bytes(folder / "predictive_check.csv", predictive.to_csv(index=False).encode())
    predictive_figure(spec, simulated, predictive, folder / "predictive_check.png")
    lines = _summary_lines(run, table, predictive)
    report = folder / "report.md"
    write_bytes(report, _report_markdown(spec, run, table, predictive, lines).encode())
    return report, lines


def _summary_lines(run: CalibrationRun, table: pd.DataFrame, predictive: pd.DataFrame) -> list[str]:
    lines = [
        f"{run.generations} generations, {run.total_simulations} parameter sets tried, final epsilon "
        f"{run.epsilons[-1]:.3g} (RMS target error in tolerances; fitted: {', '.join(run.districts)})."
    ]
    for row in table.itertuples():
        lines.append(
            f"  {row.parameter}: median {row.median:.4g}, 90 % interval {row.q05:.4g}-{row.q95:.4g} "
            f"({row.width_share:.0%} of the prior range {row.prior_low:g}-{row.prior_high:g})"
        )
    for role, group in predictive.groupby("role", sort=False):
        lines.append(
            f"{role} targets: {int(group['inside_90'].sum())} of {len(group)} observed values inside the 90 % "
            f"predictive interval; mean |error of the median| {group['error_of_median'].abs().mean():.2f} tolerances."
        )
    return lines


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(value):
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _report_markdown(spec, run: CalibrationRun, table, predictive, lines) -> str:
    generations = pd.DataFrame(
        {"generation": range(run.generations), "epsilon": run.epsilons, "acceptance_rate": run.acceptance_rates}
    )
    parts = [
        f"# Calibration: {spec.targets_file.name}",
        "",
        spec.targets_file.description.strip(),
        "",
        f"Target file `{spec.source.as_posix()}`; districts fitted: {', '.join(run.districts)}. "
        "Distance: root mean square of the target errors, each in its tolerance and capped at 3 "
        "(0 = every pattern met).",
        "",
        *[f"- {line.strip()}" for line in lines[:1]],
        "",
        "## Generations",
        "",
        _markdown_table(generations),
        "",
        "## Posterior (median and 90 % interval)",
        "",
        _markdown_table(table),
        "",
        "![pair plot](pair_plot.png)",
        "",
        "## Posterior predictive check",
        "",
        f"{spec.settings.predictive_draws} posterior draws, each run in every condition. Held-out targets "
        "(out-of-sample check) were not used in the fit.",
        "",
        *[f"- {line}" for line in lines[len(table) + 1:]],
        "",
        _markdown_table(predictive),
        "",
        "![predictive check](predictive_check.png)",
        "",
        "## Using the result",
        "",
        "- `behaviour.yaml` here is the shared behaviour file with the posterior medians; "
        "`stadtteil-sim calibrate ... --install` (or copying it to `scenarios/shared/behaviour.yaml`) "
        "makes every scenario use it.",
        "- `posterior.csv` is the weighted posterior sample; an experiment draws its parameter sets "
        "from it with `parameters: {sample: .../posterior.csv}`, so batch intervals include parameter uncertainty.",
        "",
    ]
    return "\n".join(parts)

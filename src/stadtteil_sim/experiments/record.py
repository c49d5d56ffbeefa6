"""One run of a batch, as the store keeps it: its rows, one per district (variant, seed,
district, summaries, metrics and the parameter draw's values), and its kept monthly series, long
by (district, month). This is what a worker executes; the code
it reaches is what :func:`stadtteil_sim.experiments.store.code_fingerprint` hashes."""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from stadtteil_sim.config import paths
from stadtteil_sim.model.indicators import CITY_INDICATORS
from stadtteil_sim.model.metrics import is_city_metric, metric_value

if TYPE_CHECKING:
    from stadtteil_sim.experiments.design import Task
    from stadtteil_sim.model.runner import CityRunResult


@dataclass
class Outcome:
    """What a worker sends back: the run's rows (one per district) and kept series, or its failure."""

    run_id: str
    rows: list[dict[str, Any]] | None
    series: pd.DataFrame | None
    failure: dict[str, Any] | None = None


def run_task(task: Task) -> Outcome:
    """One run of the batch (executed in a worker): the task's city, a district file being a city
    of one. Never raises: a failure is data."""
    from stadtteil_sim.model.runner import (
        run_city,  # the model is imported in the worker, not by the CLI
    )

    started = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        result = run_city(task.scenario, seed=task.seed, overrides=task.parameters)
        rows, series = _rows(task, result), _series(task, result)
    except Exception:
        failure = {"run_id": task.run_id, "base": task.base, "variant": task.variant, "replicate": task.replicate,
                   "seed": task.seed, "parameter_draw": task.parameter_draw, "traceback": traceback.format_exc(),
                   "worker": worker}
        return Outcome(task.run_id, None, None, failure)
    seconds = time.perf_counter() - started
    for row in rows:
        row["duration_s"], row["worker"] = seconds, worker
    return Outcome(task.run_id, rows, series)


def _rows(task: Task, result: CityRunResult) -> list[dict[str, Any]]:
    """One row per district: the run's identity and parameter draw, the district's summary (and in
    a city its office's start and wait), the city's summary, and the metrics, each read from the
    district's or the city's series as it names a district's or the city's value."""
    common: dict[str, Any] = {"run_id": task.run_id, "base": task.base, "variant": task.variant,
                              "replicate": task.replicate, "seed": task.seed}
    if task.parameter_draw is not None:
        common["parameter_draw"] = task.parameter_draw
        first = result.scenario.districts[0]  # a sampled path is set in every district alike
        common.update({f"param.{p}": paths.get(first, p) for p in task.parameter_paths})
    city = {k: v for k, v in result.summary.items() if k != "seed"}
    city_metrics = {m: metric_value(result.city, result.summary, m) for m in task.metrics if is_city_metric(m)}
    long = result.timeseries
    rows = []
    for index, district in enumerate(result.districts.to_dict("records")):
        row = {**common, "district": district["district"], "district_index": index, **district, **city}
        frame = long[long["district"] == district["district"]]
        for metric in task.metrics:
            row[metric] = city_metrics[metric] if metric in city_metrics else metric_value(frame, district, metric)
        rows.append(row)
    return rows


def _series(task: Task, result: CityRunResult) -> pd.DataFrame:
    """The kept monthly series, long by (district, month); in a city of several districts with
    the city's kept indicators beside each district's month."""
    own = [name for name in task.keep_indicators if name not in CITY_INDICATORS]
    series = result.timeseries[["district", "month", *own]]
    city = [name for name in task.keep_indicators if name in CITY_INDICATORS]
    if city and len(result.districts) > 1:
        series = series.merge(result.city[["month", *city]], on="month", how="left", validate="many_to_one")
    if task.keep_months is not None:
        series = series[series["month"].isin(task.keep_months)]
    series = series.reset_index(drop=True)
    series.insert(0, "run_id", task.run_id)
    return series

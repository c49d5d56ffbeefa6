"""One run of a batch, as the store keeps it: its row (variant, seed, summary, metrics and the
parameter draw's values) and its kept monthly series. This is what a worker executes; the code
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
from stadtteil_sim.model.metrics import metric_value

if TYPE_CHECKING:
    from stadtteil_sim.experiments.design import Task


@dataclass
class Outcome:
    """What a worker sends back: the run's row and kept series, or its failure."""

    run_id: str
    row: dict[str, Any] | None
    series: pd.DataFrame | None
    failure: dict[str, Any] | None = None


def run_task(task: Task) -> Outcome:
    """One run of the batch (executed in a worker). Never raises: a failure is data."""
    from stadtteil_sim.model.runner import (
        run,  # the model is imported in the worker, not by the CLI
    )

    started = time.perf_counter()
    try:
        result = run(task.scenario, seed=task.seed, overrides=task.parameters)
        frame = result.timeseries
        row: dict[str, Any] = {"run_id": task.run_id, "base": task.base, "variant": task.variant,
                               "replicate": task.replicate, "seed": task.seed}
        if task.parameter_draw is not None:
            row["parameter_draw"] = task.parameter_draw
            row.update({f"param.{p}": paths.get(result.scenario, p) for p in task.parameter_paths})
        row.update({k: v for k, v in result.summary.items() if k != "seed"})
        for metric in task.metrics:
            row[metric] = metric_value(frame, result.summary, metric)
        series = frame[["month", *task.keep_indicators]]
        if task.keep_months is not None:
            series = series[series["month"].isin(task.keep_months)]
        series = series.reset_index(drop=True)
        series.insert(0, "run_id", task.run_id)
        row["duration_s"] = time.perf_counter() - started
        row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
        return Outcome(task.run_id, row, series)
    except Exception:
        failure = {"run_id": task.run_id, "base": task.base, "variant": task.variant, "replicate": task.replicate,
                   "seed": task.seed, "parameter_draw": task.parameter_draw, "traceback": traceback.format_exc(),
                   "worker": f"{socket.gethostname()}:{os.getpid()}"}
        return Outcome(task.run_id, None, None, failure)

"""Metrics: what an experiment, a calibration target or a sensitivity analysis reads from one
run. A metric is a summary key (``sustainability_ratio_24m``) or an indicator at a month
(``token_index@36``). Batches store metric values, so this module belongs to the code whose
change makes stored runs stale."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from stadtteil_sim.model.indicators import INDICATORS, SUMMARY_KEYS

METRIC = re.compile(r"^(?P<indicator>[a-z_0-9]+)@(?P<month>\d+)$")


def describe_metric(metric: str) -> tuple[str, int | None]:
    """``'token_index@36'`` -> ``('token_index', 36)``; a summary key -> ``(key, None)``."""
    match = METRIC.match(metric)
    if match:
        return match["indicator"], int(match["month"])
    return metric, None


def metric_value(timeseries: pd.DataFrame, summary: dict[str, Any], metric: str) -> float:
    """The value of a metric in one run (NaN for a month past the run's end)."""
    name, month = describe_metric(metric)
    if month is None:
        return float(summary[name])
    by_month = timeseries.set_index("month")[name]
    return float(by_month.at[month]) if month in by_month.index else math.nan


def check_metric(metric: str) -> str:
    name, month = describe_metric(metric)
    if month is None and name not in SUMMARY_KEYS:
        raise ValueError(
            f"unknown metric '{metric}'; allowed: a summary value ({', '.join(SUMMARY_KEYS)}) "
            f"or INDICATOR@MONTH with an indicator of {', '.join(INDICATORS)}"
        )
    if month is not None and name not in INDICATORS:
        raise ValueError(f"unknown indicator '{name}' in '{metric}'; allowed: {', '.join(INDICATORS)}")
    return metric

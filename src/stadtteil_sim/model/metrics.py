"""Metrics: what an experiment, a calibration target or a sensitivity analysis reads from one
run. A metric is a summary key (``sustainability_ratio_24m``) or an indicator at a month
(``token_index@36``). Batches store metric values, so this module belongs to the code whose
change makes stored runs stale."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from stadtteil_sim.model.indicators import (
    CITY_INDICATORS,
    CITY_SUMMARY,
    DISTRICT_IN_CITY_SUMMARY,
    INDICATORS,
    SUMMARY_KEYS,
)

METRIC = re.compile(r"^(?P<indicator>[a-z_0-9]+)@(?P<month>\d+)$")
# What a metric may name: a district's (its indicators, its summary and, in a city, its office's
# start and wait) or the city's own (its indicators and summary: the weakest district, the pool).
DISTRICT_SUMMARY_KEYS = (*SUMMARY_KEYS, *DISTRICT_IN_CITY_SUMMARY)
CITY_SUMMARY_KEYS = tuple(CITY_SUMMARY)


def describe_metric(metric: str) -> tuple[str, int | None]:
    """``'token_index@36'`` -> ``('token_index', 36)``; a summary key -> ``(key, None)``."""
    match = METRIC.match(metric)
    if match:
        return match["indicator"], int(match["month"])
    return metric, None


def is_city_metric(metric: str) -> bool:
    """Whether a metric is the city's own (read from the city's series or summary), not a district's."""
    name, month = describe_metric(metric)
    return name in (CITY_INDICATORS if month is not None else CITY_SUMMARY)


def metric_value(timeseries: pd.DataFrame, summary: dict[str, Any], metric: str) -> float:
    """The value of a metric in one run (NaN for a month past the run's end)."""
    name, month = describe_metric(metric)
    if month is None:
        return float(summary[name])
    by_month = timeseries.set_index("month")[name]
    return float(by_month.at[month]) if month in by_month.index else math.nan


def check_metric(metric: str) -> str:
    name, month = describe_metric(metric)
    if month is None and name not in DISTRICT_SUMMARY_KEYS and name not in CITY_SUMMARY_KEYS:
        raise ValueError(
            f"unknown metric '{metric}'; allowed: a district's summary value ({', '.join(DISTRICT_SUMMARY_KEYS)}), "
            f"the city's ({', '.join(CITY_SUMMARY_KEYS)}) or INDICATOR@MONTH with an indicator of "
            f"{', '.join([*INDICATORS, *CITY_INDICATORS])}"
        )
    if month is not None and name not in INDICATORS and name not in CITY_INDICATORS:
        raise ValueError(f"unknown indicator '{name}' in '{metric}'; allowed: {', '.join([*INDICATORS, *CITY_INDICATORS])}")
    return metric

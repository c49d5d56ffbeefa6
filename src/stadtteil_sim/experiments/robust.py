"""Robust timing: how a plan fares across the conditions of an experiment's uncertainties.

Two views, per district (and per city as a whole), each on the paired runs of one condition:

* **regret**: in a condition, the best plan's value minus this plan's (for a metric to
  maximise; the other way round to minimise), so 0 where the plan is the best there; a plan's
  maximum and mean regret over the conditions say how much it can cost to have chosen it;
* **satisficing**: the share of conditions in which the plan meets every threshold the
  experiment states (``satisficing:``, e.g. participation at month 84 at least 25 % and staff
  hours at most the budget).

The most robust plan is the one with the least maximum regret on the primary objective (ties:
the higher satisficing share, then the lower mean regret): the plan a city can choose without
knowing which condition holds. It is named beside the best on average, which may differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stadtteil_sim.experiments.analysis import Plan, replicate_table
from stadtteil_sim.model.metrics import is_city_metric


def thresholds_of(manifest: dict) -> dict[str, dict[str, float]]:
    """The experiment's satisficing thresholds: metric -> {at_least | at_most: value}."""
    declared = (manifest.get("experiment") or {}).get("satisficing") or {}
    return {m: {k: float(v) for k, v in t.items() if v is not None} for m, t in declared.items()}


def holds(values: np.ndarray, threshold: dict[str, float]) -> np.ndarray:
    """Where a threshold holds; a missing value never does."""
    with np.errstate(invalid="ignore"):
        if "at_least" in threshold:
            return values >= threshold["at_least"]
        return values <= threshold["at_most"]


def regret(wide: pd.DataFrame, sense: str) -> pd.DataFrame:
    """Per condition (row) and plan (column): the best plan's value there minus the plan's
    (maximise), or the plan's minus the best (minimise); NaN where the plan has no value."""
    if sense == "maximise":
        return wide.max(axis=1).to_numpy()[:, None] - wide
    return wide - wide.min(axis=1).to_numpy()[:, None]


def applies(plan: Plan, base: str, metric: str) -> bool:
    """A city as a whole is judged by the city's metrics, a district of a city by its own."""
    scope = plan.scopes.get(base, "")
    return not scope or (scope == "city") == is_city_metric(metric)


def satisficing(runs: pd.DataFrame, plan: Plan, base: str, thresholds: dict[str, dict[str, float]],
                variants: list[str]) -> pd.DataFrame:
    """Per condition and plan: whether every threshold of this unit's scope holds."""
    result = None
    for metric, threshold in thresholds.items():
        if not applies(plan, base, metric):
            continue
        wide = replicate_table(runs, base, metric, variants)
        ok = pd.DataFrame(holds(wide.to_numpy(), threshold), index=wide.index, columns=wide.columns)
        result = ok if result is None else result & ok
    return result if result is not None else pd.DataFrame()


@dataclass
class Robustness:
    """One unit's regret and satisficing table, and its most robust and best-on-average plans."""

    base: str
    metric: str  # the primary objective of this unit
    table: pd.DataFrame  # one row per plan
    most_robust: str | None
    best_on_average: str | None
    conditions: int


def robustness(runs: pd.DataFrame, plan: Plan, base: str, thresholds: dict[str, dict[str, float]]) -> Robustness | None:
    """Regret on the primary objective and the satisficing share, per plan, over the conditions
    (replicate slots) where every plan has a value."""
    own = plan.for_base(base)
    metric = own.primary
    if metric is None:
        return None
    variants = [v for v in plan.variants if v in set(runs.loc[runs["base"] == base, "variant"])]
    wide = replicate_table(runs, base, metric, variants).dropna()
    if wide.empty:
        return None
    sense = own.objectives[metric]
    regrets = regret(wide, sense)
    ok = satisficing(runs, plan, base, thresholds, variants)
    ok = ok.reindex(wide.index) if not ok.empty else None
    best_here = wide.eq(wide.max(axis=1) if sense == "maximise" else wide.min(axis=1), axis=0)
    table = pd.DataFrame({
        "base": base, "district": plan.district(base), "variant": variants, "metric": metric, "sense": sense,
        "conditions": len(wide),
        "mean": wide.mean().to_numpy(),
        "mean_regret": regrets.mean().to_numpy(),
        "max_regret": regrets.max().to_numpy(),
        "best_share": best_here.mean().to_numpy(),
        "satisficing_share": ok.mean().to_numpy() if ok is not None else math.nan,
    })
    ranked = table.assign(_ok=-table["satisficing_share"].fillna(0)).sort_values(
        ["max_regret", "_ok", "mean_regret"], kind="stable")
    average = table.sort_values("mean", ascending=sense != "maximise", kind="stable")
    return Robustness(base, metric, table, ranked["variant"].iloc[0], average["variant"].iloc[0], len(wide))


def robustness_all(runs: pd.DataFrame, plan: Plan, manifest: dict) -> dict[str, Robustness]:
    """Every unit's robustness (none without conditions, i.e. without uncertainties or a sample)."""
    if not plan.parameters:
        return {}
    thresholds = thresholds_of(manifest)
    out = {}
    for base in plan.bases:
        found = robustness(runs, plan, base, thresholds)
        if found is not None:
            out[base] = found
    return out


def robustness_table(found: dict[str, Robustness]) -> pd.DataFrame:
    """All units' tables in one (robust.csv)."""
    if not found:
        return pd.DataFrame()
    frames = [r.table.assign(most_robust=r.table["variant"] == r.most_robust,
                             best_on_average=r.table["variant"] == r.best_on_average) for r in found.values()]
    return pd.concat(frames, ignore_index=True)

"""Scenario discovery: in which conditions does a case of interest occur (an early handover
fails, the 'stable' rule beats a fixed month)? PRIM (Friedman & Fisher 1999; Bryant & Lempert
2010) as EMA Workbench implements it, over the conditions' parameter values.

A question of the experiment file (``discovery:``) makes each condition a case or not; PRIM
peels the box of conditions step by step towards those where cases are dense. Its peeling
trajectory trades coverage (the share of all cases inside the box) against density (the share
of cases among the conditions inside); we report the whole trajectory and choose the densest box
that still covers at least half of the cases (``MIN_COVERAGE``), the usual compromise of
Bryant & Lempert. EMA Workbench is an extra (``pip install 'stadtteil_sim[ema]'``); without it
the report says so in one line.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stadtteil_sim.experiments.analysis import Plan, replicate_table
from stadtteil_sim.experiments.robust import holds

MIN_COVERAGE = 0.5
PEEL_ALPHA = 0.05
# A box limit counts as a restriction worth naming where the box keeps less than 90 % of the
# sampled range (PRIM's first peels shave a few per cent off many parameters).
RESTRICTED_BELOW = 0.9  # EMA's default: peel 5 % of the remaining conditions per step
EXTRA = "ema"


def available() -> bool:
    """Whether EMA Workbench (the ``ema`` extra) is installed."""
    return importlib.util.find_spec("ema_workbench") is not None


@dataclass
class Discovery:
    """One question answered for one unit: the cases, PRIM's trajectory and the chosen box."""

    key: str
    question: str
    base: str
    cases: int
    conditions: int
    trajectory: pd.DataFrame  # one row per peeling step: coverage, density, mass, restricted dims
    chosen: int | None  # the row of the chosen box (None: no box, all or no conditions are cases)
    box: pd.DataFrame  # one row per parameter: the box's limits and the sampled range; restricted?

    @property
    def base_rate(self) -> float:
        return self.cases / self.conditions if self.conditions else math.nan

    def restricted(self) -> pd.DataFrame:
        return self.box[self.box["restricted"]] if not self.box.empty else self.box


def case_table(runs: pd.DataFrame, plan: Plan, base: str, question: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """The conditions' parameter values (a column per dotted path) and whether each is a case."""
    part = runs[runs["base"] == base]
    columns = [c for c in part.columns if c.startswith("param.")]
    conditions = part.drop_duplicates("replicate").set_index("replicate").sort_index()[columns]
    variants = [question["plan"], *([question["beats"]] if question.get("beats") else [])]
    if question.get("fails"):
        miss = pd.Series(False, index=conditions.index)
        for metric, threshold in question["fails"].items():
            wide = replicate_table(runs, base, metric, variants).reindex(conditions.index)
            values = wide[question["plan"]].to_numpy()
            miss |= np.isfinite(values) & ~holds(values, {k: v for k, v in threshold.items() if v is not None})
        case = miss.to_numpy()
    else:
        metric = question.get("metric") or plan.for_base(base).primary
        sense = plan.objectives.get(metric, "maximise")
        wide = replicate_table(runs, base, metric, variants).reindex(conditions.index)
        sign = 1 if sense == "maximise" else -1
        case = (sign * (wide[question["plan"]] - wide[question["beats"]]) > 0).to_numpy()
    return conditions.rename(columns=lambda c: c.removeprefix("param.")).reset_index(drop=True), case


def prim_box(x: pd.DataFrame, y: np.ndarray, min_coverage: float = MIN_COVERAGE) -> tuple[pd.DataFrame, int | None, pd.DataFrame]:
    """PRIM's peeling trajectory, the chosen step and that box's limits beside the sampled ranges."""
    from ema_workbench.analysis import prim

    if y.all() or not y.any():
        return pd.DataFrame(), None, pd.DataFrame()
    x = x.astype(float)  # EMA's pasting writes fractional limits into the frame's own columns
    with warnings.catch_warnings():  # EMA warns about its own optional parts (ipyparallel, ...)
        warnings.simplefilter("ignore")
        box = prim.Prim(x, y, peel_alpha=PEEL_ALPHA).find_box()
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]].copy()
    trajectory.insert(0, "step", range(len(trajectory)))
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = int(eligible.sort_values(["density", "step"], ascending=[False, True], kind="stable")["step"].iloc[0])
    limits = box.box_lims[chosen]
    full = box.box_lims[0]
    table = pd.DataFrame({
        "parameter": list(x.columns),
        "box_low": [float(limits[c].iloc[0]) for c in x.columns],
        "box_high": [float(limits[c].iloc[1]) for c in x.columns],
        "sampled_low": [float(full[c].iloc[0]) for c in x.columns],
        "sampled_high": [float(full[c].iloc[1]) for c in x.columns],
    })
    table["share_of_range"] = (table["box_high"] - table["box_low"]) / (table["sampled_high"] - table["sampled_low"])
    table["restricted"] = table["share_of_range"] < RESTRICTED_BELOW
    return trajectory, chosen, table


def discover(runs: pd.DataFrame, plan: Plan, manifest: dict) -> list[Discovery]:
    """Every question of the experiment for every unit (nothing without the extra or questions)."""
    questions = (manifest.get("experiment") or {}).get("discovery") or {}
    if not questions or not plan.parameters or not available():
        return []
    found = []
    for key, question in questions.items():
        for base in plan.bases:
            metrics = list(question.get("fails") or {}) or [question.get("metric") or plan.for_base(base).primary]
            if not all(m and m in runs.columns and runs.loc[runs["base"] == base, m].notna().any() for m in metrics):
                continue  # a metric of the other scope (a city's for a district of it, or the reverse)
            x, y = case_table(runs, plan, base, question)
            trajectory, chosen, box = prim_box(x, y)
            found.append(Discovery(key, question["question"], base, int(y.sum()), len(y), trajectory, chosen, box))
    return found


def discovery_tables(found: list[Discovery]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All trajectories and all chosen boxes, each in one table (discovery_*.csv)."""
    trajectories = [d.trajectory.assign(question=d.key, base=d.base, chosen=d.trajectory["step"] == d.chosen)
                    for d in found if not d.trajectory.empty]
    boxes = [d.box.assign(question=d.key, base=d.base, cases=d.cases, conditions=d.conditions,
                          coverage=d.trajectory["coverage"].iloc[d.chosen], density=d.trajectory["density"].iloc[d.chosen])
             for d in found if d.chosen is not None]
    return (pd.concat(trajectories, ignore_index=True) if trajectories else pd.DataFrame(),
            pd.concat(boxes, ignore_index=True) if boxes else pd.DataFrame())

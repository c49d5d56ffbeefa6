"""The numbers behind a report's city section (M14): the plans compared by the weakest district,
by the whole city and by staff; which districts wait for staff; and what a late handover in one
district costs the others. No plotting (see report.py).

Everything is paired as in :mod:`stadtteil_sim.experiments.analysis`: replicate r has the same
seed in every variant, so a difference between two plans (or between a late and the documented
handover in one district) is estimated replicate by replicate, with a t interval over the
replicates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from stadtteil_sim.experiments.analysis import (
    CITY_CONTEXT_METRICS,
    Analysis,
    Interval,
    describe_variant,
    fmt,
    fmt_interval,
    metric_label,
    paired_difference,
    replicate_table,
)
from stadtteil_sim.experiments.design import factor_name
from stadtteil_sim.model.metrics import is_city_metric


@dataclass(frozen=True)
class LateHandover:
    """One factor level that changes a single district's handover (e.g. Kranichstein-Süd at 60
    instead of 36): its paired effect on every district, per setting of the other factors."""

    factor: str
    level: str
    reference_level: str
    district: str  # the district whose handover it changes
    metric: str  # the district metric compared
    effects: pd.DataFrame  # setting, district, late (bool), diff, low, high, n


@dataclass(frozen=True)
class CityFindings:
    base: str
    name: str
    plans: pd.DataFrame  # variant x metric: mean and paired difference to the reference (tidy)
    weakest: pd.Series  # variant -> the district most often weakest at the end
    waits: pd.DataFrame  # variant x district: mean months waited for staff (NaN: never started in any run)
    never_started: pd.DataFrame  # variant x district: share of runs in which the office never started there
    late: list[LateHandover]


def city_findings(analysis: Analysis, manifest: dict) -> list[CityFindings]:
    """One :class:`CityFindings` per city of several districts in the batch."""
    plan, runs, stats = analysis.plan, analysis.runs, analysis.statistics
    found = []
    for base in [b for b in plan.bases if b in plan.cities]:
        own = plan.for_base(base)
        metrics = [*own.objectives, *own.budget, *CITY_CONTEXT_METRICS]
        plans = stats[(stats["base"] == base) & stats["metric"].isin(metrics)]
        city_runs = runs[runs["base"] == base]
        weakest = (city_runs.groupby("variant", sort=False)["weakest_district"]
                   .agg(lambda names: names.value_counts().index[0]) if "weakest_district" in city_runs
                   else pd.Series(dtype=str))
        units = [b for b in plan.bases if b.startswith(base + "/")]
        waits, never = {}, {}
        for unit in units:
            part = runs[runs["base"] == unit]
            district = unit.split("/", 1)[1]
            if "months_waited" in part:
                waits[district] = part.groupby("variant", sort=False)["months_waited"].mean()
            if "office_started_month" in part:
                never[district] = part.groupby("variant", sort=False)["office_started_month"].agg(lambda m: m.isna().mean())
        order = [v for v in plan.variants if v in set(city_runs["variant"])]
        found.append(CityFindings(
            base=base, name=plan.district(base), plans=plans,
            weakest=weakest.reindex(order) if len(weakest) else weakest,
            waits=pd.DataFrame(waits).reindex(order), never_started=pd.DataFrame(never).reindex(order),
            late=late_handovers(analysis, manifest, base, units),
        ))
    return found


def late_handovers(analysis: Analysis, manifest: dict, base: str, units: list[str]) -> list[LateHandover]:
    """Every grid level that sets one district's handover (``districts.NAME.office.handover_*``)
    against the reference's level of that factor, the other factors held at each of their
    settings: the paired difference in each district's own primary metric."""
    plan = analysis.plan
    grid = (manifest.get("experiment") or {}).get("grid") or {}
    ref_levels = plan.levels.get(plan.reference) or {}
    district_metric = next((m for m in plan.objectives if not is_city_metric(m)), None)
    if district_metric is None:
        return []
    out = []
    for factor_path, levels in grid.items():
        factor = factor_name(factor_path)  # a named-level factor has no dots: its own name
        if factor not in ref_levels:
            continue
        for level, district in _district_levels(factor_path, levels):
            if level == ref_levels[factor]:
                continue
            rows = []
            for late_variant, levels_of in plan.levels.items():
                if levels_of.get(factor) != level:
                    continue
                counterpart = next((v for v, lv in plan.levels.items()
                                    if lv == {**levels_of, factor: ref_levels[factor]}), None)
                if counterpart is None:
                    continue
                setting = " ".join(f"{f}={lv}" for f, lv in levels_of.items() if f != factor)
                for unit in units:
                    wide = replicate_table(analysis.runs, unit, district_metric, [late_variant, counterpart])
                    diff = paired_difference(wide[late_variant], wide[counterpart])
                    name = unit.split("/", 1)[1]
                    rows.append({"setting": setting, "district": name, "late": name == district,
                                 "diff": diff.estimate, "low": diff.low, "high": diff.high, "n": diff.n})
            if rows:
                out.append(LateHandover(factor, level, ref_levels[factor], district, district_metric, pd.DataFrame(rows)))
    return out


def _district_levels(factor_path: str, levels) -> list[tuple[str, str]]:
    """(level label, district) for the levels of a grid factor that set one district's handover."""
    def district_of(paths) -> str | None:
        names = {p.split(".")[1] for p in paths if p.startswith("districts.") and ".office.handover" in p}
        return names.pop() if len(names) == 1 else None

    if isinstance(levels, dict):
        return [(str(label), d) for label, over in levels.items() if (d := district_of(over or {}))]
    district = district_of([factor_path])
    return [(v if isinstance(v, str) else str(v), district) for v in levels] if district else []


def city_paragraph(analysis: Analysis, findings: CityFindings) -> str:
    """The city in words: the best plan for the weakest district and for the whole city, with
    paired intervals, which districts wait, and what a late handover costs the others."""
    plan = analysis.plan
    own = plan.for_base(findings.base)
    parts = [f"In {findings.name} as a whole (reference: {describe_variant(plan, plan.reference)}):"]
    for metric in own.objectives:
        choice = analysis.best_by_objective.get(findings.base, {}).get(metric)
        if choice is None:
            continue
        words = describe_variant(plan, choice.variant)
        if choice.variant == plan.reference:
            parts.append(f"For {metric_label(metric)} the reference is best ({fmt(choice.mean)}).")
        else:
            sure = "beyond the noise" if choice.vs_reference and choice.vs_reference.excludes_zero else "within the noise"
            parts.append(f"For {metric_label(metric)}, {words} is best ({fmt(choice.mean)}; against the reference "
                         f"{fmt_interval(choice.vs_reference or Interval(math.nan, math.nan, math.nan, 0))}, {sure}).")
    if not findings.waits.empty and plan.reference in findings.waits.index:
        waiting = findings.waits.loc[plan.reference]
        never = findings.never_started.loc[plan.reference] if plan.reference in findings.never_started.index else None
        waited = [f"{d} never started (waited all {fmt(w, digits=0)} months)" if never is not None and never.get(d, 0) == 1
                  else f"{d} {fmt(w, digits=0)} months" for d, w in waiting.items() if w > 0]
        if waited:
            parts.append(f"With the reference plan these districts wait for staff: {', '.join(waited)}.")
    for late in findings.late:
        ref_setting = " ".join(f"{f}={lv}" for f, lv in (plan.levels.get(plan.reference) or {}).items() if f != late.factor)
        part = late.effects[(late.effects["setting"] == ref_setting) & ~late.effects["late"]]
        if part.empty:
            continue
        worst = part.sort_values("diff").iloc[0]
        hurt = part[part["high"] < 0]["district"].tolist()
        gained = part[part["low"] > 0]["district"].tolist()
        parts.append(
            f"A late handover in {late.district} ({late.factor} {late.level} instead of {late.reference_level}) changes "
            f"the other districts' {metric_label(late.metric)} by at most {fmt(worst['diff'], True)} ({worst['district']}: "
            f"95% CI {fmt(worst['low'], True)} to {fmt(worst['high'], True)}); "
            + (f"lower beyond the noise in {', '.join(hurt)}" if hurt else "lower beyond the noise in none")
            + (f", higher in {', '.join(gained)}." if gained else ".")
        )
    return " ".join(parts)

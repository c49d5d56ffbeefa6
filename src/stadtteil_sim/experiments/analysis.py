"""The numbers behind a batch report: per-variant statistics, paired differences, Pareto set and
the best timing per district, with a plain-language paragraph. No plotting (see report.py).

The batch design is paired: replicate r has the same seed in every variant and district, so a
difference between two variants is estimated replicate by replicate (common random numbers);
its spread is much smaller than the spread of either variant alone. With a parameter sample,
replicate r also has the same parameter draw everywhere, so the same statistics then include
parameter uncertainty; only the wording changes (:func:`parameter_sentence`). Confidence
intervals are t intervals (n - 1 degrees of freedom) over the replicates present, and finite,
in both variants; each is for one comparison on its own, not adjusted for the many
comparisons made.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from stadtteil_sim.model.indicators import (
    CITY_INDICATORS,
    CITY_SUMMARY,
    DISTRICT_IN_CITY_SUMMARY,
    INDICATORS,
    SUMMARY,
)
from stadtteil_sim.model.metrics import describe_metric, is_city_metric

CONFIDENCE = 0.95
SENSES = ("maximise", "minimise")
QUANTILES = (0.05, 0.5, 0.95)
# Shown besides the declared objectives and budget when the runs have them: the cost and the
# sustainability of every variant, for the trade-off plot and the tables.
CONTEXT_METRICS = ("office_staff_hours_total", "sustainability_ratio_24m")
# The same for a city as a whole: the staff its districts were granted from the pool.
CITY_CONTEXT_METRICS = ("staff_hours_granted_total",)


# ---------------------------------------------------------------------------------------------
# What the experiment declared
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The parts of a batch manifest the analysis needs, in declared order."""

    name: str
    description: str
    reference: str
    variants: list[str]
    levels: dict[str, dict[str, str]]  # variant -> factor -> level label ({} for named variants)
    factors: dict[str, list[str]]  # factor -> level labels in declared order
    objectives: dict[str, str]  # metric -> maximise | minimise; first = primary
    budget: dict[str, float]  # metric -> upper bound on its mean
    bases: list[str]  # what is reported on: base scenarios, or after units() also a city's districts
    district_names: dict[str, str] = field(default_factory=dict)  # base -> display name
    replicates: int | None = None
    parameters: dict | None = None  # the manifest's parameter sample (file, rows, draws), None without one
    cities: frozenset[str] = frozenset()  # bases that are cities of several districts, judged as a whole
    scopes: dict[str, str] = field(default_factory=dict)  # base -> "city" | "district" | "" (a city of one: both)

    @classmethod
    def from_manifest(cls, manifest: dict) -> Plan:
        experiment = manifest.get("experiment", {})
        variants = manifest.get("variants", [])
        bases = list(manifest.get("bases", {}))
        names = {}
        for key, scenario in (manifest.get("scenarios") or {}).items():
            base = key.split("|", 1)[0]
            districts = (scenario or {}).get("districts") or []
            one = districts[0].get("district", {}).get("name") if len(districts) == 1 else None
            name = one or (scenario or {}).get("city", {}).get("name")
            if name:
                names.setdefault(base, name)
        objectives = dict(experiment.get("objectives") or {})
        bad = {m: s for m, s in objectives.items() if s not in SENSES}
        if bad:
            raise ValueError(f"objectives {bad}: allowed senses are {', '.join(SENSES)}")
        return cls(
            name=experiment.get("name", "experiment"),
            description=experiment.get("description", ""),
            reference=manifest.get("reference") or (variants[0]["name"] if variants else ""),
            variants=[v["name"] for v in variants],
            levels={v["name"]: dict(v.get("levels") or {}) for v in variants},
            factors={k: list(v) for k, v in (manifest.get("factors") or {}).items()},
            objectives=objectives,
            budget={k: float(v) for k, v in (experiment.get("budget") or {}).items()},
            bases=bases,
            district_names=names,
            replicates=experiment.get("replicates"),
            parameters=manifest.get("parameters"),
        )

    @property
    def primary(self) -> str | None:
        return next(iter(self.objectives), None)

    @property
    def metrics(self) -> list[str]:
        """Objectives, then budget metrics not already among them."""
        return list(dict.fromkeys([*self.objectives, *self.budget]))

    def district(self, base: str) -> str:
        return self.district_names.get(base, base)

    def for_base(self, base: str) -> Plan:
        """The plan as one base is judged: a city as a whole by the city's metrics, a district of a
        city by the district's (a city of one, a district file, by every metric declared)."""
        scope = self.scopes.get(base, "")
        if not scope:
            return self
        keep = (lambda m: is_city_metric(m)) if scope == "city" else (lambda m: not is_city_metric(m))
        return dataclasses.replace(self, objectives={m: s for m, s in self.objectives.items() if keep(m)},
                                   budget={m: b for m, b in self.budget.items() if keep(m)})


def units(runs: pd.DataFrame, plan: Plan) -> tuple[pd.DataFrame, Plan]:
    """What is reported on: a base of one district as it is; a city of several districts as the
    city (one row per run, with the city's metrics) and each of its districts (``base/district``,
    with the district's), each a unit of its own with the other scope's metrics blanked."""
    if runs.empty or "district" not in runs:
        return runs, plan
    frames, order, names, scopes = [], [], {}, {}
    city_columns = [c for c in runs.columns if _metric_column(c) and is_city_metric(c)]
    district_columns = [c for c in runs.columns if _metric_column(c) and not is_city_metric(c)]
    for base in _ordered_bases(runs, plan):
        part = runs[runs["base"] == base]
        districts = list(dict.fromkeys(part.sort_values("district_index", kind="stable")["district"]))
        if len(districts) == 1:
            frames.append(part)
            order.append(base)
            names[base] = plan.district(base)
            continue
        city = part.drop_duplicates("run_id").assign(district="")
        city[district_columns] = np.nan
        frames.append(city)
        order.append(base)
        names[base], scopes[base] = plan.district(base), "city"
        for district in districts:
            key = f"{base}/{district}"
            own = part[part["district"] == district].assign(base=key)
            own[city_columns] = np.nan
            frames.append(own)
            order.append(key)
            names[key], scopes[key] = f"{district} ({plan.district(base)})", "district"
    cities = frozenset(b for b, scope in scopes.items() if scope == "city")
    return pd.concat(frames, ignore_index=True), dataclasses.replace(
        plan, bases=order, district_names=names, cities=cities, scopes=scopes)


def _metric_column(column: str) -> bool:
    """A run table column that holds a metric (a summary value or INDICATOR@MONTH)."""
    name, month = describe_metric(column)
    if month is not None:
        return name in INDICATORS or name in CITY_INDICATORS
    return name in SUMMARY or name in CITY_SUMMARY or name in DISTRICT_IN_CITY_SUMMARY


# ---------------------------------------------------------------------------------------------
# Intervals
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval over ``n`` values (NaN bounds when n < 2)."""

    estimate: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        return bool(self.low > 0 or self.high < 0)  # False when the bounds are NaN


def _finite(values) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


def mean_interval(values, confidence: float = CONFIDENCE) -> Interval:
    """Mean and t confidence interval of the finite values (NaN and inf are dropped)."""
    x = _finite(values)
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, 1)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


def _pairs(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """Replicates present and finite in both series (indexed by replicate)."""
    both = pd.concat({"a": a, "b": b}, axis=1, join="inner").astype(float)
    return both[np.isfinite(both["a"]) & np.isfinite(both["b"])]


def paired_difference(a: pd.Series, b: pd.Series, confidence: float = CONFIDENCE) -> Interval:
    """Mean of a - b over replicates finite in both, with its t interval (``n`` = pairs used)."""
    both = _pairs(a, b)
    return mean_interval(both["a"] - both["b"], confidence)


@dataclass(frozen=True)
class Wins:
    """In how many paired replicates a was better than b, equal to it, of ``n`` pairs."""

    better: int
    equal: int
    n: int


def paired_wins(a: pd.Series, b: pd.Series, sense: str) -> Wins:
    both = _pairs(a, b)
    signed = (both["a"] - both["b"]) * (1 if sense == "maximise" else -1)
    return Wins(int((signed > 0).sum()), int((signed == 0).sum()), len(both))


# ---------------------------------------------------------------------------------------------
# Per-variant statistics
# ---------------------------------------------------------------------------------------------


def replicate_table(runs: pd.DataFrame, base: str, metric: str, variants: list[str]) -> pd.DataFrame:
    """One row per replicate, one column per variant (in the given order): the paired layout."""
    subset = runs[runs["base"] == base]
    if metric not in subset.columns:
        return pd.DataFrame(index=pd.Index([], name="replicate"), columns=variants, dtype=float)
    wide = subset.pivot_table(index="replicate", columns="variant", values=metric, aggfunc="first", dropna=False)
    return wide.reindex(columns=variants).astype(float)


def _ordered_variants(runs: pd.DataFrame, plan: Plan) -> list[str]:
    """Declared order, then any variant in the runs the manifest does not list."""
    present = list(dict.fromkeys(runs["variant"])) if "variant" in runs else []
    return [v for v in plan.variants if v in present] + [v for v in present if v not in plan.variants]


def report_metrics(runs: pd.DataFrame, plan: Plan) -> list[str]:
    """Objectives, budget metrics, then the context metrics the runs have (a city's own for a city)."""
    shown = CITY_CONTEXT_METRICS if set(runs.get("base", ())) & plan.cities else CONTEXT_METRICS
    context = [m for m in shown if m in runs.columns and np.isfinite(runs[m].to_numpy(dtype=float)).any()]
    return list(dict.fromkeys([*plan.metrics, *context]))


def _role(plan: Plan, metric: str) -> str:
    return "objective" if metric in plan.objectives else "budget" if metric in plan.budget else "context"


def variant_statistics(runs: pd.DataFrame, plan: Plan, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Tidy table, one row per district x variant x metric: n, mean, sd, quantiles, the CI of the
    mean and the paired difference to the reference with its CI (``better`` = the CI excludes 0
    in the metric's favourable direction, ``worse`` likewise the other way; both False for a
    context metric, which has no direction)."""
    rows = []
    variants = _ordered_variants(runs, plan)
    for base in _ordered_bases(runs, plan):
        for metric in report_metrics(runs, plan):
            wide = replicate_table(runs, base, metric, variants)
            sense = plan.objectives.get(metric, "minimise" if metric in plan.budget else "")
            reference = wide[plan.reference] if plan.reference in wide else pd.Series(dtype=float)
            for variant in variants:
                values = wide[variant].dropna()
                values = values[np.isfinite(values)]
                mean = mean_interval(values, confidence)
                diff = paired_difference(wide[variant], reference, confidence)
                direction = 1 if sense == "maximise" else -1
                q = values.quantile(list(QUANTILES)).to_numpy() if len(values) else [math.nan] * 3
                rows.append({
                    "base": base, "district": plan.district(base), "variant": variant,
                    "variant_index": variants.index(variant), "metric": metric, "sense": sense,
                    "role": _role(plan, metric),
                    "n": mean.n, "mean": mean.estimate,
                    "sd": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
                    "q05": q[0], "median": q[1], "q95": q[2],
                    "ci_low": mean.low, "ci_high": mean.high,
                    "diff": diff.estimate, "diff_low": diff.low, "diff_high": diff.high, "diff_n": diff.n,
                    "better": bool(sense and diff.excludes_zero and direction * diff.estimate > 0),
                    "worse": bool(sense and diff.excludes_zero and direction * diff.estimate < 0),
                    **{f"factor.{k}": v for k, v in plan.levels.get(variant, {}).items()},
                })
    return pd.DataFrame(rows)


def _ordered_bases(runs: pd.DataFrame, plan: Plan) -> list[str]:
    present = list(dict.fromkeys(runs["base"])) if "base" in runs else []
    return [b for b in plan.bases if b in present] + [b for b in present if b not in plan.bases]


def district_table(statistics: pd.DataFrame, base: str) -> pd.DataFrame:
    """One row per variant, for each metric its mean, CI of the mean and paired difference to the
    reference with CI and n: the per-district table of the report, numeric."""
    part = statistics[statistics["base"] == base]
    out = None
    for metric, group in part.groupby("metric", sort=False):
        block = group.set_index("variant")[["mean", "ci_low", "ci_high", "diff", "diff_low", "diff_high", "diff_n", "better", "worse"]]
        block.columns = [f"{metric} {c}" for c in block.columns]
        out = block if out is None else out.join(block)
    if out is None:
        return pd.DataFrame()
    return out.reset_index()


def means(statistics: pd.DataFrame, base: str) -> pd.DataFrame:
    """Variant x metric table of means for one district, in variant order."""
    part = statistics[statistics["base"] == base]
    table = part.pivot_table(index="variant", columns="metric", values="mean", aggfunc="first", dropna=False, sort=False)
    order = part.drop_duplicates("variant").sort_values("variant_index")["variant"]
    return table.reindex(index=order, columns=list(dict.fromkeys(part["metric"])))


# ---------------------------------------------------------------------------------------------
# Pareto set and budget
# ---------------------------------------------------------------------------------------------


def pareto_mask(table: pd.DataFrame, senses: dict[str, str]) -> pd.Series:
    """True for rows no other row dominates (at least as good on every objective, better on one).
    Rows with a missing objective value cannot be compared and are never in the set."""
    if not senses:
        return pd.Series(False, index=table.index)
    signs = np.array([1.0 if senses[m] == "maximise" else -1.0 for m in senses])
    values = table[list(senses)].to_numpy(dtype=float) * signs  # higher is better on every column
    complete = np.isfinite(values).all(axis=1)
    mask = complete.copy()
    for i in np.flatnonzero(complete):
        others = values[complete]
        dominated = (others >= values[i]).all(axis=1) & (others > values[i]).any(axis=1)
        mask[i] = not dominated.any()
    return pd.Series(mask, index=table.index)


def within_budget(table: pd.DataFrame, budget: dict[str, float]) -> pd.Series:
    """True where every budget metric's mean is known and at most its bound."""
    ok = pd.Series(True, index=table.index)
    for metric, bound in budget.items():
        column = table[metric] if metric in table else pd.Series(np.nan, index=table.index)
        ok &= column.le(bound)  # NaN compares False: an unknown cost is not within budget
    return ok


def pareto_table(statistics: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Per district and variant: the objective and budget means, ``pareto`` and ``within_budget``."""
    frames = []
    for base in dict.fromkeys(statistics["base"]):
        table = means(statistics, base)
        table.insert(0, "district", plan.district(base))
        table.insert(0, "base", base)
        table["pareto"] = pareto_mask(table, plan.objectives)
        table["within_budget"] = within_budget(table, plan.budget) if plan.budget else True
        frames.append(table.reset_index())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# ---------------------------------------------------------------------------------------------
# The best variant and how sure that is
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The best variant of a district by one metric among candidates, and how sure that is."""

    base: str
    metric: str
    sense: str
    variant: str
    mean: float
    n: int
    runner_up: str | None
    runner_up_mean: float
    vs_runner_up: Interval | None  # best - runner-up, paired
    wins: Wins | None  # replicates in which the best beats the runner-up
    vs_reference: Interval | None  # best - reference, paired
    reference_wins: Wins | None
    indistinguishable: list[str]  # candidates whose paired CI against the best includes 0
    candidates: int
    excluded: list[str]  # variants without a value for the metric

    @property
    def clear(self) -> bool:
        """The best is ahead of the runner-up beyond noise (its paired CI excludes 0)."""
        return bool(self.vs_runner_up is not None and self.vs_runner_up.excludes_zero)


def choose_best(runs: pd.DataFrame, plan: Plan, base: str, metric: str, candidates: list[str] | None = None,
                confidence: float = CONFIDENCE) -> Choice | None:
    """Rank ``candidates`` (default: every variant) by their mean of ``metric``; None if none has
    one. A tie in the mean goes to the reference, then to the variant declared first."""
    sense = plan.objectives.get(metric, "maximise")
    variants = _ordered_variants(runs, plan)
    wide = replicate_table(runs, base, metric, variants)
    pool = [v for v in (candidates if candidates is not None else variants) if v in wide]
    avg = wide[pool].mean() if pool else pd.Series(dtype=float)
    excluded = [v for v in pool if not np.isfinite(avg[v])]
    # Equal means: the reference first (no reason to change), then the declared order.
    ranked = sorted((v for v in pool if v not in excluded),
                    key=lambda v: (-avg[v] if sense == "maximise" else avg[v], v != plan.reference, variants.index(v)))
    if not ranked:
        return None
    best = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    has_ref = plan.reference in wide and best != plan.reference
    tied = [v for v in ranked[1:] if not paired_difference(wide[best], wide[v], confidence).excludes_zero]
    return Choice(
        base=base, metric=metric, sense=sense, variant=best, mean=float(avg[best]),
        n=int(np.isfinite(wide[best]).sum()),
        runner_up=runner, runner_up_mean=float(avg[runner]) if runner else math.nan,
        vs_runner_up=paired_difference(wide[best], wide[runner], confidence) if runner else None,
        wins=paired_wins(wide[best], wide[runner], sense) if runner else None,
        vs_reference=paired_difference(wide[best], wide[plan.reference], confidence) if has_ref else None,
        reference_wins=paired_wins(wide[best], wide[plan.reference], sense) if has_ref else None,
        indistinguishable=tied, candidates=len(ranked), excluded=excluded,
    )


def best_within_budget(runs: pd.DataFrame, plan: Plan, statistics: pd.DataFrame, base: str,
                       confidence: float = CONFIDENCE) -> Choice | None:
    """The best by the primary objective among variants whose mean cost is within every budget."""
    if not plan.budget or plan.primary is None:
        return None
    table = means(statistics, base)
    allowed = list(table.index[within_budget(table, plan.budget)])
    return choose_best(runs, plan, base, plan.primary, allowed, confidence) if allowed else None


# ---------------------------------------------------------------------------------------------
# Plain language
# ---------------------------------------------------------------------------------------------


def indicator_words(name: str) -> str:
    """An indicator in its declared words (see :mod:`stadtteil_sim.model.indicators`); a name
    not declared (a batch stored by another version), spelled out."""
    declared = INDICATORS.get(name) or CITY_INDICATORS.get(name)
    return declared.en if declared else name.replace("_", " ")


def metric_label(metric: str) -> str:
    """``'token_index@36'`` -> ``'token index at month 36'``; a summary value in its declared
    words (a key not declared, spelled out)."""
    name, month = describe_metric(metric)
    if month is not None:
        return f"{indicator_words(name)} at month {month}"
    declared = SUMMARY.get(metric) or CITY_SUMMARY.get(metric) or DISTRICT_IN_CITY_SUMMARY.get(metric)
    return declared.en if declared else metric.replace("_", " ")


def _level_words(factor: str, level: str) -> str:
    if factor == "handover":
        if level == "stable":
            return "handing over by the stability rule"
        return f"handing over at month {level}" if level.isdigit() else f"handover '{level}'"
    if factor == "link_month":
        return "linking as soon as the group has formed" if level == "0" else f"linking from month {level}"
    if factor == "handover_month":
        return f"handing over at month {level}"
    if factor == "plan" and level in PLAN_WORDS:
        return PLAN_WORDS[level]
    if factor == "pool":
        return f"a pool of {level} staff hours a month" if level.isdigit() else f"pool {level}"
    return f"{factor.replace('_', ' ')} {level}"


# A city's roll-out plans, labelled by their office.allocation value (config/city.ALLOCATIONS).
PLAN_WORDS = {
    "rollout": "the documented roll-out",  # districts in the city file's order, each once the pool covers it
    "proportional": "a proportional share",  # every request scaled by pool / total requests
    "weakest_first": "the weakest district first",
}


def describe_variant(plan: Plan, variant: str, notes: dict[str, str] | None = None) -> str:
    """A grid variant in words (``handing over at month 48 with linking from month 18``); a named
    variant by its name. ``notes`` adds what was observed, e.g. when a rule handed over."""
    levels = plan.levels.get(variant) or {}
    note = (notes or {}).get(variant)
    if not levels:
        return f"'{variant}' ({note})" if note else f"'{variant}'"
    parts = [_level_words(f, lv) for f, lv in levels.items()]
    if note:  # after the handover's words, where it belongs
        at = next((i for i, f in enumerate(levels) if f.startswith("handover")), len(parts) - 1)
        parts[at] += f" ({note})"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " with " + parts[-1]


def handover_notes(runs: pd.DataFrame, plan: Plan, base: str) -> dict[str, str]:
    """When a condition-based rule actually handed over, per variant whose handover is not a fixed
    month: 'on average at month 75; not within the run in 2 of 6 runs'."""
    if "handover_month" not in runs:
        return {}
    part = runs[runs["base"] == base]
    notes = {}
    for variant, months in part.groupby("variant")["handover_month"]:
        levels = plan.levels.get(variant) or {}
        if levels and all(lv.isdigit() for f, lv in levels.items() if f.startswith("handover")):
            continue  # a fixed month says it all
        known = months.dropna()
        note = f"on average at month {known.mean():.0f}" if len(known) else "no handover within the run"
        if 0 < len(known) < len(months):
            note += f"; not within the run in {len(months) - len(known)} of {len(months)} runs"
        notes[variant] = note
    return notes


def digits_for(scale: float) -> int:
    """Decimals that suit numbers of this size: 0 from 100 (staff hours), 1 from 10, else 3."""
    scale = abs(scale) if scale is not None and np.isfinite(scale) else 0.0
    return 0 if scale >= 100 else 1 if scale >= 10 else 3


def fmt(value: float, signed: bool = False, digits: int | None = None) -> str:
    """A number for people, with thousands separators; ``digits`` defaults to :func:`digits_for`
    the value itself (pass one per column so a column reads alike)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    digits = digits_for(value) if digits is None else digits
    text = f"{value:{'+' if signed else ''},.{digits}f}"
    if float(text.replace(",", "")) == 0:  # no '-0.000'
        text = text.replace("-", "+" if signed else "")
    return text


def fmt_interval(interval: Interval) -> str:
    """``+0.050, 95% CI +0.030 to +0.070``."""
    if interval.n < 2:
        return f"{fmt(interval.estimate, True)}, too few pairs for an interval"
    return f"{fmt(interval.estimate, True)}, 95% CI {fmt(interval.low, True)} to {fmt(interval.high, True)}"


def _wins_words(wins: Wins, sense: str) -> str:
    word = "higher" if sense == "maximise" else "lower"
    equal = f", equal in {wins.equal}" if wins.equal else ""
    return f"{word} in {wins.better}{equal} of {wins.n} replicates"


def _names(plan: Plan, variants: list[str], limit: int = 3) -> str:
    shown = [describe_variant(plan, v) for v in variants[:limit]]
    more = len(variants) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def choice_sentences(plan: Plan, choice: Choice, notes: dict[str, str] | None = None) -> list[str]:
    """Why this variant, compared with the reference and with the runner-up, in plain words."""
    highest = "highest" if choice.sense == "maximise" else "lowest"
    words = describe_variant(plan, choice.variant, notes)
    sentence = f"{words[:1].upper()}{words[1:]} gives the {highest} {metric_label(choice.metric)} ({fmt(choice.mean)}"
    if choice.variant == plan.reference:
        sentence += "; this is the reference timing itself)."
    elif choice.vs_reference is not None and choice.reference_wins is not None:
        sentence += (f"; against the reference {fmt_interval(choice.vs_reference)}, "
                     f"{_wins_words(choice.reference_wins, choice.sense)}).")
    else:
        sentence += ")."
    out = [sentence]
    if choice.runner_up is None:
        out.append("It was the only timing with a value, so there is nothing to compare it with.")
        return out
    out.append(f"The runner-up is {describe_variant(plan, choice.runner_up, notes)} at {fmt(choice.runner_up_mean)};")
    how = f"{fmt_interval(choice.vs_runner_up)}, {_wins_words(choice.wins, choice.sense)}"
    if choice.clear:
        out[-1] += f" the best is ahead of it beyond the noise (difference {how})."
    else:
        out[-1] += (f" with {choice.vs_runner_up.n} paired replicates the two cannot be told apart "
                    f"(difference {how}).")
    others = [v for v in choice.indistinguishable if v != choice.runner_up]
    if others:
        out.append(f"{len(others)} further timing{'s are' if len(others) > 1 else ' is'} also within the noise of it "
                   f"({_names(plan, others)}).")
    return out


def parameter_sentence(plan: Plan) -> str:
    """What the intervals include: parameter uncertainty from a sample, or the model's
    randomness at fixed parameter values only."""
    sample = plan.parameters
    if not sample:
        return ("Intervals reflect the model's randomness at fixed parameter values only; they do not include "
                "parameter uncertainty (parameters.sample in the experiment file adds it).")
    draws = sample.get("draws") or {}
    if sample.get("kind") == "latin_hypercube":
        runs = len(draws) // max(sample.get("rows") or 1, 1)
        return (f"Intervals include parameter uncertainty: the {sample.get('rows')} conditions are a Latin hypercube "
                f"over {len(sample.get('columns') or [])} uncertain parameters (the experiment's uncertainties), each run "
                f"{runs} time{'s' if runs != 1 else ''} with the same values and seeds in every variant and district, "
                "so differences between timings stay paired.")
    weighting = "weighted by its weight column" if sample.get("weighted") else "with equal weights"
    distinct = len(set(draws.values()))
    text = (f"Intervals include parameter uncertainty: each of the {len(draws)} replicates uses one draw from "
            f"{sample.get('sample')} ({sample.get('rows')} rows, resampled with replacement {weighting}; "
            f"{distinct} different row{'s' if distinct != 1 else ''} drawn), the same draw in every variant and "
            "district, so differences between timings stay paired.")
    own = sample.get("set_by_experiment") or {}
    if own:
        paths = sorted({p for ps in own.values() for p in ps})
        text += (f" Where the experiment sets a sampled parameter itself ({', '.join(paths)}, in "
                 f"{len(own)} variant{'s' if len(own) != 1 else ''}), its own value is used instead of the draw.")
    return text


def district_paragraph(plan: Plan, base: str, overall: Choice | None, in_budget: Choice | None,
                       variant_means: pd.Series | None = None, pareto: list[str] | None = None,
                       notes: dict[str, str] | None = None) -> str:
    """The plain-language paragraph of one district: best timing, how sure, the budget, the Pareto
    set. ``variant_means`` is indexed by (variant, metric)."""
    district = plan.district(base)
    if plan.primary is None:
        return f"In {district}: the experiment declares no objectives, so no timing is named best."
    if overall is None:
        return f"In {district}, no timing has a value for {metric_label(plan.primary)}, so none can be named best."
    mean_of = (lambda v, m: variant_means.get((v, m), math.nan)) if variant_means is not None else (lambda v, m: math.nan)
    parts = [f"In {district} (reference: {describe_variant(plan, plan.reference, notes)}):"]
    parts += choice_sentences(plan, overall, notes)
    missing = [metric_label(m) for m in plan.objectives if not np.isfinite(mean_of(overall.variant, m))]
    if missing and variant_means is not None:
        parts.append(f"For this timing the runs give no value for {' or '.join(missing)} "
                     "(e.g. no handover early enough within the run), so it cannot be weighed on all objectives.")
    if plan.budget:
        bounds = " and ".join(f"{fmt(b)} {metric_label(m)}" for m, b in plan.budget.items())
        cost = ", ".join(f"{fmt(mean_of(overall.variant, m))} {metric_label(m)}" for m in plan.budget)
        if in_budget is not None and in_budget.variant == overall.variant:
            parts.append(f"It stays within the budget of {bounds} (on average {cost}).")
        else:
            parts.append(f"It needs more than the budget of {bounds} (on average {cost}).")
            if in_budget is None:
                parts.append("No timing stays within the budget on average.")
            else:
                first, *rest = choice_sentences(plan, in_budget, notes)
                parts.append(f"Within the budget, {first[:1].lower()}{first[1:]}")
                parts.extend(rest)
    if pareto is not None and len(plan.objectives) > 1:
        parts.append(f"Weighing all {len(plan.objectives)} objectives together, {len(pareto)} of "
                     f"{len(plan.variants)} timings are not beaten on every objective at once by another "
                     "(the Pareto set, listed below).")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Everything at once
# ---------------------------------------------------------------------------------------------


@dataclass
class Analysis:
    """All numbers of the report, per district where it applies."""

    plan: Plan
    statistics: pd.DataFrame  # tidy: district x variant x metric
    pareto: pd.DataFrame  # district x variant: means, pareto, within_budget
    best: dict[str, Choice | None]  # base -> best by the primary objective
    best_in_budget: dict[str, Choice | None]  # base -> best by the primary objective within budget
    best_by_objective: dict[str, dict[str, Choice | None]]  # base -> metric -> best
    paragraphs: dict[str, str]  # base -> plain-language paragraph
    notes: dict[str, dict[str, str]]  # base -> variant -> when a rule actually handed over
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)  # the runs by unit (see units())

    @property
    def bases(self) -> list[str]:
        return list(self.paragraphs)

    def choices_table(self) -> pd.DataFrame:
        """One row per district and criterion: the best variant, its mean and how sure that is."""
        rows = []
        for base in self.bases:
            criteria = [(f"best by {m}", c) for m, c in self.best_by_objective[base].items()]
            criteria.append(("best within budget", self.best_in_budget[base]))
            for criterion, c in criteria:
                if c is None:
                    continue
                rows.append({
                    "base": base, "district": self.plan.district(base), "criterion": criterion,
                    "metric": c.metric, "variant": c.variant, "mean": c.mean, "n": c.n,
                    "runner_up": c.runner_up, "runner_up_mean": c.runner_up_mean,
                    **_interval_columns("vs_runner_up", c.vs_runner_up),
                    "wins_vs_runner_up": c.wins.better if c.wins else np.nan,
                    "pairs_vs_runner_up": c.wins.n if c.wins else np.nan,
                    "clear": c.clear, **_interval_columns("vs_reference", c.vs_reference),
                    "indistinguishable": "; ".join(c.indistinguishable),
                })
        return pd.DataFrame(rows)


def _interval_columns(prefix: str, interval: Interval | None) -> dict[str, float]:
    if interval is None:
        return {prefix: np.nan, f"{prefix}_low": np.nan, f"{prefix}_high": np.nan}
    return {prefix: interval.estimate, f"{prefix}_low": interval.low, f"{prefix}_high": interval.high}


def analyse(runs: pd.DataFrame, manifest: dict, confidence: float = CONFIDENCE) -> Analysis:
    """Statistics, Pareto set, best choices and paragraphs for every district of a batch (and
    every city of several districts, as a whole: see :func:`units`)."""
    runs, plan = units(runs, Plan.from_manifest(manifest))
    statistics, pareto = [], []
    best, in_budget, by_objective, paragraphs, notes = {}, {}, {}, {}, {}
    for base in _ordered_bases(runs, plan):
        own, mine = plan.for_base(base), runs[runs["base"] == base]
        stats = variant_statistics(mine, own, confidence)
        front_table = pareto_table(stats, own) if not stats.empty else pd.DataFrame()
        statistics.append(stats)
        pareto.append(front_table)
        by_objective[base] = {m: choose_best(mine, own, base, m, confidence=confidence) for m in own.objectives}
        best[base] = by_objective[base].get(own.primary) if own.primary else None
        in_budget[base] = best_within_budget(mine, own, stats, base, confidence)
        part = stats.set_index(["variant", "metric"])["mean"] if not stats.empty else None
        front = front_table[front_table["pareto"]]["variant"].tolist() if not front_table.empty else []
        notes[base] = handover_notes(mine, own, base) if base not in plan.cities else {}
        paragraphs[base] = district_paragraph(own, base, best[base], in_budget[base], part, front, notes[base])
    statistics_table = pd.concat(statistics, ignore_index=True) if statistics else pd.DataFrame()
    pareto_all = pd.concat([p for p in pareto if not p.empty], ignore_index=True) if any(not p.empty for p in pareto) else pd.DataFrame()
    return Analysis(plan, statistics_table, pareto_all, best, in_budget, by_objective, paragraphs, notes, runs)

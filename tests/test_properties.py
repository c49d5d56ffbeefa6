"""Property tests: invariants that hold for any seed, scale and lever setting.

Small districts (``run.scale`` 0.05-0.1) and short horizons (24-36 months) keep each example
to a fraction of a second. The Hypothesis profile comes from ``tests/conftest.py`` (``ci`` by
default; ``HYPOTHESIS_PROFILE=dev`` for many more, random examples).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import stadtteil_sim
from stadtteil_sim.config.city import load_city
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import Scenario, iter_parameters
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.population import LEVEL_NAMES
from stadtteil_sim.model.state import OFFICE_MODE_NAMES

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_PATHS = {p.stem: p for p in sorted((ROOT / "scenarios").glob("*.yaml"))}
# Every district of every bundled file: a district file's own, a city file's districts by name.
BUNDLED = {
    name if city.one_district else f"{name}:{d.district.name}": d
    for name, path in SCENARIO_PATHS.items()
    for city in [load_city(path)]
    for d in city.districts
}
KS = BUNDLED["kranichstein_sued"]

COUNT_COLUMNS = (
    "communities_in_working_group",
    "link_stage",
    "associations_founded",
    "womens_associations_founded",
    "self_organised_groups",
    "conflicts_arising",
    "conflicts_mediated",
    "conflicts_escalated",
)
CUMULATIVE_COLUMNS = (
    "associations_founded",
    "womens_associations_founded",
    "conflicts_arising",
    "conflicts_mediated",
    "conflicts_escalated",
)
# Besides every *_share, *_rate and *_index column.
UNIT_COLUMNS = ("native_recognition", "working_group_coverage", "working_group_capacity", "working_group_regularity")


def unit_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.endswith(("_share", "_rate", "_index")) or c in UNIT_COLUMNS]


def adults_of(scenario: Scenario, seed: int) -> int:
    """Adults in the district as the model builds it (at month 0, before the first step)."""
    return int(StadtteilModel(scenario, seed=seed).state.pop.adult.sum())


def run_and_check(scenario: Scenario, seed: int, overrides: dict) -> stadtteil_sim.RunResult:
    """Run with a participation table every month and assert every invariant."""
    loaded = load_scenario(scenario, overrides)
    months = loaded.run.months
    loaded = load_scenario(loaded, {"run.participation_months": list(range(months + 1))})
    result = stadtteil_sim.run(loaded, seed=seed)
    check_invariants(result, loaded, adults_of(loaded, seed))
    return result


def check_invariants(result: stadtteil_sim.RunResult, scenario: Scenario, adults: int) -> None:
    ts, months = result.timeseries, scenario.run.months

    # One row per month 0..horizon, every indicator present, no NaN.
    assert list(ts["month"]) == list(range(months + 1))
    numeric = ts.drop(columns=["office_mode"])
    assert not numeric.isna().any().any(), f"NaN in {list(numeric.columns[numeric.isna().any()])}"
    assert np.isfinite(numeric.to_numpy(dtype=float)).all()

    # Counts are non-negative integers; staff hours are non-negative.
    for col in COUNT_COLUMNS:
        assert pd.api.types.is_integer_dtype(ts[col]), f"{col} is {ts[col].dtype}, not a count"
        assert (ts[col] >= 0).all(), f"{col} negative at months {list(ts.loc[ts[col] < 0, 'month'])}"
    assert (ts["office_staff_hours"] >= 0).all()
    assert (ts["link_stage"] <= 3).all()
    assert (ts["communities_in_working_group"] <= len(scenario.district.communities)).all()

    # Shares, rates, indices and recognition stay in [0, 1].
    for col in unit_columns(ts):
        bad = ts.loc[~ts[col].between(0.0, 1.0), ["month", col]]
        assert bad.empty, f"{col} outside [0, 1]:\n{bad.head()}"

    # Cumulative counters never go down; women's associations are among all associations.
    for col in CUMULATIVE_COLUMNS:
        steps = ts[col].diff().dropna()
        assert (steps >= 0).all(), f"cumulative {col} decreases at months {list(ts.loc[steps.index[steps < 0], 'month'])}"
    assert (ts["womens_associations_founded"] <= ts["associations_founded"]).all()
    assert (ts["conflicts_arising"] == ts["conflicts_mediated"] + ts["conflicts_escalated"]).all()

    # The office moves forward only: not active -> moderation -> support -> withdrawn.
    assert ts["office_mode"].isin(OFFICE_MODE_NAMES).all()
    codes = ts["office_mode"].map(OFFICE_MODE_NAMES.index)
    assert (codes.diff().dropna() >= 0).all(), f"office mode goes back: {list(ts['office_mode'])}"

    # Summary agrees with the time series.
    s = result.summary
    assert s["associations_founded"] == ts["associations_founded"].iloc[-1]
    assert s["womens_associations_founded"] == ts["womens_associations_founded"].iloc[-1]
    assert s["womens_associations_founded"] <= s["associations_founded"]
    assert s["communities_in_working_group_at_end"] == ts["communities_in_working_group"].iloc[-1]
    # Hours are booked from month 1 on; month 0 (the office's start) has none yet.
    assert math.isclose(s["office_staff_hours_total"], ts["office_staff_hours"].sum(), rel_tol=1e-9, abs_tol=1e-9)
    for key in ("participation_at_handover", "participation_month_84", "participation_month_120"):
        assert math.isnan(s[key]) or 0.0 <= s[key] <= 1.0, (key, s[key])

    # Participation table: known levels, communities and genders; the adult population is
    # conserved (every month's table adds up to the district's adults).
    part = result.participation
    assert set(part["level"]) <= set(LEVEL_NAMES)
    assert set(part["community"]) <= {"native", *(c.name for c in scenario.district.communities)}
    assert set(part["gender"]) <= {"female", "male"}
    assert (part["residents"] > 0).all()
    totals = part.groupby("month")["residents"].sum()
    assert list(totals.index) == list(range(months + 1))
    assert (totals == adults).all(), f"adults per month {totals[totals != adults].to_dict()}, expected {adults}"
    # The migrant participation rate in the time series is the table's share of attending
    # migrants (levels 'attends' and above).
    migrants = part[part["community"] != "native"]
    attending = migrants[migrants["level"].isin(LEVEL_NAMES[2:])].groupby("month")["residents"].sum()
    all_migrants = migrants.groupby("month")["residents"].sum()
    rate = (attending.reindex(all_migrants.index, fill_value=0) / all_migrants).reindex(range(months + 1), fill_value=0.0)
    np.testing.assert_allclose(ts["migrant_participation_rate"].to_numpy(), rate.to_numpy(), atol=1e-12)


# --------------------------------------------------------------------------- seeds and sizes
@given(
    name=st.sampled_from(sorted(BUNDLED)),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(0.05, 0.1),
    months=st.integers(24, 36),
)
def test_invariants_hold_for_any_seed_and_small_scale(name, seed, scale, months):
    run_and_check(BUNDLED[name], seed, {"run.scale": scale, "run.months": months})


# --------------------------------------------------------------------------- office levers
office_levers = st.fixed_dictionaries(
    {
        "office.enabled": st.booleans(),
        "office.handover_rule": st.sampled_from(["fixed", "stable"]),
        "office.handover_month": st.integers(0, 120),
        "office.handover_stable_months": st.integers(1, 120),
        "office.link_rule": st.sampled_from(["fixed", "stable"]),
        "office.link_month": st.integers(0, 120),
        "office.link_stable_months": st.integers(1, 120),
        "office.withdraw_month": st.none() | st.integers(0, 120),
    }
)


@given(levers=office_levers, seed=st.integers(0, 1000), months=st.integers(24, 36))
def test_office_levers_keep_invariants(levers, seed, months):
    result = run_and_check(KS, seed, {"run.scale": 0.08, "run.months": months, **levers})
    ts, modes = result.timeseries, result.timeseries["office_mode"]
    hours = ts["office_staff_hours"].iloc[1:]
    if not levers["office.enabled"]:
        assert (modes == "not active").all()
        assert (hours == 0).all()
        assert math.isnan(result.summary["handover_month"])
        assert result.summary["office_staff_hours_total"] == 0
        return
    withdraw = levers["office.withdraw_month"]
    if withdraw is not None:
        assert (modes[ts["month"] >= withdraw] == "withdrawn").all()
        assert (modes[ts["month"] < withdraw] != "withdrawn").all()
    if levers["office.handover_rule"] == "fixed":
        h = levers["office.handover_month"]
        end = withdraw if withdraw is not None else months + 1
        assert (modes[ts["month"] < min(h, end)] == "moderation").all()
        assert (modes[(ts["month"] >= h) & (ts["month"] < end)] == "support").all()
        if h <= months and (withdraw is None or h <= withdraw):
            assert result.summary["handover_month"] == h
        else:
            assert math.isnan(result.summary["handover_month"])


# --------------------------------------------------------------------------- any schema override
_RANGE = re.compile(r"^(int|float)( \| None)? in \[([^,]+), ([^\]]+)\]$")
# Not drawn: run settings (the test sets them), the population and community sizes (they must
# add up to the foreign share: a cross-field rule), and the office's start month (the handover
# must not precede it).
_SKIP = re.compile(r"^(run\.|district\.population$|district\.foreign_share$|district\.communities\.[^.]+\.size$|office\.start_month$)")


def _leaf_strategies(scenario: Scenario) -> dict[str, st.SearchStrategy]:
    out: dict[str, st.SearchStrategy] = {}
    for row in iter_parameters(scenario):
        path, allowed = row["path"], row["allowed"]
        if _SKIP.match(path):
            continue
        m = _RANGE.match(allowed)
        if m:
            kind, optional, lo, hi = m.group(1), m.group(2), float(m.group(3)), float(m.group(4))
            if kind == "int":
                if path.endswith(("_month", "_months")):
                    # Months far past the horizon all act alike (never); keep the draws useful.
                    hi = min(hi, 120)
                strategy = st.integers(int(lo), int(hi))
            else:
                strategy = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
            out[path] = st.none() | strategy if optional else strategy
        elif row["type"] == "bool":
            out[path] = st.booleans()
        elif row["type"] == "choice":
            out[path] = st.sampled_from([c.strip() for c in allowed.split("|")])
    return out


LEAVES = _leaf_strategies(Scenario())


def test_the_override_space_covers_the_schema():
    """The draws reach every part of the schema (guards against the parser silently finding nothing)."""
    sections = {p.split(".")[0] for p in LEAVES}
    assert sections >= {"district", "office", "instruments", "district_management", "committees", "mechanisms", "behaviour"}
    assert len(LEAVES) > 100
    assert "behaviour.activation.threshold_mean" in LEAVES
    assert "district.communities.Turkish.closure" in LEAVES


@st.composite
def schema_overrides(draw) -> dict:
    paths = draw(st.lists(st.sampled_from(sorted(LEAVES)), min_size=1, max_size=6, unique=True))
    return {path: draw(LEAVES[path], label=path) for path in paths}


@given(overrides=schema_overrides(), seed=st.integers(0, 1000))
def test_any_overrides_within_the_schema_run_and_keep_invariants(overrides, seed):
    base = {"run.scale": 0.08, "run.months": 24}
    try:
        scenario = load_scenario(KS, {**overrides, **base})
    except ScenarioError as exc:
        # A combination the schema rejects as a whole (e.g. age shares adding up to more than
        # 0.95) is an acceptable answer -- but only at loading, with a message.
        assert str(exc)
        event("rejected by a cross-field rule")
        return
    event("ran")
    run_and_check(scenario, seed, {})


@pytest.mark.parametrize("switch", sorted(p for p in LEAVES if p.startswith("mechanisms.")))
def test_each_mechanism_can_be_switched_off(switch):
    run_and_check(KS, 2, {"run.scale": 0.05, "run.months": 24, switch: False})

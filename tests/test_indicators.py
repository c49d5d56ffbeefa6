"""Indicators (indicators.py): token and detachment indices, shares, summary, participation table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stadtteil_sim import load_scenario
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.indicators import (
    INDICATORS,
    SUMMARY_KEYS,
    SUSTAINABILITY_FLOOR,
    compute,
    detachment_index,
    participation_table,
    summarise,
    token_index,
)
from stadtteil_sim.model.network import bridging_share
from stadtteil_sim.model.population import (
    ATTENDS,
    DELEGATE,
    INFORMED,
    LEVEL_NAMES,
    MEMBER,
    WORKING_GROUP,
)
from stadtteil_sim.model.state import (
    STADTTEILRUNDE,
    CommitteeState,
    Counters,
    DistrictState,
    Groups,
    OfficeState,
    WorkingGroupState,
)

KS = Path(__file__).resolve().parent.parent / "scenarios" / "kranichstein_sued.yaml"



def small_model(overrides: dict | None = None) -> StadtteilModel:
    return StadtteilModel(load_scenario(KS, {"run.scale": 0.1, "behaviour.burn_in_months": 0, **(overrides or {})}))


def in_wg(model: StadtteilModel, communities) -> np.ndarray:
    flags = np.zeros(len(model.community_names), dtype=bool)
    flags[list(communities)] = True
    return flags


# ---------------------------------------------------------------- token index
def test_token_index_is_zero_without_delegates():
    model = small_model()
    assert not (model.state.pop.level == DELEGATE).any()
    assert token_index(model.state, in_wg(model, {1, 2})) == 0.0
    assert compute(model.state, model.config)["token_index"] == 0.0


def unconnected_delegate(model: StadtteilModel) -> int:
    pop, ties = model.state.pop, model.state.ties
    d = int(np.flatnonzero(pop.migrant & pop.adult)[0])
    pop.level[d] = DELEGATE
    ties.partner[d] = -1
    ties.strength[d] = 0.0
    return d


def test_token_index_of_a_delegate_without_contact_to_the_groups():
    model = small_model()
    unconnected_delegate(model)
    state = model.state
    stadtteilrunde = state.committees[STADTTEILRUNDE]
    stadtteilrunde.link_stage = 1  # observers: no voice yet, only contact counts
    assert token_index(state, in_wg(model, {1, 2})) == pytest.approx(0.7)
    stadtteilrunde.link_stage = 2  # a voice, no proposals taken up
    assert token_index(state, in_wg(model, {1, 2})) == pytest.approx(1.0)
    stadtteilrunde.record(proposed=4, adopted=4)
    assert token_index(state, in_wg(model, {1, 2})) == pytest.approx(0.7)


def test_token_index_falls_with_ties_to_organised_members():
    model = small_model()
    state, pop = model.state, model.state.pop
    d = unconnected_delegate(model)
    state.committees[STADTTEILRUNDE].link_stage = 1
    k = int(pop.community[d])
    organised = np.flatnonzero((pop.community == k) & pop.adult & (np.arange(pop.size) != d))[:2]
    pop.level[organised] = MEMBER
    flags = in_wg(model, {k})
    state.ties.partner[d, 0] = organised[0]
    state.ties.strength[d, 0] = 1.0
    assert token_index(state, flags) == pytest.approx(0.7 * 0.5)
    state.ties.partner[d, 1] = organised[1]
    state.ties.strength[d, 1] = 1.0
    assert token_index(state, flags) == pytest.approx(0.0)
    # Ties to members of a community outside the working group do not count.
    assert token_index(state, in_wg(model, {k % 13 + 1})) == pytest.approx(0.7)


# ---------------------------------------------------------------- detachment index
def set_overlap(state, overlap: float) -> None:
    for committee in state.committees:
        committee.agenda_overlap = overlap


def test_detachment_index_is_zero_without_a_working_group():
    model = small_model()
    state = model.state
    set_overlap(state, 0.0)
    state.pop.representative[np.flatnonzero(state.pop.migrant)[:3]] = True
    bridging = bridging_share(state.ties, state.pop.community)
    assert detachment_index(state, bridging) == 0.0
    state.wg.formed_month, state.wg.communities = 0, frozenset({1})  # one community is no group
    assert detachment_index(state, bridging) == 0.0


def test_detachment_index_from_overlap_and_bridging():
    model = small_model()
    state, pop = model.state, model.state.pop
    state.wg.formed_month, state.wg.communities = 0, frozenset({1, 2})
    set_overlap(state, 0.6)
    reps = np.flatnonzero(pop.migrant & pop.adult)[:2]
    pop.representative[reps] = True
    pop.level[reps] = WORKING_GROUP
    bridging = np.zeros(pop.size)
    assert detachment_index(state, bridging) == pytest.approx(0.4)
    bridging[reps] = [1.0, 0.5]
    assert detachment_index(state, bridging) == pytest.approx(0.4 * 0.25)
    set_overlap(state, 1.0)
    assert detachment_index(state, bridging) == pytest.approx(0.0)


# ---------------------------------------------------------------- compute over a run
def test_compute_returns_every_indicator():
    model = small_model()
    assert set(compute(model.state, model.config)) == set(INDICATORS)


@pytest.mark.parametrize("overrides", [{}, {"office.enabled": False}, {"office.link_month": 0}])
def test_each_indicator_is_the_kind_it_is_declared_over_a_run(overrides):
    """Shares and indices stay in [0, 1], counts and the stage are whole numbers from 0 (the
    stage up to 3), hours are not negative, a category is a word: the figure, the report and the
    dashboard format each by its declared kind."""
    model = StadtteilModel(load_scenario(KS, {"run.scale": 0.1, **overrides}))
    for _ in range(60):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    for name, indicator in INDICATORS.items():
        values = frame[name]
        if indicator.kind in ("share", "index"):
            assert values.astype(float).between(0.0, 1.0).all(), name
        elif indicator.kind in ("count", "stage"):
            assert values.dtype.kind == "i" and (values >= 0).all(), name
            assert indicator.kind == "count" or (values <= 3).all(), name
        elif indicator.kind == "hours":
            assert (values >= 0).all(), name
        else:
            assert values.map(type).eq(str).all(), name
    # Attending is a higher rung than being informed.
    assert (frame["migrant_participation_rate"] <= frame["migrants_reached_share"]).all()
    assert (frame["communities_in_working_group"] <= len(model.community_names) - 1).all()


def test_participation_rates_count_adults_only():
    model = small_model()
    pop = model.state.pop
    pop.level[~pop.adult] = ATTENDS  # impossible in a run; must not be counted
    migrants = pop.adult & pop.migrant
    chosen = np.flatnonzero(migrants)[:10]
    pop.level[chosen] = ATTENDS
    values = compute(model.state, model.config)
    assert values["migrant_participation_rate"] == pytest.approx(10 / migrants.sum())
    assert values["migrants_reached_share"] == pytest.approx(10 / migrants.sum())
    assert values["native_participation_rate"] == 0.0


# ---------------------------------------------------------------- summarise
def bare_state(handover: int | None) -> DistrictState:
    state = DistrictState(
        pop=None, ties=None, groups=Groups(), contact=np.zeros(2), wg=WorkingGroupState(),
        committees=[CommitteeState()], office=OfficeState(handover_month=handover, staff_hours_total=123.0),
        counters=Counters(), month=0,
    )
    return state


def series(months: int, rate) -> pd.DataFrame:
    m = np.arange(months + 1)
    return pd.DataFrame({
        "month": m,
        "migrant_participation_rate": [rate(x) for x in m],
        "communities_in_working_group": 0,
        "token_index": 0.0,
        "detachment_index": 0.0,
    })


def test_sustainability_is_nan_when_the_run_ends_before_handover_plus_24():
    scenario = load_scenario(KS)
    s = summarise(series(50, lambda m: 0.2), bare_state(36), scenario)
    assert s["participation_at_handover"] == pytest.approx(0.2)
    assert s["participation_12m_after_handover"] == pytest.approx(0.2)
    assert s["sustainability_ratio_12m"] == pytest.approx(1.0)
    assert math.isnan(s["participation_24m_after_handover"])
    assert math.isnan(s["sustainability_ratio_24m"])
    assert math.isnan(s["sustainability_ratio_36m"])
    # Exactly handover + 24 is enough.
    s = summarise(series(60, lambda m: 0.2), bare_state(36), scenario)
    assert s["sustainability_ratio_24m"] == pytest.approx(1.0)


def test_sustainability_is_nan_without_handover():
    s = summarise(series(120, lambda m: 0.3), bare_state(None), load_scenario(KS))
    assert math.isnan(s["handover_month"])
    assert math.isnan(s["participation_at_handover"]) and math.isnan(s["sustainability_ratio_24m"])
    assert s["participation_month_84"] == pytest.approx(0.3)
    assert s["office_staff_hours_total"] == 123.0


def test_sustainability_ratio_value_and_floor():
    scenario = load_scenario(KS)
    s = summarise(series(120, lambda m: 0.2 if m <= 36 else 0.3), bare_state(36), scenario)
    assert s["sustainability_ratio_24m"] == pytest.approx(1.5)
    # Participation at handover below the floor: divide by the floor, not by (almost) zero.
    s = summarise(series(120, lambda m: 0.0 if m <= 36 else 0.05), bare_state(36), scenario)
    assert s["participation_at_handover"] == 0.0
    assert s["sustainability_ratio_24m"] == pytest.approx(0.05 / SUSTAINABILITY_FLOOR)
    s = summarise(series(120, lambda m: 0.004 if m <= 36 else 0.02), bare_state(36), scenario)
    assert s["sustainability_ratio_24m"] == pytest.approx(0.02 / SUSTAINABILITY_FLOOR)


def test_summary_of_a_model_run():
    from stadtteil_sim import run

    result = run(KS, overrides={"run.scale": 0.1, "office.handover_month": 12}, months=30)
    s = result.summary
    assert s["handover_month"] == 12.0
    assert s["sustainability_ratio_12m"] == pytest.approx(
        result.timeseries["migrant_participation_rate"][24] / max(s["participation_at_handover"], SUSTAINABILITY_FLOOR)
    )
    assert math.isnan(s["sustainability_ratio_24m"])
    assert s["office_staff_hours_total"] == pytest.approx(result.timeseries["office_staff_hours"].sum())
    # Experiments check their objectives against SUMMARY_KEYS before any run: it must be exact.
    assert tuple(k for k in s if k != "seed") == SUMMARY_KEYS


# ---------------------------------------------------------------- participation table
def test_participation_table_totals_equal_adults():
    model = StadtteilModel(load_scenario(KS, {"run.scale": 0.1}))
    for _ in range(24):
        model.step()
    pop = model.state.pop
    table = participation_table(model.state, model.config, model.month)
    assert table["residents"].sum() == pop.adult.sum()
    assert set(table["month"]) == {24}
    assert set(table["level"]) <= set(LEVEL_NAMES)
    for k, name in enumerate(model.community_names):
        assert table.loc[table["community"] == name, "residents"].sum() == (pop.adult & (pop.community == k)).sum()
    women = table.loc[table["gender"] == "female", "residents"].sum()
    assert women == (pop.adult & pop.female).sum()
    informed = table.loc[table["level"] == LEVEL_NAMES[INFORMED], "residents"].sum()
    assert informed == (pop.adult & (pop.level == INFORMED)).sum()
    assert (table["residents"] > 0).all()

"""Mesa agents (agents.py) and the model's wiring (model.py): views, AgentSet, DataCollector."""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np
import pytest

from stadtteil_sim import load_scenario
from stadtteil_sim.model.agents import (
    Association,
    DistrictCommittee,
    DistrictManagement,
    IntegrationOffice,
    Resident,
    WorkingGroup,
)
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.indicators import INDICATORS
from stadtteil_sim.model.population import LEVEL_NAMES, MEMBER
from stadtteil_sim.model.state import COMMITTEE_NAMES, GROUP_KIND_NAMES, WOMENS_GROUP

KS = Path(__file__).resolve().parent.parent / "scenarios" / "kranichstein_sued.yaml"


@pytest.fixture(scope="module")
def default_model() -> StadtteilModel:
    return StadtteilModel()


def small_model(overrides: dict | None = None) -> StadtteilModel:
    return StadtteilModel(load_scenario(KS, {"run.scale": 0.1, **(overrides or {})}))


def test_model_builds_without_arguments(default_model):
    m = default_model
    assert isinstance(m, mesa.Model)
    assert m.month == 0 and m.running
    assert m.state.pop.size == m.config.district.population
    assert m.community_names[0] == "native"
    assert m.office.mode == "moderation"
    assert set(m.indicators) == set(INDICATORS)


def test_seed_argument_overrides_the_scenario_seed():
    a = StadtteilModel(load_scenario(KS, {"run.scale": 0.1}), seed=5)
    b = StadtteilModel(load_scenario(KS, {"run.scale": 0.1, "run.seed": 5}))
    assert a.seed == b.seed == 5
    assert np.array_equal(a.state.pop.threshold, b.state.pop.threshold)
    c = StadtteilModel(load_scenario(KS, {"run.scale": 0.1}), seed=6)
    assert not np.array_equal(a.state.pop.threshold, c.state.pop.threshold)


def test_residents_are_views_onto_the_arrays(default_model):
    m = default_model
    pop = m.state.pop
    i = int(np.flatnonzero(pop.migrant & pop.adult)[0])
    r = m.residents[i]
    assert r.index == i
    old = int(pop.level[i])
    try:
        pop.level[i] = MEMBER
        assert r.level == MEMBER and r.level_name == LEVEL_NAMES[MEMBER]
        pop.german[i] = 0.123
        assert r.german == pytest.approx(0.123)
    finally:
        pop.level[i] = old
    assert r.is_migrant and r.community == m.community_names[pop.community[i]]
    native = m.residents[int(np.flatnonzero(~pop.migrant)[0])]
    assert not native.is_migrant and native.community == "native"


def test_resident_views_follow_replaced_arrays():
    # Processes may rebind a column (pop.acceptance = ...); views read through the state each time.
    m = small_model()
    pop = m.state.pop
    pop.resources = np.full(pop.size, 0.25)
    assert m.residents[3].resources == 0.25


def test_agentset_has_one_agent_per_resident(default_model):
    m = default_model
    residents = m.agents_by_type[Resident]
    assert len(residents) == m.state.pop.size
    assert len({a.index for a in residents}) == m.state.pop.size
    migrants = residents.select(lambda a: a.is_migrant)
    assert len(migrants) == int(m.state.pop.migrant.sum())
    levels = residents.get("level")
    assert list(levels) == list(m.state.pop.level)
    for cls in (IntegrationOffice, DistrictManagement, WorkingGroup):
        assert len(m.agents_by_type[cls]) == 1
    assert len(m.agents_by_type[DistrictCommittee]) == len(COMMITTEE_NAMES)  # Stadtteilrunde, Bürgerarbeitsgruppen
    assert len(m.agents_by_type[Association]) == len(m.state.groups)


def test_association_agents_view_the_group_table(default_model):
    m = default_model
    g = m.state.groups
    for agent in m.association_agents:
        assert agent.kind == GROUP_KIND_NAMES[g.kind[agent.index]]
        assert agent.community == m.community_names[g.community[agent.index]]
        assert agent.members == int((m.state.pop.group == agent.index).sum())
    assert sum(a.members for a in m.association_agents) == int((m.state.pop.group >= 0).sum())


def test_association_agents_appear_when_groups_form():
    m = small_model({"behaviour.associations.core_size": 2, "behaviour.associations.form_rate": 0.5})
    start = len(m.association_agents)
    assert start == len(m.state.groups)
    for _ in range(48):
        m.step()
        assert len(m.association_agents) == len(m.state.groups)
        assert len(m.agents_by_type[Association]) == len(m.state.groups)
    assert len(m.state.groups) > start
    new = m.association_agents[start:]
    assert [a.index for a in new] == list(range(start, len(m.state.groups)))
    assert any(a.kind == GROUP_KIND_NAMES[WOMENS_GROUP] for a in new)


def test_datacollector_has_one_row_per_month_plus_month_zero():
    m = small_model()
    months = 15
    for _ in range(months):
        m.step()
    frame = m.datacollector.get_model_vars_dataframe()
    assert len(frame) == months + 1
    assert list(frame.columns) == [*INDICATORS, "seed"]  # the seed, so a Mesa batch_run row can be rerun
    assert (frame["seed"] == m.seed).all()
    # The last row is what the model reports now.
    last = frame.iloc[-1]
    for name in ("migrant_participation_rate", "office_mode", "link_stage"):
        assert last[name] == m.indicators[name]


def test_model_stops_at_the_horizon():
    m = small_model({"run.months": 5})
    steps = 0
    while m.running and steps < 50:
        m.step()
        steps += 1
    assert steps == 5 and m.month == 5
    assert len(m.datacollector.get_model_vars_dataframe()) == 6


def test_office_agent_mode_follows_policy():
    m = small_model({"office.handover_month": 3})
    modes = [m.office.mode]
    for _ in range(5):
        m.step()
        modes.append(m.office.mode)
    assert modes == ["moderation"] * 3 + ["support"] * 3
    assert m.working_group.state is m.state.wg and all(c.state is s for c, s in zip(m.committees, m.state.committees, strict=True))


def test_year_follows_month():
    m = small_model()
    m.step()
    assert m.year == pytest.approx(m.config.district.start_year + 1 / 12)

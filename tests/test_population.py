"""Resident arrays (population.py): strain split, sizes from the census figures, thresholds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stadtteil_sim import ScenarioError, load_scenario
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.population import (
    ADULT,
    CHILD,
    NATIVE,
    SENIOR,
    UNREACHED,
    YOUNG_ADULT,
    build_population,
    strain_probabilities,
)
from stadtteil_sim.model.rng import Streams

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
KS = SCENARIOS / "kranichstein_sued.yaml"
ES = SCENARIOS / "eberstadt_sued.yaml"


def population(path=KS, seed=1, **overrides):
    scenario = load_scenario(path, overrides)
    return scenario, build_population(scenario, Streams(seed).setup("population"))


# ---------------------------------------------------------------- strain
@pytest.mark.parametrize(
    ("density", "share", "factor"),
    [(7.3, 0.33, 1.8), (18.1, 0.33, 1.8), (10.2, 0.25, 2.5), (5.0, 0.1, 1.0), (30.0, 0.5, 1.5)],
)
def test_strain_probabilities_keep_the_district_mean(density, share, factor):
    p_m, p_n = strain_probabilities(density, share, factor)
    assert share * p_m + (1 - share) * p_n == pytest.approx(density / 100)
    assert 0.0 <= p_n <= 0.95 and 0.0 <= p_m <= 0.95


@pytest.mark.parametrize("factor", [1.2, 1.8, 3.0])
def test_migrants_carry_more_strain_when_factor_above_one(factor):
    p_m, p_n = strain_probabilities(18.1, 0.33, factor)
    assert p_m > p_n
    assert p_m == pytest.approx(0.181 * factor)


def test_factor_one_means_equal_strain():
    p_m, p_n = strain_probabilities(18.1, 0.33, 1.0)
    assert p_m == pytest.approx(p_n) == pytest.approx(0.181)


def test_higher_factor_shifts_strain_from_natives_to_migrants():
    low_m, low_n = strain_probabilities(10.0, 0.3, 1.2)
    high_m, high_n = strain_probabilities(10.0, 0.3, 2.0)
    assert high_m > low_m and high_n < low_n


def test_built_population_carries_the_strain_split():
    # At 1:1 the realised welfare shares of migrant and native adults follow the split.
    scenario, pop = population()
    share = pop.migrant.mean()
    p_m, p_n = strain_probabilities(scenario.district.welfare_density, share, scenario.district.migrant_strain_factor)
    adult = pop.adult
    assert pop.welfare[adult & pop.migrant].mean() == pytest.approx(p_m, abs=0.04)
    assert pop.welfare[adult & ~pop.migrant].mean() == pytest.approx(p_n, abs=0.03)
    assert not pop.welfare[~adult].any()
    assert not pop.unemployed[~np.isin(pop.age_band, (YOUNG_ADULT, ADULT))].any()


def test_context_switch_off_gives_equal_strain_and_no_resource_cut():
    _, pop = population(**{"mechanisms.context": False})
    adult = pop.adult
    assert abs(pop.welfare[adult & pop.migrant].mean() - pop.welfare[adult & ~pop.migrant].mean()) < 0.04
    _, on = population()
    # Same draws, strain weight 0: resources are not lowered anywhere.
    assert (pop.resources >= on.resources - 1e-12).all()
    assert (pop.resources > on.resources).any()


# ---------------------------------------------------------------- sizes
@pytest.mark.parametrize("path", [KS, ES])
@pytest.mark.parametrize("scale", [1.0, 0.1])
def test_sizes_and_community_counts_match_the_scenario(path, scale):
    scenario, pop = population(path, **{"run.scale": scale})
    d = scenario.district
    expected = [round(c.size * scale) for c in d.communities]
    counts = np.bincount(pop.community, minlength=len(expected) + 1)
    assert list(counts[1:]) == expected
    assert pop.size == round(d.population * scale)
    assert counts[NATIVE] == pop.size - sum(expected)
    for column in pop.columns():
        assert getattr(pop, column).shape == (pop.size,), column


def test_population_at_least_communities_plus_ten():
    data = {"district": {"population": 120, "foreign_share": 0.9,
                         "communities": [{"name": "A", "size": 110, "language": "X"}]}}
    pop = build_population(load_scenario(data), Streams(1).setup("population"))
    assert pop.size == 120
    assert (pop.community == 1).sum() == 110


@pytest.mark.parametrize("path", [KS, ES])
def test_russian_germans_are_not_counted_as_foreign(path):
    scenario, pop = population(path)
    d = scenario.district
    names = [c.name for c in d.communities]
    rg = names.index("Russian-German") + 1
    assert not d.communities[rg - 1].foreign_nationals
    foreign_codes = [k for k, c in enumerate(d.communities, start=1) if c.foreign_nationals]
    foreign_share = np.isin(pop.community, foreign_codes).mean()
    # The foreign-national residents reproduce the census share; Russian-Germans come on top
    # as migrants (they are in the model's migrant population) but are German citizens.
    assert foreign_share == pytest.approx(d.foreign_share, rel=0.05)
    assert pop.migrant[pop.community == rg].all()
    assert pop.migrant.mean() > foreign_share + 0.05


def test_counting_russian_germans_as_foreign_breaks_the_census_share():
    with pytest.raises(ScenarioError, match="foreign"):
        load_scenario(KS, {"district.communities.Russian-German.foreign_nationals": True})


def test_age_bands_follow_the_shares():
    scenario, pop = population()
    d = scenario.district
    share = np.bincount(pop.age_band, minlength=4) / pop.size
    assert share[CHILD] == pytest.approx(d.child_share, abs=0.02)
    assert share[YOUNG_ADULT] == pytest.approx(d.young_adult_share, abs=0.02)
    assert share[SENIOR] == pytest.approx(d.senior_share, abs=0.02)


def test_children_start_at_level_zero_and_outside_groups():
    _, pop = population()
    child = ~pop.adult
    assert child.any()
    assert (pop.level == UNREACHED).all()
    assert (pop.group[child] == -1).all()
    assert not pop.parent[child].any()


def test_children_stay_at_level_zero_while_the_district_runs():
    model = StadtteilModel(load_scenario(KS, {"run.scale": 0.1}))
    for _ in range(36):
        model.step()
    pop = model.state.pop
    assert (pop.level[pop.adult] > UNREACHED).any()  # adults did move up the ladder
    assert (pop.level[~pop.adult] == UNREACHED).all()
    assert (pop.group[~pop.adult] == -1).all()
    assert not pop.representative[~pop.adult].any()


def test_natives_speak_german_and_migrants_follow_their_community_mean():
    scenario, pop = population()
    assert (pop.german[~pop.migrant] == 1.0).all()
    for k, c in enumerate(scenario.district.communities, start=1):
        members = pop.community == k
        if members.sum() >= 100:
            assert pop.german[members].mean() == pytest.approx(c.german_mean, abs=0.04), c.name
    assert (pop.german >= 0.02).all() and (pop.german <= 1.0).all()


def test_initial_levels_and_roles_are_empty():
    scenario, pop = population()
    assert not pop.representative.any() and not pop.mediator_pool.any()
    assert (pop.acceptance[pop.migrant] == 0.0).all()
    assert (pop.acceptance[~pop.migrant] == scenario.behaviour.recognition.initial).all()


# ---------------------------------------------------------------- thresholds
def test_thresholds_do_not_depend_on_origin():
    """Migrants and natives draw their personal activation thresholds from one distribution.

    test_patterns relies on this: the low no-office baseline comes from the procedures (the
    barriers of M2), not from migrants being less willing.
    """
    # 1. At 1:1 scale, the two samples agree (two-sample check on mean and spread), over seeds.
    for seed in (1, 2, 3):
        scenario, pop = population(seed=seed)
        act = scenario.behaviour.activation
        m, n = pop.threshold[pop.migrant], pop.threshold[~pop.migrant]
        se = np.sqrt(m.var(ddof=1) / m.size + n.var(ddof=1) / n.size)
        assert abs(m.mean() - n.mean()) < 0.03, (seed, m.mean(), n.mean())
        assert abs(m.mean() - n.mean()) < 4 * se, (seed, m.mean(), n.mean(), se)
        assert m.std() == pytest.approx(n.std(), rel=0.1)
        assert pop.threshold.mean() == pytest.approx(act.threshold_mean, abs=0.02)
        assert pop.threshold.std() == pytest.approx(act.threshold_sd, rel=0.05)

    # 2. In the code path, `threshold` does not depend on community: changing everything that
    # distinguishes the communities (German, closure, experience, strain, associations) and even
    # who belongs to which community leaves every resident's threshold unchanged.
    base = load_scenario(KS)
    data = base.to_dict()
    for c in data["district"]["communities"]:
        c.update(german_mean=0.05, closure=0.95, committee_experience_mean=0.0,
                 association="none", district_orientation=0.0, association_openness=0.0)
    data["district"]["migrant_strain_factor"] = 5.0
    data["district"]["communities"].reverse()  # reassigns community codes to residents
    changed = load_scenario(data)
    a = build_population(base, Streams(4).setup("population"))
    b = build_population(changed, Streams(4).setup("population"))
    assert a.size == b.size
    assert not np.array_equal(a.community, b.community)
    assert not np.allclose(a.german, b.german)
    assert np.array_equal(a.threshold, b.threshold)

    # 3. ... and no process changes `threshold` during a run (barriers are added per month),
    # except that households moving in (M13 fluctuation) draw theirs the same way.
    model = StadtteilModel(load_scenario(KS, {"run.scale": 0.1, "behaviour.context.turnover_rate": 0.0}))
    before = model.state.pop.threshold.copy()
    for _ in range(24):
        model.step()
    assert np.array_equal(model.state.pop.threshold, before)
    moving = StadtteilModel(load_scenario(KS, {"run.scale": 0.1, "behaviour.context.turnover_rate": 0.05}))
    before = moving.state.pop.threshold.copy()
    for _ in range(24):
        moving.step()
    replaced = moving.state.pop.threshold != before
    assert 0 < replaced.mean() < 0.9

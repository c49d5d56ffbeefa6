"""The compiled tie loops (model/kernels.py) compute exactly what the numpy expressions they
replaced did: same counts, and bit for bit the same float32 strengths after decay."""

from __future__ import annotations

import numpy as np
import pytest

from stadtteil_sim.model import kernels
from stadtteil_sim.model.rng import Keyed


@pytest.fixture(params=[0, 1, 2])
def ties(request):
    rng = np.random.default_rng(request.param)
    n, slots = 500, 8
    partner = rng.integers(0, n, (n, slots)).astype(np.int32)
    partner[rng.random((n, slots)) < 0.7] = -1  # most slots empty, as in a run
    strength = np.where(partner >= 0, rng.random((n, slots)), 0.0).astype(np.float32)
    return rng, partner, strength


def test_counts_match_numpy(ties):
    rng, partner, _ = ties
    n = partner.shape[0]
    flag = rng.random(n) < 0.3
    community = rng.integers(0, 5, n).astype(np.int16)
    alive = partner >= 0
    safe = np.where(alive, partner, 0)
    hits, count = kernels.tie_counts(partner, flag)
    assert (hits == (alive & flag[safe]).sum(axis=1)).all() and (count == alive.sum(axis=1)).all()
    rows = np.flatnonzero(rng.random(n) < 0.1)
    level, in_wg = rng.integers(0, 6, n).astype(np.int8), rng.random(5) < 0.6
    organised = ((level == 3) | (level == 4)) & in_wg[community] & (community != 0)
    expected = (alive & organised[safe]).sum(axis=1)[rows]
    assert (kernels.ties_to_organised(partner, rows, level, community, in_wg) == expected).all()
    count, bridging, to_migrant = kernels.tie_mix(partner, community)
    assert (count == alive.sum(axis=1)).all()
    cross = (alive & (community[safe] != community[:, None])).sum(axis=1)
    assert bridging.tobytes() == np.divide(cross, count, out=np.zeros(n), where=count > 0).tobytes()
    assert (to_migrant == (alive & (community[safe] != 0)).any(axis=1)).all()


def test_decay_matches_numpy_bit_for_bit(ties):
    rng, partner, strength = ties
    n = partner.shape[0]
    block, attending, decay = rng.integers(0, 40, n), rng.random(n) < 0.4, 0.03
    expected_partner, expected_strength = partner.copy(), strength.copy()
    alive = expected_partner >= 0
    safe = np.where(alive, expected_partner, 0)
    in_contact = (block[safe] == block[:, None]) | (attending[safe] & attending[:, None])
    expected_strength[:] = np.where(in_contact & alive, 1.0, expected_strength - decay * alive)
    broken = alive & (expected_strength <= 0.0)
    expected_partner[broken] = -1
    expected_strength[broken] = 0.0
    community = rng.integers(0, 5, n).astype(np.int16)
    for _ in range(40):  # long enough that many ties break
        count, bridging, to_migrant = kernels.decay_and_mix(partner, strength, block, attending, decay, community)
        if _ == 0:
            assert (partner == expected_partner).all() and strength.tobytes() == expected_strength.tobytes()
        assert [a.tobytes() for a in kernels.tie_mix(partner, community)] == [
            a.tobytes() for a in (count, bridging, to_migrant)]
    assert (partner[strength == 0] == -1).all()


def test_cutting_ties_to_movers_matches_numpy(ties):
    rng, partner, strength = ties
    gone = rng.random(partner.shape[0]) < 0.05
    expected_partner, expected_strength = partner.copy(), strength.copy()
    expected_partner[gone], expected_strength[gone] = -1, 0.0
    alive = expected_partner >= 0
    to_gone = alive & gone[np.where(alive, expected_partner, 0)]
    expected_partner[to_gone], expected_strength[to_gone] = -1, 0.0
    kernels.cut_ties_to(partner, strength, np.append(gone, False))
    assert (partner == expected_partner).all() and (strength == expected_strength).all()


# ---------------------------------------------------------------- groups, against their numpy form
@pytest.fixture(params=[0, 1, 2])
def residents(request):
    rng = np.random.default_rng(request.param)
    n, n_groups, n_communities = 2000, 12, 5
    return rng, {
        "community": rng.integers(0, n_communities, n).astype(np.int16),
        "female": rng.random(n) < 0.5,
        "age_band": rng.integers(0, 4, n).astype(np.int8),
        "level": rng.integers(0, 6, n).astype(np.int8),
        "group": np.where(rng.random(n) < 0.4, rng.integers(0, n_groups, n), -1).astype(np.int32),
        "n_groups": n_groups, "n_communities": n_communities,
    }


def test_group_kernels_match_numpy(residents):
    rng, r = residents
    k, group, level, female, age_band = r["community"], r["group"], r["level"], r["female"], r["age_band"]
    migrant, adult = k != 0, age_band != 0
    attending = (group >= 0) & (level >= 2)
    expected = np.bincount(group[attending], minlength=r["n_groups"])
    assert (kernels.attending_members(group, level, r["n_groups"]) == expected).all()

    kinds = rng.integers(0, 4, r["n_groups"])
    for kind, youth in ((1, False), (2, True)):
        who = migrant & (((age_band == 1) & ~female) if youth else (female & adult))
        in_own_kind = (group >= 0) & (np.append(kinds, -1)[group] == kind)
        candidates = who & (level >= 2) & ~in_own_kind
        got, pool = kernels.form_candidates(group, level, k, female, age_band, kinds, kind, youth, r["n_communities"])
        assert (got == candidates).all()
        assert (pool == np.bincount(k[candidates], minlength=r["n_communities"])).all()

    def choices():
        return rng.integers(-1, r["n_groups"], r["n_communities"])

    keyed = Keyed(np.uint64(rng.integers(2**63)), 2)
    draw, join_p, served = keyed.table(k.size), rng.random(r["n_communities"]), rng.random(r["n_communities"])
    main, women, youth = choices(), choices(), choices()
    seeking = adult & (level >= 2) & (group < 0) & (draw[:, 0] < join_p[k])
    choice = main[k]
    migrant_woman = female & migrant
    choice = np.where(migrant_woman & (women[k] >= 0), women[k], choice)
    choice = np.where(migrant_woman & (women[k] < 0) & (draw[:, 1] > served[k]), -1, choice)
    young = migrant & (age_band == 1) & ~female
    choice = np.where(young & (youth[k] >= 0), youth[k], choice)
    joins = seeking & (choice >= 0)
    expected = group.copy()
    expected[joins] = choice[joins]
    kernels.join_groups(group, level, age_band, k, female, keyed.key, keyed.width, join_p, main, women, youth, served)
    assert (group == expected).all()

    usable = rng.random(r["n_groups"]) < 0.7
    in_group = np.append(usable, False)[np.where(group >= 0, group, -1)]
    expected = level.copy()
    expected[(level == 2) & in_group] = 3
    expected[(level == 3) & ~in_group] = 2
    kernels.sync_levels(level, group, usable)
    assert (level == expected).all()


def test_census_and_selections_match_numpy(residents):
    rng, r = residents
    k, level, age_band = r["community"], r["level"], r["age_band"]
    migrant, adult = k != 0, age_band != 0
    in_wg = rng.random(r["n_communities"]) < 0.5
    expected = [(adult & migrant).sum(), (adult & migrant & (level >= 1)).sum(), (adult & migrant & (level >= 2)).sum(),
                (adult & ~migrant).sum(), (adult & ~migrant & (level >= 2)).sum(), migrant.sum(), (migrant & in_wg[k]).sum()]
    assert kernels.census(level, age_band, k, in_wg).tolist() == [int(x) for x in expected]
    values, count = rng.random(k.size), rng.integers(0, 3, k.size)
    assert kernels.adult_values(values, age_band).tobytes() == values[adult].tobytes()
    assert kernels.adult_values(values, age_band, count).tobytes() == values[adult & (count > 0)].tobytes()


def test_organised_counts_match_numpy(residents):
    rng, r = residents
    k, level, group = r["community"], r["level"], r["group"]
    representative = rng.random(k.size) < 0.05
    organised = (k != 0) & (level >= 1) & (level < 4) & (group >= 0)
    members, reps = kernels.organised_counts(level, k, group, representative, r["n_communities"])
    assert (members == np.bincount(k[organised], minlength=r["n_communities"])).all()
    assert (reps == np.bincount(k[representative], minlength=r["n_communities"])).all()


def test_core_capacity_sums_match_numpys_bincount(residents):
    rng, r = residents
    group = r["group"]
    german, experience, resources = rng.random(group.size), rng.random(group.size), rng.random(group.size)
    in_group = group >= 0
    capacity = (german + experience + resources) / 3.0
    sums, members = kernels.core_capacity_sums(group, german, experience, resources, r["n_groups"])
    expected = np.bincount(group[in_group], weights=capacity[in_group], minlength=r["n_groups"])
    assert sums.tobytes() == expected.tobytes()
    assert (members == np.bincount(group[in_group], minlength=r["n_groups"])).all()


def test_last_migrant_row():
    community = np.array([2, 1, 0, 3, 0, 0], dtype=np.int16)
    nobody = np.zeros(6, dtype=bool)
    assert kernels.last_migrant_row(community, nobody) == 3
    assert kernels.last_migrant_row(community, np.array([0, 0, 0, 0, 1, 0], dtype=bool)) == 4
    assert kernels.last_migrant_row(np.zeros(6, dtype=np.int16), nobody) == -1

"""The compiled tie loops (model/kernels.py) compute exactly what the numpy expressions they
replaced did: same counts, and bit for bit the same float32 strengths after decay."""

from __future__ import annotations

import numpy as np
import pytest

from stadtteil_sim.model import kernels


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
    assert (kernels.has_living_tie(partner) == alive.any(axis=1)).all()
    rows = rng.permutation(n)[: n // 5]
    assert (kernels.tie_hits_of(partner, flag, rows) == hits[rows]).all()
    cross, count = kernels.crossing_counts(partner, community)
    assert (cross == (alive & (community[safe] != community[:, None])).sum(axis=1)).all()


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
    for _ in range(40):  # long enough that many ties break
        kernels.decay_without_contact(partner, strength, block, attending, decay)
        if _ == 0:
            assert (partner == expected_partner).all() and strength.tobytes() == expected_strength.tobytes()
    assert (partner[strength == 0] == -1).all()


def test_cutting_ties_to_movers_matches_numpy(ties):
    rng, partner, strength = ties
    gone = rng.random(partner.shape[0]) < 0.05
    expected_partner, expected_strength = partner.copy(), strength.copy()
    expected_partner[gone], expected_strength[gone] = -1, 0.0
    alive = expected_partner >= 0
    to_gone = alive & gone[np.where(alive, expected_partner, 0)]
    expected_partner[to_gone], expected_strength[to_gone] = -1, 0.0
    kernels.cut_ties_to(partner, strength, gone)
    assert (partner == expected_partner).all() and (strength == expected_strength).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_join_choices_match_numpy(seed):
    rng = np.random.default_rng(seed)
    n, communities = 2000, 6
    level = rng.integers(0, 6, n).astype(np.int8)
    group = np.where(rng.random(n) < 0.5, -1, rng.integers(0, 10, n)).astype(np.int32)
    adult, woman, young = rng.random(n) < 0.8, rng.random(n) < 0.3, rng.random(n) < 0.2
    young &= ~woman
    community = rng.integers(0, communities, n).astype(np.int16)
    draw = rng.random((n, 2))
    openness, served = rng.random(communities), rng.random(communities)
    main, women, youth = (np.where(rng.random(communities) < 0.4, -1, rng.integers(0, 10, communities)) for _ in range(3))
    k = community
    seeking = adult & (level >= 2) & (group < 0) & (draw[:, 0] < 0.3 * openness[k])
    choice = main[k]
    choice = np.where(woman & (women[k] >= 0), women[k], choice)
    choice = np.where(woman & (women[k] < 0) & (draw[:, 1] > served[k]), -1, choice)
    choice = np.where(young & (youth[k] >= 0), youth[k], choice)
    before, expected = group.copy(), group.copy()
    expected[seeking & (choice >= 0)] = choice[seeking & (choice >= 0)]
    kernels.join_choices(level, group, adult, community, woman, young, draw, 0.3, openness, main, women, youth, served, 2)
    assert (group == expected).all() and (group != before).sum() > 10  # some joined


def test_barrier_and_pull_equal_the_equations_term_by_term():
    """The compiled pass against activation.py's equations written out in numpy (same doubles)."""
    rng = np.random.default_rng(5)
    n, communities = 3000, 7
    k = rng.integers(0, communities, n).astype(np.int16)
    migrant = rng.random(n) < 0.4
    german, experience, resources, identification, trust, active = (rng.random(n) for _ in range(6))
    closure, figure, formality, events, interest, contact, group = (rng.random(communities) for _ in range(7))
    w = rng.random(10)
    barrier, pull = kernels.barrier_and_pull(
        k, migrant, german, experience, resources, identification, trust, active, True, w[0], w[1], w[2],
        closure, figure, formality, w[3], w[4], events, w[5], interest, w[6], contact, w[7], group)
    migrant_barrier = w[0] * (1.0 - german) + closure[k] + figure[k] + formality[k]
    expected_barrier = w[1] * (1.0 - experience) + w[2] * (1.0 - resources) + np.where(migrant, migrant_barrier, w[3])
    invitation = np.where(migrant, contact[k], w[7]) * (0.5 + 0.5 * trust)
    expected_pull = w[4] * active + events[k] + w[5] * (identification * interest[k]) + w[6] * invitation + group[k]
    assert np.array_equal(barrier, expected_barrier) and np.array_equal(pull, expected_pull)
    off, _ = kernels.barrier_and_pull(
        k, migrant, german, experience, resources, identification, trust, active, False, w[0], w[1], w[2],
        closure, figure, formality, w[3], w[4], events, w[5], interest, w[6], contact, w[7], group)
    assert not off.any()


def test_qualify_equals_the_numpy_updates():
    """The compiled pass against qualification.py's former numpy updates, in their order."""
    rng = np.random.default_rng(8)
    n = 4000
    female, migrant, parent, reached = (rng.random(n) < p for p in (0.5, 0.4, 0.3, 0.35))
    level = rng.integers(0, 6, n).astype(np.int8)
    columns = [rng.random(n) for _ in range(5)]  # german, resources, experience, trust, identification
    draw = rng.random((n, 3))
    rate, women_weight, gain, exp_gain, school = 0.2, 2.0, 0.06, 0.05, 0.08
    g, r, e, t, i = (c.copy() for c in columns)
    course = reached & (draw[:, 0] < np.minimum(1.0, rate * np.where(female, women_weight, 1.0)))
    g[course] += gain * (1.0 - g[course])
    r[course] += 0.02 * (1.0 - r[course])
    multiplier = migrant & (level >= 3) & (draw[:, 1] < rate)
    e[multiplier] += exp_gain * (1.0 - e[multiplier])
    schooled = parent & (level >= 1) & (draw[:, 2] < school)
    t[schooled] += 0.03 * (1.0 - t[schooled])
    i[schooled] += 0.01 * (1.0 - i[schooled])
    mothers = schooled & female & migrant
    g[mothers] += 0.5 * gain * (1.0 - g[mothers])
    kernels.qualify(reached, female, migrant, parent, level, *columns, draw, True, True, rate, women_weight, gain,
                    exp_gain, school, 3, 1)
    for got, expected in zip(columns, (g, r, e, t, i), strict=True):
        assert np.array_equal(got, expected)
    assert course.any() and mothers.any()


def test_update_acceptance_equals_the_numpy_form(ties):
    rng, partner, _ = ties
    n = partner.shape[0]
    migrant, adult = rng.random(n) < 0.4, rng.random(n) < 0.8
    level = rng.integers(0, 6, n).astype(np.int8)
    acceptance = rng.random(n)
    alive = partner >= 0
    bridged = (alive & migrant[np.where(alive, partner, 0)]).any(axis=1)
    natives = adult & ~migrant
    a = acceptance.copy()
    gain = 0.04 * bridged + 0.02
    gain = gain + 0.01 * (level >= 2)
    new = a + gain * (1.0 - a) - 0.03 * a + 0.01 * (0.35 - a)
    expected = np.where(natives, np.clip(new, 0.0, 1.0), a)
    kernels.update_acceptance(partner, migrant, adult, level, acceptance, 0.04, 0.02, 0.01, 0.03, 0.01, 0.35, 2)
    assert np.array_equal(acceptance, expected) and bridged[natives].any()


@pytest.mark.parametrize("rooms, event, funds", [(True, True, True), (True, False, False), (False, True, False)])
def test_meeting_circles_equal_the_numpy_rules(rooms, event, funds):
    rng = np.random.default_rng(11)
    n, groups, communities = 3000, 12, 6
    group = np.where(rng.random(n) < 0.5, -1, rng.integers(0, groups, n)).astype(np.int32)
    community = rng.integers(0, communities, n).astype(np.int16)
    level = rng.integers(0, 7, n).astype(np.int8)
    migrant, representative = rng.random(n) < 0.4, rng.random(n) < 0.05
    in_rooms, closure = rng.random(groups) < 0.5, rng.random(communities)
    base, shared = 0.1, 0.45
    mixing = np.full(n, base)
    if rooms:
        meets = np.append(in_rooms, False)[np.where(group >= 0, group, -1)] | representative
        mixing = np.where(meets, shared, mixing)
    if event:
        mixing = np.maximum(mixing, shared)
    if funds:
        mixing = np.where(migrant, 0.5 * mixing, mixing)
    mixing = mixing * (1.0 - closure[community])
    circle = np.where(group >= 0, 1_000 + group, community).astype(np.int64)
    circle = np.where((level == 5) | (~migrant & (level >= 3)), -2, circle)
    got_mixing, got_circle = kernels.meeting_circles(group, community, level, migrant, representative, in_rooms,
                                                     closure, base, shared, rooms, event, funds, 5, 3)
    assert np.array_equal(got_mixing, mixing) and np.array_equal(got_circle, circle)

"""Conflicts between specific groups (M9, docs/ODD.md §7.9): settled by trained mediators with ties
to both sides, escalating where no such person exists. Unit tests on a small district, and paired
seeds (10, 1:1, both districts) for the lever that builds mediators."""

import numpy as np
import pytest

from run_cache import ES, KS, paired_ci, runs, series
from stadtteil_sim.model.processes import conflicts
from test_processes import context, small_model

DISTRICTS = pytest.mark.parametrize("path", [KS, ES], ids=["Kranichstein-Süd", "Eberstadt-Süd"])
MANY = {"behaviour.conflicts.rate": 50.0, "behaviour.conflicts.mediator_success": 1.0}


def two_groups(overrides: dict | None = None):
    """A district whose only groups are the main associations of communities 1 and 2, every
    conflict between them, and no one in the mediator pool yet."""
    model = small_model({**MANY, **(overrides or {})})
    state, pop = model.state, model.state.pop
    g = state.groups
    keep = [i for i in range(len(g)) if g.community[i] in (1, 2)][:2]
    assert sorted(g.community[i] for i in keep) == [1, 2]
    for i in range(len(g)):
        g.alive[i] = i in keep
    for i, k in zip(keep, (1, 2), strict=True):
        members = np.flatnonzero(pop.adult & (pop.community == k))[:5]
        pop.group[members] = i
    pop.mediator_pool[:] = False
    state.month = 5
    return model, keep


def run_conflicts(model):
    ctx = context(model)
    ctx.tie_mix  # noqa: B018 - the month's ties, as recognition would have worked them out
    conflicts.step(ctx)
    return model.state.counters


def test_without_a_mediator_every_conflict_escalates_and_hits_the_two_groups():
    model, (a, b) = two_groups()
    pop, ties = model.state.pop, model.state.ties
    sides = (pop.group == a) | (pop.group == b)
    identification = pop.identification.copy()
    # A tie across the divide, between a member of each group.
    i, j = np.flatnonzero(pop.group == a)[0], np.flatnonzero(pop.group == b)[0]
    ties.partner[i, 0], ties.strength[i, 0] = j, 1.0
    counters = run_conflicts(model)
    assert counters.conflicts > 0 and counters.conflicts_escalated == counters.conflicts
    assert counters.conflicts_mediated == 0 and counters.last_escalated == counters.conflicts
    assert (pop.identification[sides] < identification[sides]).all()
    assert np.array_equal(pop.identification[~sides], identification[~sides])
    assert ties.strength[i, 0] < 1.0
    logged = [line for line in model.state.counters.events if "a conflict" in line]
    assert len(logged) == counters.conflicts
    assert all(line.endswith("no one with ties to both sides mediates") for line in logged)


def test_a_mediator_with_ties_to_both_sides_settles_them():
    model, _ = two_groups()
    pop, ties = model.state.pop, model.state.ties
    mediator = np.flatnonzero(pop.adult & (pop.community == 1) & (pop.group < 0))[0]
    other_side = np.flatnonzero(pop.community == 2)[0]
    pop.mediator_pool[mediator] = True
    ties.partner[mediator, 0], ties.strength[mediator, 0] = other_side, 1.0
    counters = run_conflicts(model)
    assert counters.conflicts > 0 and counters.conflicts_mediated == counters.conflicts
    assert counters.conflicts_escalated == 0


def test_a_large_pool_without_ties_to_the_other_side_does_not_help():
    model, _ = two_groups()
    pop, ties = model.state.pop, model.state.ties
    pool = np.flatnonzero(pop.adult & (pop.community == 1))
    pop.mediator_pool[pool] = True
    across = np.isin(ties.partner[pool], np.flatnonzero(pop.community == 2))
    ties.partner[pool] = np.where(across, -1, ties.partner[pool])  # no one of them knows anyone of community 2
    counters = run_conflicts(model)
    assert counters.conflicts > 0 and counters.conflicts_escalated == counters.conflicts


def test_without_the_switch_conflicts_have_no_parties():
    model, _ = two_groups({"mechanisms.conflicts_between_groups": False})
    counters = run_conflicts(model)
    assert counters.conflicts > 0 and counters.conflicts == counters.conflicts_mediated + counters.conflicts_escalated
    assert not any("a conflict" in line for line in counters.events) and counters.recent_conflicts == []


MORE_MEDIATORS = {"behaviour.conflicts.pool_training_rate": 0.016}  # four times the trainings


@pytest.mark.slow
@DISTRICTS
def test_more_mediators_with_ties_to_both_sides_mean_fewer_escalations(path):
    """Four times the trainings in mediation: more residents with ties to both sides of a
    conflict are in the pool, fewer conflicts escalate by month 120 (paired)."""
    column = "conflicts_escalated"
    gap = series(runs(path, MORE_MEDIATORS), column)[:, 120] - series(runs(path), column)[:, 120]
    assert paired_ci(gap)[1] < 0, gap
    # Ablation: with anonymous conflicts (no parties, no ties needed) the pool still helps, but
    # mediation no longer depends on who knows whom: the same lever there.
    off = {"mechanisms.conflicts_between_groups": False}
    gap_off = series(runs(path, {**MORE_MEDIATORS, **off}), column)[:, 120] - series(runs(path, off), column)[:, 120]
    assert paired_ci(gap_off)[1] < 0, gap_off


@pytest.mark.slow
@DISTRICTS
def test_conflicts_are_settled_more_often_as_ties_and_the_pool_grow(path):
    results = runs(path)
    arising, mediated = series(results, "conflicts_arising"), series(results, "conflicts_mediated")
    early = mediated[:, 24] / np.maximum(1, arising[:, 24])
    late = (mediated[:, 120] - mediated[:, 60]) / np.maximum(1, arising[:, 120] - arising[:, 60])
    assert paired_ci(late - early)[0] > 0, (early.round(2), late.round(2))

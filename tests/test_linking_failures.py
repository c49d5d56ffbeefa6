"""Linking failures with consequences (docs/ODD.md §7.4): token seats cost trust, a detached
parallel structure stays detached. Paired seeds (the same seed under each link timing), 10
seeds, 1:1, both districts; each gap at least halves with its mechanism's switch off."""

import pytest

from run_cache import ES, KS, PATTERN_SEEDS, paired_ci, runs, series

pytestmark = pytest.mark.slow

DISTRICTS = pytest.mark.parametrize("path", [KS, ES], ids=["Kranichstein-Süd", "Eberstadt-Süd"])
AT_FORMATION, DOCUMENTED, LATE = ({"office.link_month": month} for month in (0, 18, 60))
NO_TOKEN_COST = {"mechanisms.token_cost": False}
NO_PERSISTENCE = {"mechanisms.detachment_persists": False}


def gap(path, column, month, early, late, switches=None, seeds=PATTERN_SEEDS):
    """Per seed, ``column`` at ``month`` (or its mean over a slice of months) after the ``early``
    link minus after the ``late`` one."""
    a = series(runs(path, {**early, **(switches or {})}, seeds), column)[:, month]
    b = series(runs(path, {**late, **(switches or {})}, seeds), column)[:, month]
    return (a - b).mean(axis=1) if isinstance(month, slice) else a - b


# Both committees take seats, Eberstadt-Süd's group forms later (closer to a link at 18), and
# conflicts and clean-ups move natives' recognition too: the token costs are about a 10-seed
# standard error at one month, so 20 seeds and the mean over months 60-84, the two years up to
# month 84 (2026-12-08, 20 seeds at month 84 alone: Eberstadt-Süd trust -0.044, interval
# -0.064..-0.023; Kranichstein-Süd natives' recognition -0.010, interval -0.020..+0.0003).
TOKEN_SEEDS = range(1, 21)
BY_84 = slice(60, 85)


@DISTRICTS
@pytest.mark.parametrize("column", ["constituents_trust", "native_recognition", "migrant_participation_rate"])
def test_a_link_at_formation_costs_through_token_seats(path, column):
    # Linked before the group can send its own delegates, the seats go to migrants without
    # contact to the groups (token seats): in the two years up to month 84 the constituents trust less, natives
    # recognise the group less, fewer migrants take part than after a link at month 18.
    difference = gap(path, column, BY_84, AT_FORMATION, DOCUMENTED, seeds=TOKEN_SEEDS)
    assert paired_ci(difference)[1] < 0, (column, difference.round(4))
    # Ablation: without the token seats' costs the gap at least halves.
    without = gap(path, column, BY_84, AT_FORMATION, DOCUMENTED, NO_TOKEN_COST, seeds=TOKEN_SEEDS)
    assert abs(without.mean()) <= 0.5 * abs(difference.mean()), (column, difference.mean(), without.mean())


@DISTRICTS
def test_a_late_link_leaves_a_detached_structure_less_willing_to_link(path):
    late = series(runs(path, LATE), "detachment_index")
    assert late[:, 84].mean() >= 0.5 * late[:, 60].mean(), (late[:, 60].mean(), late[:, 84].mean())
    willingness = gap(path, "link_willingness", 84, LATE, DOCUMENTED)
    assert paired_ci(willingness)[1] < 0, willingness.round(3)
    # Ablation: a detachment that does not persist fades (less than half of the gap to a link
    # at 18 is left at month 84), and the willingness to link does not move at all.
    detached = gap(path, "detachment_index", 84, LATE, DOCUMENTED)
    detached_without = gap(path, "detachment_index", 84, LATE, DOCUMENTED, NO_PERSISTENCE)
    assert detached.mean() > 0 and detached_without.mean() <= 0.5 * detached.mean(), (detached.mean(), detached_without.mean())
    assert abs(gap(path, "link_willingness", 84, LATE, DOCUMENTED, NO_PERSISTENCE).mean()) <= 0.5 * abs(willingness.mean())

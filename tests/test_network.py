"""Ties as fixed-width arrays (network.py): partner choice, formation, decay and tie shares."""

from __future__ import annotations

import numpy as np
import pytest

from stadtteil_sim.model.network import (
    Ties,
    bridging_share,
    decay_ties,
    form_ties,
    initial_ties,
    random_member_of_same_group,
    share_of_ties,
    ties_to,
)


def empty_ties(n: int, slots: int) -> Ties:
    return Ties(np.full((n, slots), -1, dtype=np.int32), np.zeros((n, slots), dtype=np.float32))


def assert_consistent(ties: Ties) -> None:
    """No tie to self, no partner twice in a row, empty slots have strength 0."""
    n = ties.partner.shape[0]
    rows = np.arange(n)[:, None]
    assert not (ties.alive & (ties.partner == rows)).any(), "tie to self"
    for i in range(n):
        alive = ties.partner[i][ties.alive[i]]
        assert alive.size == np.unique(alive).size, f"duplicate partner in row {i}: {ties.partner[i]}"
    assert (ties.strength[~ties.alive] == 0).all()
    assert (ties.partner < n).all()


# ---------------------------------------------------------------- random_member_of_same_group
def test_random_member_has_the_same_key():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 7, size=300)
    for _ in range(20):
        chosen = random_member_of_same_group(keys, rng.random(keys.size))
        assert np.array_equal(keys[chosen], keys)


def test_random_member_alone_is_itself():
    keys = np.array([5, 1, 5, 2, 9, 5, 1])  # 2 and 9 are alone
    for u in (0.0, 0.3, 0.999999):
        chosen = random_member_of_same_group(keys, np.full(keys.size, u))
        assert chosen[3] == 3 and chosen[4] == 4


def test_random_member_edges_of_unit_interval_stay_in_group():
    keys = np.array([3, 3, 3, 1, 1, 8])
    low = random_member_of_same_group(keys, np.zeros(keys.size))
    high = random_member_of_same_group(keys, np.full(keys.size, np.nextafter(1.0, 0.0)))
    assert np.array_equal(keys[low], keys) and np.array_equal(keys[high], keys)
    # u = 0 picks the first member of the group, u -> 1 the last (stable order).
    assert low[0] == low[1] == low[2] == 0 and high[0] == high[1] == high[2] == 2
    assert low[3] == 3 and high[3] == 4


def test_random_member_reaches_every_member_about_uniformly():
    keys = np.array([0] * 4 + [1] * 2)
    u = np.random.default_rng(1).random((4000, keys.size))
    picks = np.array([random_member_of_same_group(keys, row)[0] for row in u])
    counts = np.bincount(picks, minlength=keys.size)
    assert counts[4:].sum() == 0
    assert (np.abs(counts[:4] / len(u) - 0.25) < 0.03).all(), counts


# ---------------------------------------------------------------- form_ties
class Table:
    """Uniforms given as an array, read as form_ties reads a keyed table (``at(rows, column)``)."""

    def __init__(self, u: np.ndarray):
        self.u = u

    def at(self, rows: np.ndarray, column: int) -> np.ndarray:
        return self.u[rows, column]


def test_form_ties_only_between_attendees_never_self_no_duplicates():
    rng = np.random.default_rng(2)
    n, slots = 60, 4
    ties = empty_ties(n, slots)
    attendees = rng.random(n) < 0.5
    circle = rng.integers(0, 4, size=n)
    mixing = np.full(n, 0.3)
    for _ in range(40):
        before = ties.partner.copy()
        form_ties(ties, attendees, circle, mixing, 0.8, Table(rng.random((n, 4))))
        assert np.array_equal(ties.partner[~attendees], before[~attendees]), "a non-attendee got a tie"
        new = ties.partner != before
        assert attendees[ties.partner[new]].all(), "tied to a non-attendee"
        assert_consistent(ties)
    assert ties.alive[attendees].sum() > 0


def test_form_ties_within_circle_without_mixing():
    rng = np.random.default_rng(3)
    n = 40
    ties = empty_ties(n, 6)
    attendees = np.ones(n, dtype=bool)
    circle = np.arange(n) % 3
    for _ in range(20):
        form_ties(ties, attendees, circle, np.zeros(n), 1.0, Table(rng.random((n, 4))))
    alive = ties.alive
    partner_circle = circle[np.where(alive, ties.partner, 0)]
    assert alive.sum() > 0
    assert (partner_circle[alive] == np.broadcast_to(circle[:, None], alive.shape)[alive]).all()


def test_form_ties_alone_in_circle_makes_no_self_tie():
    ties = empty_ties(3, 2)
    attendees = np.array([True, True, False])
    circle = np.array([0, 1, 1])  # 0 and 1 attend but each is alone in its circle
    u = np.zeros((3, 4))
    u[:, 1] = 0.5  # not crossing with mixing 0
    form_ties(ties, attendees, circle, np.zeros(3), 1.0, Table(u))
    assert not ties.alive.any()


def test_form_ties_no_meeting_when_meet_rate_zero():
    rng = np.random.default_rng(4)
    ties = empty_ties(20, 3)
    form_ties(ties, np.ones(20, dtype=bool), np.zeros(20), np.full(20, 0.5), 0.0, Table(rng.random((20, 4))))
    assert not ties.alive.any()


def test_form_ties_replaces_the_weakest_slot():
    ties = empty_ties(6, 3)
    ties.partner[0] = [3, 4, 5]
    ties.strength[0] = [0.9, 0.2, 0.5]
    attendees = np.array([True, True, False, False, False, False])
    u = np.zeros((6, 4))  # meets; u[:,2] = 0 -> first member of its circle; u[:,3] = 0
    circle = np.zeros(6)
    mixing = np.zeros(6)
    # 0's circle among attendees is {0, 1}; u=0 picks 0 itself, so let 0 pick by cross-mixing:
    # anyone = idx[floor(u3 * 2)] -> u3 = 0.75 picks 1.
    u[0, 3] = 0.75
    mixing[0] = 1.0
    form_ties(ties, attendees, circle, mixing, 1.0, Table(u))
    assert list(ties.partner[0]) == [3, 1, 5]
    assert list(ties.strength[0]) == pytest.approx([0.9, 1.0, 0.5])


def test_form_ties_prefers_an_empty_slot():
    ties = empty_ties(4, 3)
    ties.partner[0] = [2, -1, 3]
    ties.strength[0] = [0.1, 0.0, 0.05]
    attendees = np.array([True, True, False, False])
    u = np.zeros((4, 4))
    u[0, 3] = 0.75
    mixing = np.array([1.0, 0.0, 0.0, 0.0])
    form_ties(ties, attendees, np.zeros(4), mixing, 1.0, Table(u))
    assert list(ties.partner[0]) == [2, 1, 3]


def test_form_ties_existing_partner_is_not_added_twice():
    ties = empty_ties(3, 3)
    ties.partner[0] = [1, -1, -1]
    ties.strength[0] = [0.4, 0, 0]
    attendees = np.array([True, True, False])
    u = np.zeros((3, 4))
    u[0, 3] = 0.75
    form_ties(ties, attendees, np.zeros(3), np.array([1.0, 0, 0]), 1.0, Table(u))
    assert list(ties.partner[0]) == [1, -1, -1]
    assert ties.strength[0, 0] == pytest.approx(0.4)


# ---------------------------------------------------------------- decay_ties
def test_decay_keeps_contacted_ties_at_one_and_breaks_at_zero():
    ties = empty_ties(4, 4)
    ties.partner[0] = [1, 2, 3, -1]
    ties.strength[0] = [0.3, 0.05, 0.5, 0.0]
    block = np.array([0, 0, 1, 2])  # 1 is a neighbour of 0; 2 and 3 live elsewhere
    attending = np.zeros(4, dtype=bool)
    decay_ties(ties, block, attending, 0.1)
    assert ties.strength[0, 0] == pytest.approx(1.0)  # contact restores full strength
    assert ties.partner[0, 1] == -1 and ties.strength[0, 1] == 0.0  # 0.05 - 0.1 -> broken
    assert ties.partner[0, 2] == 3 and ties.strength[0, 2] == pytest.approx(0.4)
    assert ties.partner[0, 3] == -1 and ties.strength[0, 3] == 0.0  # empty stays empty, not negative


def test_both_attending_is_contact_one_attending_is_not():
    ties = empty_ties(3, 2)
    ties.partner[0] = [1, 2]
    ties.strength[0] = [0.5, 0.5]
    decay_ties(ties, np.array([0, 1, 2]), np.array([True, True, False]), 0.1)
    assert ties.strength[0, 0] == 1.0 and ties.strength[0, 1] == pytest.approx(0.4)


def test_decay_breaks_exactly_at_zero_and_contact_on_empty_slot_creates_nothing():
    ties = empty_ties(2, 2)
    ties.partner[0] = [1, -1]
    ties.strength[0] = [0.25, 0.0]
    decay_ties(ties, np.array([0, 1]), np.array([False, True]), 0.25)
    assert ties.partner[0, 0] == -1 and ties.strength[0, 0] == 0.0
    assert ties.partner[0, 1] == -1 and ties.strength[0, 1] == 0.0


def test_decay_without_contact_breaks_all_ties_after_enough_months():
    ties = initial_ties(np.array([0, 0, 1, 1]), np.zeros(4, dtype=np.int32), np.ones(4, dtype=bool), 3, 2, 0.5,
                        np.random.default_rng(0))
    assert ties.alive.any()
    for _ in range(9):
        decay_ties(ties, np.arange(4), np.zeros(4, dtype=bool), 0.12)
    assert not ties.alive.any()
    assert (ties.strength == 0).all()


def test_initial_ties_only_between_adults_and_consistent():
    rng = np.random.default_rng(5)
    n = 200
    adult = rng.random(n) < 0.7
    ties = initial_ties(rng.integers(0, 3, n), rng.integers(0, 5, n), adult, 6, 3, 0.2, rng)
    assert not ties.alive[~adult].any()
    assert adult[ties.partner[ties.alive]].all()
    assert (ties.strength[ties.alive] == 1.0).all()
    assert not ties.alive[:, 3:].any()  # only `per_adult` slots are filled
    rows = np.arange(n)[:, None]
    assert not (ties.alive & (ties.partner == rows)).any()


# ---------------------------------------------------------------- shares
@pytest.fixture
def tiny():
    # 0 -> 1, 2, 3 ; 1 -> 0 ; 2 -> (none) ; 3 -> 0, 2
    partner = np.array([[1, 2, 3], [0, -1, -1], [-1, -1, -1], [-1, 0, 2]], dtype=np.int32)
    strength = np.where(partner >= 0, 1.0, 0.0).astype(np.float32)
    return Ties(partner, strength)


def test_ties_to_counts_living_ties_to_flagged(tiny):
    flag = np.array([True, False, True, False])
    assert list(ties_to(tiny, flag)) == [1, 1, 0, 2]
    # An empty slot (-1) never counts, even though index -1 wraps to the last resident.
    assert list(ties_to(tiny, np.array([False, False, False, True]))) == [1, 0, 0, 0]


def test_share_of_ties(tiny):
    flag = np.array([True, False, True, False])
    assert share_of_ties(tiny, flag) == pytest.approx([1 / 3, 1.0, 0.0, 1.0])
    assert share_of_ties(tiny, np.zeros(4, dtype=bool)) == pytest.approx([0, 0, 0, 0])


def test_bridging_share(tiny):
    community = np.array([0, 0, 1, 2])
    # 0: partners 1 (same), 2, 3 (other) -> 2/3; 1: partner 0 (same) -> 0; 2: no ties -> 0;
    # 3: partners 0, 2 (both other) -> 1
    assert bridging_share(tiny, community) == pytest.approx([2 / 3, 0.0, 0.0, 1.0])
    assert bridging_share(tiny, np.zeros(4, dtype=int)) == pytest.approx([0, 0, 0, 0])

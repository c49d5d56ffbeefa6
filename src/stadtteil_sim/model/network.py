"""Social ties as fixed-width arrays: formation at shared activities, decay without contact.

Each resident has ``slots`` outgoing ties (``partner`` index, -1 = empty, and a ``strength``).
Bonding ties run within a community, bridging ties across communities or to natives (Putnam).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stadtteil_sim.model import kernels


@dataclass
class Ties:
    partner: np.ndarray  # int32 (n, slots), -1 = empty
    strength: np.ndarray  # float32 (n, slots)

    @property
    def alive(self) -> np.ndarray:
        return self.partner >= 0


def same_key_groups(keys: np.ndarray, wanted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by key (stably) and, per row (or per key of ``wanted``), where its key's run
    starts and ends in that order: what :func:`pick_same_group` needs, worked out once for keys
    drawn from repeatedly."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    wanted = keys if wanted is None else wanted
    return order, np.searchsorted(sorted_keys, wanted, side="left"), np.searchsorted(sorted_keys, wanted, side="right")


def pick_same_group(groups: tuple[np.ndarray, np.ndarray, np.ndarray], u: np.ndarray) -> np.ndarray:
    """For each row, the row sharing its key that ``u`` picks (``groups`` from :func:`same_key_groups`)."""
    order, starts, ends = groups
    pick = starts + np.floor(u * (ends - starts)).astype(np.int64)
    return order[np.minimum(pick, ends - 1)]


def random_member_of_same_group(keys: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each row, a uniformly drawn row sharing its key (itself when it is alone)."""
    return pick_same_group(same_key_groups(keys), u)


def initial_ties(community, block, adult, slots: int, per_adult: int, mixing: float, rng) -> Ties:
    """Neighbourhood ties: mostly to the same community in the same block, some across."""
    n = community.size
    partner = np.full((n, slots), -1, dtype=np.int32)
    strength = np.zeros((n, slots), dtype=np.float32)
    idx = np.flatnonzero(adult)
    if idx.size < 2:
        return Ties(partner, strength)
    same_community_and_block = same_key_groups(community[idx].astype(np.int64) * 100_000 + block[idx])
    same_block = same_key_groups(block[idx].astype(np.int64))
    for s in range(min(per_adult, slots)):
        u = rng.random((idx.size, 3))
        local = idx[pick_same_group(same_community_and_block, u[:, 0])]
        anywhere_in_block = idx[pick_same_group(same_block, u[:, 1])]
        chosen = np.where(u[:, 2] < mixing, anywhere_in_block, local)
        chosen = np.where(chosen == idx, -1, chosen)
        partner[idx, s] = chosen
        strength[idx, s] = np.where(chosen >= 0, 1.0, 0.0)
    return Ties(partner, strength)


def ties_to(ties: Ties, flag: np.ndarray) -> np.ndarray:
    """Per resident: the number of living ties whose partner has ``flag`` set."""
    return kernels.tie_counts(ties.partner, flag)[0]


def share_of_ties(ties: Ties, flag: np.ndarray) -> np.ndarray:
    """Per resident: the share of living ties whose partner has ``flag`` set (0 without ties)."""
    hits, count = kernels.tie_counts(ties.partner, flag)
    return np.divide(hits, count, out=np.zeros(count.shape, dtype=float), where=count > 0)


@dataclass(frozen=True)
class TieMix:
    """Per resident: living ties (``count``), the share of them that cross the resident's
    community (``bridging``, 0 without ties) and whether any reaches a migrant (``to_migrant``),
    from one pass over the tie slots (recognition and the month's indicators read all three)."""

    count: np.ndarray
    bridging: np.ndarray
    to_migrant: np.ndarray

    @classmethod
    def of(cls, ties: Ties, community: np.ndarray) -> TieMix:
        return cls(*kernels.tie_mix(ties.partner, community))


def bridging_share(ties: Ties, community: np.ndarray) -> np.ndarray:
    """Per resident: the share of living ties that cross the resident's community."""
    return TieMix.of(ties, community).bridging


def form_ties(ties: Ties, attendees: np.ndarray, circle: np.ndarray, mixing: np.ndarray, meet_rate: float, u: np.ndarray) -> None:
    """Attendees of shared activities meet: each may tie to a co-attendee of its own circle
    (its group, or else its community), or, with the probability ``mixing`` (per resident), to
    any attendee. The weakest slot is replaced.

    ``u`` holds each resident's uniforms in 4 columns (meet, cross, partner in circle, partner
    anywhere), a :class:`~stadtteil_sim.model.rng.Keyed` table read only for the attendees and
    those who meet, so the number of attendees never shifts anyone's draws.
    """
    idx = np.flatnonzero(attendees)
    if idx.size < 2:
        return
    # Only those who meet someone this month need a partner picked: each pick depends on its own draws only.
    who = idx[u.at(idx, 0) < meet_rate]
    order, starts, ends = same_key_groups(circle[idx].astype(np.int64), circle[who].astype(np.int64))
    same = idx[pick_same_group((order, starts, ends), u.at(who, 2))]
    anyone = idx[np.minimum((u.at(who, 3) * idx.size).astype(np.int64), idx.size - 1)]
    cross = u.at(who, 1) < mixing[who]
    chosen = np.where(cross, anyone, same)
    ok = chosen != who
    who, whom = who[ok], chosen[ok]
    if who.size == 0:
        return
    already = (ties.partner[who] == whom[:, None]).any(axis=1)
    who, whom = who[~already], whom[~already]
    slot = np.argmin(np.where(ties.partner[who] >= 0, ties.strength[who], -1.0), axis=1)
    ties.partner[who, slot] = whom
    ties.strength[who, slot] = 1.0


def decay_ties(ties: Ties, block: np.ndarray, attending: np.ndarray, decay: float,
               community: np.ndarray | None = None) -> TieMix:
    """Ties without contact lose strength and break at zero; contact keeps them strong. Two
    residents are in contact when they live in one block or both attend activities. Returns the
    ties' mix after decay (``community``: each resident's community; without, all natives)."""
    if community is None:
        community = np.zeros(ties.partner.shape[0], dtype=np.int16)
    return TieMix(*kernels.decay_and_mix(ties.partner, ties.strength, block, attending, float(decay), community))


def cut_ties(ties: Ties, gone: np.ndarray) -> None:
    """Residents who left lose their ties, and so does everyone tied to them."""
    kernels.cut_ties_to(ties.partner, ties.strength, np.append(gone, False))

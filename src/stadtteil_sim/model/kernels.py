"""Compiled loops, with numba: over the tie slots, with no temporary (n, slots) arrays, and over
the residents for the processes whose many numpy passes they fuse into one. They compute exactly
what the numpy expressions they replace did (same dtypes, same arithmetic in the same order, so
the same rounding; integer counts where numpy would sum), so no output of a run changes;
``tests/test_kernels.py`` and ``tests/test_fused_processes.py`` check each against its numpy form.

Compiled once per machine (``cache=True``: the machine code is kept beside this file), on the
first run; single-threaded, so a batch's worker processes do not compete for cores.
"""

from __future__ import annotations

import numba
import numpy as np

from stadtteil_sim.model.population import (
    ATTENDS,
    CHILD,
    DELEGATE,
    INFORMED,
    MEMBER,
    NATIVE,
    UNREACHED,
    WORKING_GROUP,
    YOUNG_ADULT,
)
from stadtteil_sim.model.rng import uniform

jit = numba.njit(cache=True, nogil=True)


@jit
def tie_counts(partner: np.ndarray, flag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per resident: living ties whose partner has ``flag`` set, and all living ties. Without
    branches on the partner's flag (an empty slot reads the resident's own flag and adds 0), so
    the loop does not stall on mispredicted random flags."""
    n, slots = partner.shape
    hits = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for i in range(n):
        h = 0
        c = 0
        for s in range(slots):
            j = partner[i, s]
            alive = j >= 0
            c += alive
            h += alive & flag[j if alive else i]
        hits[i] = h
        count[i] = c
    return hits, count


@jit
def attending_share(partner: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Per resident: the share of living ties whose partner attends (level >= attends; 0
    without ties), divided as numpy divides the two counts."""
    n, slots = partner.shape
    share = np.zeros(n)
    for i in range(n):
        h = 0
        c = 0
        for s in range(slots):
            j = partner[i, s]
            alive = j >= 0
            c += alive
            h += alive & (level[j if alive else i] >= ATTENDS)
        if c > 0:
            share[i] = np.float64(h) / np.float64(c)
    return share


@jit
def ties_to_organised(partner: np.ndarray, rows: np.ndarray, level: np.ndarray, community: np.ndarray,
                      in_wg: np.ndarray) -> np.ndarray:
    """For the residents ``rows`` only: living ties to organised migrants of a community in the
    working group (members and representatives; ``in_wg`` per community code), each partner
    checked where the tie points, so no flag is worked out for everyone."""
    hits = np.zeros(rows.size, dtype=np.int64)
    for r in range(rows.size):
        i = rows[r]
        h = 0
        for s in range(partner.shape[1]):
            j = partner[i, s]
            if j >= 0 and (level[j] == MEMBER or level[j] == WORKING_GROUP) and community[j] != NATIVE \
                    and in_wg[community[j]]:
                h += 1
        hits[r] = h
    return hits


@jit
def tie_mix(partner: np.ndarray, community: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per resident, in one pass: living ties, the share of them to another community (0 without
    ties; the counts divided as numpy divides them) and whether any living tie reaches a migrant
    (community code > 0). Branchless as :func:`tie_counts`."""
    n, slots = partner.shape
    count = np.zeros(n, dtype=np.int64)
    bridging = np.zeros(n)
    to_migrant = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        own = community[i]
        c = 0
        x = 0
        m = False
        for s in range(slots):
            j = partner[i, s]
            alive = j >= 0
            other = community[j if alive else i]
            c += alive
            x += alive & (other != own)
            m |= alive & (other != 0)
        count[i] = c
        if c > 0:
            bridging[i] = np.float64(x) / np.float64(c)
        to_migrant[i] = m
    return count, bridging, to_migrant


@jit
def decay_and_mix(partner: np.ndarray, strength: np.ndarray, block: np.ndarray, attending: np.ndarray, decay: float,
                  community: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ties whose ends neither live in one block nor both attend lose ``decay`` of their strength
    and break at zero; the others are back at full strength (in place). The arithmetic is the
    numpy form's: float64, then stored as float32. In the same pass, on the ties after decay,
    what :func:`tie_mix` counts (so the month's recognition need not pass over them again)."""
    n, slots = partner.shape
    count = np.zeros(n, dtype=np.int64)
    bridging = np.zeros(n)
    to_migrant = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        own = community[i]
        c = 0
        x = 0
        m = False
        for s in range(slots):
            j = partner[i, s]
            if j < 0:
                continue
            if block[j] == block[i] or (attending[j] and attending[i]):
                strength[i, s] = 1.0
            else:
                value = np.float32(np.float64(strength[i, s]) - decay)
                if value <= 0.0:
                    partner[i, s] = -1
                    strength[i, s] = 0.0
                    continue
                strength[i, s] = value
            other = community[j]
            c += 1
            x += other != own
            m |= other != NATIVE
        count[i] = c
        if c > 0:
            bridging[i] = np.float64(x) / np.float64(c)
        to_migrant[i] = m
    return count, bridging, to_migrant


@jit
def cut_ties_to(partner: np.ndarray, strength: np.ndarray, gone_padded: np.ndarray) -> None:
    """Empty the slots of residents who left and every slot that points to one (in place).
    ``gone_padded`` has one more entry, False, which an empty slot's -1 reads: one test per slot."""
    n, slots = partner.shape
    for i in range(n):
        if gone_padded[i]:
            partner[i, :] = -1
            strength[i, :] = 0.0
            continue
        for s in range(slots):
            if gone_padded[partner[i, s]]:
                partner[i, s] = -1
                strength[i, s] = 0.0


# ----------------------------------------------------------------------------- selections for means
# A mean that enters the model is numpy's (pairwise summation); this picks its values, in row
# order, into one contiguous array without the masks numpy would build first.

@jit
def adult_values(values: np.ndarray, age_band: np.ndarray, count: np.ndarray | None = None) -> np.ndarray:
    """The adults' values (with ``count``: only of adults whose count is above 0)."""
    out = np.empty(values.size)
    m = 0
    for i in range(values.size):  # written every time, kept when it counts: no branch to mispredict
        out[m] = values[i]
        m += (age_band[i] != CHILD) & (count is None or count[i] > 0)
    return out[:m]


# ----------------------------------------------------------------------------- indicators

@jit
def census(level: np.ndarray, age_band: np.ndarray, community: np.ndarray, in_wg: np.ndarray) -> np.ndarray:
    """The month's head counts, in one pass: adult migrants, those reached (informed or more) and
    taking part (attending or more), adult natives and those taking part, migrants of all ages and
    those of a community in the working group (``in_wg`` per community code)."""
    migrant_adults = reached = taking_part = native_adults = natives_taking_part = migrants = in_group = 0
    for i in range(level.size):  # sums of flags, without branches
        k = community[i]
        migrant = k != NATIVE
        native = k == NATIVE
        adult = age_band[i] != CHILD
        attends = level[i] >= ATTENDS
        migrants += migrant
        in_group += migrant & in_wg[k]
        migrant_adults += migrant & adult
        reached += migrant & adult & (level[i] >= INFORMED)
        taking_part += migrant & adult & attends
        native_adults += native & adult
        natives_taking_part += native & adult & attends
    return np.array([migrant_adults, reached, taking_part, native_adults, natives_taking_part, migrants, in_group])


# ----------------------------------------------------------------------------- activation (M2)
# Per-community terms come precomputed (index = community code); the per-resident arithmetic is
# the numpy form's, term by term in its order, so thresholds and pulls are bit for bit the same.
# The helpers take scalars only: a helper taking arrays costs a reference count per array per call.

@jit
def _barrier(weights, native, german, experience, resources, closure, figure, formality) -> float:
    """One resident's barrier. ``weights``: language, experience, time, the natives' barrier."""
    common = weights[1] * (1.0 - experience) + weights[2] * (1.0 - resources)
    if native:
        return common + weights[3]
    return common + (weights[0] * (1.0 - german) + closure + figure + formality)


@jit
def _pull(weights, native, active_share, identification, trust, events, interest, office, group) -> float:
    """One resident's pull. ``weights``: social, interest, office, the natives' invitation."""
    invitation = (weights[3] if native else office) * (0.5 + 0.5 * trust)
    return weights[0] * active_share + events + weights[1] * (identification * interest) + weights[2] * invitation + group


@jit
def barriers(community, german, experience, resources, weights, closure, figure, formality) -> np.ndarray:
    """Per resident, the threshold the barriers of M2 add."""
    out = np.empty(community.size)
    for i in range(community.size):
        k = community[i]
        out[i] = _barrier(weights, k == NATIVE, german[i], experience[i], resources[i], closure[k], figure[k],
                          formality[k])
    return out


@jit
def pulls(community, identification, trust, active_share, weights, events, interest, office, group) -> np.ndarray:
    """Per resident, the pull towards district activities."""
    out = np.empty(community.size)
    for i in range(community.size):
        k = community[i]
        out[i] = _pull(weights, k == NATIVE, active_share[i], identification[i], trust[i], events[k], interest[k],
                       office[k], group[k])
    return out


@jit
def activate(level, age_band, threshold, key, width, rates, at_threshold, barrier_args, pull_args) -> None:
    """Informed adults whose pull reaches their threshold start attending (keyed uniform
    column 0 < up rate), attenders and members far below it stop (column 1 < down rate); whoever attends
    then identifies a little more with the district (in place). ``rates``: up, down, margin;
    ``barrier_args`` is None without barriers (M2 off), else the arguments of :func:`barriers`,
    ``pull_args`` those of :func:`pulls`."""
    community, identification, trust, active_share, p_weights, events, interest, office, group = pull_args
    barrier_on = barrier_args is not None
    if barrier_on:
        _, german, experience, resources, b_weights, closure, figure, formality = barrier_args
    for i in range(level.size):
        lv = level[i]
        can_join = lv == INFORMED and age_band[i] != CHILD
        attends = lv == ATTENDS or lv == MEMBER
        if not (can_join or attends):  # nobody else changes level: no threshold or pull needed
            if lv >= ATTENDS:
                identification[i] += 0.005 * (1.0 - identification[i])
            continue
        k = community[i]
        native = k == NATIVE
        barrier = 0.0
        if barrier_on:
            barrier = _barrier(b_weights, native, german[i], experience[i], resources[i], closure[k], figure[k],
                               formality[k])
        limit = threshold[i] + barrier
        p = _pull(p_weights, native, active_share[i], identification[i], trust[i], events[k], interest[k], office[k],
                  group[k])
        reached = p >= limit if at_threshold else p > limit
        if can_join and reached and uniform(key, i, 0, width) < rates[0]:
            level[i] = ATTENDS
        elif attends and p < limit - rates[2] and uniform(key, i, 1, width) < rates[1]:
            level[i] = INFORMED
        if level[i] >= ATTENDS:
            identification[i] += 0.005 * (1.0 - identification[i])


# ----------------------------------------------------------------------------- contact (M5, M11)

@jit
def meeting_circles(level, age_band, community, group, representative, closure, in_rooms, mixing_base, mixing_shared,
                    event_mixes, halve_migrants) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per resident: whether they attend (adults from level attends), the circle they meet in (a
    group 1000 + index, else the community; -2 the committees: delegates and organised natives)
    and their chance to meet across circles: shared in the rooms (``in_rooms`` per group and a
    last False, or None without rooms) or as a representative, at least shared at an event
    (``event_mixes``), halved for migrants with detached project funds, times openness."""
    n = level.size
    attending = np.zeros(n, dtype=np.bool_)
    circle = np.empty(n, dtype=np.int64)
    mixing = np.empty(n)
    for i in range(n):
        k = community[i]
        g = group[i]
        attending[i] = age_band[i] != CHILD and level[i] >= ATTENDS
        mix = mixing_base
        if in_rooms is not None and (in_rooms[g if g >= 0 else -1] or representative[i]):
            mix = mixing_shared
        if event_mixes:
            mix = max(mix, mixing_shared)
        if halve_migrants and k != NATIVE:
            mix = 0.5 * mix
        mixing[i] = mix * (1.0 - closure[k])
        in_committee = level[i] == DELEGATE or (k == NATIVE and level[i] >= MEMBER)
        circle[i] = -2 if in_committee else (1_000 + g if g >= 0 else k)
    return attending, circle, mixing


# ----------------------------------------------------------------------------- outreach (M1) and qualification (M8, M10)

@jit
def inform_rates(level, age_band, community, group, german, parent, active_share, contact, office, management,
                 social, school, german_only, schools):
    """The unreached adults and, per each, the rate at which they get informed this month: the
    office and the carriers through their reach to their community (``contact``: the office's
    effort times its contact joined with the carriers', model/carriers.py; ``office``: the rate,
    threefold for group members; migrants only), district management in German (``management``: migrants
    as far as their German carries with ``german_only``), active contacts (``social``) and, with
    ``schools`` (M10), school projects for parents (``school``). Term by term as the numpy form."""
    rows = np.empty(level.size, dtype=np.int64)
    rates = np.empty(level.size)
    m = 0
    for i in range(level.size):
        if age_band[i] == CHILD or level[i] != UNREACHED:
            continue
        k = community[i]
        migrant = 1.0 if k != NATIVE else 0.0
        gateway = 1.0 + 2.0 * (1.0 if group[i] >= 0 else 0.0)
        language = (german[i] if german_only else 1.0) if k != NATIVE else 2.0
        rate = office * contact[k] * gateway * migrant + management * language + social * active_share[i]
        if schools:
            rate = rate + school * (1.0 if parent[i] else 0.0)
        rows[m] = i
        rates[m] = rate
        m += 1
    return rows[:m], rates[:m]


@jit
def qualify(level, age_band, community, female, parent, german, resources, experience, trust, identification, key,
            width, courses, course_p, women_weight, german_gain, experience_gain, schools, school_p) -> None:
    """With ``courses`` (M8): courses for informed adult migrants (keyed uniform column 0 <
    ``course_p``, times ``women_weight`` for women, at most 1) raise German and resources,
    multiplier training for organised migrants (column 1 < ``course_p``) experience; with
    ``schools`` (M10): school projects for informed parents (column 2 < ``school_p``) raise
    trust, identification and the mothers' German. In place, in the numpy form's order."""
    for i in range(level.size):
        migrant = community[i] != NATIVE
        informed = level[i] >= INFORMED
        if courses:
            w = women_weight if female[i] else 1.0
            if age_band[i] != CHILD and migrant and informed and uniform(key, i, 0, width) < min(1.0, course_p * w):
                german[i] += german_gain * (1.0 - german[i])
                resources[i] += 0.02 * (1.0 - resources[i])
            if migrant and level[i] >= MEMBER and uniform(key, i, 1, width) < course_p:
                experience[i] += experience_gain * (1.0 - experience[i])
        if schools and parent[i] and informed and uniform(key, i, 2, width) < school_p:
            trust[i] += 0.03 * (1.0 - trust[i])
            identification[i] += 0.01 * (1.0 - identification[i])
            if female[i] and migrant:
                german[i] += 0.5 * german_gain * (1.0 - german[i])


# ----------------------------------------------------------------------------- working group (M3)

@jit
def last_migrant_row(community: np.ndarray, representative: np.ndarray) -> int:
    """The last row of a migrant or a representative (-1 if none). Residents are rows in
    community order with the natives last, so this is usually the last migrant's row."""
    for i in range(community.size - 1, -1, -1):
        if community[i] != NATIVE or representative[i]:
            return i
    return -1


@jit
def organised_counts(level, community, group, representative, n_communities) -> tuple[np.ndarray, np.ndarray]:
    """Per community: its organised migrants (informed or more, in a group, not yet in the
    working group or beyond) and its representatives."""
    members = np.zeros(n_communities, dtype=np.int64)
    reps = np.zeros(n_communities, dtype=np.int64)
    for i in range(level.size):
        k = community[i]
        if k != NATIVE and INFORMED <= level[i] < WORKING_GROUP and group[i] >= 0:
            members[k] += 1
        if representative[i]:
            reps[k] += 1
    return members, reps


# ----------------------------------------------------------------------------- recognition (M9)

@jit
def clip01(x: float) -> float:
    """``np.clip(x, 0.0, 1.0)`` as numpy computes it: a NaN stays NaN, ``max`` then ``min``."""
    if x != x:
        return x
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0


@jit
def recognise(acceptance, age_band, community, level, to_migrant, contact_gain, info_gain, training_gain, loss, drift,
              initial) -> None:
    """Adult natives' acceptance of migrant participation: gains by a tie to a migrant
    (``contact_gain``), information (``info_gain``) and, attending, trainings (``training_gain``)
    towards 1, loses ``loss`` of itself, drifts back to ``initial``, kept in 0..1 (in place)."""
    for i in range(acceptance.size):
        if age_band[i] == CHILD or community[i] != NATIVE:
            continue
        a = acceptance[i]
        gain = contact_gain * (1.0 if to_migrant[i] else 0.0) + info_gain
        gain = gain + training_gain * (1.0 if level[i] >= ATTENDS else 0.0)
        acceptance[i] = clip01(a + gain * (1.0 - a) - loss * a + drift * (initial - a))


# ----------------------------------------------------------------------------- groups (M7, M11)

@jit
def attending_members(group: np.ndarray, level: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group: its members who attend (level >= attends)."""
    counts = np.zeros(n_groups, dtype=np.int64)
    for i in range(group.size):
        if group[i] >= 0 and level[i] >= ATTENDS:
            counts[group[i]] += 1
    return counts


@jit
def join_groups(group, level, age_band, community, female, key, width, join_p, main, women, youth, served) -> None:
    """Attending adults in no group join, with the probability ``join_p`` of their community
    (keyed uniform column 0), the group their community offers them: migrant women its women's group,
    or else its main association if that serves them (column 1), young migrant men its youth
    group, everyone else its main association (per community, -1: none); in place."""
    for i in range(group.size):
        k = community[i]
        if level[i] < ATTENDS or group[i] >= 0 or age_band[i] == CHILD or not uniform(key, i, 0, width) < join_p[k]:
            continue
        choice = main[k]
        if k != NATIVE and female[i]:
            if women[k] >= 0:
                choice = women[k]
            elif uniform(key, i, 1, width) > served[k]:
                choice = -1
        if k != NATIVE and age_band[i] == YOUNG_ADULT and not female[i] and youth[k] >= 0:
            choice = youth[k]
        if choice >= 0:
            group[i] = choice


@jit
def form_candidates(group, level, community, female, age_band, kinds, kind, youth, n_communities):
    """Migrant women (adults), or with ``youth`` young migrant men, who attend and are not in a
    group of ``kind`` yet (``kinds``: each group's kind), and how many each community has."""
    candidates = np.zeros(group.size, dtype=np.bool_)
    pool = np.zeros(n_communities, dtype=np.int64)
    for i in range(group.size):
        if community[i] == NATIVE or level[i] < ATTENDS:
            continue
        who = (age_band[i] == YOUNG_ADULT and not female[i]) if youth else (female[i] and age_band[i] != CHILD)
        if who and not (group[i] >= 0 and kinds[group[i]] == kind):
            candidates[i] = True
            pool[community[i]] += 1
    return candidates, pool


@jit
def core_capacity_sums(group, german, experience, resources, n_groups) -> tuple[np.ndarray, np.ndarray]:
    """Per group: its members' summed capacity (mean of German, experience and resources; added
    in row order, as np.bincount adds weights) and its members."""
    sums = np.zeros(n_groups)
    members = np.zeros(n_groups, dtype=np.int64)
    for i in range(group.size):
        g = group[i]
        if g >= 0:
            sums[g] += (german[i] + experience[i] + resources[i]) / 3.0
            members[g] += 1
    return sums, members


@jit
def sync_levels(level: np.ndarray, group: np.ndarray, usable: np.ndarray) -> None:
    """Attenders in a usable group become members; members without one attend (in place)."""
    for i in range(level.size):
        lv = level[i]
        if lv != ATTENDS and lv != MEMBER:  # most residents: decided without looking further
            continue
        in_group = group[i] >= 0 and usable[group[i]]
        if lv == ATTENDS and in_group:
            level[i] = MEMBER
        elif lv == MEMBER and not in_group:
            level[i] = ATTENDS

"""Fused loops over the tie slots, compiled with numba: one pass over (residents × slots) with no
temporary (n, slots) arrays. They compute exactly what the numpy expressions they replace did
(same dtypes, same rounding), so no output of a run changes; ``tests/test_kernels.py`` checks
each against its numpy form.

Compiled once per machine (``cache=True``: the machine code is kept beside this file), on the
first run; single-threaded, so a batch's worker processes do not compete for cores.
"""

from __future__ import annotations

import numba
import numpy as np

jit = numba.njit(cache=True, nogil=True)


@jit
def tie_counts(partner: np.ndarray, flag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per resident: living ties whose partner has ``flag`` set, and all living ties."""
    n, slots = partner.shape
    hits = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for i in range(n):
        for s in range(slots):
            j = partner[i, s]
            if j >= 0:
                count[i] += 1
                if flag[j]:
                    hits[i] += 1
    return hits, count


@jit
def tie_hits_of(partner: np.ndarray, flag: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For the residents ``rows`` only: living ties whose partner has ``flag`` set (a few
    delegates or candidates need it, not the whole district)."""
    slots = partner.shape[1]
    hits = np.zeros(rows.size, dtype=np.int64)
    for r in range(rows.size):
        i = rows[r]
        for s in range(slots):
            j = partner[i, s]
            if j >= 0 and flag[j]:
                hits[r] += 1
    return hits


@jit
def has_living_tie(partner: np.ndarray) -> np.ndarray:
    """Per resident: whether any slot holds a living tie."""
    n, slots = partner.shape
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        for s in range(slots):
            if partner[i, s] >= 0:
                out[i] = True
                break
    return out


@jit
def crossing_counts(partner: np.ndarray, community: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per resident: living ties to another community, and all living ties."""
    n, slots = partner.shape
    cross = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for i in range(n):
        own = community[i]
        for s in range(slots):
            j = partner[i, s]
            if j >= 0:
                count[i] += 1
                if community[j] != own:
                    cross[i] += 1
    return cross, count


@jit
def decay_without_contact(partner: np.ndarray, strength: np.ndarray, block: np.ndarray, attending: np.ndarray,
                          decay: float) -> None:
    """Ties whose ends neither live in one block nor both attend lose ``decay`` of their strength
    and break at zero; the others are back at full strength (in place). The arithmetic is the
    numpy form's: float64, then stored as float32."""
    n, slots = partner.shape
    for i in range(n):
        for s in range(slots):
            j = partner[i, s]
            if j < 0:
                continue
            if block[j] == block[i] or (attending[j] and attending[i]):
                strength[i, s] = 1.0
                continue
            value = np.float32(np.float64(strength[i, s]) - decay)
            if value <= 0.0:
                partner[i, s] = -1
                strength[i, s] = 0.0
            else:
                strength[i, s] = value


@jit
def cut_ties_to(partner: np.ndarray, strength: np.ndarray, gone: np.ndarray) -> None:
    """Empty the slots of residents who left and every slot that points to one (in place)."""
    n, slots = partner.shape
    for i in range(n):
        for s in range(slots):
            j = partner[i, s]
            if gone[i] or (j >= 0 and gone[j]):
                partner[i, s] = -1
                strength[i, s] = 0.0


@jit
def join_choices(level: np.ndarray, group: np.ndarray, adult: np.ndarray, community: np.ndarray,
                 migrant_woman: np.ndarray, young_man: np.ndarray, draw: np.ndarray, join_rate: float,
                 openness: np.ndarray, main: np.ndarray, women: np.ndarray, youth: np.ndarray,
                 served: np.ndarray, attends: int) -> None:
    """Residents without a group who seek one join the group their community offers them (in
    place, ``group``): women a women's group, or the main association if it serves them; young
    men a youth group; else the main association. The same comparisons as the numpy form."""
    for i in range(level.size):
        k = community[i]
        if not (adult[i] and level[i] >= attends and group[i] < 0 and draw[i, 0] < join_rate * openness[k]):
            continue
        choice = main[k]
        if migrant_woman[i]:
            if women[k] >= 0:
                choice = women[k]
            elif draw[i, 1] > served[k]:
                choice = -1
        if young_man[i] and youth[k] >= 0:
            choice = youth[k]
        if choice >= 0:
            group[i] = choice


@jit
def barrier_and_pull(community: np.ndarray, migrant: np.ndarray, german: np.ndarray, experience: np.ndarray,
                     resources: np.ndarray, identification: np.ndarray, trust: np.ndarray, active_share: np.ndarray,
                     barriers_on: bool, language: float, experience_weight: float, time_weight: float,
                     closure_term: np.ndarray, figure_term: np.ndarray, formality_term: np.ndarray,
                     native_barrier: float, weight_social: float, events_term: np.ndarray, weight_interest: float,
                     interest: np.ndarray, weight_office: float, office_contact: np.ndarray,
                     native_invitation: float, group_term: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per resident, the threshold the barriers of M2 add and the pull of activation, in one
    pass; the ``*_term`` arrays are per community, already weighted. Every sum runs in the order
    of activation.py's equations, term by term, so the doubles are those of the numpy form."""
    n = community.size
    barrier = np.zeros(n)
    pull = np.empty(n)
    for i in range(n):
        k = community[i]
        if barriers_on:
            common = experience_weight * (1.0 - experience[i]) + time_weight * (1.0 - resources[i])
            if migrant[i]:
                own = language * (1.0 - german[i]) + closure_term[k] + figure_term[k] + formality_term[k]
            else:
                own = native_barrier
            barrier[i] = common + own
        invitation = (office_contact[k] if migrant[i] else native_invitation) * (0.5 + 0.5 * trust[i])
        pull[i] = (weight_social * active_share[i] + events_term[k] + weight_interest * (identification[i] * interest[k])
                   + weight_office * invitation + group_term[k])
    return barrier, pull


@jit
def qualify(reached: np.ndarray, female: np.ndarray, migrant: np.ndarray, parent: np.ndarray, level: np.ndarray,
            german: np.ndarray, resources: np.ndarray, experience: np.ndarray, trust: np.ndarray,
            identification: np.ndarray, draw: np.ndarray, courses_on: bool, schools_on: bool, course_rate: float,
            women_weight: float, german_gain: float, experience_gain: float, school_rate: float,
            member: int, informed: int) -> None:
    """Courses, multiplier trainings and school projects, in place, in qualification.py's order
    (a mother's school gain in German comes after her course's)."""
    for i in range(level.size):
        if courses_on:
            weight = women_weight if female[i] else 1.0
            if reached[i] and draw[i, 0] < min(1.0, course_rate * weight):
                german[i] += german_gain * (1.0 - german[i])
                resources[i] += 0.02 * (1.0 - resources[i])
            if migrant[i] and level[i] >= member and draw[i, 1] < course_rate:
                experience[i] += experience_gain * (1.0 - experience[i])
        if schools_on and parent[i] and level[i] >= informed and draw[i, 2] < school_rate:
            trust[i] += 0.03 * (1.0 - trust[i])
            identification[i] += 0.01 * (1.0 - identification[i])
            if female[i] and migrant[i]:
                german[i] += 0.5 * german_gain * (1.0 - german[i])


@jit
def update_acceptance(partner: np.ndarray, migrant: np.ndarray, adult: np.ndarray, level: np.ndarray,
                      acceptance: np.ndarray, contact_gain: float, info_term: float, training_term: float,
                      loss: float, drift: float, initial: float, attends: int) -> None:
    """Natives' acceptance of migrant participation, in place (recognition.py's equation, term by
    term); a native's bridging tie to a migrant is looked up for natives only."""
    slots = partner.shape[1]
    for i in range(acceptance.size):
        if not adult[i] or migrant[i]:
            continue
        bridged = 0.0
        for s in range(slots):
            j = partner[i, s]
            if j >= 0 and migrant[j]:
                bridged = 1.0
                break
        gain = contact_gain * bridged + info_term
        gain = gain + training_term * (1.0 if level[i] >= attends else 0.0)
        a = acceptance[i]
        new = a + gain * (1.0 - a) - loss * a + drift * (initial - a)
        acceptance[i] = min(max(new, 0.0), 1.0)


@jit
def meeting_circles(group: np.ndarray, community: np.ndarray, level: np.ndarray, migrant: np.ndarray,
                    representative: np.ndarray, group_in_rooms: np.ndarray, closure: np.ndarray,
                    mixing_base: float, mixing_shared: float, rooms: bool, shared_event: bool,
                    funds_detached: bool, delegate: int, member: int) -> tuple[np.ndarray, np.ndarray]:
    """Per resident: the chance to meet across circles (``mixing``) and the circle met otherwise
    (1000 + group, else the community; -2 in the committees), in contact.py's order of rules."""
    n = group.size
    mixing = np.empty(n)
    circle = np.empty(n, dtype=np.int64)
    for i in range(n):
        m = mixing_base
        if rooms and ((group[i] >= 0 and group_in_rooms[group[i]]) or representative[i]):
            m = mixing_shared
        if shared_event:
            m = max(m, mixing_shared)
        if funds_detached and migrant[i]:
            m = 0.5 * m
        mixing[i] = m * (1.0 - closure[community[i]])
        if level[i] == delegate or (not migrant[i] and level[i] >= member):
            circle[i] = -2
        elif group[i] >= 0:
            circle[i] = 1_000 + group[i]
        else:
            circle[i] = community[i]
    return mixing, circle

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
def tie_counts_of(partner: np.ndarray, flag: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For the residents ``rows`` only: living ties whose partner has ``flag`` set."""
    hits = np.zeros(rows.size, dtype=np.int64)
    for r in range(rows.size):
        i = rows[r]
        h = 0
        for s in range(partner.shape[1]):
            j = partner[i, s]
            if j >= 0 and flag[j]:
                h += 1
        hits[r] = h
    return hits


@jit
def tie_mix(partner: np.ndarray, community: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per resident, in one pass: living ties, those to another community, and whether any
    living tie reaches a migrant (community code > 0). Branchless as :func:`tie_counts`."""
    n, slots = partner.shape
    count = np.zeros(n, dtype=np.int64)
    crossing = np.zeros(n, dtype=np.int64)
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
        crossing[i] = x
        to_migrant[i] = m
    return count, crossing, to_migrant


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
        left = gone[i]
        for s in range(slots):
            j = partner[i, s]
            if left or (j >= 0 and gone[j]):
                partner[i, s] = -1
                strength[i, s] = 0.0

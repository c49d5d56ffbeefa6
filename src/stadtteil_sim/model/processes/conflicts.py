"""M9 conflicts between groups of the district, mediated by people with ties to both sides.

A conflict arises between two specific groups of different communities (a main association, a
women's or youth group, the native neighbourhood association): over the rooms both use, over
the working group's proposals in the committees, or as neighbours. Trainings build a pool of
multipliers "um bei Stadtteilkonflikten zu vermitteln" (text); one of them with ties to both
sides (one of a side's people, its community, or tied to one of them, and the same for the
other side) can settle it.
Where no such person exists the conflict escalates: the two sides' members identify less with
the district and their ties across the divide weaken; recognition reads the month's escalations
(natives' acceptance falls, §7.9).

Escalations are logged (ticker); settled conflicts are counted and drawn on the network view.
Without ``mechanisms.conflicts_between_groups`` conflicts are anonymous district-wide counts,
mediated as often as the pool is large (the earlier form, kept for the ablation).
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.events import CONFLICT_ESCALATES
from stadtteil_sim.model.population import NATIVE
from stadtteil_sim.model.processes.context import MonthContext
from stadtteil_sim.model.state import NATIVE_ASSOCIATION

MAX_CONFLICTS = 32  # fixed shape of the conflict draws
RECENT_MONTHS = 6  # conflicts kept for the network view
# What a conflict is about, as the log says it (app/texts.py has the German).
OVER_ROOMS, OVER_PROPOSALS, AS_NEIGHBOURS = "over the rooms", "over proposals in the committees", "as neighbours"


def step(ctx: MonthContext) -> None:
    """Conflicts between groups, mediated by people with ties to both sides (M9)."""
    rng = ctx.rng("conflicts")
    count_draw = rng.random()
    draw = rng.random((MAX_CONFLICTS, 3))
    state = ctx.state
    count = arising(ctx, count_draw)
    if ctx.switches.conflicts_between_groups:
        escalated = _between_groups(ctx, count, draw)
    else:
        escalated = _anonymous(ctx, count, draw)
    counters = state.counters
    counters.last_escalated = escalated
    if state.month >= 0:
        counters.conflicts_escalated += escalated
    counters.recent_conflicts = [x for x in counters.recent_conflicts if x[0] > state.month - RECENT_MONTHS]


def arising(ctx: MonthContext, u: float) -> int:
    """This month's number of conflicts: Poisson, more where strain is high and the communities
    mix little (one uniform, by inversion: one draw per month whatever the rate)."""
    pop, c = ctx.state.pop, ctx.behaviour.conflicts
    adults_bridging = kernels.adult_values(ctx.tie_mix.bridging, pop.age_band)
    mixing = adults_bridging.mean() if adults_bridging.size else 0.0
    lam = c.rate * strain_ratio(ctx) * (1.0 - mixing) * (pop.size / 7000.0)
    return int(min(MAX_CONFLICTS, _poisson_inverse(lam, u)))


def strain_ratio(ctx: MonthContext) -> float:
    d = ctx.scenario.district
    if not ctx.switches.context:
        return 1.0
    return (d.unemployment_density + d.welfare_density) / max(1e-9, d.city_unemployment_density + d.city_welfare_density)


def _poisson_inverse(lam: float, u: float) -> int:
    k, p = 0, np.exp(-lam)
    cumulative = p
    while u > cumulative and k < MAX_CONFLICTS:
        k += 1
        p *= lam / k
        cumulative += p
    return k


def _anonymous(ctx: MonthContext, count: int, draw: np.ndarray) -> int:
    """The ablation: conflicts without parties, mediated as often as the pool is large."""
    pop, c, counters = ctx.state.pop, ctx.behaviour.conflicts, ctx.state.counters
    pool = float(pop.mediator_pool.sum())
    mediated = int((draw[:count, 0] < pool / (pool + c.mediation_half_pool)).sum())
    if ctx.state.month >= 0:
        counters.conflicts += count
        counters.conflicts_mediated += mediated
    escalated = count - mediated
    if escalated:
        pop.identification[pop.migrant] *= 1.0 - 0.005 * escalated
    return escalated


def parties(ctx: MonthContext) -> tuple[np.ndarray, np.ndarray]:
    """The groups that can come into conflict (alive, with members) and their weights (members)."""
    g, pop = ctx.state.groups, ctx.state.pop
    members = np.bincount(pop.group[pop.group >= 0], minlength=len(g)).astype(float)
    alive = np.array(g.alive, dtype=bool) & (members > 0)
    rows = np.flatnonzero(alive)
    return rows, members[rows]


def _between_groups(ctx: MonthContext, count: int, draw: np.ndarray) -> int:
    state, pop, c = ctx.state, ctx.state.pop, ctx.behaviour.conflicts
    g, counters = state.groups, state.counters
    rows, weights = parties(ctx)
    community = np.array(g.community, dtype=np.int64)[rows] if rows.size else rows
    touches = _sides_touched(ctx, np.flatnonzero(pop.mediator_pool)) if count else None
    escalated = 0
    for j in range(count):
        a = _pick(rows, weights, draw[j, 0])
        if a < 0:
            break
        other = community != g.community[a]
        b = _pick(rows[other], weights[other], draw[j, 1])
        if b < 0:
            break
        mediators = int((touches[:, g.community[a]] & touches[:, g.community[b]]).sum())
        settled = bool(draw[j, 2] < 1.0 - (1.0 - c.mediator_success) ** mediators)
        if state.month >= 0:
            counters.conflicts += 1
            counters.conflicts_mediated += settled
            counters.recent_conflicts.append((state.month, a, b, not settled))
        if settled:
            continue
        escalated += 1
        names = ctx.communities.names
        state.log(CONFLICT_ESCALATES, cause=_cause(ctx, a, b), community=names[g.community[a]], other=names[g.community[b]])
        # The two sides' members identify less with the district; their ties across the divide weaken.
        sides = np.flatnonzero((pop.group == a) | (pop.group == b))
        pop.identification[sides] *= 1.0 - c.escalation_identification
        partners = state.ties.partner[sides]
        partner_group = np.where(partners >= 0, pop.group[partners], -1)
        other_side = np.where(pop.group[sides] == a, b, a)[:, None]
        strength = state.ties.strength[sides]
        state.ties.strength[sides] = np.where(partner_group == other_side, strength * np.float32(1.0 - c.escalation_ties),
                                              strength)
    return escalated


def _pick(rows: np.ndarray, weights: np.ndarray, u: float) -> int:
    """A row drawn with probability proportional to its weight; -1 if there is none."""
    if rows.size == 0:
        return -1
    cumulative = np.cumsum(weights)
    return int(rows[min(rows.size - 1, int(np.searchsorted(cumulative, u * cumulative[-1], side="right")))])


def _sides_touched(ctx: MonthContext, rows: np.ndarray) -> np.ndarray:
    """Per resident of ``rows`` (the mediator pool) and community: whether they have ties to that
    side, being one of its people (its community) or tied to one of them."""
    pop, ties = ctx.state.pop, ctx.state.ties
    touched = np.zeros((rows.size, len(ctx.communities.names)), dtype=bool)
    touched[np.arange(rows.size), pop.community[rows]] = True
    partners = ties.partner[rows]
    alive = partners >= 0
    who = np.broadcast_to(np.arange(rows.size)[:, None], partners.shape)
    touched[who[alive], pop.community[partners[alive]]] = True
    return touched


def _cause(ctx: MonthContext, a: int, b: int) -> str:
    """What the two groups clash over: the rooms both use, the working group's proposals (a
    migrant group whose community speaks in the committees against the native association), or
    living side by side."""
    g, state = ctx.state.groups, ctx.state
    if g.in_rooms[a] and g.in_rooms[b]:
        return OVER_ROOMS
    native = [i for i in (a, b) if g.kind[i] == NATIVE_ASSOCIATION or g.community[i] == NATIVE]
    migrant = [i for i in (a, b) if i not in native]
    if native and migrant and state.link_stage >= 2 and ctx.in_working_group[g.community[migrant[0]]]:
        return OVER_PROPOSALS
    return AS_NEIGHBOURS

"""M9 recognition by natives, district conflicts and their mediation; committees' opening (M13).

Natives' acceptance of migrant participation grows with contact (a bridging tie), with regular
information and a transparent agenda, and with intercultural trainings; it falls when the
working group's agenda is opaque (speculation), at "multicultural" festivals natives do not find
themselves in, and with escalated conflicts. Trainings build a pool of multipliers who mediate
conflicts. The committees open as far as natives accept it and political will carries it.
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.population import ATTENDS
from stadtteil_sim.model.processes.context import MonthContext

MAX_CONFLICTS = 32  # fixed shape of the conflict draws


def step(ctx: MonthContext) -> None:
    """Recognition: natives' acceptance, mediator pool, conflicts, committees' opening (M9, M13)."""
    rng = ctx.rng("recognition")
    state, pop, r = ctx.state, ctx.state.pop, ctx.behaviour.recognition
    instruments, switches = ctx.scenario.instruments, ctx.switches
    c = ctx.behaviour.conflicts
    training_p = c.pool_training_rate * ctx.effort if switches.recognition else 0.0
    trained = None
    if training_p > 0.0:  # read only for attenders
        attending = np.flatnonzero(pop.level >= ATTENDS)
        trained = attending[ctx.keyed("recognition", 1).at(attending, 0) < training_p]
    conflict_draw = rng.random(MAX_CONFLICTS + 1)
    work = ctx.effort if switches.recognition else 0.0
    # Natives hear about the group from the office and, in the self-running phase, from the
    # group's leaders and district management; with no one informing them its agenda is opaque.
    informing = 1.0 - (1.0 - work) * (1.0 - ctx.carriers.natives) if switches.recognition else 0.0
    reach = instruments.agenda_transparency * (1.0 if informing > 0 else 0.3)
    loss = r.speculation_loss * (1.0 - reach) * float(state.wg.exists)
    if ctx.event_this_month and switches.visibility and not instruments.festival_codesigned:
        loss += r.backlash_loss
    loss += r.conflict_loss * state.counters.last_escalated
    if switches.token_cost and state.wg.exists:
        # Token seats: natives see delegates no group stands behind, not the group as an equal actor.
        loss += ctx.behaviour.linking.token_recognition_loss * state.wg.token_share
    kernels.recognise(pop.acceptance, pop.age_band, pop.community, pop.level, ctx.tie_mix.to_migrant, r.contact_gain,
                      r.info_gain * instruments.agenda_transparency * informing, r.training_gain * work, loss, r.drift,
                      r.initial)
    if trained is not None:
        pop.mediator_pool[trained] = True
    _conflicts(ctx, conflict_draw)
    _open_committees(ctx)


def strain_ratio(ctx: MonthContext) -> float:
    d = ctx.scenario.district
    if not ctx.switches.context:
        return 1.0
    return (d.unemployment_density + d.welfare_density) / max(1e-9, d.city_unemployment_density + d.city_welfare_density)


def _conflicts(ctx: MonthContext, draw: np.ndarray) -> None:
    state, pop, c = ctx.state, ctx.state.pop, ctx.behaviour.conflicts
    adults_bridging = kernels.adult_values(ctx.tie_mix.bridging, pop.age_band)
    mixing = adults_bridging.mean() if adults_bridging.size else 0.0
    # Poisson count by inversion of one uniform: one draw per month whatever the rate.
    lam = c.rate * strain_ratio(ctx) * (1.0 - mixing) * (pop.size / 7000.0)
    count = int(min(MAX_CONFLICTS, _poisson_inverse(lam, draw[0])))
    pool = float(pop.mediator_pool.sum())
    mediated_p = pool / (pool + c.mediation_half_pool)
    mediated = int((draw[1 : 1 + count] < mediated_p).sum())
    escalated = count - mediated
    counters = state.counters
    counters.last_escalated = escalated
    if state.month >= 0:
        counters.conflicts += count
        counters.conflicts_mediated += mediated
        counters.conflicts_escalated += escalated
    if escalated:
        pop.identification[pop.migrant] *= 1.0 - 0.005 * escalated


def _poisson_inverse(lam: float, u: float) -> int:
    k, p = 0, np.exp(-lam)
    cumulative = p
    while u > cumulative and k < MAX_CONFLICTS:
        k += 1
        p *= lam / k
        cumulative += p
    return k


def _open_committees(ctx: MonthContext) -> None:
    """Intercultural opening follows native acceptance, as far as political will carries it; no
    committee closes below half its initial openness."""
    accept = ctx.state.pop.native_acceptance(default=0.5)
    target = ctx.scenario.committees.political_will * accept if ctx.switches.context else accept
    for committee, cfg in zip(ctx.state.committees, ctx.scenario.committees.each(), strict=True):
        committee.openness += 0.05 * (max(cfg.openness * 0.5, target) - committee.openness)

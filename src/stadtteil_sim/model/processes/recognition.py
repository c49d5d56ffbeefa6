"""M9 recognition by natives and the mediator pool; committees' opening (M13).

Natives' acceptance of migrant participation grows with contact (a bridging tie), with regular
information and a transparent agenda, and with intercultural trainings; it falls when the
working group's agenda is opaque (speculation), at "multicultural" festivals natives do not find
themselves in, and with last month's escalated conflicts (``processes/conflicts.py``). Trainings
build the pool of multipliers who mediate conflicts. The committees open as far as natives accept it and political will carries it.
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.population import ATTENDS
from stadtteil_sim.model.processes.context import MonthContext


def step(ctx: MonthContext) -> None:
    """Recognition: natives' acceptance, the mediator pool, committees' opening (M9, M13)."""
    state, pop, r = ctx.state, ctx.state.pop, ctx.behaviour.recognition
    instruments, switches = ctx.scenario.instruments, ctx.switches
    c = ctx.behaviour.conflicts
    training_p = c.pool_training_rate * ctx.effort if switches.recognition else 0.0
    trained = None
    if training_p > 0.0:  # read only for attenders
        attending = np.flatnonzero(pop.level >= ATTENDS)
        trained = attending[ctx.keyed("recognition", 1).at(attending, 0) < training_p]
    work = ctx.effort if switches.recognition else 0.0
    # Natives hear about the group from the office and, in the self-running phase, from the
    # group's leaders and district management; with no one informing them its agenda is opaque.
    informing = 1.0 - (1.0 - work) * (1.0 - ctx.carriers.natives) if switches.recognition else 0.0
    reach = instruments.agenda_transparency * (1.0 if informing > 0 else 0.3)
    loss = r.speculation_loss * (1.0 - reach) * float(state.wg.exists)
    if ctx.event and ctx.event.backlash and not instruments.festival_codesigned:
        loss += r.backlash_loss
    loss += r.conflict_loss * state.counters.last_escalated
    if switches.token_cost and state.wg.exists:
        # Token seats: natives see delegates no group stands behind, not the group as an equal actor.
        loss += ctx.behaviour.linking.token_recognition_loss * state.token_share
    kernels.recognise(pop.acceptance, pop.age_band, pop.community, pop.level, ctx.tie_mix.to_migrant, r.contact_gain,
                      r.info_gain * instruments.agenda_transparency * informing, r.training_gain * work, loss, r.drift,
                      r.initial)
    if trained is not None:
        pop.mediator_pool[trained] = True
    _open_committees(ctx)


def _open_committees(ctx: MonthContext) -> None:
    """Intercultural opening follows native acceptance, as far as political will carries it; no
    committee closes below half its initial openness."""
    accept = ctx.state.pop.native_acceptance(default=0.5)
    target = ctx.scenario.committees.political_will * accept if ctx.switches.context else accept
    for committee, cfg in zip(ctx.state.committees, ctx.scenario.committees.each(), strict=True):
        committee.openness += 0.05 * (max(cfg.openness * 0.5, target) - committee.openness)

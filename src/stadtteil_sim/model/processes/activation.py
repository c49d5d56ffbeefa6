"""Activation as a threshold process (Granovetter 1978) with the barriers of M2.

An informed adult starts attending district activities when the pull (active contacts, visible
events M5, interests served M6, the office's invitation, a working group of the community)
exceeds a personal threshold raised by barriers (language, committee experience, time and
resources M13, closure, no one to identify with, formal meetings without translation).
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model.population import ATTENDS, INFORMED, MEMBER
from stadtteil_sim.model.processes.context import MonthContext


def barrier(ctx: MonthContext) -> np.ndarray:
    """Threshold added per resident by the barriers of M2 (zero when M2 is switched off)."""
    pop = ctx.state.pop
    if not ctx.switches.barriers:
        return np.zeros(pop.size)
    b, c = ctx.behaviour.barriers, ctx.communities
    committees, instruments = ctx.scenario.committees, ctx.scenario.instruments
    k = pop.community
    formal = committees.formality * (0.0 if committees.translation else 1.0)
    wg = ctx.state.wg
    # Inside the moderated, translated working group the formal barrier mostly falls away.
    via_group = ctx.in_working_group * wg.regularity
    formality = formal * (1.0 - 0.7 * via_group)
    figure = np.maximum(c.covered * (ctx.effort > 0.0), float(instruments.migrant_staff))
    migrant_barrier = (
        b.language * (1.0 - pop.german)
        + b.closure * c.closure[k]
        + b.identification_figure * (1.0 - figure[k])
        + b.formality * formality[k]
    )
    common = b.experience * (1.0 - pop.experience) + b.time * (1.0 - pop.resources)
    native_barrier = 0.3 * b.formality * committees.formality
    return common + np.where(pop.migrant, migrant_barrier, native_barrier)


def pull(ctx: MonthContext) -> np.ndarray:
    pop, a = ctx.state.pop, ctx.behaviour.activation
    k = pop.community
    wg = ctx.state.wg
    dm = ctx.scenario.district_management.capacity
    visible = 0.0
    if ctx.switches.visibility:
        # Festivals, clean-ups, surveys; and the working group's groups active in the district.
        visible = float(ctx.event_this_month) + 0.5 * (ctx.in_working_group * wg.regularity)[k]
    interest = pop.identification * ctx.district_interest()[k]
    invitation = np.where(pop.migrant, ctx.effort * ctx.state.contact[k], 0.3 * dm) * (0.5 + 0.5 * pop.trust)
    group = (ctx.in_working_group * wg.regularity)[k]
    return (
        a.weight_social * ctx.active_share
        + a.weight_events * visible
        + a.weight_interest * interest
        + a.weight_office * invitation
        + a.weight_group * group
    )


def step(ctx: MonthContext) -> None:
    """Activation: informed residents start or stop attending, by pull against threshold (M2, M5, M6, M13)."""
    rng = ctx.rng("activation")
    draw = rng.random((ctx.state.pop.size, 2))
    pop, a = ctx.state.pop, ctx.behaviour.activation
    threshold = pop.threshold + barrier(ctx)
    p = pull(ctx)
    # Exceeding the threshold by default; reaching it (Granovetter's "at least") as a documented
    # choice: with a strict comparison a threshold of 0 never starts a cascade at share 0.
    reached = (p >= threshold) if a.join_at_threshold else (p > threshold)
    up = pop.adult & (pop.level == INFORMED) & reached & (draw[:, 0] < a.up_rate)
    down = ((pop.level == ATTENDS) | (pop.level == MEMBER)) & (p < threshold - a.margin) & (draw[:, 1] < a.down_rate)
    pop.level[up] = ATTENDS
    pop.level[down] = INFORMED
    attending = pop.level >= ATTENDS
    pop.identification[attending] += 0.005 * (1.0 - pop.identification[attending])

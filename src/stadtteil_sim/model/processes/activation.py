"""Activation as a threshold process (Granovetter 1978) with the barriers of M2.

An informed adult starts attending district activities when the pull (active contacts, visible
events M5, interests served M6, the office's invitation, a working group of the community)
exceeds a personal threshold raised by barriers (language, committee experience, time and
resources M13, closure, no one to identify with, formal meetings without translation).
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.population import ATTENDS, INFORMED, MEMBER
from stadtteil_sim.model.processes.context import MonthContext


def barrier_and_pull(ctx: MonthContext) -> tuple[np.ndarray, np.ndarray]:
    """Per resident: the threshold added by the barriers of M2 (zero when M2 is switched off),
    and the pull towards attending. The per-community parts are worked out here, the
    per-resident sums in one compiled pass (kernels.barrier_and_pull):

        barrier = experience·(1 − exp) + time·(1 − resources)
                  + migrant: language·(1 − german) + closure·closure[k] + figure·(1 − figure[k]) + formality·formality[k]
                    native:  0.3·formality·committees.formality
        pull    = social·active_share + events·visible[k] + interest·identification·interest[k]
                  + office·invitation·(0.5 + 0.5·trust) + group·working_group[k]
    """
    pop, a, b, c = ctx.state.pop, ctx.behaviour.activation, ctx.behaviour.barriers, ctx.communities
    committees, instruments, wg = ctx.scenario.committees, ctx.scenario.instruments, ctx.state.wg
    # The community's working group as far as it meets regularly (0 where there is none).
    active_group = ctx.in_working_group * wg.regularity
    formal = committees.formality * (0.0 if committees.translation else 1.0)
    # Inside the moderated, translated working group the formal barrier mostly falls away.
    formality = formal * (1.0 - 0.7 * active_group)
    figure = np.maximum(c.covered * (ctx.effort > 0.0), float(instruments.migrant_staff))
    visible = np.zeros(len(c.names))
    if ctx.switches.visibility:
        # Festivals, clean-ups, surveys; and the working group's groups active in the district.
        visible = float(ctx.event_this_month) + 0.5 * active_group
    dm = ctx.scenario.district_management.capacity
    return kernels.barrier_and_pull(
        pop.community, pop.migrant, pop.german, pop.experience, pop.resources, pop.identification, pop.trust,
        ctx.active_share, bool(ctx.switches.barriers), float(b.language), float(b.experience), float(b.time),
        b.closure * c.closure, b.identification_figure * (1.0 - figure), b.formality * formality,
        0.3 * b.formality * committees.formality, float(a.weight_social), a.weight_events * visible,
        float(a.weight_interest), ctx.district_interest(), float(a.weight_office), ctx.effort * ctx.state.contact,
        0.3 * dm, a.weight_group * active_group,
    )


def step(ctx: MonthContext) -> None:
    """Activation: informed residents start or stop attending, by pull against threshold (M2, M5, M6, M13)."""
    rng = ctx.rng("activation")
    draw = rng.random((ctx.state.pop.size, 2))
    pop, a = ctx.state.pop, ctx.behaviour.activation
    barrier, p = barrier_and_pull(ctx)
    threshold = pop.threshold + barrier
    # Exceeding the threshold by default; reaching it (Granovetter's "at least") as a documented
    # choice: with a strict comparison a threshold of 0 never starts a cascade at share 0.
    reached = (p >= threshold) if a.join_at_threshold else (p > threshold)
    up = pop.adult & (pop.level == INFORMED) & reached & (draw[:, 0] < a.up_rate)
    down = ((pop.level == ATTENDS) | (pop.level == MEMBER)) & (p < threshold - a.margin) & (draw[:, 1] < a.down_rate)
    pop.level[up] = ATTENDS
    pop.level[down] = INFORMED
    attending = pop.level >= ATTENDS
    pop.identification[attending] += 0.005 * (1.0 - pop.identification[attending])

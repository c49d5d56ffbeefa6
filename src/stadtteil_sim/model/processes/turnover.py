"""M13 context: residential fluctuation. Each month a share of households moves out and a
similar household moves in (same community, gender, age band and block): unreached, in no
group, without ties. Large "Soziale Stadt" estates have high fluctuation, so what participation
has built must keep being rebuilt."""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model.network import cut_ties
from stadtteil_sim.model.population import (
    DRAWN,
    NATIVE,
    RESET,
    columns_moving_in,
    initial_value,
    personal_traits,
)
from stadtteil_sim.model.processes.context import MonthContext


def step(ctx: MonthContext) -> None:
    """Residential fluctuation: some households move out, similar newcomers move in (M13)."""
    rng = ctx.rng("turnover")
    pop = ctx.state.pop
    leaving = rng.random(pop.size)
    rate = ctx.behaviour.context.turnover_rate if ctx.switches.context else 0.0
    movers = np.flatnonzero(leaving < rate)
    if movers.size == 0:
        return
    # Drawn for the movers only, after who moves is settled (the same in every plan of a seed).
    newcomers = personal_traits(ctx.scenario, pop.community, pop.age_band, rng, rows=movers)
    # Every column from its declaration in Population: kept, drawn anew, or back to its start.
    for name in columns_moving_in(DRAWN):
        getattr(pop, name)[movers] = newcomers[name]
    migrant = pop.community[movers] != NATIVE
    for name in columns_moving_in(RESET):
        getattr(pop, name)[movers] = initial_value(name, ctx.scenario, migrant)
    gone = np.zeros(pop.size, dtype=bool)
    gone[movers] = True
    cut_ties(ctx.state.ties, gone)

"""Activation as a threshold process (Granovetter 1978) with the barriers of M2.

An informed adult starts attending district activities when the pull (active contacts, visible
events M5, interests served M6, the office's invitation, a working group of the community)
exceeds a personal threshold raised by barriers (language, committee experience, time and
resources M13, closure, no one to identify with, formal meetings without translation).
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.processes import linking
from stadtteil_sim.model.processes.context import MonthContext


def barrier_args(ctx: MonthContext) -> tuple:
    """The barriers of M2 as :func:`kernels.barriers` takes them: the residents' columns, the
    weights of language, experience and time, the natives' barrier, and per community the terms
    of closure, a missing figure to identify with and formality."""
    pop = ctx.state.pop
    b, c = ctx.behaviour.barriers, ctx.communities
    committees, instruments = ctx.scenario.committees, ctx.scenario.instruments
    formal = committees.formality * (0.0 if committees.translation else 1.0)
    wg = ctx.state.wg
    # Inside the moderated, translated working group the formal barrier mostly falls away.
    via_group = ctx.in_working_group * wg.regularity
    formality = formal * (1.0 - 0.7 * via_group)
    engaged = ctx.effort > 0.0 or ctx.advice > 0.0  # the office's mediators are there while it works here
    figure = np.maximum(c.covered * engaged, float(instruments.migrant_staff))
    native_barrier = 0.3 * b.formality * committees.formality
    weights = (b.language, b.experience, b.time, native_barrier)
    return (pop.community, pop.german, pop.experience, pop.resources, weights,
            b.closure * c.closure, b.identification_figure * (1.0 - figure), b.formality * formality)


def barrier(ctx: MonthContext) -> np.ndarray:
    """Threshold added per resident by the barriers of M2 (zero when M2 is switched off)."""
    if not ctx.switches.barriers:
        return np.zeros(ctx.state.pop.size)
    return kernels.barriers(*barrier_args(ctx))


def pull_args(ctx: MonthContext) -> tuple:
    """The pull as :func:`kernels.pulls` takes it: the residents' columns, the weights of active
    contacts, interests and the invitation, district management's invitation to natives, and per
    community the weighted terms of visible events and of its working group, its interests served
    and the invitation it gets: the office's (effort times contact) joined with the carriers'."""
    pop, a = ctx.state.pop, ctx.behaviour.activation
    wg = ctx.state.wg
    dm = ctx.scenario.district_management.capacity
    in_group = ctx.in_working_group * wg.regularity
    visible = np.zeros(in_group.shape)
    if ctx.switches.visibility:
        # Festivals, clean-ups, surveys, each as visible as its kind; and the working group's groups active in the district.
        visible = (ctx.event.seen(ctx.behaviour.events) if ctx.event else 0.0) + 0.5 * in_group
        if ctx.switches.organisation_kinds:  # M15: a volunteer initiative's own activities in the district
            visible = visible + initiative_activities(ctx) * ctx.initiatives_active()
    weights = (a.weight_social, a.weight_interest, a.weight_office, 0.3 * dm)
    return (pop.community, pop.identification, pop.trust, ctx.active_share, weights, a.weight_events * visible,
            ctx.district_interest(), ctx.carriers.reach(ctx.effort * ctx.state.contact),
            a.weight_group * in_group * linking.token_engagement(ctx))


def initiative_activities(ctx: MonthContext) -> float:
    """What a volunteer initiative's activities add to its community's visible events (M15), in
    units of a district event: it has no seat in the centre, so it needs the district's rooms for
    civic use (M11); without them it offers only a share of it."""
    o = ctx.behaviour.organisations
    rooms = ctx.scenario.district.rooms and ctx.switches.rooms
    return o.initiative_activities * (1.0 if rooms else o.initiative_without_rooms)


def pull(ctx: MonthContext) -> np.ndarray:
    return kernels.pulls(*pull_args(ctx))


def step(ctx: MonthContext) -> None:
    """Activation: informed residents start or stop attending, by pull against threshold (M2, M5, M6, M13)."""
    draw = ctx.keyed("activation", 2)  # read only for those who can start or stop
    pop, a = ctx.state.pop, ctx.behaviour.activation
    # Exceeding the threshold by default; reaching it (Granovetter's "at least") as a documented
    # choice: with a strict comparison a threshold of 0 never starts a cascade at share 0.
    kernels.activate(pop.level, pop.age_band, pop.threshold, draw.key, draw.width, (a.up_rate, a.down_rate, a.margin),
                     a.join_at_threshold, barrier_args(ctx) if ctx.switches.barriers else None, pull_args(ctx))

"""M5 visibility and contact, M11 rooms as meeting places: ties form at shared activities.

Attending residents meet co-attendees. Across communities they meet mostly at joint activities:
in the rooms for civic use (meant for everyone), at festivals and clean-ups, and delegates meet
natives in the committees. Ties without contact decay; neighbours in a block stay in contact.
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model.network import decay_ties, form_ties
from stadtteil_sim.model.population import ATTENDS, DELEGATE, MEMBER
from stadtteil_sim.model.processes.context import MonthContext


def step(ctx: MonthContext) -> None:
    """Contact: ties form at shared activities and decay without contact (M5, M11)."""
    rng = ctx.rng("ties")
    draw = rng.random((ctx.state.pop.size, 4))
    pop, t, state = ctx.state.pop, ctx.behaviour.ties, ctx.state
    g = state.groups
    attending = pop.adult & (pop.level >= ATTENDS)
    mixing = np.full(pop.size, t.mixing_base)
    rooms = ctx.scenario.district.rooms and ctx.switches.rooms
    if rooms:
        in_rooms = np.append(np.array(g.in_rooms, dtype=bool) & np.array(g.alive, dtype=bool), False)
        meets_in_rooms = in_rooms[np.where(pop.group >= 0, pop.group, -1)] | pop.representative
        mixing = np.where(meets_in_rooms, t.mixing_shared, mixing)
    if ctx.event_this_month and ctx.switches.visibility:
        mixing = np.maximum(mixing, t.mixing_shared)
    if ctx.scenario.instruments.project_funds_detached:
        mixing = np.where(pop.migrant, 0.5 * mixing, mixing)
    mixing = mixing * (1.0 - ctx.communities.closure[pop.community])
    # Members meet their own group (representatives too: they stay in touch with who they speak
    # for), others their community; across circles at shared activities.
    circle = np.where(pop.group >= 0, 1_000 + pop.group, pop.community).astype(np.int64)
    # Delegates sit in the committees with the organised natives: that is whom they meet there.
    committee = (pop.level == DELEGATE) | (~pop.migrant & (pop.level >= MEMBER))
    circle = np.where(committee, -2, circle)
    form_ties(state.ties, attending, circle, mixing, t.meet_rate, draw)
    decay_ties(state.ties, pop.block, attending, t.decay)

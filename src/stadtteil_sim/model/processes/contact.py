"""M5 visibility and contact, M11 rooms as meeting places: ties form at shared activities.

Attending residents meet co-attendees. Across communities they meet mostly at joint activities:
in the rooms for civic use (meant for everyone), at festivals, and delegates meet natives in the
committees; at a clean-up action neighbours of a housing block meet, whatever their community. Ties without contact decay; neighbours in a block stay in contact.
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.network import decay_ties, form_ties
from stadtteil_sim.model.processes.context import MonthContext


def step(ctx: MonthContext) -> None:
    """Contact: ties form at shared activities and decay without contact (M5, M11)."""
    draw = ctx.keyed("ties", 4)  # read only for attendees
    pop, t, state = ctx.state.pop, ctx.behaviour.ties, ctx.state
    g = state.groups
    in_rooms = None
    if ctx.scenario.district.rooms and ctx.switches.rooms:
        in_rooms = np.append(np.array(g.in_rooms, dtype=bool) & np.array(g.alive, dtype=bool), False)
    # Members meet their own group (representatives too: they stay in touch with who they speak
    # for), others their community; across circles at shared activities. Delegates sit in the
    # committees with the organised natives: that is whom they meet there.
    attending, circle, mixing = kernels.meeting_circles(
        pop.level, pop.age_band, pop.community, pop.group, pop.representative, ctx.communities.closure, in_rooms,
        t.mixing_base, t.mixing_shared, bool(ctx.event and ctx.event.mixes),
        ctx.scenario.instruments.project_funds_detached,
    )
    form_ties(state.ties, attending, circle, mixing, t.meet_rate, draw)
    if ctx.event and ctx.event.neighbours:
        # A clean-up action: the adults taking part in activities meet neighbours of their block,
        # whatever their community.
        form_ties(state.ties, attending, pop.block, np.zeros(pop.size), ctx.behaviour.events.cleanup_meet_rate,
                  ctx.keyed("cleanup", 4))
    # The ties' mix after contact is what recognition and the month's indicators read.
    ctx.tie_mix = decay_ties(state.ties, pop.block, attending, t.decay, pop.community)

"""M5 visibility and contact, M11 rooms as meeting places: ties form at shared activities.

Attending residents meet co-attendees. Across communities they meet mostly at joint activities:
in the rooms for civic use (meant for everyone), at festivals and clean-ups, and delegates meet
natives in the committees. Ties without contact decay; neighbours in a block stay in contact.
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
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
    # Across circles residents meet at mixing_base; at mixing_shared where their group meets in
    # the rooms (representatives too) or a festival or clean-up brings everyone together; half
    # that for migrants where project funds are handed out detached; less in closed communities.
    # Members meet their own group (representatives too: they stay in touch with who they speak
    # for), others their community; delegates sit in the committees with the organised natives.
    rooms = bool(ctx.scenario.district.rooms and ctx.switches.rooms)
    in_rooms = np.array(g.in_rooms, dtype=bool) & np.array(g.alive, dtype=bool)
    mixing, circle = kernels.meeting_circles(
        pop.group, pop.community, pop.level, pop.migrant, pop.representative, in_rooms, ctx.communities.closure,
        float(t.mixing_base), float(t.mixing_shared), rooms, bool(ctx.event_this_month and ctx.switches.visibility),
        bool(ctx.scenario.instruments.project_funds_detached), DELEGATE, MEMBER,
    )
    form_ties(state.ties, attending, circle, mixing, t.meet_rate, draw)
    decay_ties(state.ties, pop.block, attending, t.decay)

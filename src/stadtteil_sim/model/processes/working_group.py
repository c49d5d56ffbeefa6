"""M3 the migrant working group: representatives, formation, regular meetings, own capacity.

Communities the office has contacted and that have organised members send representatives
(the largest and most open first, as it emerges). The group exists once two communities meet.
Its regularity is secured by the moderator, by district management and by its own capacity;
its own capacity grows by meeting regularly. Dependency as leadership succession (an
assumption, Kitts 2006; Datta 2005): while the office convenes and chairs, the group's own
leaders take on less and its capacity grows more slowly; what it has built itself is what
remains after the handover. No separate penalty: the rest of a late handover's cost is the staff
hours other districts wait for.
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.events import COMMUNITY_JOINS, COMMUNITY_LEAVES, WORKING_GROUP_FORMS
from stadtteil_sim.model.population import INFORMED, MEMBER, WORKING_GROUP
from stadtteil_sim.model.processes.context import PROFESSIONAL_BODY, MonthContext
from stadtteil_sim.model.rng import skip
from stadtteil_sim.model.state import SUPPORT


def step(ctx: MonthContext) -> None:
    """Working group: representatives join or drift away; it meets; its own capacity grows (M3)."""
    if not ctx.switches.working_group:
        return  # before any draw: nothing else draws from the working group's stream
    pop = ctx.state.pop
    rng = ctx.rng("working_group")
    # Column 0: who is sent, column 1: drifting away; both only ever read for migrants (and
    # representatives), so the rows after the last of them are skipped, not drawn.
    rows = kernels.last_migrant_row(pop.community, pop.representative) + 1
    draw = rng.random((rows, 2))
    skip(rng, 2 * (pop.size - rows))
    community_draw = rng.random(len(ctx.communities.names))
    noise = rng.random(4)
    _recruit(ctx, draw[:, 0], community_draw)
    ctx.intervened = _meet(ctx, draw[:, 1], noise)


def _recruit(ctx: MonthContext, draw: np.ndarray, community_draw: np.ndarray) -> None:
    """Groups the office has reached through its mediators are invited to send representatives
    (M1, M3). Whether a community sends one is the community's decision: as far as it is open,
    its association acts as an integration pilot rather than an identity guardian, and district
    work serves its interests. It sends its most capable informed member of a group."""
    pop, state, w = ctx.state.pop, ctx.state, ctx.behaviour.working_group
    k = pop.community
    c = ctx.communities
    n_comm = len(c.names)
    members, reps = kernels.organised_counts(pop.level, k, pop.group, pop.representative, n_comm)
    invited = (state.contact >= w.contact_needed) & (members >= c.members_needed) & (reps < w.max_reps)
    invited[0] = False
    # The office invites; so do the group's own leaders and the community's multipliers
    # (model/carriers.py); district management can, more weakly and without mediators.
    inviting = ctx.carriers.recruiting(ctx.effort, 0.3 * ctx.scenario.district_management.capacity)
    professional = (c.association == PROFESSIONAL_BODY) & ctx.switches.organisation_kinds
    if (professional & ctx.in_working_group).any():
        # M15: a professional body in the group lends its contacts to the invitation.
        inviting = 1.0 - (1.0 - inviting) * (1.0 - ctx.behaviour.organisations.professional_contacts)
    acceptance = (1.0 - c.closure) * (0.25 + 0.75 * ctx.community_openness()) * ctx.district_interest()
    sends = invited & (community_draw < w.rep_rate * inviting * acceptance)
    if sends.any():
        organised = pop.migrant & (pop.level >= INFORMED) & (pop.level < WORKING_GROUP) & (pop.group >= 0)
        for community in np.flatnonzero(sends):
            candidates = np.flatnonzero(organised & (k == community))
            capability = (pop.german[candidates] + pop.experience[candidates]) / 2.0 + 0.3 * draw[candidates]
            chosen = candidates[np.argmax(capability)]
            pop.level[chosen] = WORKING_GROUP
            pop.representative[chosen] = True
            if professional[community]:  # M15: it sends someone with its committee experience
                experience = ctx.behaviour.organisations.professional_experience
                pop.experience[chosen] = max(pop.experience[chosen], experience)
    _update_membership(ctx)
    if state.wg.formed_month is None and len(state.wg.communities) >= 2:
        state.wg.formed_month = state.month
        state.log(WORKING_GROUP_FORMS)


def _update_membership(ctx: MonthContext) -> int:
    """Recompute which communities have representatives; log who joined or left."""
    state, pop = ctx.state, ctx.state.pop
    before = state.wg.communities
    counts = np.bincount(pop.community[pop.representative], minlength=len(ctx.communities.names))
    now = frozenset(np.flatnonzero(counts).tolist())
    for joined in sorted(now - before):
        state.log(COMMUNITY_JOINS, community=ctx.communities.names[joined])
    for left in sorted(before - now):
        state.log(COMMUNITY_LEAVES, community=ctx.communities.names[left])
    state.wg.communities = now
    return len(before)


def _meet(ctx: MonthContext, draw: np.ndarray, noise: np.ndarray) -> bool:
    """The group meets; returns whether the office intervened (support mode, meetings thin)."""
    state, pop, w = ctx.state, ctx.state.pop, ctx.behaviour.working_group
    wg = state.wg
    if not wg.exists:
        wg.self_carried_months = wg.meeting_stable_months = 0
        wg.self_carried = 0.0
        wg.drifted = 0
        return False
    dependency = ctx.behaviour.dependency.strength if ctx.switches.dependency else 0.0
    # A thinly staffed moderation (a share of its hours granted: ctx.effort < 1) holds less.
    moderated = w.moderated_regularity * ctx.effort if ctx.moderating else 0.0
    advice = w.advice * ctx.advice
    # The trigger: in support, the group's functioning dropped last month: its meetings thinned
    # below intervention_below, or a representative drifted away; an intervention takes staff
    # hours the city's pool must still have this month (M14).
    dropped = wg.regularity < w.intervention_below or wg.drifted > 0
    affordable = ctx.intervention_hours >= ctx.scenario.office.staff_hours_intervention
    intervened = state.office.mode == SUPPORT and dropped and affordable
    if intervened:
        advice += w.intervention_lift
    management = ctx.scenario.district_management.capacity * w.management_regularity
    target = 1.0 - (1.0 - moderated) * (1.0 - management) * (1.0 - wg.capacity) * (1.0 - advice)
    wg.regularity = float(np.clip(wg.regularity + 0.3 * (target - wg.regularity) + 0.08 * (noise[0] - 0.5), 0.0, 1.0))

    # Succession: the moderator's convening and chairing leaves the group's leaders less to learn on.
    crowding = 1.0 - dependency * ctx.moderating
    wg.capacity += w.capacity_growth * wg.regularity * (1.0 - wg.capacity) * crowding
    growth = min(1.0, len(wg.communities) / 6.0)  # the agenda grows as groups join
    wg.agenda_maturity += 0.08 * wg.regularity * max(0.0, growth - wg.agenda_maturity)

    # When meetings thin out, representatives drift back to their own circles.
    reps = np.flatnonzero(pop.representative)
    drop = (pop.level[reps] == WORKING_GROUP) & (draw[reps] < w.rep_dropout * (1.0 - wg.regularity))
    if reps.size:
        wg.capacity *= 1.0 - 0.5 * drop.sum() / reps.size
    pop.level[reps[drop]] = MEMBER
    wg.drifted = int(drop.sum())
    pop.representative[reps[drop]] = False

    count_before = _update_membership(ctx)
    keeps_members = len(wg.communities) >= count_before
    stable = wg.regularity >= w.stable_regularity and keeps_members
    wg.meeting_stable_months = wg.meeting_stable_months + 1 if stable else 0
    # What the office watches for the 'stable' handover: the regularity the group would hold
    # without the moderator, on its own capacity, district management's and the support mode's
    # advice at full staff; enough when support would need no intervention (at least
    # intervention_below). The moderator's own share is left out, so a group that built no
    # capacity of its own never looks ready, and the link stage does not enter (a stalled link
    # does not hold the handover up).
    wg.self_carried = 1.0 - (1.0 - management) * (1.0 - wg.capacity) * (1.0 - w.advice)
    carried = wg.self_carried >= w.intervention_below and keeps_members
    wg.self_carried_months = wg.self_carried_months + 1 if carried else 0
    return intervened


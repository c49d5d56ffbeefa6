"""M15 the migrant organisations: their leaders' generation, and pilot or guardian as a state.

The second text asks whether migrant organisations are integration pilots or guardians of group
identity, says that generational change has reached their leadership, and asks how a city can
foster them as partners (the intercultural opening of its administration). So each main
association has a leadership generation and an openness that moves (sizes are assumptions):

- generational change: the founders' generation hands over once, at a monthly rate; the new
  leadership is more open to district work, and the new leader (a young adult of the
  association with the most German and experience) knows district work and brings the
  experience of a multiplier: a second-line leader the self-running phase counts on
  (model/carriers.py);
- recognition and inclusion in district work (its community in the working group, natives'
  acceptance, the committees taking up the group's proposals) open it; being passed over (the
  working group meets while district work has not reached its community) and project funds
  handed out apart from district work ("separate work", which the text rejects) close it; the
  administration's intercultural opening opens it.
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model.events import BECOMES_GUARDIAN, BECOMES_PILOT, LEADERSHIP_CHANGES
from stadtteil_sim.model.population import INFORMED, YOUNG_ADULT
from stadtteil_sim.model.processes.context import MonthContext
from stadtteil_sim.model.processes.groups import GROUP_DRAWS

PILOT = 0.5  # openness above which an association counts as an integration pilot (the ticker's change of role)


def step(ctx: MonthContext) -> None:
    """Organisations: leadership generations, pilot or guardian (M15)."""
    draw = ctx.rng("organisations").random(GROUP_DRAWS)
    g = ctx.state.groups
    mains = g.main_associations()
    if ctx.switches.generational_change:
        rate = ctx.behaviour.organisations.generation_rate
        for i in mains:
            if g.leader_generation[i] == 1 and draw[i % GROUP_DRAWS] < rate:
                _new_generation(ctx, i)
    if ctx.switches.role_moves:
        _move_roles(ctx, mains)


def _new_generation(ctx: MonthContext, i: int) -> None:
    g, pop, o = ctx.state.groups, ctx.state.pop, ctx.behaviour.organisations
    g.leader_generation[i] = 2
    g.openness[i] += o.generation_openness * (1.0 - g.openness[i])
    members = np.flatnonzero((pop.group == i) & pop.adult)
    young = members[pop.age_band[members] == YOUNG_ADULT]
    pool = young if young.size else members
    if pool.size:
        leader = pool[np.argmax(pop.german[pool] + pop.experience[pool])]
        pop.experience[leader] = max(pop.experience[leader], ctx.behaviour.carriers.multiplier_experience)
        pop.level[leader] = max(pop.level[leader], INFORMED)
    ctx.state.log(LEADERSHIP_CHANGES, community=ctx.communities.names[g.community[i]])


def _move_roles(ctx: MonthContext, mains: list[int]) -> None:
    state, g, o = ctx.state, ctx.state.groups, ctx.behaviour.organisations
    wg = state.wg
    uptake = state.voiced_adopted_share()
    recognised = 0.5 * state.pop.native_acceptance() + 0.5 * uptake
    funds = float(ctx.scenario.instruments.project_funds_detached)
    opening = o.opening_gain * ctx.scenario.instruments.intercultural_opening
    contact_needed = ctx.behaviour.working_group.contact_needed
    for i in mains:
        k, before = g.community[i], g.openness[i]
        included = bool(ctx.in_working_group[k])
        passed_over = float(wg.exists and not included and state.contact[k] < contact_needed)
        gain = (o.role_gain * included * recognised + opening) * (1.0 - before)
        after = float(np.clip(before + gain - o.role_loss * (passed_over + funds) * before, 0.0, 1.0))
        g.openness[i] = after
        if before < PILOT <= after:
            state.log(BECOMES_PILOT, community=ctx.communities.names[k])
        elif after < PILOT <= before:
            state.log(BECOMES_GUARDIAN, community=ctx.communities.names[k])

"""M1 outreach and the first rung of the ladder: who gets informed about district work.

The office's contact to a community grows through bilingual mediators (or, slower, through a
city-wide association or without a common language); contacted communities are informed at
info events and by multilingual leaflets. District management informs in German only, which
reaches migrants in proportion to their German (M2). School projects reach parents (M10).
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.population import INFORMED
from stadtteil_sim.model.processes.context import (
    CITYWIDE_ASSOCIATION,
    INITIATIVE,
    PROFESSIONAL_BODY,
    MonthContext,
)


def community_access(ctx: MonthContext) -> np.ndarray:
    """Speed of building contact to each community, relative to a mediator-covered one."""
    o = ctx.behaviour.outreach
    c = ctx.communities
    if not ctx.switches.outreach:
        return np.full(c.closure.shape, o.uncovered_language_factor * o.no_association_factor)
    # Without a mediator for its language, the office gets through as far as German carries.
    uncovered = o.uncovered_language_factor + (1.0 - o.uncovered_language_factor) * c.german_mean**2
    language = np.where(c.covered, 1.0, uncovered)
    # M15: a professional body opens its networks to the office; without the kinds it is one more city-wide association.
    professional = ctx.behaviour.organisations.professional_access if ctx.switches.organisation_kinds else o.citywide_access_factor
    association = np.select(
        [c.association == INITIATIVE, c.association == CITYWIDE_ASSOCIATION, c.association == PROFESSIONAL_BODY],
        [1.0, o.citywide_access_factor, professional], o.no_association_factor,
    )
    return language * association


def step(ctx: MonthContext) -> None:
    """Outreach: contact to communities through mediators; residents get informed (M1, M10)."""
    rng = ctx.rng("outreach")
    noise = rng.random(len(ctx.communities.names))
    draw = ctx.keyed("outreach", 1)  # read only for the unreached adults
    state, o = ctx.state, ctx.behaviour.outreach
    pop, c = state.pop, ctx.communities
    dm = ctx.scenario.district_management.capacity

    # Contact to communities: the office through mediators; district management slowly, in German.
    office_rate = ctx.effort * o.contact_rate * community_access(ctx)
    management_rate = 0.25 * dm * o.contact_rate * o.uncovered_language_factor
    rate = (office_rate + management_rate) * (1.0 - 0.6 * c.closure) * (0.5 + noise)
    state.contact += rate * (1.0 - state.contact)
    state.contact[0] = 1.0

    # Informing residents: the unreached adults' rates, then the chance at least one reaches them.
    rows, rates = kernels.inform_rates(
        pop.level, pop.age_band, pop.community, pop.group, pop.german, pop.parent, ctx.active_share,
        ctx.carriers.reach(ctx.effort * state.contact),
        o.inform_office, o.inform_management * dm, o.inform_social, o.inform_school * ctx.effort,
        ctx.switches.barriers, ctx.switches.education,
    )
    newly = rows[draw.at(rows, 0) < 1.0 - np.exp(-rates)]
    pop.level[newly] = INFORMED

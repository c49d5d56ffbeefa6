"""M5 district management's events: festivals, clean-ups, activating surveys, each with its effect.

Stadtteilwerkstatt / Quartiersmanagement holds a few events a year, as many as its capacity
allows, of the three kinds the text names ("Stadtteilfeste", "Reinigungsaktionen", "aktivierende
Befragungen"), in the scenario's mix. What each does is declared once in
``model/event_kinds.py``:
how visible it makes the groups (activation), whether it mixes the communities or brings
neighbours together (contact), whether it asks the unreached (here) and whether natives who do
not find themselves in it as actors reject it (recognition: a "multikulturelles" festival that is
not co-designed).
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model.event_kinds import EVENT_KINDS, FESTIVAL, EventKind
from stadtteil_sim.model.events import FESTIVAL_WITHOUT_NATIVES
from stadtteil_sim.model.population import INFORMED, NATIVE, UNREACHED
from stadtteil_sim.model.processes.context import MonthContext


def step(ctx: MonthContext) -> None:
    """District management holds its events: festivals, clean-ups, activating surveys (M5)."""
    draw = ctx.rng("events").random(2)
    cfg = ctx.scenario.district_management
    rate = cfg.events_per_year / 12.0 * cfg.capacity
    if not (ctx.switches.visibility and draw[0] < rate):
        return
    kind = pick_kind(ctx, draw[1]) if ctx.switches.distinct_events else FESTIVAL
    ctx.event = kind
    rejected = kind.backlash and not ctx.scenario.instruments.festival_codesigned
    ctx.state.log(FESTIVAL_WITHOUT_NATIVES if rejected else kind.logged)
    if kind.asks:
        _ask(ctx)


def pick_kind(ctx: MonthContext, u: float) -> EventKind:
    cfg = ctx.scenario.district_management
    shares = np.cumsum([cfg.festival_share, cfg.cleanup_share, cfg.survey_share])
    return EVENT_KINDS[min(len(EVENT_KINDS) - 1, int(np.searchsorted(shares, u * shares[-1], side="right")))]


def _ask(ctx: MonthContext) -> None:
    """An activating survey asks unreached adults at their door about the district: those it asks
    know of the offer (informed). It reaches natives, and migrants as far as the office has
    contact to their community (M1: without it the survey does not get through to them)."""
    pop = ctx.state.pop
    unreached = np.flatnonzero(pop.adult & (pop.level == UNREACHED))
    k = pop.community[unreached]
    reach = ctx.behaviour.events.survey_reach * np.where(k == NATIVE, 1.0, ctx.state.contact[k])
    asked = unreached[ctx.keyed("survey", 1).at(unreached, 0) < reach]
    pop.level[asked] = INFORMED

"""M5 district management's events: festivals, clean-ups, activating surveys, each with its effect.

Stadtteilwerkstatt / Quartiersmanagement holds a few events a year, as many as its capacity
allows, of the three kinds the text names ("Stadtteilfeste", "Reinigungsaktionen", "aktivierende
Befragungen"), in the scenario's mix. What each does is declared once in :data:`EVENT_KINDS`:
how visible it makes the groups (activation), whether it mixes the communities or brings
neighbours together (contact), whether it asks the unreached (here) and whether natives who do
not find themselves in it as actors reject it (recognition: a "multikulturelles" festival that is
not co-designed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stadtteil_sim.model.events import (
    CLEANUP_HELD,
    FESTIVAL_HELD,
    FESTIVAL_WITHOUT_NATIVES,
    SURVEY_HELD,
    Event,
)
from stadtteil_sim.model.population import INFORMED, NATIVE, UNREACHED
from stadtteil_sim.model.processes.context import MonthContext


@dataclass(frozen=True)
class EventKind:
    """One kind of district event and what it does (its sizes are `behaviour.events.*`)."""

    name: str
    logged: Event
    visibility: str | None  # the behaviour.events parameter of its visibility; None: a festival's, 1
    mixes: bool  # the communities meet across their circles (contact)
    neighbours: bool  # the neighbours of a housing block meet (contact)
    asks: bool  # asks the unreached, and so informs them (here)
    backlash: bool  # natives who do not find themselves in it as actors reject it, unless co-designed

    def seen(self, ctx: MonthContext) -> float:
        """How visible it makes the groups, relative to a festival."""
        return 1.0 if self.visibility is None else getattr(ctx.behaviour.events, self.visibility)


FESTIVAL = EventKind("festival", FESTIVAL_HELD, None, mixes=True, neighbours=False, asks=False, backlash=True)
CLEAN_UP = EventKind("clean-up", CLEANUP_HELD, "cleanup_visibility", mixes=False, neighbours=True, asks=False, backlash=False)
SURVEY = EventKind("survey", SURVEY_HELD, "survey_visibility", mixes=False, neighbours=False, asks=True, backlash=False)
EVENT_KINDS = (FESTIVAL, CLEAN_UP, SURVEY)  # in the order of district_management's *_share keys


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

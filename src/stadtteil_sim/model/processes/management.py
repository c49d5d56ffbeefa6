"""M5 district management's events: festivals, clean-ups, activating surveys.

Stadtteilwerkstatt / Quartiersmanagement holds a few events a year, as many as its capacity
allows; an event this month makes activities visible (activation), mixes the communities
(contact) and, unless natives co-design it, can put natives off (recognition).
"""

from __future__ import annotations

from stadtteil_sim.model.processes.context import MonthContext


def step(ctx: MonthContext) -> None:
    """District management plans its events: festivals, clean-ups, activating surveys (M5)."""
    draw = ctx.rng("events").random()
    cfg = ctx.scenario.district_management
    rate = cfg.events_per_year / 12.0 * cfg.capacity
    ctx.event_this_month = bool(ctx.switches.visibility and draw < rate)

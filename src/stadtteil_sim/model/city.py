"""The city (M14): one integration office, several districts, one staff pool.

Each district is a :class:`StadtteilModel` with its own engagement of the office (mode, handover
and link rules in its own file). Each month:

1. every district's clock advances; the engagements that run decide their mode (handover,
   withdrawal, linking) as a district on its own does;
2. districts due to start moderating ask to start: under ``rollout`` in the file's order, each
   only once the pool's unallocated hours cover its full moderation and every earlier district
   has started; under the other rules a due district starts if the rule, asked for its full
   moderation beside every other request, would grant it any hours;
3. every engagement requests the hours its mode needs; :func:`allocate` grants them from the
   pool; granted ÷ requested scales the district's effort (a thinly staffed moderation is weaker);
4. the districts' months run in the file's order; an occasional intervention in support mode
   takes its hours from what the pool has left this month (none left: no intervention);
5. the indicators: each district's, and the city's (the weakest district, the spread, staff
   hours requested and granted, the pool's utilisation).

Granted hours never exceed the pool. Which of this rests on the text: one office for the whole
city, Kranichstein-Süd from 2000 and Eberstadt-Süd from 2001 (the roll-out), the weakest links;
the pool's size and the rules are assumptions (docs/ODD.md, "The city").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np

from stadtteil_sim.config.city import CityScenario, load_city
from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model.district import _FROM_SCENARIO, StadtteilModel, resolve_seed
from stadtteil_sim.model.indicators import CITY_INDICATORS
from stadtteil_sim.model.processes.context import covered_languages
from stadtteil_sim.model.state import NOT_ACTIVE


def allocate(requests: Sequence[float], pool: float | None, rule: str, weakness: Sequence[float] | None = None) -> list[float]:
    """Hours granted to each request from ``pool`` hours (None: unlimited, all granted).

    ``rollout`` serves the requests in their order, ``weakest_first`` in the order of
    ``weakness`` (lowest first; ties in their order), each in full while the pool lasts, the
    next with what is left; ``proportional`` scales every request by pool / total when they
    exceed the pool. The sum of the grants never exceeds the pool."""
    requests = [float(r) for r in requests]
    if pool is None or math.fsum(requests) <= pool:
        return requests
    if rule == "proportional":
        factor = pool / math.fsum(requests)
        granted = [r * factor for r in requests]
        while math.fsum(granted) > pool:  # rounding: step the factor down by ulps
            factor = math.nextafter(factor, 0.0)
            granted = [r * factor for r in requests]
        return granted
    if rule == "rollout":
        order = list(range(len(requests)))
    elif rule == "weakest_first":
        if weakness is None or len(weakness) != len(requests):
            raise ValueError("weakest_first needs one weakness value per request")
        order = sorted(range(len(requests)), key=lambda i: (weakness[i], i))
    else:
        raise ValueError(f"allocation rule {rule!r}; allowed: rollout, proportional, weakest_first")
    granted = [0.0] * len(requests)
    left = float(pool)
    for i in order:
        granted[i] = min(requests[i], left)
        left -= granted[i]
    return granted


# Each district's office figures beside its indicators in the long (district, month) table.
DISTRICT_OFFICE_COLUMNS = ("office_mode", "hours_requested", "hours_granted", "months_waited")


class CityModel(mesa.Model):
    """A city of districts sharing one office's staff pool. ``CityModel("scenarios/darmstadt.yaml")``;
    a district file gives a city of one, whose district runs exactly as ``StadtteilModel``."""

    def __init__(self, scenario: CityScenario | Scenario | str | dict | None = None, seed: Any = _FROM_SCENARIO,
                 overrides: dict[str, Any] | None = None, *, rng: Any = _FROM_SCENARIO):
        if seed is not _FROM_SCENARIO and rng is not _FROM_SCENARIO:
            raise TypeError("give seed= or rng=, not both (they mean the same)")
        self.config = load_city(scenario if scenario is not None else Scenario(), overrides)  # as StadtteilModel
        self.seed = resolve_seed(rng if seed is _FROM_SCENARIO else seed, self.config.run.seed)
        super().__init__(rng=self.seed)
        one = self.config.one_district
        # The office's mediators speak the languages it chose for the whole city (M1, M14).
        languages = None if one else covered_languages(*self.config.districts)
        self.districts: dict[str, StadtteilModel] = {
            d.district.name: StadtteilModel(d, seed=self.seed, city_key=None if one else d.district.name, in_city=True,
                                            office_languages=languages)
            for d in self.config.districts
        }
        self.pool = self.config.office.staff_pool_hours
        self.city_indicators: dict[str, float] = {}
        self.district_rows: list[dict[str, Any]] = []
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, name=name: m.city_indicators[name]) for name in CITY_INDICATORS}
        )
        self._month(advance=False)

    @property
    def month(self) -> int:
        return next(iter(self.districts.values())).month

    def step(self) -> None:
        self._month(advance=True)

    def _month(self, advance: bool) -> None:
        """Steps 1-5 of the module docstring (month 0: the decisions and grants only)."""
        districts = list(self.districts.values())
        if advance:
            for d in districts:
                d.state.month += 1
        waiting = [d.office.policy.waiting(d.state) for d in districts]
        for d, wait in zip(districts, waiting, strict=True):
            if not wait:
                d.office.step()
        rule = self.config.office.allocation
        weakness = [d.indicators.get("migrant_participation_rate", 0.0) if d.indicators else 0.0 for d in districts]
        # Under proportional and weakest_first a due district starts if the rule would grant it
        # any hours, its full moderation requested beside everyone else's (a district the rule
        # leaves with none keeps waiting, and its fixed months do not start to run).
        asked = [d.office.policy.request(d.state) for d in districts]
        would_get = allocate(asked, self.pool, rule, weakness)
        committed = math.fsum(hours for hours, wait in zip(asked, waiting, strict=True) if not wait)
        blocked = False  # rollout: an earlier district in the order has not started yet
        for d, wait, share in zip(districts, waiting, would_get, strict=True):
            if not wait:
                not_started = d.config.office.enabled and d.state.office.started_month is None
                blocked = blocked or not_started
                continue
            need = d.config.office.staff_hours_moderation
            fits = self.pool is None or committed + need <= self.pool
            if self.pool is None:
                may_start = True
            elif rule == "rollout":
                may_start = fits and not blocked
            else:
                may_start = share > 0.0
            d.office.step(may_start)
            if may_start:
                committed += need
            else:
                blocked = True
        requests = [d.office.policy.request(d.state) if d.state.office.mode != NOT_ACTIVE else 0.0 for d in districts]
        granted = allocate(requests, self.pool, rule, weakness)
        for d, hours in zip(districts, granted, strict=True):  # a waiting district: asked, got none
            d.office.policy.grant(d.state, hours if self.pool is not None else None)
        if not self.config.one_district:
            self._carry(districts)
        if advance:
            left = math.inf if self.pool is None else self.pool - math.fsum(granted)
            for d in districts:
                ctx = d.simulate_month(left)
                if ctx.intervened:
                    left -= d.config.office.staff_hours_intervention
        for d in districts:
            d.collect()
        self._collect()
        if self.month >= self.config.run.months:
            self.running = False

    def _carry(self, districts: list[StadtteilModel]) -> None:
        """What the office carries between districts (M14), before the month's processes: its
        contact to a community with a city-wide association is one contact, through the same
        association, in every district; and a district it starts moderating this month gets
        ``behaviour.outreach.carried_contact`` of the office's best contact with each of its
        communities elsewhere (people, mediators and networks it knows)."""
        shared: dict[str, float] = {}
        for d in districts:
            for k, name in enumerate(d.community_names[1:], start=1):
                if d.communities.seated_in_centre[k]:
                    shared[name] = max(shared.get(name, 0.0), float(d.state.contact[k]))
        for d in districts:
            starting = d.state.office.started_month == d.state.month
            carry = d.config.behaviour.outreach.carried_contact
            for k, name in enumerate(d.community_names[1:], start=1):
                floor = shared.get(name, 0.0) if d.communities.seated_in_centre[k] else 0.0
                if starting:
                    elsewhere = max((float(o.state.contact[j]) for o in districts if o is not d
                                     for j, other in enumerate(o.community_names) if other == name), default=0.0)
                    floor = max(floor, carry * elsewhere)
                d.state.contact[k] = max(float(d.state.contact[k]), floor)

    def _collect(self) -> None:
        districts = list(self.districts.values())
        rates = np.array([d.indicators["migrant_participation_rate"] for d in districts])
        adults = np.array([_migrant_adults(d) for d in districts], dtype=float)
        requested = math.fsum(d.state.office.hours_requested for d in districts)
        booked = math.fsum(d.state.office.staff_hours for d in districts) if self.month > 0 else 0.0
        self.city_indicators = {
            "migrant_participation_min": float(rates.min()),
            "migrant_participation_max": float(rates.max()),
            "migrant_participation_spread": float(rates.max() - rates.min()),
            "migrant_participation_city": float((rates * adults).sum() / adults.sum()) if adults.sum() else 0.0,
            "staff_hours_requested": requested,
            "staff_hours_granted": booked,
            "pool_utilisation": booked / self.pool if self.pool else math.nan,
            "districts_waiting": sum(d.state.office.mode == NOT_ACTIVE and d.office.policy.waiting(d.state)
                                     for d in districts),
        }
        self.datacollector.collect(self)
        for name, d in self.districts.items():
            office = d.state.office
            self.district_rows.append({
                "district": name, "month": self.month, **d.indicators,
                "office_mode": d.office.mode, "hours_requested": office.hours_requested,
                "hours_granted": office.staff_hours if self.month > 0 else 0.0, "months_waited": office.months_waited,
            })


def _migrant_adults(district: StadtteilModel) -> int:
    pop = district.state.pop
    return int((pop.migrant & pop.adult).sum())

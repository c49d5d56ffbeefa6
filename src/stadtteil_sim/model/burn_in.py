"""The burned-in district, reused: runs that differ only in levers acting from month 0 on share
the state their district reached in its burn-in months, so it is computed once per seed.

A district runs ``behaviour.burn_in_months`` before the office starts (month 0). Nothing the
office decides enters those months, and the random streams are derived per process and month
from the seed (:mod:`stadtteil_sim.model.rng`), so two runs whose scenarios differ only in the
paths :data:`ACTS_FROM_MONTH_0` declares reach the same month-0 state, bit for bit
(tests/test_burn_in.py checks every declared path and a whole batch, reuse against none). A
handover-timing batch varies exactly these; each worker process keeps the last
:data:`CACHE_SIZE` burned-in states and starts later runs from a copy.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from stadtteil_sim.config.schema import Scenario

# Paths of a district's scenario that act only from month 0 on (the office's timing and staff,
# the run's horizon and reporting months): a change in them leaves the burn-in as it was.
ACTS_FROM_MONTH_0 = (
    "office.start_month", "office.handover_rule", "office.handover_month", "office.handover_stable_months",
    "office.handover_max_month", "office.link_rule", "office.link_month", "office.link_stable_months",
    "office.withdraw_month", "office.withdraw_quiet_months", "office.staff_hours_moderation",
    "office.staff_hours_support", "office.staff_hours_intervention", "run.months",
    "run.participation_months",
)
CACHE_SIZE = 16  # burned-in districts per process: a 1:1 district of 7,000 residents holds about 2 MB

_cache: OrderedDict[str, BurnedIn] = OrderedDict()
_enabled = True


@dataclass(frozen=True)
class BurnedIn:
    """What a district holds at month 0 before the office's first decision."""

    state: Any  # DistrictState
    month_ties: Any  # the last burn-in month's tie mix (network.TieMix, or None): month 0's indicators read it
    initial_groups: int  # groups that existed before the burn-in (their agents come first)


def key(config: Scenario, seed: int, city_key: str | None, office_languages: frozenset[str]) -> str:
    """Everything that decides the burn-in: the scenario less :data:`ACTS_FROM_MONTH_0`, the seed,
    the district's stream key in a city and the languages of the office's mediators."""
    data = config.model_dump(mode="json")
    for path in ACTS_FROM_MONTH_0:
        section, name = path.split(".")
        data.get(section, {}).pop(name, None)
    payload = {"scenario": data, "seed": int(seed), "city_key": city_key, "languages": sorted(office_languages)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def recall(burn_in_key: str) -> BurnedIn | None:
    """A copy of the burned-in district under this key, or None (not kept, or reuse is off)."""
    if not _enabled or burn_in_key not in _cache:
        return None
    _cache.move_to_end(burn_in_key)
    kept = _cache[burn_in_key]
    return BurnedIn(copy.deepcopy(kept.state), copy.deepcopy(kept.month_ties), kept.initial_groups)


def keep(burn_in_key: str, burned: BurnedIn) -> None:
    """Keep a copy of a district just burned in (the oldest goes when the cache is full)."""
    if not _enabled:
        return
    _cache[burn_in_key] = BurnedIn(copy.deepcopy(burned.state), copy.deepcopy(burned.month_ties), burned.initial_groups)
    _cache.move_to_end(burn_in_key)
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)


@contextmanager
def reuse(enabled: bool) -> Iterator[None]:
    """Turn reuse on or off for the block (tests compare both; the cache is emptied either way)."""
    global _enabled
    before, _enabled = _enabled, enabled
    _cache.clear()
    try:
        yield
    finally:
        _enabled = before
        _cache.clear()

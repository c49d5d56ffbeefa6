"""The kinds of district events (M5), declared once: what each does.

District management (``processes/management.py``) holds them; activation reads how visible one
makes the groups, contact whether it mixes the communities or brings neighbours together,
recognition whether natives reject it unless they co-design it (``MonthContext.event``).
"""

from __future__ import annotations

from dataclasses import dataclass

from stadtteil_sim.config.schema import DistrictEvents
from stadtteil_sim.model.events import CLEANUP_HELD, FESTIVAL_HELD, SURVEY_HELD, Event


@dataclass(frozen=True)
class EventKind:
    """One kind of district event and what it does (its sizes are `behaviour.events.*`)."""

    name: str
    logged: Event
    visibility: str | None  # the behaviour.events parameter of its visibility; None: a festival's, 1
    mixes: bool  # the communities meet across their circles (contact)
    neighbours: bool  # the neighbours of a housing block meet (contact)
    asks: bool  # asks the unreached, and so informs them (district management)
    backlash: bool  # natives who do not find themselves in it as actors reject it, unless co-designed

    def seen(self, sizes: DistrictEvents) -> float:
        """How visible it makes the groups, relative to a festival (``sizes``: behaviour.events)."""
        return 1.0 if self.visibility is None else getattr(sizes, self.visibility)


FESTIVAL = EventKind("festival", FESTIVAL_HELD, None, mixes=True, neighbours=False, asks=False, backlash=True)
CLEAN_UP = EventKind("clean-up", CLEANUP_HELD, "cleanup_visibility", mixes=False, neighbours=True, asks=False, backlash=False)
SURVEY = EventKind("survey", SURVEY_HELD, "survey_visibility", mixes=False, neighbours=False, asks=True, backlash=False)
EVENT_KINDS = (FESTIVAL, CLEAN_UP, SURVEY)  # in the order of district_management's *_share keys

"""Who carries the work besides the office (M12, the self-running phase).

The text: after the switch to support, the migrant working groups are the main instruments of
participation and district management's task is to keep them functioning; the office only
advises and intervenes now and then. So the invitation, the informing and the recruiting that
the office's moderation did are carried, as far as their own capacity goes, by

- the group's own leaders (its chair and second-line leaders: the group's capacity, which grows
  more slowly while the moderator chairs, see dependency): they reach the communities the group
  holds, and invite communities not yet in it;
- the multipliers the qualification offensive trains (M8): organised migrants with committee
  experience, each reaching some residents of their own community;
- district management (its capacity is the lever of the self-running phase): it reaches the
  communities of the working group it keeps functioning.

All of it is read from the month's state; with ``mechanisms.self_running`` off nobody carries.
Every term is an assumption (docs/ODD.md §7.12, 'Who carries the work').
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model.population import MEMBER
from stadtteil_sim.model.state import DistrictState


@dataclass(frozen=True)
class Carriers:
    leaders: float  # the group's leaders' reach to a community they invite (0..1)
    multipliers: np.ndarray  # per community code: its multipliers' reach to its residents (0..1)
    community_reach: np.ndarray  # per community code: leaders and district management (its communities in the group), multipliers
    natives: float  # the group's leaders and district management informing natives about the group

    def reach(self, office: np.ndarray) -> np.ndarray:
        """Per community, the office's reach (its effort times its contact) joined with the carriers'."""
        return 1.0 - (1.0 - office) * (1.0 - self.community_reach)

    def recruiting(self, office: float, management: float) -> np.ndarray:
        """Per community, how strongly it is invited to send representatives: the office, the
        group's leaders, the community's multipliers, district management (more weakly)."""
        return 1.0 - (1.0 - office) * (1.0 - self.leaders) * (1.0 - self.multipliers) * (1.0 - management)

    @classmethod
    def none(cls, n_communities: int) -> Carriers:
        zero = np.zeros(n_communities)
        return cls(0.0, zero, zero, 0.0)

    @classmethod
    def of(cls, scenario: Scenario, state: DistrictState, in_working_group: np.ndarray) -> Carriers:
        """``in_working_group``: per community code, represented in the group."""
        n = in_working_group.size
        if not scenario.mechanisms.self_running:
            return cls.none(n)
        c, pop = scenario.behaviour.carriers, state.pop
        adults = np.zeros(n, dtype=np.int64)  # the last communities may have no adults: no count
        counted = pop.adults_by_community[:n]
        adults[: counted.size] = counted
        leaders = c.leader_reach * state.wg.capacity if state.wg.exists else 0.0
        trained = pop.migrant & (pop.level >= MEMBER) & (pop.experience >= c.multiplier_experience)
        count = np.bincount(pop.community[trained], minlength=n)
        multipliers = 1.0 - np.exp(-c.multiplier_reach * count / np.maximum(adults, 1))
        multipliers[0] = 0.0
        management = c.management_reach * scenario.district_management.capacity
        both = 1.0 - (1.0 - leaders) * (1.0 - management) if state.wg.exists else 0.0
        group = in_working_group * both
        return cls(leaders, multipliers, 1.0 - (1.0 - group) * (1.0 - multipliers), both)

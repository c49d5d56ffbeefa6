"""Mesa agents. Residents and associations are thin views onto the model's arrays, so AgentSet,
DataCollector and the dashboard work while the monthly processes stay vectorized. The
organisational agents are views onto their state too: their mechanisms are processes of the
month (``model/month.py: MONTH``), which pass what they hand on in the month's context. Only the
office acts itself, with its decision before the month.

Agents take the model as a ``mesa.Model`` (a ``StadtteilModel``): this module does not import the
model's module, which imports it.
"""

from __future__ import annotations

import mesa

from stadtteil_sim.model.office import OfficePolicy
from stadtteil_sim.model.population import LEVEL_NAMES
from stadtteil_sim.model.state import GROUP_KIND_NAMES, OFFICE_MODE_NAMES


class Resident(mesa.Agent):
    """One inhabitant: a view onto row ``index`` of the population arrays."""

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    def _get(self, column: str):
        return getattr(self.model.state.pop, column)[self.index]

    community = property(lambda self: self.model.community_names[self._get("community")])
    female = property(lambda self: bool(self._get("female")))
    age_band = property(lambda self: int(self._get("age_band")))
    block = property(lambda self: int(self._get("block")))
    german = property(lambda self: float(self._get("german")))
    experience = property(lambda self: float(self._get("experience")))
    identification = property(lambda self: float(self._get("identification")))
    trust = property(lambda self: float(self._get("trust")))
    resources = property(lambda self: float(self._get("resources")))
    level = property(lambda self: int(self._get("level")))
    level_name = property(lambda self: LEVEL_NAMES[self._get("level")])
    group = property(lambda self: int(self._get("group")))
    is_migrant = property(lambda self: bool(self._get("community") != 0))


class Association(mesa.Agent):
    """A migrant main association, women's or youth group, or the native neighbourhood
    association: a view onto row ``index`` of the group table."""

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    def _get(self, column: str):
        return getattr(self.model.state.groups, column)[self.index]

    kind = property(lambda self: GROUP_KIND_NAMES[self._get("kind")])
    community = property(lambda self: self.model.community_names[self._get("community")])
    alive = property(lambda self: bool(self._get("alive")))
    registered = property(lambda self: bool(self._get("registered")))
    in_rooms = property(lambda self: bool(self._get("in_rooms")))
    activity = property(lambda self: float(self._get("activity")))
    openness = property(lambda self: float(self._get("openness")))
    leader_generation = property(lambda self: int(self._get("leader_generation")))

    @property
    def members(self) -> int:
        return int((self.model.state.pop.group == self.index).sum())


class WorkingGroup(mesa.Agent):
    """The migrant working group (MIKRA in Kranichstein-Süd, Interkulturelle Stadtteilarbeit in
    Eberstadt-Süd): recruits representatives and meets (M3, ``processes.working_group.step``)."""

    @property
    def state(self):
        return self.model.state.wg


class DistrictCommittee(mesa.Agent):
    """A committee the working group links to (the Stadtteilrunde, the citizens' working groups):
    link stages, seats and proposals (M4, ``processes.linking.step``)."""

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def state(self):
        return self.model.state.committees[self.index]


class DistrictManagement(mesa.Agent):
    """Stadtteilwerkstatt / Quartiersmanagement: district events (M5, ``processes.management.step``),
    co-moderation, and the working groups' upkeep in the self-running phase (its capacity enters
    M1, M3)."""


class IntegrationOffice(mesa.Agent):
    """The Interkulturelles Büro: its mode and rules (M12) live in :class:`OfficePolicy`; its
    hours are booked by the month's last process (``office.bookkeeping``)."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.policy = OfficePolicy(model.config)

    def step(self, may_start: bool = True) -> None:
        """The integration office decides its mode (moderation -> support -> withdrawn) and whether
        linking starts, from last month's state of the working group (M12, M4)."""
        self.policy.decide(self.model.state, may_start)

    @property
    def mode(self) -> str:
        return OFFICE_MODE_NAMES[self.model.state.office.mode]


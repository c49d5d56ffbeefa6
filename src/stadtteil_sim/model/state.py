"""The district's state besides residents: groups, the working group, committees, the office.

Plain data, owned by the model; the Mesa agents of the organisations are views onto it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stadtteil_sim.model.events import Event, line
from stadtteil_sim.model.network import Ties
from stadtteil_sim.model.population import Population

# Group kinds.
MAIN_ASSOCIATION, WOMENS_GROUP, YOUTH_GROUP, NATIVE_ASSOCIATION = range(4)
GROUP_KIND_NAMES = ("main association", "women's group", "youth group", "native association")

# The committees the working group links to (M4), in the order linking visits them: their names
# (the log's) and keys (indicator columns).
STADTTEILRUNDE, BUERGERARBEITSGRUPPEN = range(2)
COMMITTEE_NAMES = ("Stadtteilrunde", "Bürgerarbeitsgruppen")
COMMITTEE_KEYS = ("stadtteilrunde", "buergerarbeitsgruppen")

# Office modes (M12).
NOT_ACTIVE, MODERATION, SUPPORT, WITHDRAWN = range(4)
OFFICE_MODE_NAMES = ("not active", "moderation", "support", "withdrawn")


@dataclass
class Groups:
    """Associations and informal groups, as small arrays (a few dozen rows)."""

    kind: list[int] = field(default_factory=list)
    community: list[int] = field(default_factory=list)
    alive: list[bool] = field(default_factory=list)
    registered: list[bool] = field(default_factory=list)  # a registered association (Verein)
    citywide: list[bool] = field(default_factory=list)  # seat in the city centre
    in_rooms: list[bool] = field(default_factory=list)
    activity: list[float] = field(default_factory=list)
    openness: list[float] = field(default_factory=list)  # integration pilot 1 <-> identity guardian 0
    formality: list[float] = field(default_factory=list)
    women_served: list[float] = field(default_factory=list)
    born: list[int] = field(default_factory=list)
    founded: list[int | None] = field(default_factory=list)  # month registered during the run
    split_from: list[int] = field(default_factory=list)
    withdrawn_until: list[int] = field(default_factory=list)
    # M15: the generation leading it (1: the founders', 2: one grown up here, after the change).
    leader_generation: list[int] = field(default_factory=list)

    def add(self, *, kind, community, month, registered=False, citywide=False, in_rooms=False, activity=0.6,
            openness=0.5, formality=0.3, women_served=0.5, split_from=-1, leader_generation=1) -> int:
        self.kind.append(kind)
        self.community.append(community)
        self.alive.append(True)
        self.registered.append(registered)
        self.citywide.append(citywide)
        self.in_rooms.append(in_rooms)
        self.activity.append(activity)
        self.openness.append(openness)
        self.formality.append(formality)
        self.women_served.append(women_served)
        self.born.append(month)
        self.founded.append(None)
        self.split_from.append(split_from)
        self.withdrawn_until.append(-10**6)
        self.leader_generation.append(leader_generation)
        return len(self.kind) - 1

    def __len__(self) -> int:
        return len(self.kind)

    def main_associations(self) -> list[int]:
        """The alive migrant main associations (the organisations of M15), in row order."""
        return [i for i in range(len(self.kind)) if self.kind[i] == MAIN_ASSOCIATION and self.alive[i]]


@dataclass
class WorkingGroupState:
    """The migrant working group (MIKRA / Interkulturelle Stadtteilarbeit) and its link."""

    formed_month: int | None = None
    regularity: float = 0.0
    capacity: float = 0.0  # own capacity to organise itself: what the group has built, and what remains
    agenda_maturity: float = 0.0
    communities: frozenset = frozenset()
    meeting_stable_months: int = 0  # regular meetings, membership not shrinking
    # What the group secures without the moderator: its own capacity, district management and the
    # support mode's advice ('stable' handover rule), and the months in a row that needed no intervention.
    self_carried: float = 0.0
    self_carried_months: int = 0
    drifted: int = 0  # representatives who drifted back last month: a drop in functioning (support's trigger)
    link_decided_month: int | None = None
    # The group's willingness to link (1 = fully willing; a detached parallel structure loses it).
    link_willingness: float = 1.0

    @property
    def exists(self) -> bool:
        return self.formed_month is not None and len(self.communities) >= 2


@dataclass
class CommitteeState:
    """One committee the working group links to: its openness, the group's link to it (stage,
    agenda overlap, token seats) and the fate of the proposals brought in."""

    WINDOW = 24  # months over which the share of proposals taken up is measured

    name: str = COMMITTEE_NAMES[STADTTEILRUNDE]
    openness: float = 0.4
    link_month: int | None = None  # first month with observers in it
    link_stage: int = 0  # 0 none, 1 observers, 2 delegates with a voice, 3 full part
    months_at_stage: int = 0
    agenda_overlap: float = 0.6  # overlap of the working group's agenda with the committee's
    # Its delegates counted last month, and how many seats' worth of them had no contact to the
    # groups they stand for (token representation: a delegate with half the contact counts 0.5).
    delegates: int = 0
    token_seats: float = 0.0
    proposals: list[int] = field(default_factory=list)  # per month, last WINDOW months
    adopted: list[int] = field(default_factory=list)
    total_proposals: int = 0
    total_adopted: int = 0

    def record(self, proposed: int, adopted: int) -> None:
        self.proposals = (self.proposals + [proposed])[-self.WINDOW :]
        self.adopted = (self.adopted + [adopted])[-self.WINDOW :]
        self.total_proposals += proposed
        self.total_adopted += adopted

    @property
    def adopted_share(self) -> float:
        return adopted_share([self])

    @property
    def token_share(self) -> float:
        return token_share([self])


def token_share(committees) -> float:
    """Share of the seats in ``committees`` held by delegates without contact to the groups."""
    delegates = sum(c.delegates for c in committees)
    return sum(c.token_seats for c in committees) / delegates if delegates else 0.0


def adopted_share(committees) -> float:
    """Share of the proposals brought into ``committees`` over the last WINDOW months that were
    taken up (0 without proposals)."""
    proposed = sum(sum(c.proposals) for c in committees)
    return sum(sum(c.adopted) for c in committees) / proposed if proposed else 0.0


@dataclass
class OfficeState:
    mode: int = NOT_ACTIVE
    started_month: int | None = None  # moderation began: the engagement's fixed months count from it
    handover_month: int | None = None
    withdraw_month: int | None = None
    months_waited: int = 0  # months the engagement was due but the city's staff pool could not start it
    hours_requested: float = 0.0  # this month: what the mode needs (M14)
    hours_granted: float = 0.0  # this month: what the staff pool gave
    grant_share: float = 1.0  # granted / requested: scales the office's effort
    staff_hours: float = 0.0
    staff_hours_total: float = 0.0
    interventions: int = 0
    quiet_months: int = 0  # months in a row of support without an intervention
    covered_languages: frozenset = frozenset()


@dataclass
class Counters:
    """Events of the month and totals since month 0."""

    associations_founded: int = 0
    womens_associations_founded: int = 0
    conflicts: int = 0
    conflicts_mediated: int = 0
    conflicts_escalated: int = 0
    last_escalated: int = 0
    # The last six months' conflicts between groups (M9): (month, group, other group, escalated).
    recent_conflicts: list[tuple[int, int, int, bool]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # plain-language log: "Month 27: ..."


@dataclass
class DistrictState:
    pop: Population
    ties: Ties
    groups: Groups
    contact: np.ndarray  # office contact to each community (index = community code), 0..1
    wg: WorkingGroupState
    committees: list[CommitteeState]  # in COMMITTEE_NAMES order
    office: OfficeState
    counters: Counters
    month: int = 0

    @property
    def link_stage(self) -> int:
        """The furthest stage the working group has reached in any committee."""
        return max(c.link_stage for c in self.committees)

    @property
    def link_month(self) -> int | None:
        """The first month with observers in any committee."""
        months = [c.link_month for c in self.committees if c.link_month is not None]
        return min(months) if months else None

    @property
    def agenda_overlap(self) -> float:
        """Mean overlap of the working group's agenda with the committees'."""
        return sum(c.agenda_overlap for c in self.committees) / len(self.committees)

    @property
    def token_share(self) -> float:
        """Share of the seats in all committees held by delegates without contact to the groups
        they stand for (token representation, as linking last counted them)."""
        return token_share(self.committees)

    def voiced_adopted_share(self) -> float:
        """Share of proposals taken up in the committees where the group's delegates have a voice
        (0 where they have none)."""
        return adopted_share([c for c in self.committees if c.link_stage >= 2])

    def log(self, event: Event, **fields) -> None:
        """Log a declared event (``model/events.py``) from month 0 on, in its English words."""
        if self.month >= 0:
            self.counters.events.append(line(self.month, event.text(**fields)))

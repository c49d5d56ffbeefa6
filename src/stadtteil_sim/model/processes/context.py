"""What every process of a month needs: the state, the scenario, the streams, the office's effort,
and per-community attributes as arrays indexed by community code (0 = natives). What one process
hands to a later one in the same month travels here too, never through an agent."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model import kernels
from stadtteil_sim.model.carriers import Carriers
from stadtteil_sim.model.event_kinds import EventKind
from stadtteil_sim.model.network import TieMix
from stadtteil_sim.model.population import in_residents, in_residents_drawn
from stadtteil_sim.model.rng import Keyed, Streams
from stadtteil_sim.model.state import DistrictState

# A community's main organisation (M15): none; a volunteer initiative in the district; a city-wide
# association seated in the city centre; a professional body with national coordination.
ASSOCIATION_KINDS = ("none", "local", "citywide", "professional")
INITIATIVE, CITYWIDE_ASSOCIATION, PROFESSIONAL_BODY = (ASSOCIATION_KINDS.index(k) for k in ("local", "citywide", "professional"))
ADVICE_CARE = 0.3  # [assumption] attention a founding or a split gets from the support mode's advice


@dataclass(frozen=True)
class CommunityTable:
    """Community attributes from the scenario; index 0 is the native population."""

    names: tuple[str, ...]
    closure: np.ndarray
    orientation: np.ndarray
    german_mean: np.ndarray
    openness: np.ndarray  # the scenario's association openness: pilot (1) or guardian (0) where its organisation starts
    covered: np.ndarray  # a bilingual mediator speaks its language
    association: np.ndarray  # ASSOCIATION_KINDS: 0 none, 1 local initiative, 2 city-wide association, 3 professional body
    sizes: np.ndarray
    # Organised members a community needs to send a representative, in residents at the run's
    # scale (population.in_residents_drawn: drawn once per run where the scale leaves a fraction).
    members_needed: np.ndarray
    seated_in_centre: np.ndarray  # its organisation acts city-wide (Community.acts_citywide): one contact in every district (M14)

    @classmethod
    def build(cls, scenario: Scenario, covered: frozenset[str] | None = None,
              rng: np.random.Generator | None = None) -> CommunityTable:
        """``covered``: the languages of the office's mediators (a city's office: chosen over all
        its districts); by default chosen for this district alone. ``rng``: the run's setup
        stream for the thresholds in people; without one a fraction rounds up."""
        comms = scenario.district.communities
        covered = covered_languages(scenario) if covered is None else covered
        draws = np.zeros(len(comms) + 1) if rng is None else rng.random(len(comms) + 1)
        needed = in_residents_drawn(scenario.behaviour.working_group.members_needed, scenario.run.scale, draws)
        return cls(
            names=("native", *(c.name for c in comms)),
            closure=np.array([0.0] + [c.closure for c in comms]),
            orientation=np.array([1.0] + [c.district_orientation for c in comms]),
            german_mean=np.array([1.0] + [c.german_mean for c in comms]),
            openness=np.array([1.0] + [c.association_openness for c in comms]),
            covered=np.array([True] + [c.language in covered for c in comms]),
            association=np.array([0] + [ASSOCIATION_KINDS.index(c.association) for c in comms]),
            sizes=np.array([0] + [c.size for c in comms]),
            members_needed=needed,
            seated_in_centre=np.array([False] + [c.acts_citywide for c in comms]),
        )


def covered_languages(scenario: Scenario, *more: Scenario) -> frozenset[str]:
    """Mediators are hired for the languages where most people need one: speakers weighted by
    their missing German (M1; an assumption, the text does not say how mediators were chosen).
    A city's office hires them once for all its districts (``more``): speakers counted over the
    districts where the office works, as many mediators as the most any district's file gives."""
    served = [s for s in (scenario, *more) if s.office.enabled and s.mechanisms.outreach]
    if not served:
        return frozenset()
    speakers: dict[str, float] = {}
    for sc in served:
        for c in sc.district.communities:
            speakers[c.language] = speakers.get(c.language, 0.0) + c.size * (1.0 - c.german_mean)
    ranked = sorted(speakers, key=lambda lang: (-speakers[lang], lang))
    return frozenset(ranked[: max(sc.instruments.bilingual_mediators for sc in served)])


@dataclass
class MonthContext:
    scenario: Scenario
    state: DistrictState
    streams: Streams
    communities: CommunityTable
    effort: float  # office instrument effort this month: moderation's share of its hours granted, else 0
    moderating: bool
    advice: float  # the support mode's advice this month: the share of its hours granted, else 0
    active_share: np.ndarray  # per resident, share of contacts attending activities
    in_working_group: np.ndarray  # per community code, represented in the working group
    # Who invites, informs and recruits besides the office, from the state at the month's start.
    carriers: Carriers
    # Handed on within the month: set by one process, read by later ones.
    event: EventKind | None = None  # district management's event this month (M5): activation, contact, recognition
    intervened: bool = False  # the office intervened at the working group's meeting: bookkeeping
    # Staff hours the city's pool has left this month for an intervention (unlimited on its own).
    intervention_hours: float = math.inf

    @classmethod
    def begin(cls, scenario, state, streams, communities, effort, moderating, advice=0.0) -> MonthContext:
        pop = state.pop
        in_wg = np.zeros(len(communities.names), dtype=bool)
        if state.wg.exists:
            in_wg[list(state.wg.communities)] = True
        return cls(
            scenario=scenario,
            state=state,
            streams=streams,
            communities=communities,
            effort=effort,
            moderating=moderating,
            advice=advice,
            active_share=kernels.attending_share(state.ties.partner, pop.level),
            in_working_group=in_wg,
            carriers=Carriers.of(scenario, state, in_wg),
        )

    @cached_property
    def tie_mix(self) -> TieMix:
        """Per resident, living ties, bridging ties and whether one reaches a migrant, on the ties
        as they are when first asked for (recognition asks after contact has changed them;
        nothing changes them later in the month, so the indicators reuse it)."""
        return TieMix.of(self.state.ties, self.state.pop.community)

    @property
    def care(self) -> float:
        """The office's attention to a group's founding or a split: all of it while moderating; in
        support its advice, [assumption] a third as much (the same share as before the carriers)."""
        return self.effort + ADVICE_CARE * self.advice

    @cached_property
    def core_size(self) -> int:
        """Attending members a self-organised group needs, in residents at the run's scale."""
        return in_residents(self.behaviour.associations.core_size, self.scenario.run.scale)

    def initiatives_active(self) -> np.ndarray:
        """Per community, whether its volunteer initiative in the district is there to bring its
        members into activities (M15): alive and not withdrawn."""
        active = np.zeros(len(self.communities.names), dtype=bool)
        g = self.state.groups
        for i in g.main_associations():
            active[g.community[i]] |= g.withdrawn_until[i] < self.state.month
        return active & (self.communities.association == INITIATIVE)

    def community_openness(self) -> np.ndarray:
        """Per community, how far its organisation acts as an integration pilot (1) rather than an
        identity guardian (0): its main association's openness as it stands (M15: it moves with
        what the organisation experiences); the scenario's value where it has none."""
        openness = self.communities.openness.copy()
        g = self.state.groups
        for i in g.main_associations():
            openness[g.community[i]] = g.openness[i]
        return openness

    def district_interest(self) -> np.ndarray:
        """Per community, how much district work serves its interests; the office can use city
        and country-of-origin interests to draw people in (M6)."""
        c = self.communities
        if not self.switches.interests:
            return c.orientation
        return c.orientation + (1.0 - c.orientation) * 0.3 * self.effort

    def rng(self, name: str) -> np.random.Generator:
        return self.streams(name, self.state.month)

    def keyed(self, name: str, width: int) -> Keyed:
        """The month's per-resident uniforms of process ``name``, ``width`` per resident."""
        return self.streams.keyed(name, self.state.month, width)

    @property
    def switches(self):
        return self.scenario.mechanisms

    @property
    def behaviour(self):
        return self.scenario.behaviour

"""StadtteilModel: the district, its residents, organisations and the integration office.

Monthly step order (one step = one month; month 0 = the office starts):

1. The integration office decides its mode (moderation -> support -> withdrawn) and whether
   linking starts, from last month's state of the working group (M12, M4).
2. Residential fluctuation: some households move out, similar newcomers move in (M13).
   District management plans its events: festivals, clean-ups, activating surveys (M5).
3. Outreach: contact to communities through mediators; residents get informed (M1, M10).
4. Qualification: courses and multiplier training; school projects (M8, M10).
5. Activation: informed residents start or stop attending, by pull against threshold (M2, M5, M6, M13).
6. Groups: joining, self-organised groups in the rooms, splits, foundings (M7, M11).
7. Working group: representatives join or drift away; it meets; own capacity and reliance (M3).
8. Committees: link stages, seats, delegates' proposals, agenda overlap (M4).
9. Contact: ties form at shared activities and decay without contact (M5, M11).
10. Recognition: natives' acceptance, mediator pool, conflicts, committees' opening (M9, M13).
11. Bookkeeping: office staff hours; association agents for new groups; indicators collected.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model import indicators
from stadtteil_sim.model.agents import (
    Association,
    DistrictCommittee,
    DistrictManagement,
    IntegrationOffice,
    Resident,
    WorkingGroup,
)
from stadtteil_sim.model.network import initial_ties
from stadtteil_sim.model.population import build_population
from stadtteil_sim.model.processes import (
    activation,
    contact,
    groups,
    outreach,
    qualification,
    recognition,
    turnover,
)
from stadtteil_sim.model.processes.context import CommunityTable, MonthContext, covered_languages
from stadtteil_sim.model.rng import Streams
from stadtteil_sim.model.state import (
    MAIN_ASSOCIATION,
    NATIVE_ASSOCIATION,
    CommitteeState,
    Counters,
    DistrictState,
    Groups,
    OfficeState,
    WorkingGroupState,
)

_FROM_SCENARIO: Any = object()  # no seed given: the scenario's run.seed


def resolve_seed(seed: Any, scenario_seed: int) -> int:
    """The root seed of a model: the scenario's ``run.seed`` when none is given; fresh entropy
    for an explicit ``None`` (as Mesa's ``batch_run`` passes for unseeded replicates), kept so
    the run can be repeated; an int as given; a numpy Generator or SeedSequence draws one."""
    if seed is _FROM_SCENARIO:
        return int(scenario_seed)
    if seed is None:
        seed = np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        seed = np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise TypeError(f"seed/rng {seed!r}: allowed: an int in [0, 2**63), None, a numpy Generator or SeedSequence")
    return int(seed)


class StadtteilModel(mesa.Model):
    """The model of one district. ``StadtteilModel(scenario, seed=7)`` or ``rng=7`` (Mesa's
    name); without either, the scenario's ``run.seed``; ``seed=None`` draws a fresh seed, kept in
    ``model.seed`` and in the ``seed`` model reporter."""

    def __init__(
        self,
        scenario: Scenario | str | dict | None = None,
        seed: Any = _FROM_SCENARIO,
        overrides: dict[str, Any] | None = None,
        *,
        rng: Any = _FROM_SCENARIO,
    ):
        if seed is not _FROM_SCENARIO and rng is not _FROM_SCENARIO:
            raise TypeError("give seed= or rng=, not both (they mean the same)")
        # Mesa 3.5 reserves `Model.scenario`; our validated scenario is `config`.
        self.config = load_scenario(scenario if scenario is not None else Scenario(), overrides)
        self.seed = resolve_seed(rng if seed is _FROM_SCENARIO else seed, self.config.run.seed)
        super().__init__(rng=self.seed)
        self.streams = Streams(self.seed)
        self.communities = CommunityTable.build(self.config)
        self.community_names = self.communities.names
        self.state = self._build_state()
        self.month_context: MonthContext | None = None

        self.residents = [Resident(self, i) for i in range(self.state.pop.size)]
        self.association_agents: list[Association] = []
        self._sync_association_agents()
        self.office = IntegrationOffice(self)
        self.management = DistrictManagement(self)
        self.working_group = WorkingGroup(self)
        self.committee = DistrictCommittee(self)

        # The district runs before the office starts; month 0's state comes out of that.
        for month in range(-self.config.behaviour.burn_in_months, 0):
            self.state.month = month
            self._simulate_month()
        self.state.month = 0
        self.office.step()
        self.indicators: dict[str, Any] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={
                **{name: (lambda m, name=name: m.indicators[name]) for name in indicators.INDICATORS},
                "seed": "seed",  # so every row of a Mesa batch_run can be rerun
            }
        )
        self._collect()

    # ------------------------------------------------------------------ building
    def _build_state(self) -> DistrictState:
        sc = self.config
        pop = build_population(sc, self.streams.setup("population"))
        ties = initial_ties(
            pop.community, pop.block, pop.adult, sc.behaviour.ties.slots, sc.behaviour.ties.initial,
            sc.behaviour.ties.mixing_base, self.streams.setup("ties"),
        )
        state = DistrictState(
            pop=pop,
            ties=ties,
            groups=Groups(),
            contact=np.zeros(len(self.communities.names)),
            wg=WorkingGroupState(),
            committee=CommitteeState(openness=sc.committees.openness),
            office=OfficeState(covered_languages=covered_languages(sc)),
            counters=Counters(),
            month=-sc.behaviour.burn_in_months,
        )
        state.contact[0] = 1.0
        self._initial_groups(state)
        return state

    def _initial_groups(self, state: DistrictState) -> None:
        """Existing main associations (local or city-wide) and the native neighbourhood
        association; some residents are members before district work starts."""
        sc, pop = self.config, state.pop
        rng = self.streams.setup("groups")
        draw = rng.random(pop.size)
        native = state.groups.add(kind=NATIVE_ASSOCIATION, community=0, month=state.month, registered=True,
                                  formality=sc.committees.formality, openness=sc.committees.openness)
        pop.group[(~pop.migrant) & pop.adult & (draw < 0.05)] = native
        for k, c in enumerate(sc.district.communities, start=1):
            if c.association == "none":
                continue
            g = state.groups.add(kind=MAIN_ASSOCIATION, community=k, month=state.month, registered=True,
                                 citywide=c.association == "citywide", openness=c.association_openness,
                                 formality=c.association_formality, women_served=c.women_interests_served)
            share = 0.1 if c.association == "local" else 0.05
            pop.group[(pop.community == k) & pop.adult & (draw < share)] = g

    def _sync_association_agents(self) -> None:
        for index in range(len(self.association_agents), len(self.state.groups)):
            self.association_agents.append(Association(self, index))

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        self.state.month += 1
        self.office.step()
        self._simulate_month()
        self._collect()
        if self.state.month >= self.config.run.months:
            self.running = False

    def _simulate_month(self) -> None:
        """Steps 2-11 of the order in the module docstring."""
        state = self.state
        effort = self.office.policy.effort(state)
        self.month_context = ctx = MonthContext.begin(
            self.config, state, self.streams, self.communities, effort, self.office.policy.moderating(state)
        )
        turnover.step(ctx)
        self.management.step()
        event = self.management.event_this_month
        outreach.step(ctx)
        qualification.step(ctx)
        activation.step(ctx, event)
        groups.step(ctx)
        self.working_group.step()
        self.committee.step()
        contact.step(ctx, event)
        recognition.step(ctx, event)
        self.office.book_hours(self.working_group.intervened)
        self._sync_association_agents()

    def native_recognition(self) -> float:
        return self.state.pop.native_acceptance()

    def _collect(self) -> None:
        self.indicators = indicators.compute(self.state, self.config)
        self.datacollector.collect(self)

    @property
    def month(self) -> int:
        return self.state.month

    @property
    def year(self) -> float:
        return self.config.district.start_year + self.state.month / 12.0

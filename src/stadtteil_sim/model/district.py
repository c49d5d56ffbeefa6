"""StadtteilModel: the district, its residents, organisations and the integration office.

Monthly step order (one step = one month; month 0 = the office starts): the office's decision,
then the sequence ``MONTH`` of ``model/month.py`` (this list is generated from both); after it
the model adds agents for new groups, and after each step it collects the indicators.

"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np

from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model import burn_in, indicators
from stadtteil_sim.model.agents import (
    Association,
    DistrictCommittee,
    DistrictManagement,
    IntegrationOffice,
    Resident,
    WorkingGroup,
)
from stadtteil_sim.model.month import MONTH, describe
from stadtteil_sim.model.network import TieMix, initial_ties
from stadtteil_sim.model.population import build_population
from stadtteil_sim.model.processes.context import CommunityTable, MonthContext, covered_languages
from stadtteil_sim.model.rng import Streams
from stadtteil_sim.model.state import (
    COMMITTEE_NAMES,
    MAIN_ASSOCIATION,
    NATIVE_ASSOCIATION,
    CommitteeState,
    Counters,
    DistrictState,
    Groups,
    OfficeState,
    WorkingGroupState,
)

if __doc__:  # None under python -OO
    __doc__ += describe((IntegrationOffice.step, *MONTH)) + "\n"

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
        city_key: str | None = None,
        in_city: bool = False,
        office_languages: frozenset[str] | None = None,
    ):
        if seed is not _FROM_SCENARIO and rng is not _FROM_SCENARIO:
            raise TypeError("give seed= or rng=, not both (they mean the same)")
        # Mesa 3.5 reserves `Model.scenario`; our validated scenario is `config`.
        self.config = load_scenario(scenario if scenario is not None else Scenario(), overrides)
        self.seed = resolve_seed(rng if seed is _FROM_SCENARIO else seed, self.config.run.seed)
        super().__init__(rng=self.seed)
        # A city builds its districts ``in_city`` (it runs month 0's decision: its staff pool
        # decides) and, if it has several, with their names as ``city_key`` to key the streams.
        self.streams = Streams(self.seed, city_key)
        # A city's office brings its mediators' languages (``office_languages``) to every district.
        self.office_languages = covered_languages(self.config) if office_languages is None else office_languages
        self.communities = CommunityTable.build(self.config, self.office_languages, self.streams.setup("thresholds"))
        self.community_names = self.communities.names
        # The district runs before the office starts; month 0's state comes out of that, or out
        # of an earlier run's burn-in where only levers acting from month 0 on differ.
        burn_in_key = burn_in.key(self.config, self.seed, city_key, self.office_languages)
        burned = burn_in.recall(burn_in_key)
        self.state = self._build_state() if burned is None else burned.state
        initial_groups = len(self.state.groups) if burned is None else burned.initial_groups

        self._residents: list[Resident] | None = None  # created on first use: see residents
        self._month_ties: TieMix | None = None  # the last month's tie mix, for its indicators
        self.association_agents: list[Association] = []
        self._sync_association_agents(initial_groups)
        self.office = IntegrationOffice(self)
        self.management = DistrictManagement(self)
        self.working_group = WorkingGroup(self)
        self.committees = [DistrictCommittee(self, i) for i in range(len(self.state.committees))]

        if burned is None:
            for month in range(-self.config.behaviour.burn_in_months, 0):
                self.state.month = month
                self.simulate_month()
            self.state.month = 0
            burn_in.keep(burn_in_key, burn_in.BurnedIn(self.state, self._month_ties, initial_groups))
        else:
            self._month_ties = burned.month_ties
            self._sync_association_agents()
        self.indicators: dict[str, Any] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={
                **{name: (lambda m, name=name: m.indicators[name]) for name in indicators.INDICATORS},
                "seed": "seed",  # so every row of a Mesa batch_run can be rerun
            }
        )
        if not in_city:
            self.decide()
            self.collect()

    # ------------------------------------------------------------------ agents
    @property
    def residents(self) -> list[Resident]:
        """One Resident view per row of the population arrays, created on first use: the
        monthly processes work on the arrays, so a run (or a city of 135,000) never builds
        them unless someone looks (``model.agents``, ``agents_by_type``, the dashboard)."""
        if self._residents is None:
            self._residents = [Resident(self, i) for i in range(self.state.pop.size)]
        return self._residents

    @property
    def agents(self):
        self.residents  # noqa: B018 - materialise the resident views before Mesa lists agents
        return super().agents

    @property
    def agents_by_type(self):
        self.residents  # noqa: B018
        return super().agents_by_type

    @property
    def agent_types(self):
        self.residents  # noqa: B018
        return super().agent_types

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
            committees=[CommitteeState(name=name, openness=c.openness)
                        for name, c in zip(COMMITTEE_NAMES, sc.committees.each(), strict=True)],
            office=OfficeState(covered_languages=self.office_languages),
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
                                 citywide=c.acts_citywide, openness=c.association_openness,
                                 formality=c.association_formality, women_served=c.women_interests_served)
            share = 0.1 if c.association == "local" else 0.05
            pop.group[(pop.community == k) & pop.adult & (draw < share)] = g

    def _sync_association_agents(self, up_to: int | None = None) -> None:
        """An Association view for every group not yet viewed (up to group ``up_to``)."""
        for index in range(len(self.association_agents), len(self.state.groups) if up_to is None else up_to):
            self.association_agents.append(Association(self, index))

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        """One month of a district on its own: its office has all the staff hours it asks for."""
        self.state.month += 1
        self.decide()  # a phase before the month's sequence: model/month.py says why
        self.simulate_month()
        self.collect()

    def decide(self, may_start: bool = True, granted: float | None = None) -> None:
        """The office's decision and its staff hours (``granted``: all it asks for when None);
        a city calls it with what its pool allows."""
        self.office.step(may_start)
        self.office.policy.grant(self.state, granted)

    def simulate_month(self, intervention_hours: float = math.inf) -> MonthContext:
        """The month's sequence (``MONTH``), with the effort of the mode the office decided and
        the staff hours a city's pool has left for an intervention."""
        state, policy = self.state, self.office.policy
        ctx = MonthContext.begin(
            self.config, state, self.streams, self.communities, policy.effort(state), policy.moderating(state),
            policy.advice(state),
        )
        ctx.intervention_hours = intervention_hours
        for step in MONTH:
            step(ctx)
        self._sync_association_agents()
        self._month_ties = ctx.__dict__.get("tie_mix")  # for this month's indicators, if worked out
        return ctx

    def collect(self) -> None:
        """The month's indicators, into the DataCollector; the run ends at the horizon."""
        tie_mix, self._month_ties = self._month_ties, None
        self.indicators = indicators.compute(self.state, self.config, tie_mix)
        self.datacollector.collect(self)
        if self.state.month >= self.config.run.months:
            self.running = False

    @property
    def month(self) -> int:
        return self.state.month

    @property
    def year(self) -> float:
        return self.config.district.start_year + self.state.month / 12.0

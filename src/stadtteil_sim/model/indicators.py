"""Indicators computed from model state each month, and the end-of-run summary: each declared
once, with its kind, its words and its computation (the run figure, the report and the dashboard
read the declarations).

Nothing here reads a lever: token and detachment come from delegates' ties, proposals taken up,
the group's agenda overlap and its members' bridging ties (definitions in docs/ODD.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model import kernels
from stadtteil_sim.model.network import TieMix
from stadtteil_sim.model.population import DELEGATE, LEVEL_NAMES, in_residents
from stadtteil_sim.model.processes.linking import contact_to_groups
from stadtteil_sim.model.state import (
    COMMITTEE_KEYS,
    COMMITTEE_NAMES,
    NATIVE_ASSOCIATION,
    OFFICE_MODE_NAMES,
    WOMENS_GROUP,
    YOUTH_GROUP,
    DistrictState,
    adopted_share,
)

# The sustainability ratio divides by at least this participation at handover, so a run where
# hardly anyone took part at handover does not produce an exploding ratio.
SUSTAINABILITY_FLOOR = 0.01

# What an indicator's number is, so the run figure, the report and the dashboard format it alike:
# share: a fraction 0-1 of a group (of adult migrants, of proposals, of ties), shown as percent;
# index: 0-1 (0 none, 1 fully), two decimals; count: a whole number (cumulative or current);
# stage: the link stage 0-3; hours: office staff hours; category: a word (not drawn).
Kind = Literal["share", "index", "count", "stage", "hours", "category"]
KINDS: tuple[Kind, ...] = get_args(Kind)


class Snapshot:
    """One month's state, with the masks and per-resident values several indicators share, each
    worked out on first use and kept for the month's other indicators."""

    def __init__(self, state: DistrictState, scenario: Scenario, tie_mix: TieMix | None = None) -> None:
        self.state, self.scenario = state, scenario
        self.pop, self.wg, self.counters = state.pop, state.wg, state.counters
        if tie_mix is not None:  # the month's recognition worked it out on the same ties
            self.__dict__["tie_mix"] = tie_mix

    @cached_property
    def counts(self) -> Census:
        """The month's head counts (one pass over the residents)."""
        return Census(*kernels.census(self.pop.level, self.pop.age_band, self.pop.community, self.in_wg).tolist())

    @cached_property
    def in_wg(self) -> np.ndarray:
        """Per community (natives first): whether it sits in the working group (none while it
        does not exist)."""
        flags = np.zeros(len(self.scenario.district.communities) + 1, dtype=bool)
        if self.wg.exists:
            flags[list(self.wg.communities)] = True
        return flags

    @cached_property
    def tie_mix(self) -> TieMix:
        return TieMix.of(self.state.ties, self.pop.community)

    @property
    def bridging(self) -> np.ndarray:
        return self.tie_mix.bridging


@dataclass(frozen=True)
class Indicator:
    """One monthly indicator, declared once: its timeseries column, what kind of number it is, its
    words and its computation. The run figure, the report and the dashboard read these fields;
    adding an indicator means adding one declaration to :data:`INDICATORS`."""

    name: str  # the timeseries column
    kind: Kind
    en: str  # in words, lower case: the run figure, the report, the English dashboard
    de: str  # in words as a German label starts: the German dashboard
    value: Callable[[Snapshot], Any]  # its value this month
    main: bool = False  # a main indicator: a panel of the run figure, drawn first in a report
    chart: str | None = None  # the dashboard chart it is drawn in (indicators of one kind per chart)
    colour: tuple[int, int, int] | None = None  # its line on that chart

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"indicator {self.name}: kind {self.kind!r}; allowed: {', '.join(KINDS)}")
        if (self.chart is None) != (self.colour is None):
            raise ValueError(f"indicator {self.name}: a chart needs a colour and a colour a chart")
        if self.chart is not None and self.kind == "category":
            raise ValueError(f"indicator {self.name}: a category cannot be charted")

    def label(self, lang: str) -> str:
        return self.de if lang == "de" else self.en


@dataclass(frozen=True)
class Census:
    """Head counts of one month (:func:`kernels.census`)."""

    migrant_adults: int
    migrants_reached: int
    migrants_taking_part: int
    native_adults: int
    natives_taking_part: int
    migrants: int
    migrants_in_working_group: int


def _share(count: int, of: int) -> float:
    return count / of if of else 0.0


def token_index(state: DistrictState, in_wg_community: np.ndarray, committee: int | None = None) -> float:
    """Token ('Alibi') representation: migrants in the committees without contact to the
    migrant groups of the district (weight 0.7) and, once they have a voice, proposals not
    taken up (weight 0.3). 0 when no migrant sits in the committees. Over all committees, or
    of one (its delegates, its proposals)."""
    pop = state.pop
    delegates = pop.level == DELEGATE
    committees = state.committees
    if committee is not None:
        delegates &= pop.seat == committee
        committees = [committees[committee]]
    if not delegates.any():
        return 0.0
    no_contact = 1.0 - contact_to_groups(pop, state.ties, in_wg_community, np.flatnonzero(delegates)).mean()
    voiced = [c for c in committees if c.link_stage >= 2]
    no_influence = 1.0 - adopted_share(voiced) if voiced else 0.0
    return float(0.7 * no_contact + 0.3 * no_influence)


def detachment_index(state: DistrictState, bridging: np.ndarray, committee: int | None = None) -> float:
    """Detachment of the parallel structure: an agenda apart from the committees' (their mean
    overlap, or one committee's) and representatives without bridging ties. 0 while no working
    group exists."""
    wg = state.wg
    if not wg.exists:
        return 0.0
    reps = state.pop.representative
    reps_bridging = float(bridging[reps].mean()) if reps.any() else 0.0
    overlap = state.agenda_overlap if committee is None else state.committees[committee].agenda_overlap
    return float((1.0 - overlap) * (1.0 - reps_bridging))


def per_committee() -> tuple[Indicator, ...]:
    """The link indicators of each committee (state.COMMITTEE_NAMES), beside the combined ones:
    ``link_stage_stadtteilrunde``, ``token_index_buergerarbeitsgruppen``, ..."""
    declared = []
    for i, (key, name) in enumerate(zip(COMMITTEE_KEYS, COMMITTEE_NAMES, strict=True)):
        declared += [
            Indicator(f"link_stage_{key}", "stage", f"link to the {name}", f"Vernetzung ({name})",
                      lambda s, i=i: s.state.committees[i].link_stage),
            Indicator(f"token_index_{key}", "index", f"token index ({name})", f"Alibi-Index ({name})",
                      lambda s, i=i: token_index(s.state, s.in_wg, i)),
            Indicator(f"detachment_index_{key}", "index", f"detachment index ({name})",
                      f"Verselbständigungs-Index ({name})", lambda s, i=i: detachment_index(s.state, s.bridging, i)),
            Indicator(f"proposals_adopted_share_{key}", "share", f"proposals taken up ({name})",
                      f"Aufgegriffene Vorschläge ({name})", lambda s, i=i: s.state.committees[i].adopted_share),
        ]
    return tuple(declared)


def self_organised_groups(state: DistrictState, core_size: int) -> int:
    g, pop = state.groups, state.pop
    counts = kernels.attending_members(pop.group, pop.level, len(g))
    return int(
        sum(
            1
            for i in range(len(g))
            if g.alive[i] and g.kind[i] in (WOMENS_GROUP, YOUTH_GROUP) and counts[i] >= core_size / 2
        )
    )


def constituents_trust(s: Snapshot) -> float:
    """Mean trust of the adults of the communities in the working group (those its delegates
    stand for); 0 while no community is in it."""
    pop = s.pop
    constituents = pop.migrant & pop.adult & s.in_wg[pop.community]
    return float(pop.trust[constituents].mean()) if constituents.any() else 0.0


def migrants_in_native_association(s: Snapshot) -> float:
    """Share of adult migrants who are members of a native neighbourhood association (M2)."""
    g, pop = s.state.groups, s.pop
    native = np.array([kind == NATIVE_ASSOCIATION for kind in g.kind] + [False])  # index -1: no group
    adults = pop.migrant & pop.adult
    return _share(int((adults & native[pop.group]).sum()), int(adults.sum()))


def organisation_openness(s: Snapshot) -> float:
    """Mean openness of the migrant main associations: integration pilot (1) or guardian of
    group identity (0) (M15); 0 without any."""
    mains = s.state.groups.main_associations()
    return float(np.mean([s.state.groups.openness[i] for i in mains])) if mains else 0.0


def second_generation_leaderships(s: Snapshot) -> float:
    """Share of the migrant main associations led by a generation grown up here (M15)."""
    mains = s.state.groups.main_associations()
    return float(np.mean([s.state.groups.leader_generation[i] == 2 for i in mains])) if mains else 0.0


def bridging_tie_share(s: Snapshot) -> float:
    """Over adults with at least one living tie."""
    values = kernels.adult_values(s.tie_mix.bridging, s.pop.age_band, s.tie_mix.count)
    return float(values.mean()) if values.size else 0.0


def _registry(*declared) -> dict:
    """Name -> declaration, in declared order; a name declared twice is refused."""
    registry = {d.name: d for d in declared}
    if len(registry) != len(declared):
        names = [d.name for d in declared]
        raise ValueError(f"declared twice: {sorted({n for n in names if names.count(n) > 1})}")
    return registry


# Every monthly indicator, in timeseries column order (definitions in docs/ODD.md, section 8.1).
INDICATORS: dict[str, Indicator] = _registry(
    Indicator("migrants_reached_share", "share", "migrants reached", "Erreichte Migrant/innen",
              lambda s: _share(s.counts.migrants_reached, s.counts.migrant_adults)),
    Indicator("migrant_participation_rate", "share", "migrant participation", "Beteiligung der Migrant/innen",
              lambda s: _share(s.counts.migrants_taking_part, s.counts.migrant_adults),
              main=True, chart="participation", colour=(31, 119, 180)),
    Indicator("native_participation_rate", "share", "native participation", "Beteiligung der Einheimischen",
              lambda s: _share(s.counts.natives_taking_part, s.counts.native_adults),
              main=True, chart="participation", colour=(120, 120, 120)),
    Indicator("communities_in_working_group", "count", "communities in the working group",
              "Communities in der Arbeitsgruppe", lambda s: int(s.in_wg.sum()),
              main=True, chart="communities", colour=(60, 60, 160)),
    Indicator("working_group_coverage", "share", "working group coverage", "Abdeckung durch die Arbeitsgruppe",
              lambda s: _share(s.counts.migrants_in_working_group, s.counts.migrants)),  # of all ages
    Indicator("working_group_capacity", "index", "working group capacity", "Eigene Kapazität der Arbeitsgruppe",
              lambda s: s.wg.capacity if s.wg.exists else 0.0, main=True),
    Indicator("working_group_regularity", "index", "working group regularity", "Regelmäßigkeit der Arbeitsgruppe",
              lambda s: s.wg.regularity if s.wg.exists else 0.0),
    Indicator("link_stage", "stage", "link to the committees", "Vernetzung mit den Gremien",
              lambda s: s.state.link_stage),
    Indicator("associations_founded", "count", "associations founded", "Vereinsgründungen",
              lambda s: s.counters.associations_founded, main=True),
    Indicator("womens_associations_founded", "count", "women's associations founded", "Gründungen von Frauenvereinen",
              lambda s: s.counters.womens_associations_founded),
    Indicator("self_organised_groups", "count", "self-organised groups", "Selbstorganisierte Gruppen",
              lambda s: self_organised_groups(s.state, in_residents(s.scenario.behaviour.associations.core_size,
                                                                     s.scenario.run.scale)), main=True),
    Indicator("token_index", "index", "token index", "Alibi-Index",
              lambda s: token_index(s.state, s.in_wg), main=True, chart="quality", colour=(214, 120, 20)),
    Indicator("detachment_index", "index", "detachment index", "Verselbständigungs-Index",
              lambda s: detachment_index(s.state, s.bridging), main=True, chart="quality", colour=(148, 60, 160)),
    Indicator("link_willingness", "index", "willingness to link", "Bereitschaft zur Vernetzung",
              lambda s: s.wg.link_willingness if s.wg.exists else 0.0),
    Indicator("proposals_adopted_share", "share", "proposals taken up", "Aufgegriffene Vorschläge",
              lambda s: adopted_share(s.state.committees)),
    *per_committee(),
    Indicator("native_recognition", "index", "native recognition", "Anerkennung durch Einheimische",
              lambda s: s.pop.native_acceptance(), main=True),
    Indicator("constituents_trust", "index", "constituents' trust", "Vertrauen der vertretenen Communities",
              constituents_trust),
    Indicator("migrants_in_native_association", "share", "migrants in the neighbourhood association",
              "Migrant/innen im Nachbarschaftsverein", migrants_in_native_association),
    Indicator("organisation_openness", "index", "organisations as integration pilots", "Vereine als Integrationslotsen",
              organisation_openness),
    Indicator("second_generation_leaderships", "share", "associations led by a new generation",
              "Vereine mit neuer Generation an der Spitze", second_generation_leaderships),
    Indicator("bridging_tie_share", "share", "bridging ties", "Kontakte über die eigene Community hinaus",
              bridging_tie_share),
    Indicator("conflicts_arising", "count", "conflicts arising", "Konflikte", lambda s: s.counters.conflicts),
    Indicator("conflicts_mediated", "count", "conflicts mediated", "Vermittelte Konflikte",
              lambda s: s.counters.conflicts_mediated),
    Indicator("conflicts_escalated", "count", "conflicts escalated", "Eskalierte Konflikte",
              lambda s: s.counters.conflicts_escalated),
    Indicator("office_staff_hours", "hours", "office staff hours per month", "Stunden des Büros im Monat",
              lambda s: s.state.office.staff_hours),
    Indicator("office_interventions", "count", "office interventions so far", "Interventionen des Büros bisher",
              lambda s: s.state.office.interventions),
    Indicator("office_mode", "category", "integration office", "Interkulturelles Büro",
              lambda s: OFFICE_MODE_NAMES[s.state.office.mode]),
)


def compute(state: DistrictState, scenario: Scenario, tie_mix: TieMix | None = None) -> dict[str, Any]:
    """Every declared indicator's value this month, in column order (``tie_mix``: each
    resident's living and bridging ties, if the month already worked them out on today's ties)."""
    snapshot = Snapshot(state, scenario, tie_mix)
    return {name: indicator.value(snapshot) for name, indicator in INDICATORS.items()}


def main_indicators() -> list[Indicator]:
    """The main indicators, in column order (the run figure's panels)."""
    return [i for i in INDICATORS.values() if i.main]


def participation_table(state: DistrictState, scenario: Scenario, month: int) -> pd.DataFrame:
    """Adults by participation level x community x gender at one month (long format): the
    combinations that occur, sorted by community, gender and level. Counted with one bincount
    over the combination's code and sorted by numpy (pandas' value_counts and sort_values on the
    residents' words gave the same table, at many times the cost)."""
    pop = state.pop
    names = np.array(["native", *(c.name for c in scenario.district.communities)])
    adult = pop.adult
    n_levels = len(LEVEL_NAMES)
    code = (pop.community[adult].astype(np.int64) * 2 + pop.female[adult]) * n_levels + pop.level[adult]
    counts = np.bincount(code, minlength=2 * n_levels * names.size)
    seen = np.flatnonzero(counts)
    level = np.array(LEVEL_NAMES)[seen % n_levels]
    community = names[seen // (2 * n_levels)]
    gender = np.where((seen // n_levels) % 2 == 1, "female", "male")
    order = np.lexsort((level, gender, community))
    table = pd.DataFrame(
        {"level": level[order], "community": community[order], "gender": gender[order], "residents": counts[seen][order]}
    )
    table.insert(0, "month", month)
    return table


@dataclass(frozen=True)
class SummaryValue:
    """One value of :func:`summarise`, declared once: its key and its words in reports."""

    name: str
    en: str  # in words, lower case, as a report's sentence uses it
    de: str  # in German words, as a report's sentence uses them
    month: int | None = None  # read at this fixed month of the run (see SUMMARY_MONTHS)

    def label(self, lang: str) -> str:
        return self.de if lang == "de" else self.en


def _words(indicator: str, when: str, wann: str) -> tuple[str, str]:
    """A summary value that is an indicator read at some time, in the indicator's words (en, de)."""
    return f"{INDICATORS[indicator].en} {when}", f"{INDICATORS[indicator].de} {wann}"


_PARTICIPATION = "migrant_participation_rate"

# The values of :func:`summarise`, in its order, known before any run (experiments check their
# objectives against them).
SUMMARY: dict[str, SummaryValue] = _registry(
    SummaryValue("handover_month", "handover month", "Monat der Übergabe"),
    SummaryValue("link_month", "month linking began", "Monat, in dem die Vernetzung begann"),
    SummaryValue("working_group_formed_month", "month the working group formed", "Monat, in dem sich die Arbeitsgruppe bildete"),
    SummaryValue("participation_at_handover", *_words(_PARTICIPATION, "at handover", "bei der Übergabe")),
    *(SummaryValue(f"participation_{m}m_after_handover",
                   *_words(_PARTICIPATION, f"{m} months after handover", f"{m} Monate nach der Übergabe"))
      for m in (12, 24, 36)),
    *(SummaryValue(f"participation_month_{m}", *_words(_PARTICIPATION, f"at month {m}", f"in Monat {m}"), month=m)
      for m in (84, 120)),
    *(SummaryValue(f"sustainability_ratio_{m}m", f"sustainability ratio {m} months after handover",
                   f"Nachhaltigkeitsquote {m} Monate nach der Übergabe") for m in (12, 24, 36)),
    SummaryValue("office_staff_hours_total", "office staff hours", "Personalstunden des Büros"),
    SummaryValue("working_group_active_at_end", "working group active at the end", "Arbeitsgruppe am Ende aktiv"),
    SummaryValue("communities_in_working_group_at_end", *_words("communities_in_working_group", "at the end", "am Ende")),
    SummaryValue("associations_founded", INDICATORS["associations_founded"].en, INDICATORS["associations_founded"].de),
    SummaryValue("womens_associations_founded", INDICATORS["womens_associations_founded"].en,
                 INDICATORS["womens_associations_founded"].de),
    SummaryValue("token_index_at_end", *_words("token_index", "at the end", "am Ende")),
    SummaryValue("detachment_index_at_end", *_words("detachment_index", "at the end", "am Ende")),
    SummaryValue("token_index_mean", *_words("token_index", "(mean over the run)", "(Mittel über den Lauf)")),
    SummaryValue("detachment_index_mean", *_words("detachment_index", "(mean over the run)", "(Mittel über den Lauf)")),
)
SUMMARY_KEYS = tuple(SUMMARY)


@dataclass(frozen=True)
class CityValue:
    """One of the city's own monthly indicators (M14), declared once: its column in the city's
    series, its kind and its words. :class:`stadtteil_sim.model.city.CityModel` computes them
    from the districts' state."""

    name: str
    kind: Kind
    en: str
    de: str


CITY_INDICATORS: dict[str, CityValue] = _registry(
    CityValue("migrant_participation_min", "share", "migrant participation in the weakest district",
              "Beteiligung im schwächsten Stadtteil"),
    CityValue("migrant_participation_max", "share", "migrant participation in the strongest district",
              "Beteiligung im stärksten Stadtteil"),
    CityValue("migrant_participation_spread", "share", "strongest minus weakest district's migrant participation",
              "Abstand stärkster zu schwächstem Stadtteil"),
    CityValue("migrant_participation_city", "share", "migrant participation in the whole city",
              "Beteiligung in der ganzen Stadt"),
    CityValue("staff_hours_requested", "hours", "staff hours the districts asked for", "Angefragte Personalstunden"),
    CityValue("staff_hours_granted", "hours", "staff hours the pool granted", "Bewilligte Personalstunden"),
    CityValue("pool_utilisation", "share", "share of the staff pool in use", "Auslastung des Personalpools"),
    CityValue("districts_waiting", "count", "districts waiting for staff", "Stadtteile, die auf Personal warten"),
)
# The city's end-of-run values (:func:`stadtteil_sim.model.runner.run_city`), numeric ones only
# (it also names the weakest district).
CITY_SUMMARY: dict[str, SummaryValue] = _registry(
    SummaryValue("districts", "districts", "Stadtteile"),
    *(SummaryValue(f"final_{name}", f"{CITY_INDICATORS[name].en} at the end", f"{CITY_INDICATORS[name].de} am Ende")
      for name in ("migrant_participation_min", "migrant_participation_max", "migrant_participation_spread",
                   "migrant_participation_city")),
    SummaryValue("staff_hours_requested_total", "staff hours the districts asked for in total",
                 "insgesamt angefragte Personalstunden"),
    SummaryValue("staff_hours_granted_total", "staff hours the pool granted in total", "insgesamt bewilligte Personalstunden"),
    SummaryValue("mean_pool_utilisation", "mean share of the staff pool in use", "mittlere Auslastung des Personalpools"),
    SummaryValue("districts_that_waited", "districts that waited for staff", "Stadtteile, die auf Personal warteten"),
)
# Each district of a city, beside its summary: when its office started, how long it waited.
DISTRICT_IN_CITY_SUMMARY: dict[str, SummaryValue] = _registry(
    SummaryValue("office_started_month", "month the office began moderating", "Monat, in dem die Moderation begann"),
    SummaryValue("months_waited", "months the district waited for staff", "Monate, die der Stadtteil auf Personal wartete"),
    SummaryValue("migrant_participation_at_end", *_words(_PARTICIPATION, "at the end", "am Ende")),
)
# Read at a fixed month: an experiment asking for one past its runs' end is refused up front (the
# values relative to the handover may be missing legitimately).
SUMMARY_MONTHS = {s.name: s.month for s in SUMMARY.values() if s.month is not None}


def summarise(timeseries: pd.DataFrame, state: DistrictState, scenario: Scenario) -> dict[str, Any]:
    """End-of-run scalars (sustainability: participation 24 months after the handover relative
    to the level at handover, NaN when the run ends first or there is no handover)."""
    rate = timeseries.set_index("month")["migrant_participation_rate"]
    handover = state.office.handover_month
    link = state.link_month

    def at(month: int | None) -> float:
        return float(rate.loc[month]) if month is not None and month in rate.index else math.nan

    at_handover = at(handover)
    after = at(handover + 24) if handover is not None else math.nan
    after12 = at(handover + 12) if handover is not None else math.nan
    after36 = at(handover + 36) if handover is not None else math.nan

    def ratio(value: float) -> float:
        return value / max(at_handover, SUSTAINABILITY_FLOOR) if not math.isnan(value) else math.nan

    last = timeseries.iloc[-1]
    return {
        "handover_month": float(handover) if handover is not None else math.nan,
        "link_month": float(link) if link is not None else math.nan,
        "working_group_formed_month": float(state.wg.formed_month) if state.wg.formed_month is not None else math.nan,
        "participation_at_handover": at_handover,
        "participation_12m_after_handover": after12,
        "participation_24m_after_handover": after,
        "participation_36m_after_handover": after36,
        **{key: at(month) for key, month in SUMMARY_MONTHS.items()},
        "sustainability_ratio_12m": ratio(after12),
        "sustainability_ratio_24m": ratio(after),
        "sustainability_ratio_36m": ratio(after36),
        "office_staff_hours_total": float(state.office.staff_hours_total),
        "working_group_active_at_end": bool(state.wg.exists and state.wg.regularity >= 0.3),
        "communities_in_working_group_at_end": int(last["communities_in_working_group"]),
        "associations_founded": int(state.counters.associations_founded),
        "womens_associations_founded": int(state.counters.womens_associations_founded),
        "token_index_at_end": float(last["token_index"]),
        "detachment_index_at_end": float(last["detachment_index"]),
        # Over the whole run (months 1..end): a timing is not judged at one month at which an
        # early link may already be past its token phase, or a late one not yet linked.
        "token_index_mean": float(timeseries["token_index"].iloc[1:].mean()) if len(timeseries) > 1 else math.nan,
        "detachment_index_mean": float(timeseries["detachment_index"].iloc[1:].mean()) if len(timeseries) > 1 else math.nan,
    }

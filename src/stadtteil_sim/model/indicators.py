"""Indicators computed from model state each month, and the end-of-run summary.

Nothing here reads a lever: token and detachment come from delegates' ties, proposals taken up,
the group's agenda overlap and its members' bridging ties (definitions in docs/ODD.md).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model.network import bridging_share
from stadtteil_sim.model.population import ATTENDS, DELEGATE, INFORMED, LEVEL_NAMES
from stadtteil_sim.model.processes.linking import contact_to_groups
from stadtteil_sim.model.state import OFFICE_MODE_NAMES, WOMENS_GROUP, YOUTH_GROUP, DistrictState

INDICATORS = (
    "migrants_reached_share",
    "migrant_participation_rate",
    "native_participation_rate",
    "communities_in_working_group",
    "working_group_coverage",
    "working_group_capacity",
    "working_group_regularity",
    "link_stage",
    "associations_founded",
    "womens_associations_founded",
    "self_organised_groups",
    "token_index",
    "detachment_index",
    "proposals_adopted_share",
    "native_recognition",
    "bridging_tie_share",
    "conflicts_arising",
    "conflicts_mediated",
    "conflicts_escalated",
    "office_staff_hours",
    "office_mode",
)

# The sustainability ratio divides by at least this participation at handover, so a run where
# hardly anyone took part at handover does not produce an exploding ratio.
SUSTAINABILITY_FLOOR = 0.01


def _share(mask: np.ndarray, of: np.ndarray) -> float:
    n = int(of.sum())
    return float((mask & of).sum() / n) if n else 0.0


def token_index(state: DistrictState, in_wg_community: np.ndarray) -> float:
    """Token ('Alibi') representation: migrants in the committees without contact to the
    migrant groups of the district (weight 0.7) and, once they have a voice, proposals not
    taken up (weight 0.3). 0 when no migrant sits in the committees."""
    pop = state.pop
    delegates = pop.level == DELEGATE
    if not delegates.any():
        return 0.0
    no_contact = 1.0 - contact_to_groups(pop, state.ties, in_wg_community)[delegates].mean()
    no_influence = 1.0 - state.committee.adopted_share if state.wg.link_stage >= 2 else 0.0
    return float(0.7 * no_contact + 0.3 * no_influence)


def detachment_index(state: DistrictState, bridging: np.ndarray) -> float:
    """Detachment of the parallel structure: an agenda apart from the committees' and
    representatives without bridging ties. 0 while no working group exists."""
    wg = state.wg
    if not wg.exists:
        return 0.0
    reps = state.pop.representative
    reps_bridging = float(bridging[reps].mean()) if reps.any() else 0.0
    return float((1.0 - wg.agenda_overlap) * (1.0 - reps_bridging))


def self_organised_groups(state: DistrictState, core_size: int) -> int:
    g, pop = state.groups, state.pop
    active = (pop.group >= 0) & (pop.level >= ATTENDS)
    counts = np.bincount(pop.group[active], minlength=len(g))
    return int(
        sum(
            1
            for i in range(len(g))
            if g.alive[i] and g.kind[i] in (WOMENS_GROUP, YOUTH_GROUP) and counts[i] >= core_size / 2
        )
    )


def compute(state: DistrictState, scenario: Scenario) -> dict[str, Any]:
    pop, wg = state.pop, state.wg
    adult, migrant = pop.adult, pop.migrant
    n_comm = len(scenario.district.communities) + 1
    in_wg = np.zeros(n_comm, dtype=bool)
    if wg.exists:
        in_wg[list(wg.communities)] = True
    bridging = bridging_share(state.ties, pop.community)
    has_ties = adult & state.ties.alive.any(axis=1)
    natives = adult & ~migrant
    migrants_adult = adult & migrant
    return {
        "migrants_reached_share": _share(pop.level >= INFORMED, migrants_adult),
        "migrant_participation_rate": _share(pop.level >= ATTENDS, migrants_adult),
        "native_participation_rate": _share(pop.level >= ATTENDS, natives),
        "communities_in_working_group": int(in_wg.sum()),
        "working_group_coverage": _share(in_wg[pop.community], migrant),
        "working_group_capacity": wg.own_capacity if wg.exists else 0.0,
        "working_group_regularity": wg.regularity if wg.exists else 0.0,
        "link_stage": wg.link_stage,
        "associations_founded": state.counters.associations_founded,
        "womens_associations_founded": state.counters.womens_associations_founded,
        "self_organised_groups": self_organised_groups(state, scenario.behaviour.associations.core_size),
        "token_index": token_index(state, in_wg),
        "detachment_index": detachment_index(state, bridging),
        "proposals_adopted_share": state.committee.adopted_share,
        "native_recognition": pop.native_acceptance(),
        "bridging_tie_share": float(bridging[has_ties].mean()) if has_ties.any() else 0.0,
        "conflicts_arising": state.counters.conflicts,
        "conflicts_mediated": state.counters.conflicts_mediated,
        "conflicts_escalated": state.counters.conflicts_escalated,
        "office_staff_hours": state.office.staff_hours,
        "office_mode": OFFICE_MODE_NAMES[state.office.mode],
    }


def participation_table(state: DistrictState, scenario: Scenario, month: int) -> pd.DataFrame:
    """Adults by participation level x community x gender at one month (long format)."""
    pop = state.pop
    names = np.array(["native", *(c.name for c in scenario.district.communities)])
    adult = pop.adult
    frame = pd.DataFrame(
        {
            "level": np.array(LEVEL_NAMES)[pop.level[adult]],
            "community": names[pop.community[adult]],
            "gender": np.where(pop.female[adult], "female", "male"),
        }
    )
    table = frame.value_counts().rename("residents").reset_index()
    table.insert(0, "month", month)
    return table.sort_values(["community", "gender", "level"]).reset_index(drop=True)


# The keys of :func:`summarise`, known before any run (experiments check objectives against them).
SUMMARY_KEYS = (
    "handover_month",
    "link_month",
    "working_group_formed_month",
    "participation_at_handover",
    "participation_12m_after_handover",
    "participation_24m_after_handover",
    "participation_36m_after_handover",
    "participation_month_84",  # read at a fixed month: see SUMMARY_MONTHS
    "participation_month_120",
    "sustainability_ratio_12m",
    "sustainability_ratio_24m",
    "sustainability_ratio_36m",
    "office_staff_hours_total",
    "working_group_active_at_end",
    "communities_in_working_group_at_end",
    "associations_founded",
    "womens_associations_founded",
    "token_index_at_end",
    "detachment_index_at_end",
    "token_index_mean",
    "detachment_index_mean",
)

# Summary values read at a fixed month of the run: an experiment asking for one past its runs'
# end is refused up front (the values relative to the handover may be missing legitimately).
SUMMARY_MONTHS = {"participation_month_84": 84, "participation_month_120": 120}


def summarise(timeseries: pd.DataFrame, state: DistrictState, scenario: Scenario) -> dict[str, Any]:
    """End-of-run scalars (sustainability: participation 24 months after the handover relative
    to the level at handover, NaN when the run ends first or there is no handover)."""
    rate = timeseries.set_index("month")["migrant_participation_rate"]
    handover = state.office.handover_month
    link = state.wg.link_month

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

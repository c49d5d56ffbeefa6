"""M4 linking the working group to the committees, step by step, and its two failure modes.

Once linking is decided (and the group exists) it sends observers, then delegates with a voice,
then becomes a full part of the committees, each stage only when its capacity can carry it and
its agenda still overlaps with the committees'. Seats the group cannot fill with its own
representatives (formal meetings demand German) go to migrants with language skills but without
contact to the groups: token ("Alibi") representation. An unlinked group's agenda drifts away
from the committees' (detachment of the parallel structure), faster with detached project funds.

Both failures have consequences (docs/ODD.md §7.4). Token seats carry proposals the constituents
do not own: their trust erodes, the working group pulls its communities less (activation), the
committees learn less of the migrant agenda, and natives recognise the group less as an equal
actor (recognition). A group whose agenda has drifted away loses its willingness to link: it
sends observers, advances and is taken up less, and the committees learn less from it, until
deliberate work by the office or district management restores it.
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.events import DELEGATES_WITH_VOICE, FULL_PART, OBSERVERS_SENT, TOKEN_SEATS
from stadtteil_sim.model.population import DELEGATE, INFORMED, MEMBER, WORKING_GROUP
from stadtteil_sim.model.processes.context import MonthContext
from stadtteil_sim.model.state import CommitteeState

MAX_SEATS = 16  # fixed shape of the per-seat draws


def constituency_ties(ctx: MonthContext, rows: np.ndarray) -> np.ndarray:
    """Per resident of ``rows``, contact to the migrant groups of the district: 1 with two or more
    ties to organised members of communities in the working group, 0.5 with one, 0 with none."""
    return contact_to_groups(ctx.state.pop, ctx.state.ties, ctx.in_working_group, rows)


def contact_to_groups(pop, ties, in_working_group: np.ndarray, rows: np.ndarray) -> np.ndarray:
    # The groups' base: their members and the working group's representatives, not fellow delegates.
    organised_ties = kernels.ties_to_organised(ties.partner, rows, pop.level, pop.community, in_working_group)
    return np.minimum(1.0, organised_ties / 2.0)


def step(ctx: MonthContext) -> None:
    """Committees: link stages, seats, delegates' proposals, agenda overlap (M4)."""
    state, wg, lk = ctx.state, ctx.state.wg, ctx.behaviour.linking
    if not wg.exists:
        for committee in state.committees:
            committee.delegates, committee.token_seats = 0, 0.0
        return  # before any draw: nothing after draws from this month's linking stream
    rng = ctx.rng("linking")
    draws = [(rng.random((MAX_SEATS, 3)), rng.random()) for _ in state.committees]
    funds = 1.0 if ctx.scenario.instruments.project_funds_detached else 0.0
    for committee in state.committees:
        if committee.link_stage == 0:
            # The parallel structure develops its own agenda, the faster the more it runs itself.
            committee.agenda_overlap -= lk.overlap_drift * (0.5 + wg.capacity + funds) * committee.agenda_overlap
            committee.delegates, committee.token_seats = 0, 0.0
    if ctx.switches.detachment_persists and state.link_stage == 0:
        # A parallel structure going its own way, linked to no committee, grows less willing to link.
        wg.link_willingness -= lk.willingness_loss * (1.0 - state.agenda_overlap) * wg.link_willingness
    # What the committees read alike: natives' acceptance of the group (linking does not change it).
    recognition = state.pop.native_acceptance()
    linked = [_link(ctx, i, committee, cfg, rng, *draws[i], funds, recognition)
              for i, (committee, cfg) in enumerate(zip(state.committees, ctx.scenario.committees.each(), strict=True))]
    if not any(linked):
        return
    _token_costs(ctx)
    if ctx.switches.detachment_persists:
        # Undoing the detachment takes deliberate work: the office's, or district management's.
        work = min(1.0, ctx.care + 0.5 * ctx.scenario.district_management.capacity)
        wg.link_willingness += lk.willingness_repair * work * (1.0 - wg.link_willingness)


def _link(ctx: MonthContext, index: int, committee: CommitteeState, cfg, rng: np.random.Generator,
          seat_draw: np.ndarray, stage_draw: float, funds: float, recognition: float) -> bool:
    """One committee's month: observers sent once linking is decided, stages, seats, proposals
    and the agenda's overlap. False while the group is not linked to it."""
    state, wg, lk = ctx.state, ctx.state.wg, ctx.behaviour.linking
    if committee.link_stage == 0:
        # Whether it sends its observers once linking is decided is the group's choice (always, while willing).
        willing = stage_draw < wg.link_willingness
        if (wg.link_decided_month is not None and ctx.switches.linking and wg.capacity >= lk.stage_capacity[0]
                and willing):
            committee.link_stage, committee.months_at_stage, committee.link_month = 1, 0, state.month
            state.log(OBSERVERS_SENT, committee=committee.name)
        else:
            return False
    else:
        committee.months_at_stage += 1
        committee.agenda_overlap -= 0.5 * lk.overlap_drift * funds * committee.agenda_overlap
    _advance_stage(ctx, committee, stage_draw)
    _fill_seats(ctx, index, committee, cfg, rng)
    _proposals(ctx, index, committee, cfg, seat_draw, recognition)
    return True


def _advance_stage(ctx: MonthContext, committee: CommitteeState, draw: float) -> None:
    wg, lk = ctx.state.wg, ctx.behaviour.linking
    if committee.link_stage >= 3 or committee.months_at_stage < 3:
        return
    # The group is opened at the pace at which it stabilises, and only as far as it wants to be.
    if (wg.capacity >= lk.stage_capacity[committee.link_stage]
            and draw < lk.stage_rate * committee.agenda_overlap * wg.link_willingness):
        committee.link_stage += 1
        committee.months_at_stage = 0
        ctx.state.log(DELEGATES_WITH_VOICE if committee.link_stage == 2 else FULL_PART, committee=committee.name)


def _fill_seats(ctx: MonthContext, index: int, committee: CommitteeState, cfg, rng: np.random.Generator) -> None:
    pop, lk = ctx.state.pop, ctx.behaviour.linking
    seats = cfg.seats_per_stage[committee.link_stage - 1]
    need = seats - int(((pop.level == DELEGATE) & (pop.seat == index)).sum())
    if need <= 0:
        return
    # The stream's last draws for this committee, only drawn when seats are filled, and only for
    # the rows up to the last migrant's: only migrants (representatives among them) are picked.
    draw = rng.random(kernels.last_migrant_row(pop.community, pop.representative) + 1)
    # The more formal its meetings, the more German a delegate needs to follow them.
    able = pop.german >= lk.committee_german * cfg.formality
    # Only a group that has met for a while, and meets regularly, can choose its own delegates.
    wg, threshold = ctx.state.wg, ctx.behaviour.working_group.stable_regularity
    ready = ctx.state.month - wg.formed_month >= lk.delegate_readiness_months and wg.regularity >= threshold
    own = np.flatnonzero((pop.level == WORKING_GROUP) & pop.representative & able & ready)
    # The group sends those anchored in it and able to follow the meetings.
    anchored = constituency_ties(ctx, own)
    own = own[np.argsort(-(anchored + pop.german[own] + pop.experience[own]) - 0.1 * draw[own], kind="stable")][:need]
    pop.level[own] = DELEGATE
    pop.seat[own] = index
    need -= own.size
    if need > 0:
        # Seats the group cannot fill go to individually integrated migrants: token representation.
        # They come from outside the community structures: no group, few ties to organised members.
        outsiders = np.flatnonzero(
            pop.migrant & pop.adult & ~pop.representative & able & (pop.group < 0)
            & (pop.level >= INFORMED) & (pop.level < DELEGATE)
        )
        ties = constituency_ties(ctx, outsiders)
        outsiders = outsiders[np.argsort(ties + 0.2 * draw[outsiders], kind="stable")][:need]
        pop.level[outsiders] = DELEGATE
        pop.seat[outsiders] = index
        pop.efficacy[outsiders] = 0.5
        if outsiders.size:
            ctx.state.log(TOKEN_SEATS, n=outsiders.size)


def _proposals(ctx: MonthContext, index: int, committee: CommitteeState, cfg, draw: np.ndarray,
               native_recognition: float) -> None:
    pop, lk, wg = ctx.state.pop, ctx.behaviour.linking, ctx.state.wg
    delegates = np.flatnonzero((pop.level == DELEGATE) & (pop.seat == index))[:MAX_SEATS]
    ties = constituency_ties(ctx, delegates)
    own = pop.representative[delegates]
    voice = committee.link_stage >= 2
    rate = lk.proposal_rate * wg.agenda_maturity * np.where(own, 1.0, 0.3) * voice
    proposed = draw[: delegates.size, 0] < rate
    stage_bonus = 1.2 if committee.link_stage == 3 else 1.0
    # Committees take up proposals as far as they are open and natives accept the group, and
    # as far as the delegate speaks for groups behind them (legitimacy).
    receptive = 0.3 + 0.7 * (0.5 * committee.openness + 0.5 * native_recognition)
    # A group that lost its willingness to link is taken less seriously as a partner.
    partner = 1.0 - lk.detached_recognition * (1.0 - wg.link_willingness)
    # Formal procedures favour those who master them: less is taken up from a delegate without
    # committee experience, the more so the more formal the committee.
    procedure = 1.0 - lk.formality_uptake * cfg.formality * (1.0 - pop.experience[delegates])
    adopt_p = receptive * (0.2 + 0.8 * ties) * stage_bonus * partner * procedure
    adopted = proposed & (draw[: delegates.size, 1] < adopt_p)
    committee.record(int(proposed.sum()), int(adopted.sum()))
    # Efficacy: delegates whose proposals are taken up stay engaged; a seat without influence wears.
    e = pop.efficacy[delegates]
    e = np.where(adopted, e + 0.2 * (1 - e), np.where(proposed, e - 0.1 * e, e - 0.02 * e))
    pop.efficacy[delegates] = e
    # Token seats: delegates without contact to the groups they stand for (contact 0..1).
    committee.delegates, committee.token_seats = delegates.size, float(((1.0 - ties) * ~own).sum())
    # The committee learns the migrant agenda from delegates who carry it, from a willing group.
    learning = (1.0 - committee.token_share if ctx.switches.token_cost else 1.0) * wg.link_willingness
    committee.agenda_overlap += lk.overlap_gain * (committee.link_stage / 3.0) * (1.0 - committee.agenda_overlap) * learning
    committee.agenda_overlap = min(1.0, committee.agenda_overlap + 0.02 * adopted.sum())
    # A seat gives status even without influence: delegates no group holds to account stay longer.
    accountable = np.where(own, 1.0, 0.3)
    quits = draw[: delegates.size, 2] < lk.delegate_dropout * (1.0 - e) * accountable
    leaving = delegates[quits]
    pop.level[leaving] = np.where(pop.representative[leaving], WORKING_GROUP, np.where(pop.group[leaving] >= 0, MEMBER, INFORMED))
    pop.seat[leaving] = -1


def _token_costs(ctx: MonthContext) -> None:
    """Token seats carry proposals the constituents do not own: the trust of the adults of the
    working group's communities erodes with the share of token seats."""
    state, pop = ctx.state, ctx.state.pop
    if not ctx.switches.token_cost or state.token_share <= 0.0:
        return
    constituents = pop.migrant & pop.adult & ctx.in_working_group[pop.community]
    pop.trust[constituents] -= ctx.behaviour.linking.token_trust_loss * state.token_share * pop.trust[constituents]


def token_engagement(ctx: MonthContext) -> float:
    """The share of the working group's pull on its communities left while token seats speak for
    them (1 without token seats or with the mechanism off): read by activation."""
    if not ctx.switches.token_cost:
        return 1.0
    return 1.0 - ctx.behaviour.linking.token_engagement * ctx.state.token_share

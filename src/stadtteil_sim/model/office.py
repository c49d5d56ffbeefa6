"""The integration office's policy: modes over time (M12), handover and linking rules.

Like an intervention object: ``decide(state)`` runs at the start of each month and changes the
office's mode from the rules; ``request(state)`` says how many staff hours that mode needs,
``grant(state, hours)`` records what the city's staff pool gave (all of it for a district on its
own), ``effort(state)`` how much of each instrument the office delivers this month (moderation:
the share granted, M14) and ``advice(state)`` how much the support mode advises. Both rules can be a fixed month or a condition on
the working group; fixed months count from the month moderation actually began, so a district
that waited for staff still gets its full moderation. :func:`bookkeeping` is the month's last
process: the hours the office spent.
"""

from __future__ import annotations

from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model.events import OFFICE_SWITCHES
from stadtteil_sim.model.processes.context import MonthContext
from stadtteil_sim.model.state import (
    MODERATION,
    NOT_ACTIVE,
    OFFICE_MODE_NAMES,
    SUPPORT,
    WITHDRAWN,
    DistrictState,
)


class OfficePolicy:
    def __init__(self, scenario: Scenario):
        self.cfg = scenario.office
        self.switches = scenario.mechanisms
        self.behaviour = scenario.behaviour

    # ---------------------------------------------------------------- modes
    def waiting(self, state: DistrictState) -> bool:
        """Due to start moderating this month but not started: the city decides whether its
        staff pool can take it on (``decide(..., may_start=...)``)."""
        office = state.office
        return self.cfg.enabled and office.started_month is None and state.month >= self.cfg.start_month

    def decide(self, state: DistrictState, may_start: bool = True) -> None:
        """Set this month's mode and the link decision from last month's working-group state;
        a district the staff pool cannot start (``may_start`` false) waits and decides nothing."""
        office, month = state.office, state.month
        before = office.mode
        if not self.cfg.enabled or month < self.cfg.start_month:
            office.mode = NOT_ACTIVE
        elif office.mode == NOT_ACTIVE:
            if not may_start:
                office.months_waited += 1
                return
            office.mode = MODERATION
            office.started_month = month
        if office.mode == MODERATION and self.switches.office_role and self._handover_due(state):
            office.mode = SUPPORT
            office.handover_month = month
        if office.mode in (MODERATION, SUPPORT) and self._withdrawal_due(state):
            office.mode = WITHDRAWN
            office.withdraw_month = month
        if office.mode != before:
            state.log(OFFICE_SWITCHES, mode=OFFICE_MODE_NAMES[office.mode])
        self._decide_link(state)

    def _handover_due(self, state: DistrictState) -> bool:
        if self.cfg.handover_rule == "fixed":
            return self._since_start(state) >= self.cfg.handover_month - self.cfg.start_month
        # 'stable': the group has carried its meetings itself (its own capacity, district
        # management and the support mode's advice, no intervention needed) for N months in a row
        # (processes/working_group.py); at the latest month the office hands over anyway.
        if self._since_start(state) >= self.cfg.handover_max_month - self.cfg.start_month:
            return True
        return state.wg.exists and state.wg.self_carried_months >= self.cfg.handover_stable_months

    def _withdrawal_due(self, state: DistrictState) -> bool:
        """At the fixed month, or once support has needed no intervention for N months in a row."""
        cfg = self.cfg
        if cfg.withdraw_month is not None and self._since_start(state) >= cfg.withdraw_month - cfg.start_month:
            return True
        return (cfg.withdraw_quiet_months is not None and state.office.mode == SUPPORT
                and state.office.quiet_months >= cfg.withdraw_quiet_months)

    def _decide_link(self, state: DistrictState) -> None:
        wg = state.wg
        if wg.link_decided_month is not None or not self.switches.linking:
            return
        if self.cfg.link_rule == "fixed":
            due = self._since_start(state) >= self.cfg.link_month - self.cfg.start_month
        else:
            due = wg.exists and wg.meeting_stable_months >= self.cfg.link_stable_months
        if due:
            wg.link_decided_month = state.month

    def _since_start(self, state: DistrictState) -> int:
        """Months since moderation began (since ``start_month`` while it has not: an office that
        is not enabled still lets linking start at its month, as district work goes on)."""
        started = state.office.started_month
        return state.month - (self.cfg.start_month if started is None else started)

    # ---------------------------------------------------------------- staff and effort
    def request(self, state: DistrictState) -> float:
        """Staff hours this month's mode needs: moderation (also for a district waiting to start),
        support, or none; an intervention's hours are asked for when it happens."""
        mode = state.office.mode
        if mode == MODERATION or (mode == NOT_ACTIVE and self.waiting(state)):
            return self.cfg.staff_hours_moderation
        if mode == SUPPORT:
            return self.cfg.staff_hours_support
        return 0.0

    def grant(self, state: DistrictState, hours: float | None = None) -> None:
        """Record this month's request and what the staff pool granted (``None``: all of it)."""
        office = state.office
        office.hours_requested = self.request(state)
        office.hours_granted = office.hours_requested if hours is None else min(hours, office.hours_requested)
        office.grant_share = office.hours_granted / office.hours_requested if office.hours_requested > 0 else 1.0

    def effort(self, state: DistrictState) -> float:
        """Share of full instrument effort delivered this month (outreach, invitation, courses,
        recognition work): while moderating, the share of its staff hours granted; in support the
        office only advises and intervenes (:meth:`advice`), and others carry the work (model/carriers.py)."""
        return state.office.grant_share if state.office.mode == MODERATION else 0.0

    def advice(self, state: DistrictState) -> float:
        """The support mode's advice this month: the share of its staff hours granted."""
        return state.office.grant_share if state.office.mode == SUPPORT else 0.0

    def moderating(self, state: DistrictState) -> bool:
        return state.office.mode == MODERATION

    def book_hours(self, state: DistrictState, intervened: bool) -> None:
        office = state.office
        hours = 0.0
        if office.mode == MODERATION:
            hours = office.hours_granted
        elif office.mode == SUPPORT:
            hours = office.hours_granted + (self.cfg.staff_hours_intervention if intervened else 0.0)
        if state.month >= 0:
            office.staff_hours = hours
            office.staff_hours_total += hours
        office.interventions += int(intervened)
        if office.mode == SUPPORT and state.month >= 0:
            office.quiet_months = 0 if intervened else office.quiet_months + 1


def bookkeeping(ctx: MonthContext) -> None:
    """Bookkeeping: the office books its staff hours and interventions (M12)."""
    # The policy is rules over the scenario with no state of its own: one built here is the model's.
    OfficePolicy(ctx.scenario).book_hours(ctx.state, ctx.intervened)

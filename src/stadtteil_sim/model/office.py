"""The integration office's policy: modes over time (M12), handover and linking rules.

Like an intervention object: ``decide(state)`` runs at the start of each month and changes the
office's mode from the rules; ``effort(state)`` says how much of each instrument the office
delivers this month. Both rules can be a fixed month or a condition on the working group.
:func:`bookkeeping` is the month's last process: the hours the office spent.
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
    def decide(self, state: DistrictState) -> None:
        """Set this month's mode and the link decision from last month's working-group state."""
        office, month = state.office, state.month
        before = office.mode
        if not self.cfg.enabled or month < self.cfg.start_month:
            office.mode = NOT_ACTIVE
        elif office.mode == NOT_ACTIVE:
            office.mode = MODERATION
        if office.mode == MODERATION and self.switches.office_role and self._handover_due(state):
            office.mode = SUPPORT
            office.handover_month = month
        if (
            office.mode in (MODERATION, SUPPORT)
            and self.cfg.withdraw_month is not None
            and month >= self.cfg.withdraw_month
        ):
            office.mode = WITHDRAWN
            office.withdraw_month = month
        if office.mode != before:
            state.log(OFFICE_SWITCHES, mode=OFFICE_MODE_NAMES[office.mode])
        self._decide_link(state)

    def _handover_due(self, state: DistrictState) -> bool:
        if self.cfg.handover_rule == "fixed":
            return state.month >= self.cfg.handover_month
        # 'stable': the cycles of communication (regular meetings) and networking (a link with
        # a voice) have held for N months -- the text's condition for switching roles.
        return state.wg.exists and state.wg.stable_months >= self.cfg.handover_stable_months

    def _decide_link(self, state: DistrictState) -> None:
        wg = state.wg
        if wg.link_decided_month is not None or not self.switches.linking:
            return
        if self.cfg.link_rule == "fixed":
            due = state.month >= self.cfg.link_month
        else:
            due = wg.exists and wg.meeting_stable_months >= self.cfg.link_stable_months
        if due:
            wg.link_decided_month = state.month

    # ---------------------------------------------------------------- effort
    def effort(self, state: DistrictState) -> float:
        """Share of full instrument effort delivered this month (moderation 1, support less)."""
        mode = state.office.mode
        if mode == MODERATION:
            return 1.0
        if mode == SUPPORT:
            return self.cfg.support_effort
        return 0.0

    def moderating(self, state: DistrictState) -> bool:
        return state.office.mode == MODERATION

    def book_hours(self, state: DistrictState, intervened: bool) -> None:
        office = state.office
        hours = 0.0
        if office.mode == MODERATION:
            hours = self.cfg.staff_hours_moderation
        elif office.mode == SUPPORT:
            hours = self.cfg.staff_hours_support + (self.cfg.staff_hours_intervention if intervened else 0.0)
        if state.month >= 0:
            office.staff_hours = hours
            office.staff_hours_total += hours
        office.interventions += int(intervened)


def bookkeeping(ctx: MonthContext) -> None:
    """Bookkeeping: the office books its staff hours and interventions (M12)."""
    # The policy is rules over the scenario with no state of its own: one built here is the model's.
    OfficePolicy(ctx.scenario).book_hours(ctx.state, ctx.intervened)

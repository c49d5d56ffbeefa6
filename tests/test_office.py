"""The integration office's modes and rules (office.py, M12): handover, withdrawal, linking, hours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stadtteil_sim import Scenario, load_scenario
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.office import OfficePolicy, bookkeeping
from stadtteil_sim.model.processes.context import MonthContext
from stadtteil_sim.model.state import (
    MODERATION,
    NOT_ACTIVE,
    SUPPORT,
    WITHDRAWN,
    CommitteeState,
    Counters,
    DistrictState,
    Groups,
    OfficeState,
    WorkingGroupState,
)

KS = Path(__file__).resolve().parent.parent / "scenarios" / "kranichstein_sued.yaml"


def policy(**overrides) -> OfficePolicy:
    return OfficePolicy(load_scenario(Scenario(), {f"office.{k}" if "." not in k else k: v for k, v in overrides.items()}))


def bare_state() -> DistrictState:
    """The office only reads its own state, the month and the working group."""
    return DistrictState(
        pop=None, ties=None, groups=Groups(), contact=np.zeros(2), wg=WorkingGroupState(),
        committees=[CommitteeState()], office=OfficeState(), counters=Counters(), month=0,
    )


def run_modes(p: OfficePolicy, state: DistrictState, months, before=None) -> dict[int, int]:
    modes = {}
    for month in months:
        state.month = month
        if before:
            before(state)
        p.decide(state)
        modes[month] = state.office.mode
    return modes


def existing_wg(state: DistrictState) -> None:
    state.wg.formed_month = 0
    state.wg.communities = frozenset({1, 2})


# ---------------------------------------------------------------- modes
def test_fixed_handover_switches_at_exactly_handover_month():
    p, state = policy(handover_month=10), bare_state()
    modes = run_modes(p, state, range(0, 25))
    assert all(modes[m] == MODERATION for m in range(0, 10))
    assert all(modes[m] == SUPPORT for m in range(10, 25))
    assert state.office.handover_month == 10
    assert "Month 10: the office switches to support" in state.counters.events


def test_office_is_not_active_before_its_start():
    p, state = policy(start_month=5, handover_month=12), bare_state()
    modes = run_modes(p, state, range(0, 20))
    assert all(modes[m] == NOT_ACTIVE for m in range(0, 5))
    assert all(modes[m] == MODERATION for m in range(5, 12))
    assert modes[12] == SUPPORT


def test_stable_rule_switches_only_after_enough_stable_months():
    p, state = policy(handover_rule="stable", handover_stable_months=6), bare_state()
    existing_wg(state)

    def stable_from_month_3(s):
        s.wg.self_carried_months = max(0, s.month - 3)

    modes = run_modes(p, state, range(0, 20), stable_from_month_3)
    # self_carried_months reaches 6 at month 9
    assert all(modes[m] == MODERATION for m in range(0, 9))
    assert all(modes[m] == SUPPORT for m in range(9, 20))
    assert state.office.handover_month == 9


def test_stable_rule_ignores_the_fixed_month():
    p, state = policy(handover_rule="stable", handover_month=3, handover_stable_months=6), bare_state()
    existing_wg(state)
    modes = run_modes(p, state, range(0, 40))  # the group never becomes stable
    assert set(modes.values()) == {MODERATION}
    assert state.office.handover_month is None


def test_stable_rule_hands_over_at_its_latest_month_anyway():
    """A group that never carries itself (or a link that stalls) does not hold the office forever."""
    p, state = policy(handover_rule="stable", handover_max_month=30), bare_state()
    existing_wg(state)
    modes = run_modes(p, state, range(0, 40))
    assert all(modes[m] == MODERATION for m in range(0, 30)) and modes[30] == SUPPORT
    assert state.office.handover_month == 30


def test_stable_rule_refuses_a_latest_month_before_the_start():
    with pytest.raises(ValueError, match="handover_max_month=5 is before start_month=10"):
        policy(handover_rule="stable", handover_max_month=5, start_month=10)


def run_support(p: OfficePolicy, state: DistrictState, months, intervened_in=()) -> dict[int, int]:
    """Decide and book each month, with an intervention in the months ``intervened_in``."""
    modes = {}
    for month in months:
        state.month = month
        p.decide(state)
        modes[month] = state.office.mode
        p.book_hours(state, intervened=month in intervened_in)
    return modes


def test_quiet_support_withdraws_after_enough_months_without_an_intervention():
    p, state = policy(handover_month=10, withdraw_quiet_months=6), bare_state()
    modes = run_support(p, state, range(0, 40), intervened_in={12, 14})
    # support from month 10; the last intervention in month 14, then 6 quiet months (15-20)
    assert all(modes[m] == SUPPORT for m in range(10, 21))
    assert all(modes[m] == WITHDRAWN for m in range(21, 40))
    assert state.office.withdraw_month == 21


def test_quiet_withdrawal_never_fires_while_moderating_and_the_fixed_month_still_counts():
    p, state = policy(handover_month=30, withdraw_quiet_months=3, withdraw_month=20), bare_state()
    modes = run_support(p, state, range(0, 25))
    assert all(modes[m] == MODERATION for m in range(0, 20)) and modes[20] == WITHDRAWN


def test_stable_rule_needs_an_existing_working_group():
    p, state = policy(handover_rule="stable", handover_stable_months=2), bare_state()
    state.wg.self_carried_months = 50  # counter set, but the group has only one community
    state.wg.formed_month = 0
    state.wg.communities = frozenset({1})
    modes = run_modes(p, state, range(0, 10))
    assert set(modes.values()) == {MODERATION}


def test_disabled_office_is_never_active_and_books_no_hours():
    p, state = policy(enabled=False, withdraw_month=20), bare_state()
    for month in range(0, 60):
        state.month = month
        p.decide(state)
        assert state.office.mode == NOT_ACTIVE
        assert p.effort(state) == 0.0 and not p.moderating(state)
        p.book_hours(state, intervened=False)
        assert state.office.staff_hours == 0.0
    assert state.office.staff_hours_total == 0.0
    assert state.office.handover_month is None and state.office.withdraw_month is None


def test_disabled_office_in_a_model_run():
    model = StadtteilModel(load_scenario(KS, {"run.scale": 0.1, "office.enabled": False}))
    for _ in range(40):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert set(frame["office_mode"]) == {"not active"}
    assert (frame["office_staff_hours"] == 0).all()
    assert model.state.office.staff_hours_total == 0.0
    assert model.state.office.interventions == 0
    assert model.state.office.covered_languages == frozenset()


def test_withdraw_month_withdraws_for_good():
    p, state = policy(handover_month=10, withdraw_month=20), bare_state()
    modes = run_modes(p, state, range(0, 40))
    assert modes[19] == SUPPORT
    assert all(modes[m] == WITHDRAWN for m in range(20, 40))
    assert state.office.withdraw_month == 20 and state.office.handover_month == 10
    assert p.effort(state) == 0.0


def test_withdraw_before_handover_skips_support():
    p, state = policy(handover_month=30, withdraw_month=12), bare_state()
    modes = run_modes(p, state, range(0, 40))
    assert all(modes[m] == MODERATION for m in range(0, 12))
    assert all(modes[m] == WITHDRAWN for m in range(12, 40))
    assert state.office.handover_month is None


@pytest.mark.parametrize("rule", ["fixed", "stable"])
def test_without_office_role_the_office_never_hands_over(rule):
    p = policy(**{"handover_rule": rule, "handover_month": 5, "handover_stable_months": 1,
                  "mechanisms.office_role": False})
    state = bare_state()
    existing_wg(state)
    state.wg.self_carried_months = 100
    modes = run_modes(p, state, range(0, 100))
    assert set(modes.values()) == {MODERATION}
    assert state.office.handover_month is None


# ---------------------------------------------------------------- linking decision
def test_fixed_link_decision_at_link_month_and_kept():
    p, state = policy(link_month=18), bare_state()
    for month in range(0, 40):
        state.month = month
        p.decide(state)
        assert state.wg.link_decided_month == (None if month < 18 else 18)


def test_stable_link_decision_waits_for_stable_meetings():
    p, state = policy(link_rule="stable", link_stable_months=4, link_month=0), bare_state()
    existing_wg(state)

    def meetings(s):
        s.wg.meeting_stable_months = max(0, s.month - 10)

    decided = {}
    for month in range(0, 30):
        state.month = month
        meetings(state)
        p.decide(state)
        decided[month] = state.wg.link_decided_month
    assert all(decided[m] is None for m in range(0, 14))
    assert all(decided[m] == 14 for m in range(14, 30))


def test_stable_link_decision_needs_an_existing_group():
    p, state = policy(link_rule="stable", link_stable_months=1), bare_state()
    state.wg.meeting_stable_months = 10
    for month in range(0, 10):
        state.month = month
        p.decide(state)
    assert state.wg.link_decided_month is None


def test_linking_switched_off_is_never_decided():
    p, state = policy(**{"link_month": 0, "mechanisms.linking": False}), bare_state()
    for month in range(0, 30):
        state.month = month
        p.decide(state)
    assert state.wg.link_decided_month is None


# ---------------------------------------------------------------- effort and hours
def test_effort_and_advice_per_mode():
    # Support is advice (and interventions when triggered), not a share of moderation's instruments.
    p, state = policy(), bare_state()
    expected = {NOT_ACTIVE: (0.0, 0.0), MODERATION: (1.0, 0.0), SUPPORT: (0.0, 1.0), WITHDRAWN: (0.0, 0.0)}
    for mode, (effort, advice) in expected.items():
        state.office.mode = mode
        assert (p.effort(state), p.advice(state)) == (effort, advice)
        assert p.moderating(state) == (mode == MODERATION)


def test_staff_hours_booked_per_mode():
    p = policy(staff_hours_moderation=80, staff_hours_support=12, staff_hours_intervention=10)
    state = bare_state()
    cases = [
        (MODERATION, False, 80.0), (MODERATION, True, 80.0), (SUPPORT, False, 12.0),
        (SUPPORT, True, 22.0), (WITHDRAWN, False, 0.0), (NOT_ACTIVE, False, 0.0),
    ]
    total = 0.0
    for month, (mode, intervened, hours) in enumerate(cases, start=1):
        state.month, state.office.mode = month, mode
        p.grant(state)  # a district on its own: all the hours its mode asks for
        p.book_hours(state, intervened)
        total += hours
        assert state.office.staff_hours == hours, (mode, intervened)
        assert state.office.staff_hours_total == pytest.approx(total)
    assert state.office.interventions == 2


def test_a_partial_grant_weakens_the_effort_and_books_only_the_hours_granted():
    p = policy(staff_hours_moderation=80, staff_hours_support=12)
    state = bare_state()
    state.month, state.office.mode = 5, MODERATION
    p.grant(state, 20.0)
    assert (state.office.hours_requested, state.office.hours_granted) == (80.0, 20.0)
    assert p.effort(state) == 0.25
    p.book_hours(state, False)
    assert state.office.staff_hours == 20.0
    state.office.mode = SUPPORT
    p.grant(state, 100.0)  # never more than asked for
    assert state.office.hours_granted == 12.0 and p.advice(state) == 1.0
    p.grant(state, 6.0)
    assert p.advice(state) == 0.5


def test_a_district_waiting_for_staff_starts_later_and_keeps_its_full_moderation():
    p = policy(start_month=0, handover_rule="fixed", handover_month=36, link_rule="fixed", link_month=18)
    state = bare_state()
    for month in range(10):  # the pool cannot take it on for ten months
        state.month = month
        assert p.waiting(state) and p.request(state) == 80.0
        p.decide(state, may_start=False)
    assert state.office.mode == NOT_ACTIVE and state.office.months_waited == 10
    assert state.wg.link_decided_month is None  # an office that has not started decides nothing
    for month in range(10, 60):
        state.month = month
        p.decide(state)
    assert state.office.started_month == 10
    assert state.office.handover_month == 46 and state.wg.link_decided_month == 28


def test_bookkeeping_books_the_intervention_handed_on_in_the_context():
    model = StadtteilModel(load_scenario(KS, {"run.scale": 0.05, "office.staff_hours_support": 12,
                                              "office.staff_hours_intervention": 10}))
    state = model.state
    state.office.mode = SUPPORT
    model.office.policy.grant(state)
    for intervened, hours in ((False, 12.0), (True, 22.0)):
        ctx = MonthContext.begin(model.config, state, model.streams, model.communities, 0.5, False)
        ctx.intervened = intervened
        bookkeeping(ctx)
        assert state.office.staff_hours == hours
    assert state.office.interventions == 1


def test_no_hours_booked_in_burn_in_months():
    p, state = policy(), bare_state()
    state.office.mode = MODERATION
    state.month = -3
    p.book_hours(state, False)
    assert state.office.staff_hours_total == 0.0 and state.office.staff_hours == 0.0


def test_hours_in_a_model_run_follow_the_modes():
    model = StadtteilModel(load_scenario(KS, {"run.scale": 0.1, "office.handover_month": 12}))
    cfg = model.config.office
    for _ in range(30):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    months = frame.iloc[1:]  # month 0 is the state the burn-in leaves; no month is simulated
    moderation = months[months["office_mode"] == "moderation"]["office_staff_hours"]
    support = months[months["office_mode"] == "support"]["office_staff_hours"]
    assert len(moderation) == 11 and len(support) == 19
    assert (moderation == cfg.staff_hours_moderation).all()
    assert support.isin([cfg.staff_hours_support, cfg.staff_hours_support + cfg.staff_hours_intervention]).all()
    interventions = int((support == cfg.staff_hours_support + cfg.staff_hours_intervention).sum())
    assert model.state.office.interventions == interventions
    assert model.state.office.staff_hours_total == pytest.approx(months["office_staff_hours"].sum())

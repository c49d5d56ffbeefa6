"""The monthly processes (processes/*.py), each on a small district with hand-set state."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from stadtteil_sim import Scenario, load_scenario
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.population import (
    ATTENDS,
    DELEGATE,
    INFORMED,
    MEMBER,
    UNREACHED,
    WORKING_GROUP,
    in_residents,
)
from stadtteil_sim.model.processes import (
    activation,
    groups,
    linking,
    management,
    organisations,
    outreach,
    qualification,
    recognition,
    working_group,
)
from stadtteil_sim.model.processes.context import CommunityTable, MonthContext, covered_languages
from stadtteil_sim.model.state import (
    BUERGERARBEITSGRUPPEN,
    MAIN_ASSOCIATION,
    MODERATION,
    STADTTEILRUNDE,
    SUPPORT,
    WOMENS_GROUP,
)

KS = Path(__file__).resolve().parent.parent / "scenarios" / "kranichstein_sued.yaml"


def small_model(overrides: dict | None = None, source=KS) -> StadtteilModel:
    """A district at 1:10 without burn-in: everyone unreached, the office moderating at month 0."""
    over = {"run.scale": 0.1, "behaviour.burn_in_months": 0}
    over.update(overrides or {})
    return StadtteilModel(load_scenario(source, over))


def context(model: StadtteilModel, effort: float = 1.0, moderating: bool = True, state=None) -> MonthContext:
    return MonthContext.begin(model.config, state or model.state, model.streams, model.communities, effort, moderating)


def code(model: StadtteilModel, name: str) -> int:
    return model.community_names.index(name)


def two_communities(mediators: int = 1, **sections) -> dict:
    """Two communities alike but for their language; with one mediator, A's language is covered."""
    data = {
        "district": {
            "population": 2000, "foreign_share": 0.175,
            "communities": [
                {"name": "A", "size": 200, "language": "X", "german_mean": 0.3, "closure": 0.2, "association": "local"},
                {"name": "B", "size": 150, "language": "Y", "german_mean": 0.3, "closure": 0.2, "association": "local"},
            ],
        },
        "instruments": {"bilingual_mediators": mediators},
        "behaviour": {"burn_in_months": 0},
    }
    for key, value in sections.items():
        data.setdefault(key, {}).update(value)
    return data


def model_of(data: dict, overrides: dict | None = None) -> StadtteilModel:
    return StadtteilModel(load_scenario(data, overrides))


# ================================================================ outreach (M1)
def contact_gain(data: dict, effort: float, month: int = 1) -> np.ndarray:
    model = model_of(data)
    model.state.month = month
    before = model.state.contact.copy()
    outreach.step(context(model, effort=effort))
    return model.state.contact - before


def test_mediator_covered_language_gets_contact_faster():
    data = two_communities(mediators=1)
    assert covered_languages(load_scenario(data)) == frozenset({"X"})
    with_office = contact_gain(data, effort=1.0)
    without = contact_gain(data, effort=0.0)
    # Same month, same noise: the ratio removes it and leaves (office + management) / management.
    ratio = with_office[1:] / without[1:]
    assert ratio[0] > ratio[1] > 1.0
    assert with_office[1] > 0 and with_office[2] > 0


def test_covered_community_reaches_more_contact_over_months():
    model = model_of(two_communities(mediators=1))
    for month in range(1, 13):
        model.state.month = month
        outreach.step(context(model, effort=1.0))
    a, b = model.state.contact[1:]
    assert a > 2 * b, (a, b)
    assert model.state.contact[0] == 1.0


def test_no_contact_from_the_office_when_effort_is_zero():
    # Coverage does not matter without effort: contact gains are identical with and without mediators.
    covered = contact_gain(two_communities(mediators=1), effort=0.0)
    uncovered = contact_gain(two_communities(mediators=0), effort=0.0)
    assert np.array_equal(covered, uncovered)
    # And with district management at zero capacity as well, contact does not grow at all.
    none = contact_gain(two_communities(mediators=1, district_management={"capacity": 0.0}), effort=0.0)
    assert np.array_equal(none[1:], [0.0, 0.0])


def test_effort_zero_and_no_management_informs_no_migrant():
    model = model_of(two_communities(mediators=2, district_management={"capacity": 0.0}))
    pop = model.state.pop
    for month in range(1, 7):
        model.state.month = month
        outreach.step(context(model, effort=0.0))
    assert (pop.level[pop.migrant] == UNREACHED).all()


def test_outreach_informs_only_unreached_adults():
    model = small_model({"district_management.capacity": 1.0})
    pop = model.state.pop
    for month in range(1, 13):
        model.state.month = month
        model.state.contact[:] = 1.0
        outreach.step(context(model, effort=1.0))
    assert (pop.level[~pop.adult] == UNREACHED).all()
    assert set(np.unique(pop.level)) == {UNREACHED, INFORMED}
    assert (pop.level[pop.adult] == INFORMED).mean() > 0.3


def test_covered_languages_weighted_by_missing_german():
    data = {
        "district": {
            "population": 2000, "foreign_share": 0.51,
            "communities": [
                {"name": "A", "size": 300, "language": "X", "german_mean": 0.9},   # X: 30
                {"name": "C", "size": 120, "language": "X", "german_mean": 0.5},   # X: +60 = 90
                {"name": "B", "size": 100, "language": "Y", "german_mean": 0.2},   # Y: 80
                {"name": "Z", "size": 500, "language": "W", "german_mean": 0.95},  # W: 25, largest head count
            ],
        },
    }
    for mediators, expected in [(0, set()), (1, {"X"}), (2, {"X", "Y"}), (3, {"X", "Y", "W"}), (9, {"X", "Y", "W"})]:
        sc = load_scenario(data, {"instruments.bilingual_mediators": mediators})
        assert covered_languages(sc) == frozenset(expected), mediators
    table = CommunityTable.build(load_scenario(data, {"instruments.bilingual_mediators": 2}))
    assert list(table.covered) == [True, True, True, True, False]


def test_covered_languages_in_kranichstein():
    sc = load_scenario(KS)
    covered = covered_languages(sc)
    assert len(covered) == sc.instruments.bilingual_mediators
    assert "Turkish" in covered and "Russian" in covered
    # The Italians' language is not covered: many speak German.
    assert "Italian" not in covered


def test_no_covered_languages_when_office_disabled_or_outreach_off():
    assert covered_languages(load_scenario(KS, {"office.enabled": False})) == frozenset()
    assert covered_languages(load_scenario(KS, {"mechanisms.outreach": False})) == frozenset()
    table = CommunityTable.build(load_scenario(KS, {"office.enabled": False}))
    assert not table.covered[1:].any() and table.covered[0]


def test_community_access_covered_beats_uncovered():
    model = model_of(two_communities(mediators=1))
    access = outreach.community_access(context(model))
    assert access[1] == pytest.approx(1.0)
    assert 0 < access[2] < access[1]


# ================================================================ activation (M2)
def test_barrier_is_zero_without_barriers():
    model = small_model({"mechanisms.barriers": False})
    b = activation.barrier(context(model))
    assert b.shape == (model.state.pop.size,)
    assert np.array_equal(b, np.zeros(model.state.pop.size))


def test_barrier_grows_as_german_falls():
    model = small_model()
    pop = model.state.pop
    ctx = context(model)
    high = activation.barrier(ctx)
    before = pop.german.copy()
    pop.german = np.where(pop.migrant, np.clip(pop.german - 0.3, 0.0, 1.0), pop.german)
    low = activation.barrier(ctx)
    lowered = pop.german < before
    assert np.array_equal(lowered, pop.migrant)
    assert (low[lowered] > high[lowered]).all()
    language = model.config.behaviour.barriers.language
    assert low[lowered] - high[lowered] == pytest.approx(language * (before - pop.german)[lowered])
    assert low[~pop.migrant] == pytest.approx(high[~pop.migrant])


def test_barrier_is_higher_for_migrants_than_natives_of_equal_means():
    model = small_model()
    pop = model.state.pop
    b = activation.barrier(context(model))
    assert b[pop.migrant].mean() > b[~pop.migrant].mean()


def test_activation_moves_only_informed_adults():
    model = small_model({"behaviour.activation.up_rate": 1.0})
    pop = model.state.pop
    rng = np.random.default_rng(0)
    pop.level[:] = rng.choice([UNREACHED, INFORMED], size=pop.size)
    pop.threshold[:] = -10.0  # everyone is pulled over the threshold
    before = pop.level.copy()
    activation.step(context(model))
    informed_adult = (before == INFORMED) & pop.adult
    assert (pop.level[informed_adult] == ATTENDS).all()
    assert np.array_equal(pop.level[~informed_adult], before[~informed_adult])


def test_activation_drops_out_when_pull_falls_short():
    model = small_model({"behaviour.activation.down_rate": 1.0})
    pop = model.state.pop
    pop.level[pop.adult] = ATTENDS
    pop.threshold[:] = 10.0
    activation.step(context(model))
    assert (pop.level[pop.adult] == INFORMED).all()


@pytest.mark.parametrize("visibility", [True, False])
def test_district_managements_event_travels_in_the_context_to_activation(visibility):
    sure = {"district_management.events_per_year": 52, "district_management.capacity": 1.0}
    model = small_model({**sure, "mechanisms.visibility": visibility})
    ctx = context(model)
    assert ctx.event is None
    management.step(ctx)
    assert (ctx.event is not None) is visibility  # an event every month, none without M5
    with_event = activation.pull(ctx)
    gain = model.config.behaviour.activation.weight_events * ctx.event.seen(ctx.behaviour.events) if visibility else 0.0
    ctx.event = None
    assert with_event - activation.pull(ctx) == pytest.approx(np.full(model.state.pop.size, gain))


# ================================================================ groups (M7, M11)
def activate_women(model: StadtteilModel, community: int, count: int) -> np.ndarray:
    pop = model.state.pop
    women = np.flatnonzero(pop.migrant & pop.female & pop.adult & (pop.community == community))
    assert women.size >= count
    chosen = women[:count]
    pop.level[chosen] = ATTENDS
    return chosen


def womens_groups(model_or_state, community: int | None = None) -> list[int]:
    state = getattr(model_or_state, "state", model_or_state)
    g = state.groups
    return [i for i in range(len(g)) if g.kind[i] == WOMENS_GROUP and g.alive[i]
            and (community is None or g.community[i] == community)]


GROUP_OVERRIDES = {"behaviour.associations.form_rate": 1.0, "behaviour.associations.join_rate": 0.0}


def test_womens_group_needs_core_size_activated_women():
    for count, forms in [("short", False), ("core", True)]:
        model = small_model(GROUP_OVERRIDES)
        core = context(model).core_size  # the schema's core in residents at the model's scale
        assert core == in_residents(model.config.behaviour.associations.core_size, model.config.run.scale)
        k = code(model, "Russian-German")
        women = activate_women(model, k, core - 1 if count == "short" else core)
        model.state.month = 1
        groups.step(context(model))
        formed = womens_groups(model)
        if not forms:
            assert formed == []
        else:
            assert len(formed) == 1 and model.state.groups.community[formed[0]] == k
            assert (model.state.pop.group[women] == formed[0]).all()
            assert (model.state.pop.level[women] == MEMBER).all()
            assert model.state.groups.in_rooms[formed[0]]


def test_no_womens_group_from_men_or_natives():
    model = small_model(GROUP_OVERRIDES)
    pop = model.state.pop
    pop.level[pop.adult & ~pop.female] = ATTENDS  # plenty of activated migrant men
    pop.level[pop.adult & ~pop.migrant] = ATTENDS  # and native women
    model.state.month = 1
    groups.step(context(model))
    assert womens_groups(model) == []


def formation_count(overrides: dict, trials: int = 400) -> int:
    base = small_model({"behaviour.associations.form_rate": 0.5, "behaviour.associations.join_rate": 0.0, **overrides})
    core = base.config.behaviour.associations.core_size
    k = code(base, "Russian-German")
    activate_women(base, k, core)
    formed = 0
    for month in range(1, trials + 1):
        state = copy.deepcopy(base.state)
        state.month = month
        groups.step(context(base, state=state))
        formed += bool(womens_groups(state, k))
    return formed


def test_womens_groups_form_much_more_rarely_without_rooms():
    # Expected ratio: no_rooms_factor (0.4) against the limit 0.5. 400 trials (months) put the
    # limit about 2.5 binomial standard deviations away; with 150 it was about 1.4.
    with_rooms = formation_count({})
    without = formation_count({"district.rooms": False})
    assert with_rooms > 120
    assert without < 0.5 * with_rooms, (without, with_rooms)


def test_group_formed_without_rooms_is_not_in_rooms():
    model = small_model({**GROUP_OVERRIDES, "district.rooms": False,
                         "behaviour.associations.no_rooms_factor": 1.0})
    k = code(model, "Russian-German")
    activate_women(model, k, model.config.behaviour.associations.core_size)
    model.state.month = 1
    groups.step(context(model))
    formed = womens_groups(model, k)
    assert len(formed) == 1 and not model.state.groups.in_rooms[formed[0]]


def test_founding_needs_founding_min_months():
    model = small_model({"behaviour.associations.founding_rate": 1.0, "behaviour.associations.founding_capacity": 0.0})
    a = model.config.behaviour.associations
    state, pop = model.state, model.state.pop
    k = code(model, "Russian-German")
    born = 2
    g = state.groups.add(kind=WOMENS_GROUP, community=k, month=born, in_rooms=True)
    women = activate_women(model, k, a.core_size)
    pop.group[women] = g
    pop.level[women] = MEMBER
    for month in range(born + 1, born + a.founding_min_months):
        state.month = month
        groups.step(context(model, effort=1.0))
        assert not state.groups.registered[g], month
    assert state.counters.associations_founded == 0
    state.month = born + a.founding_min_months
    groups.step(context(model, effort=1.0))
    assert state.groups.registered[g]
    assert state.groups.founded[g] == born + a.founding_min_months
    assert state.counters.associations_founded == 1
    assert state.counters.womens_associations_founded == 1


def test_join_only_attending_adults_join_their_community():
    model = small_model({"behaviour.associations.join_rate": 1.0})
    pop = model.state.pop
    pop.group[:] = -1
    pop.level[pop.adult] = ATTENDS
    pop.level[~pop.adult] = UNREACHED
    model.state.month = 1
    groups.step(context(model))
    g = model.state.groups
    joined = pop.group >= 0
    assert joined.any()
    assert pop.adult[joined].all()
    community_of_group = np.array(g.community)[pop.group[joined]]
    assert np.array_equal(community_of_group, pop.community[joined])
    assert (pop.level[joined] == MEMBER).all() and (pop.level[pop.adult & ~joined] == ATTENDS).all()


# ================================================================ working group (M3)
def make_rep(model: StadtteilModel, community: int, n: int = 1, german: float = 0.9) -> np.ndarray:
    pop = model.state.pop
    who = np.flatnonzero(pop.adult & (pop.community == community) & ~pop.representative)[:n]
    pop.level[who] = WORKING_GROUP
    pop.representative[who] = True
    pop.german[who] = german
    return who


WG_OVERRIDES = {"behaviour.working_group.rep_dropout": 0.0}


def test_working_group_forms_only_once_two_communities_have_representatives():
    model = small_model(WG_OVERRIDES)
    state = model.state
    make_rep(model, 1, n=2)
    for month in (1, 2, 3):
        state.month = month
        working_group.step(context(model))
        assert state.wg.communities == frozenset({1})
        assert state.wg.formed_month is None and not state.wg.exists
        assert state.wg.meeting_stable_months == 0
    make_rep(model, 2)
    state.month = 4
    working_group.step(context(model))
    assert state.wg.communities == frozenset({1, 2})
    assert state.wg.formed_month == 4 and state.wg.exists


def test_working_group_switched_off_does_nothing():
    model = small_model({**WG_OVERRIDES, "mechanisms.working_group": False})
    make_rep(model, 1)
    make_rep(model, 2)
    model.state.month = 1
    ctx = context(model)
    working_group.step(ctx)
    assert ctx.intervened is False
    assert model.state.wg.formed_month is None and model.state.wg.communities == frozenset()


def test_invited_community_sends_its_most_capable_organised_member():
    model = small_model({**WG_OVERRIDES, "behaviour.working_group.rep_rate": 1.0})
    pop, state = model.state.pop, model.state
    k = code(model, "Turkish-Alevite")
    members = np.flatnonzero(pop.adult & (pop.community == k))[:8]
    main = next(i for i in range(len(state.groups)) if state.groups.community[i] == k)
    pop.group[members] = main
    pop.level[members] = MEMBER
    pop.german[members] = 0.3
    pop.experience[members] = 0.2
    pop.german[members[3]] = 1.0
    pop.experience[members[3]] = 1.0
    state.contact[:] = 1.0
    sent = False
    for month in range(1, 60):  # the community decides; with rep_rate 1 it sends soon
        state.month = month
        working_group.step(context(model))
        if pop.representative[members].any():
            sent = True
            break
    assert sent
    assert pop.representative[members[3]] and pop.level[members[3]] == WORKING_GROUP
    assert pop.representative.sum() == 1


def existing_group(overrides: dict) -> StadtteilModel:
    model = small_model({**WG_OVERRIDES, **overrides})
    make_rep(model, 1, n=2)
    make_rep(model, 2, n=2)
    model.state.wg.formed_month = 0
    model.state.wg.communities = frozenset({1, 2})
    return model


def run_meetings(model: StadtteilModel, months, moderating: bool) -> list[float]:
    """The group's own capacity after each month's meeting."""
    capacity = []
    model.state.office.mode = MODERATION if moderating else SUPPORT
    for month in months:
        model.state.month = month
        working_group.step(context(model, effort=1.0 if moderating else 0.3, moderating=moderating))
        capacity.append(model.state.wg.capacity)
    return capacity


def test_dependency_slows_the_growth_of_own_capacity_while_moderated():
    on = existing_group({})
    off = existing_group({"mechanisms.dependency": False})
    run_meetings(on, range(1, 13), moderating=True)
    run_meetings(off, range(1, 13), moderating=True)
    assert 0 < on.state.wg.capacity < off.state.wg.capacity


def test_what_the_group_built_remains_after_the_handover():
    """Succession, no penalty: after moderation the capacity built goes on growing, never falls
    back for having been moderated (only representatives drifting away cost capacity)."""
    model = existing_group({"behaviour.working_group.rep_dropout": 0.0})
    built = run_meetings(model, range(1, 13), moderating=True)[-1]
    after = run_meetings(model, range(13, 25), moderating=False)
    assert all(b >= a for a, b in zip([built, *after], after, strict=False)) and after[-1] > built


def test_self_carried_regularity_leaves_out_the_moderator_and_the_link():
    """What the 'stable' rule watches: without capacity of its own a moderated group never looks
    ready, however regular its meetings; with capacity it counts without any link."""
    model = existing_group({})
    wg, w = model.state.wg, model.config.behaviour.working_group
    run_meetings(model, range(1, 4), moderating=True)
    wg.capacity = 0.0
    run_meetings(model, range(4, 16), moderating=True)
    assert wg.regularity > 0.8 and wg.self_carried < w.intervention_below and wg.self_carried_months == 0
    wg.capacity = 0.9
    assert model.state.link_stage == 0
    run_meetings(model, range(16, 19), moderating=True)
    assert wg.self_carried >= w.intervention_below and wg.self_carried_months == 3


def test_moderation_makes_meetings_regular():
    model = existing_group({"district_management.capacity": 0.0})
    run_meetings(model, range(1, 13), moderating=True)
    moderated = model.state.wg.regularity
    alone = existing_group({"district_management.capacity": 0.0})
    run_meetings(alone, range(1, 13), moderating=False)
    assert moderated > alone.state.wg.regularity
    assert moderated >= model.config.behaviour.working_group.stable_regularity
    assert model.state.wg.meeting_stable_months > 0


# ================================================================ linking (M4)

def linking_setup(ready: bool, overrides: dict | None = None) -> StadtteilModel:
    model = existing_group({"behaviour.linking.delegate_dropout": 0.0, **(overrides or {})})
    state, pop = model.state, model.state.pop
    month = 20
    state.month = month
    state.wg.formed_month = month - 12 if ready else month  # formed this month: not ready
    state.wg.regularity = 0.9
    state.wg.link_decided_month = month
    # Individually integrated migrants outside the groups: German, informed, no group.
    outsiders = np.flatnonzero(pop.migrant & pop.adult & ~pop.representative & (pop.community >= 3))[:10]
    pop.group[outsiders] = -1
    pop.level[outsiders] = INFORMED
    pop.german[outsiders] = 0.8
    return model


@pytest.mark.parametrize("ready", [False, True])
def test_seats_go_to_representatives_only_when_the_group_is_ready(ready):
    model = linking_setup(ready)
    pop = model.state.pop
    linking.step(context(model))
    for i, (committee, cfg) in enumerate(zip(model.state.committees, model.config.committees.each(), strict=True)):
        assert committee.link_stage == 1 and committee.link_month == 20
        assert ((pop.level == DELEGATE) & (pop.seat == i)).sum() == cfg.seats_per_stage[0]
    delegates = np.flatnonzero(pop.level == DELEGATE)
    if ready:
        assert pop.representative[delegates].all()
    else:
        assert not pop.representative[delegates].any()  # token representation
        assert (pop.group[delegates] < 0).all()


def test_the_less_formal_committee_needs_less_german_of_its_delegates():
    """The Stadtteilrunde's formal meetings (0.7) need more German than the working group's
    representatives have (0.45 < 0.8 x 0.7): its seats go to outsiders; the citizens' working
    groups (0.4: 0.32 needed) take the group's own representatives."""
    model = linking_setup(ready=True)
    pop = model.state.pop
    pop.german[pop.representative] = 0.45
    linking.step(context(model))
    stadtteilrunde, buergerarbeitsgruppen = (
        np.flatnonzero((pop.level == DELEGATE) & (pop.seat == i)) for i in (STADTTEILRUNDE, BUERGERARBEITSGRUPPEN))
    assert stadtteilrunde.size and not pop.representative[stadtteilrunde].any()
    assert buergerarbeitsgruppen.size and pop.representative[buergerarbeitsgruppen].all()
    committees = model.state.committees
    assert committees[STADTTEILRUNDE].token_share > 0.5 and committees[BUERGERARBEITSGRUPPEN].token_share == 0.0
    # The group's token share is over all its seats.
    seats = stadtteilrunde.size + buergerarbeitsgruppen.size
    assert model.state.token_share == pytest.approx(committees[STADTTEILRUNDE].token_share * stadtteilrunde.size / seats)


def test_no_linking_before_the_decision():
    model = linking_setup(ready=True)
    model.state.wg.link_decided_month = None
    linking.step(context(model))
    assert model.state.link_stage == 0
    assert not (model.state.pop.level == DELEGATE).any()


@pytest.mark.parametrize("cost", [True, False])
def test_token_seats_erode_the_constituents_trust(cost):
    model = linking_setup(ready=False, overrides={"mechanisms.token_cost": cost})
    pop = model.state.pop
    constituents = pop.migrant & pop.adult & np.isin(pop.community, [1, 2])
    trust = pop.trust.copy()
    linking.step(context(model))
    assert model.state.token_share > 0.5  # seats filled by outsiders without contact to the groups
    assert np.array_equal(pop.trust[~constituents], trust[~constituents])
    if cost:
        loss = model.config.behaviour.linking.token_trust_loss * model.state.token_share
        assert np.allclose(pop.trust[constituents], trust[constituents] * (1 - loss))
        assert linking.token_engagement(context(model)) < 1.0
    else:
        assert np.array_equal(pop.trust, trust) and linking.token_engagement(context(model)) == 1.0


def test_own_delegates_are_no_token_seats():
    model = linking_setup(ready=True)
    linking.step(context(model))
    assert model.state.token_share == 0.0


@pytest.mark.parametrize("persists", [True, False])
def test_an_unlinked_group_drifting_away_loses_its_willingness_to_link(persists):
    model = existing_group({"mechanisms.detachment_persists": persists})
    wg, lk = model.state.wg, model.config.behaviour.linking
    for committee in model.state.committees:
        committee.agenda_overlap = 0.2
    model.state.month = 1
    linking.step(context(model))
    expected = 1 - lk.willingness_loss * (1 - model.state.agenda_overlap) if persists else 1.0
    assert wg.link_willingness == pytest.approx(expected)


def test_a_group_unwilling_to_link_sends_no_observers():
    model = linking_setup(ready=True)
    model.state.wg.link_willingness = 0.0
    linking.step(context(model))
    assert model.state.link_stage == 0 and not (model.state.pop.level == DELEGATE).any()


@pytest.mark.parametrize("effort", [0.0, 1.0])
def test_linked_willingness_is_restored_by_deliberate_work(effort):
    model = linking_setup(ready=True, overrides={"district_management.capacity": 0.0})
    wg, lk = model.state.wg, model.config.behaviour.linking
    model.state.committees[0].link_stage, wg.link_willingness = 1, 0.4
    linking.step(context(model, effort=effort, moderating=effort > 0))
    assert wg.link_willingness == pytest.approx(0.4 + lk.willingness_repair * effort * 0.6)


def overlap_after(funds: bool, months: int = 6) -> float:
    model = existing_group({"instruments.project_funds_detached": funds})
    state = model.state
    start = state.agenda_overlap
    for month in range(1, months + 1):
        state.month = month
        linking.step(context(model))
    assert state.link_stage == 0
    assert state.agenda_overlap < start
    return state.agenda_overlap


def test_detached_project_funds_make_the_agenda_drift_faster():
    assert overlap_after(funds=True) < overlap_after(funds=False)


def test_unlinked_agenda_drift_follows_own_capacity():
    model = existing_group({})
    wg = model.state.wg
    lk = model.config.behaviour.linking
    wg.capacity = 0.2
    start = [c.agenda_overlap for c in model.state.committees]
    model.state.month = 1
    linking.step(context(model))
    for committee, before in zip(model.state.committees, start, strict=True):
        assert committee.agenda_overlap == pytest.approx(before * (1 - lk.overlap_drift * (0.5 + 0.2)))


# ================================================================ qualification (M8, M10), recognition (M9)
def test_qualification_does_nothing_without_effort():
    model = small_model()
    pop = model.state.pop
    pop.level[pop.adult] = MEMBER
    german, experience, trust = pop.german.copy(), pop.experience.copy(), pop.trust.copy()
    qualification.step(context(model, effort=0.0, moderating=False))
    assert np.array_equal(pop.german, german) and np.array_equal(pop.experience, experience)
    assert np.array_equal(pop.trust, trust)
    qualification.step(context(model, effort=1.0))
    assert (pop.german >= german).all() and (pop.german > german).any()
    assert np.array_equal(pop.german[~pop.migrant], german[~pop.migrant])


def test_recognition_changes_only_natives_acceptance():
    model = small_model()
    pop = model.state.pop
    before = pop.acceptance.copy()
    model.state.month = 1
    recognition.step(context(model))
    natives = pop.adult & ~pop.migrant
    assert np.array_equal(pop.acceptance[~natives], before[~natives])
    assert not np.array_equal(pop.acceptance[natives], before[natives])
    assert ((pop.acceptance >= 0) & (pop.acceptance <= 1)).all()


def test_recognition_work_raises_acceptance():
    on = small_model()
    off = small_model({"mechanisms.recognition": False})
    for model in (on, off):
        model.state.month = 1
        recognition.step(context(model))
    natives = on.state.pop.adult & ~on.state.pop.migrant
    assert on.state.pop.acceptance[natives].mean() > off.state.pop.acceptance[natives].mean()


def test_scenario_default_builds_a_context():
    model = StadtteilModel(load_scenario(Scenario(), {"run.scale": 0.1, "behaviour.burn_in_months": 0}))
    ctx = context(model)
    assert ctx.active_share.shape == (model.state.pop.size,)
    assert ctx.in_working_group.shape == (len(model.community_names),) and not ctx.in_working_group.any()


# --------------------------------------------------------------------------- turnover (M13)
def test_turnover_replaces_households_and_cuts_their_ties():
    from stadtteil_sim.model.processes import turnover

    model = small_model({"behaviour.context.turnover_rate": 0.2})
    for _ in range(12):
        model.step()
    pop, ties = model.state.pop, model.state.ties
    community, female, block = pop.community.copy(), pop.female.copy(), pop.block.copy()
    level, threshold = pop.level.copy(), pop.threshold.copy()
    model.state.month += 1  # a new month: fresh draws from the turnover stream
    ctx = context(model)
    turnover.step(ctx)
    moved = pop.threshold != threshold
    assert 0.1 < moved.mean() < 0.3
    # A similar household moves in: same community, gender and block; unreached, no group, no ties.
    assert np.array_equal(pop.community, community) and np.array_equal(pop.female, female)
    assert np.array_equal(pop.block, block)
    assert (pop.level[moved] == 0).all() and (pop.group[moved] == -1).all()
    assert not pop.representative[moved].any()
    assert not ties.alive[moved].any()
    assert not (ties.alive & moved[np.where(ties.alive, ties.partner, 0)]).any()
    assert (pop.level[~moved] == level[~moved]).all()


def test_turnover_sets_every_column_from_its_declaration():
    """Households that move: KEPT columns stay, DRAWN ones are new draws, RESET ones are back at
    the value a new population starts with; a column added to Population follows its rule."""
    from dataclasses import fields

    from stadtteil_sim.model.population import (
        DRAWN,
        KEPT,
        RESET,
        Population,
        build_population,
        personal_traits,
    )
    from stadtteil_sim.model.processes import turnover

    model = small_model({"behaviour.context.turnover_rate": 0.2})
    for _ in range(24):
        model.step()
    pop = model.state.pop
    rules = {f.name: f.metadata["moving_in"] for f in fields(Population)}
    assert set(rules.values()) == {KEPT, DRAWN, RESET}
    before = {name: getattr(pop, name).copy() for name in rules}
    model.state.month += 1
    turnover.step(context(model))
    moved = pop.threshold != before["threshold"]
    assert 0.1 < moved.mean() < 0.3
    assert (before["level"][moved] > 0).any()  # something to reset
    fresh = build_population(model.config, model.streams.setup("population"))
    rng = model.streams("turnover", model.state.month)
    movers = rng.random(pop.size) < model.config.behaviour.context.turnover_rate
    assert np.array_equal(moved, movers)  # who moves comes first, from the stream's first draw
    drawn = personal_traits(model.config, pop.community, pop.age_band, rng, rows=movers)  # then theirs
    for name, rule in rules.items():
        now = getattr(pop, name)
        assert now.dtype == before[name].dtype, name
        if rule == KEPT:
            assert np.array_equal(now, before[name]), name
        elif rule == RESET:
            assert np.array_equal(now[moved], getattr(fresh, name)[moved]), name
            assert np.array_equal(now[~moved], before[name][~moved]), name
        else:  # what the turnover stream drew for the newcomers this month
            assert np.array_equal(now[moved], drawn[name]), name
            assert np.array_equal(now[~moved], before[name][~moved]), name


def test_no_turnover_without_the_context_mechanism():
    from stadtteil_sim.model.processes import turnover

    model = small_model({"behaviour.context.turnover_rate": 0.2, "mechanisms.context": False})
    before = model.state.pop.threshold.copy()
    turnover.step(context(model))
    assert np.array_equal(model.state.pop.threshold, before)


# ================================================================ organisations (M15)
def main_associations(model: StadtteilModel) -> list[int]:
    g = model.state.groups
    return [i for i in range(len(g)) if g.kind[i] == MAIN_ASSOCIATION and g.alive[i]]


@pytest.mark.parametrize("change", [True, False])
def test_a_new_generation_opens_the_association_and_brings_a_second_line_leader(change):
    model = small_model({"behaviour.organisations.generation_rate": 1.0, "mechanisms.generational_change": change,
                         "mechanisms.role_moves": False})
    g, pop, o = model.state.groups, model.state.pop, model.config.behaviour.organisations
    mains = main_associations(model)
    before, experience = list(g.openness), pop.experience.copy()
    organisations.step(context(model))
    for i in mains:
        if change:
            assert g.leader_generation[i] == 2
            assert g.openness[i] == pytest.approx(before[i] + o.generation_openness * (1 - before[i]))
        else:
            assert g.leader_generation[i] == 1 and g.openness[i] == before[i]
    raised = np.flatnonzero(pop.experience > experience)
    if change:  # one new leader per association with adult members, among its members
        assert raised.size and (pop.experience[raised] >= model.config.behaviour.carriers.multiplier_experience).all()
        assert set(pop.group[raised]) <= set(mains) and (pop.level[raised] >= INFORMED).all()
    else:
        assert raised.size == 0


def role_step(overrides: dict, in_group: bool, contact: float) -> tuple[float, float]:
    """One month of the role moving for community 1's association, the group existing."""
    model = existing_group({"mechanisms.generational_change": False, **overrides})
    state = model.state
    if not in_group:
        state.wg.communities = frozenset({2, 3})
    state.contact[1] = contact
    i = next(i for i in main_associations(model) if state.groups.community[i] == 1)
    before = state.groups.openness[i]
    organisations.step(context(model))
    return before, state.groups.openness[i]


def test_inclusion_opens_passing_over_and_detached_funds_close_the_administration_opens():
    before, included = role_step({}, in_group=True, contact=1.0)
    assert included > before
    _, left_aside = role_step({}, in_group=False, contact=1.0)  # reached, but not in the group: no move
    assert left_aside == before
    _, passed_over = role_step({}, in_group=False, contact=0.0)
    assert passed_over < before
    _, funded_apart = role_step({"instruments.project_funds_detached": True}, in_group=True, contact=1.0)
    assert funded_apart < included
    _, opened = role_step({"instruments.intercultural_opening": 1.0}, in_group=False, contact=1.0)
    assert opened > before
    _, fixed = role_step({"mechanisms.role_moves": False, "instruments.project_funds_detached": True}, in_group=False,
                         contact=0.0)
    assert fixed == before


def test_a_professional_body_sends_experience_and_opens_its_networks_to_the_office():
    def built(kind):
        return StadtteilModel(load_scenario(two_communities(), {
            "behaviour.burn_in_months": 0, "behaviour.working_group.rep_rate": 1.0,
            "district.communities.A.association": kind}))

    model, plain = built("professional"), built("citywide")
    for m in (model, plain):
        state, pop = m.state, m.state.pop
        state.contact[:] = 1.0
        for k in (1, 2):  # organised, informed members in each community
            who = np.flatnonzero(pop.adult & (pop.community == k))[:10]
            pop.level[who], pop.group[who] = INFORMED, 0
        state.month = 1
        working_group.step(context(m))
    reps = np.flatnonzero(model.state.pop.representative & (model.state.pop.community == 1))
    floor = model.config.behaviour.organisations.professional_experience
    assert reps.size and (model.state.pop.experience[reps] >= floor).all()
    assert outreach.community_access(context(model))[1] > outreach.community_access(context(plain))[1]


def test_an_initiative_offers_activities_to_its_community_more_with_rooms():
    model = small_model()
    ctx = context(model)
    active = ctx.initiatives_active()
    local = [k for k, kind in enumerate(ctx.communities.association) if kind == 1]
    assert active[local].all() and not active[0]
    with_rooms = activation.initiative_activities(ctx)
    no_rooms = activation.initiative_activities(context(small_model({"district.rooms": False})))
    assert with_rooms > no_rooms > 0


@pytest.mark.parametrize("translation", [True, False])
def test_attending_migrants_in_no_group_join_the_native_association_as_far_as_its_meetings_let_them(translation):
    model = small_model({"committees.translation": translation, "committees.formality": 0.0,
                         "behaviour.associations.native_join_rate": 1.0, "behaviour.associations.join_rate": 0.0})
    pop, g = model.state.pop, model.state.groups
    native = g.kind.index(3)  # the native neighbourhood association
    attending = np.flatnonzero(pop.migrant & pop.adult)[:40]
    pop.level[attending], pop.group[attending] = ATTENDS, -1
    pop.german[attending] = 0.0  # without translation nobody without German can follow
    groups.step(context(model))
    joined = pop.group[attending] == native
    assert joined.all() if translation else not joined.any()

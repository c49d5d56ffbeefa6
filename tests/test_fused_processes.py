"""The processes whose per-resident numpy passes became compiled loops (model/kernels.py) change
the district exactly as their numpy form did, bit for bit: each reference below is the numpy
code the kernel replaced, run on a copy of the same state with the same month's streams."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from stadtteil_sim import load_scenario
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.event_kinds import FESTIVAL, SURVEY, EventKind
from stadtteil_sim.model.network import decay_ties, form_ties, share_of_ties
from stadtteil_sim.model.population import ATTENDS, DELEGATE, INFORMED, MEMBER, UNREACHED
from stadtteil_sim.model.processes import activation, contact, outreach, qualification, recognition
from stadtteil_sim.model.processes.context import MonthContext
from stadtteil_sim.model.rng import Streams, skip

KS = "scenarios/kranichstein_sued.yaml"
VARIANTS = [
    {},
    {"mechanisms.qualification": False, "mechanisms.recognition": False, "instruments.project_funds_detached": True},
    {"mechanisms.education": False, "mechanisms.rooms": False, "mechanisms.self_running": False,
     "mechanisms.token_cost": False},
    {"mechanisms.barriers": False, "behaviour.activation.join_at_threshold": True},
    {"mechanisms.visibility": False, "mechanisms.interests": False, "district_management.events_per_year": 12},
]


@pytest.fixture(scope="module", params=range(len(VARIANTS)))
def model(request) -> StadtteilModel:
    """A half-scale district 30 months into its run (groups, a working group, delegates)."""
    m = StadtteilModel(load_scenario(KS, {"run.scale": 0.5, **VARIANTS[request.param]}), seed=request.param + 1)
    for _ in range(30):
        m.step()
    return m


def contexts(model: StadtteilModel, effort: float = 1.0, event: EventKind | None = FESTIVAL) -> tuple[MonthContext, MonthContext]:
    """Two contexts of the same month over two copies of the district's state."""
    pair = []
    for _ in range(2):
        state = copy.deepcopy(model.state)
        # effort 0: a support month (advice only); the carriers act in every month.
        ctx = MonthContext.begin(model.config, state, model.streams, model.communities, effort, effort >= 1.0,
                                 advice=1.0 if effort == 0.0 else 0.0)
        ctx.event = event
        pair.append(ctx)
    return pair[0], pair[1]


def assert_same_state(a: MonthContext, b: MonthContext) -> None:
    for column in a.state.pop.columns():
        assert getattr(a.state.pop, column).tobytes() == getattr(b.state.pop, column).tobytes(), column
    assert a.state.ties.partner.tobytes() == b.state.ties.partner.tobytes()
    assert a.state.ties.strength.tobytes() == b.state.ties.strength.tobytes()
    assert a.state.contact.tobytes() == b.state.contact.tobytes()
    assert repr(a.state.groups) == repr(b.state.groups)


# ---------------------------------------------------------------- activation, as numpy did it
def barrier_numpy(ctx: MonthContext) -> np.ndarray:
    pop = ctx.state.pop
    if not ctx.switches.barriers:
        return np.zeros(pop.size)
    b, c = ctx.behaviour.barriers, ctx.communities
    committees, instruments = ctx.scenario.committees, ctx.scenario.instruments
    k = pop.community
    formal = committees.formality * (0.0 if committees.translation else 1.0)
    via_group = ctx.in_working_group * ctx.state.wg.regularity
    formality = formal * (1.0 - 0.7 * via_group)
    figure = np.maximum(c.covered * (ctx.effort > 0.0 or ctx.advice > 0.0), float(instruments.migrant_staff))
    migrant_barrier = (
        b.language * (1.0 - pop.german)
        + b.closure * c.closure[k]
        + b.identification_figure * (1.0 - figure[k])
        + b.formality * formality[k]
    )
    common = b.experience * (1.0 - pop.experience) + b.time * (1.0 - pop.resources)
    native_barrier = 0.3 * b.formality * committees.formality
    return common + np.where(pop.migrant, migrant_barrier, native_barrier)


def pull_numpy(ctx: MonthContext) -> np.ndarray:
    pop, a = ctx.state.pop, ctx.behaviour.activation
    k = pop.community
    wg = ctx.state.wg
    dm = ctx.scenario.district_management.capacity
    visible = 0.0
    if ctx.switches.visibility:
        visible = (ctx.event.seen(ctx.behaviour.events) if ctx.event else 0.0) + 0.5 * (ctx.in_working_group * wg.regularity)[k]
        if ctx.switches.organisation_kinds:
            o = ctx.behaviour.organisations
            rooms = ctx.scenario.district.rooms and ctx.switches.rooms
            visible = visible + o.initiative_activities * (1.0 if rooms else o.initiative_without_rooms) * ctx.initiatives_active()[k]
    interest = pop.identification * ctx.district_interest()[k]
    reach = ctx.carriers.reach(ctx.effort * ctx.state.contact)  # the office's and the carriers'
    invitation = np.where(pop.migrant, reach[k], 0.3 * dm) * (0.5 + 0.5 * pop.trust)
    # Token seats speaking for the group weaken its pull (M4).
    token = ctx.behaviour.linking.token_engagement * ctx.state.token_share if ctx.switches.token_cost else 0.0
    group = a.weight_group * (ctx.in_working_group * wg.regularity)[k] * (1.0 - token)
    return (
        a.weight_social * ctx.active_share
        + a.weight_events * visible
        + a.weight_interest * interest
        + a.weight_office * invitation
        + group
    )


def activation_numpy(ctx: MonthContext) -> None:
    draw = ctx.keyed("activation", 2).table(ctx.state.pop.size)
    pop, a = ctx.state.pop, ctx.behaviour.activation
    threshold = pop.threshold + barrier_numpy(ctx)
    p = pull_numpy(ctx)
    reached = (p >= threshold) if a.join_at_threshold else (p > threshold)
    up = pop.adult & (pop.level == INFORMED) & reached & (draw[:, 0] < a.up_rate)
    down = ((pop.level == ATTENDS) | (pop.level == MEMBER)) & (p < threshold - a.margin) & (draw[:, 1] < a.down_rate)
    pop.level[up] = ATTENDS
    pop.level[down] = INFORMED
    attending = pop.level >= ATTENDS
    pop.identification[attending] += 0.005 * (1.0 - pop.identification[attending])


@pytest.mark.parametrize("effort", [1.0, 0.4, 0.0])
@pytest.mark.parametrize("event", [FESTIVAL, SURVEY], ids=["festival", "survey"])
def test_activation_as_numpy(model, effort, event):
    ours, numpy_form = contexts(model, effort, event)
    assert barrier_numpy(ours).tobytes() == activation.barrier(ours).tobytes()
    assert pull_numpy(ours).tobytes() == activation.pull(ours).tobytes()
    activation.step(ours)
    activation_numpy(numpy_form)
    assert_same_state(ours, numpy_form)


# ---------------------------------------------------------------- contact, as numpy did it
def contact_numpy(ctx: MonthContext) -> None:
    draw = ctx.keyed("ties", 4)  # form_ties reads it where it is needed
    pop, t, state = ctx.state.pop, ctx.behaviour.ties, ctx.state
    g = state.groups
    attending = pop.adult & (pop.level >= ATTENDS)
    mixing = np.full(pop.size, t.mixing_base)
    if ctx.scenario.district.rooms and ctx.switches.rooms:
        in_rooms = np.append(np.array(g.in_rooms, dtype=bool) & np.array(g.alive, dtype=bool), False)
        meets_in_rooms = in_rooms[np.where(pop.group >= 0, pop.group, -1)] | pop.representative
        mixing = np.where(meets_in_rooms, t.mixing_shared, mixing)
    if ctx.event and ctx.event.mixes:
        mixing = np.maximum(mixing, t.mixing_shared)
    if ctx.scenario.instruments.project_funds_detached:
        mixing = np.where(pop.migrant, 0.5 * mixing, mixing)
    mixing = mixing * (1.0 - ctx.communities.closure[pop.community])
    circle = np.where(pop.group >= 0, 1_000 + pop.group, pop.community).astype(np.int64)
    committee = (pop.level == DELEGATE) | (~pop.migrant & (pop.level >= MEMBER))
    circle = np.where(committee, -2, circle)
    form_ties(state.ties, attending, circle, mixing, t.meet_rate, draw)
    decay_ties(state.ties, pop.block, attending, t.decay)


@pytest.mark.parametrize("event", [FESTIVAL, None], ids=["festival", "no event"])
def test_contact_as_numpy(model, event):
    ours, numpy_form = contexts(model, event=event)
    contact.step(ours)
    contact_numpy(numpy_form)
    assert_same_state(ours, numpy_form)
    mix = ours.tie_mix  # handed on to recognition: the ties' mix after contact
    assert mix.bridging.tobytes() == numpy_form.tie_mix.bridging.tobytes()
    assert mix.to_migrant.tobytes() == numpy_form.tie_mix.to_migrant.tobytes()


def test_skipping_draws_leaves_the_later_draws_as_they_were():
    drawn, skipped = Streams(3)("recognition", 5), Streams(3)("recognition", 5)
    drawn.random(1234)
    skip(skipped, 1234)
    assert drawn.random(40).tobytes() == skipped.random(40).tobytes()


# ---------------------------------------------------------------- recognition, as numpy did it
def recognition_numpy(ctx: MonthContext) -> None:
    draw = ctx.keyed("recognition", 1).table(ctx.state.pop.size)[:, 0]
    state, pop, r = ctx.state, ctx.state.pop, ctx.behaviour.recognition
    instruments, switches = ctx.scenario.instruments, ctx.switches
    natives = pop.adult & ~pop.migrant
    bridged = (ctx.tie_mix.count > 0) & ctx.tie_mix.to_migrant
    work = ctx.effort if switches.recognition else 0.0
    a = pop.acceptance
    informing = 1.0 - (1.0 - work) * (1.0 - ctx.carriers.natives) if switches.recognition else 0.0
    gain = r.contact_gain * bridged + r.info_gain * instruments.agenda_transparency * informing
    gain = gain + r.training_gain * work * (pop.level >= ATTENDS)
    reach = instruments.agenda_transparency * (1.0 if informing > 0 else 0.3)
    loss = r.speculation_loss * (1.0 - reach) * float(state.wg.exists)
    if ctx.event and ctx.event.backlash and not instruments.festival_codesigned:
        loss += r.backlash_loss
    loss += r.conflict_loss * state.counters.last_escalated
    if switches.token_cost and state.wg.exists:
        loss += ctx.behaviour.linking.token_recognition_loss * state.token_share
    new = a + gain * (1.0 - a) - loss * a + r.drift * (r.initial - a)
    pop.acceptance = np.where(natives, np.clip(new, 0.0, 1.0), a)
    c = ctx.behaviour.conflicts
    if switches.recognition:
        trained = (pop.level >= ATTENDS) & (draw < c.pool_training_rate * ctx.effort)
        pop.mediator_pool |= trained
    recognition._open_committees(ctx)


@pytest.mark.parametrize("effort", [1.0, 0.4, 0.0])
def test_recognition_as_numpy(model, effort):
    ours, numpy_form = contexts(model, effort)
    recognition.step(ours)
    recognition_numpy(numpy_form)
    assert_same_state(ours, numpy_form)
    assert ours.state.committees == numpy_form.state.committees
    assert ours.state.counters == numpy_form.state.counters


def test_active_share_as_numpy(model):
    ctx, _ = contexts(model)
    expected = share_of_ties(ctx.state.ties, ctx.state.pop.level >= ATTENDS)
    assert ctx.active_share.tobytes() == expected.tobytes()


# ---------------------------------------------------------------- outreach, as numpy did it
def outreach_numpy(ctx: MonthContext) -> None:
    rng = ctx.rng("outreach")
    noise = rng.random(len(ctx.communities.names))
    draw = ctx.keyed("outreach", 1).table(ctx.state.pop.size)[:, 0]
    state, o = ctx.state, ctx.behaviour.outreach
    pop, c = state.pop, ctx.communities
    dm = ctx.scenario.district_management.capacity
    office_rate = ctx.effort * o.contact_rate * outreach.community_access(ctx)
    management_rate = 0.25 * dm * o.contact_rate * o.uncovered_language_factor
    rate = (office_rate + management_rate) * (1.0 - 0.6 * c.closure) * (0.5 + noise)
    state.contact += rate * (1.0 - state.contact)
    state.contact[0] = 1.0
    migrant = pop.migrant
    contact = ctx.carriers.reach(ctx.effort * state.contact)[pop.community]  # the office's and the carriers'
    gateway = 1.0 + 2.0 * (pop.group >= 0)
    german_only = pop.german if ctx.switches.barriers else np.ones(pop.size)
    rate_i = (
        o.inform_office * contact * gateway * migrant
        + o.inform_management * dm * np.where(migrant, german_only, 2.0)
        + o.inform_social * ctx.active_share
    )
    if ctx.switches.education:
        rate_i = rate_i + o.inform_school * ctx.effort * pop.parent
    p = 1.0 - np.exp(-rate_i)
    newly = pop.adult & (pop.level == UNREACHED) & (draw < p)
    pop.level[newly] = INFORMED


@pytest.mark.parametrize("effort", [1.0, 0.4, 0.0])
def test_outreach_as_numpy(model, effort):
    ours, numpy_form = contexts(model, effort)
    ours.state.pop.level[::3] = UNREACHED  # many unreached, so that many get informed
    numpy_form.state.pop.level[::3] = UNREACHED
    outreach.step(ours)
    outreach_numpy(numpy_form)
    assert_same_state(ours, numpy_form)


# ---------------------------------------------------------------- qualification, as numpy did it
def qualification_numpy(ctx: MonthContext) -> None:
    draw = ctx.keyed("qualification", 3).table(ctx.state.pop.size)
    if ctx.effort <= 0.0:
        return
    pop = ctx.state.pop
    q = ctx.behaviour.qualification
    intensity = ctx.scenario.instruments.qualification_intensity
    reached = pop.adult & pop.migrant & (pop.level >= INFORMED)
    if ctx.switches.qualification:
        weight = np.where(pop.female, q.women_weight, 1.0)
        course = reached & (draw[:, 0] < np.minimum(1.0, q.course_rate * intensity * ctx.effort * weight))
        pop.german[course] += q.german_gain * (1.0 - pop.german[course])
        pop.resources[course] += 0.02 * (1.0 - pop.resources[course])
        multiplier = pop.migrant & (pop.level >= MEMBER) & (draw[:, 1] < q.course_rate * intensity * ctx.effort)
        pop.experience[multiplier] += q.experience_gain * (1.0 - pop.experience[multiplier])
    if ctx.switches.education:
        school = pop.parent & (pop.level >= INFORMED) & (draw[:, 2] < 0.1 * ctx.effort)
        pop.trust[school] += 0.03 * (1.0 - pop.trust[school])
        pop.identification[school] += 0.01 * (1.0 - pop.identification[school])
        mothers = school & pop.female & pop.migrant
        pop.german[mothers] += 0.5 * q.german_gain * (1.0 - pop.german[mothers])


@pytest.mark.parametrize("effort", [1.0, 0.4, 0.0])
def test_qualification_as_numpy(model, effort):
    ours, numpy_form = contexts(model, effort)
    qualification.step(ours)
    qualification_numpy(numpy_form)
    assert_same_state(ours, numpy_form)

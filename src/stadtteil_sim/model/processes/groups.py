"""Associations and self-organised groups: joining, rooms (M11), differentiation (M7), founding.

Attending residents join a group of their community. Where enough activated women (or young
people) are not served by their main association, a women's (youth) group forms: much more
easily where rooms for civic use exist (M11). A group that splits from a main association may
re-activate it, or, handled carelessly (no office accompanying it), make it withdraw (M7).
A group that has run for a while and whose core has the capacity registers as an association.
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model import kernels
from stadtteil_sim.model.events import (
    ASSOCIATION_REACTIVATED,
    ASSOCIATION_WITHDRAWS,
    GROUP_DISSOLVES,
    GROUP_FORMS_IN_ROOMS,
    GROUP_FORMS_WITHOUT_ROOMS,
    GROUP_REGISTERS,
    GROUP_SPLITS,
)
from stadtteil_sim.model.population import ATTENDS, NATIVE
from stadtteil_sim.model.processes.context import MonthContext
from stadtteil_sim.model.state import (
    GROUP_KIND_NAMES,
    MAIN_ASSOCIATION,
    NATIVE_ASSOCIATION,
    WOMENS_GROUP,
    YOUTH_GROUP,
)

GROUP_DRAWS = 1024  # fixed shape of the group stream's per-group draws


def member_counts(ctx: MonthContext) -> np.ndarray:
    """Per group, its attending members."""
    pop = ctx.state.pop
    return kernels.attending_members(pop.group, pop.level, len(ctx.state.groups))


def usable(ctx: MonthContext) -> np.ndarray:
    g, month = ctx.state.groups, ctx.state.month
    return np.array(g.alive, dtype=bool) & (np.array(g.withdrawn_until) < month)


def step(ctx: MonthContext) -> None:
    """Groups: joining, self-organised groups in the rooms, splits, foundings (M7, M11)."""
    rng = ctx.rng("groups")
    draw = ctx.keyed("groups", 2)  # read only for attending adults in no group
    community_draw = rng.random((len(ctx.communities.names), 2, 3))
    group_draw = rng.random((GROUP_DRAWS, 2))
    _dissolve(ctx, group_draw)
    _join(ctx, draw)
    _join_native_association(ctx)
    for kind in (WOMENS_GROUP, YOUTH_GROUP):
        _form(ctx, kind, community_draw[:, kind - 1, :])
    _found(ctx, group_draw)
    _sync_levels(ctx)


def _rooms_free(ctx: MonthContext) -> bool:
    d = ctx.scenario.district
    if not (d.rooms and ctx.switches.rooms):
        return False
    g = ctx.state.groups
    in_rooms = sum(1 for alive, room in zip(g.alive, g.in_rooms, strict=True) if alive and room)
    return in_rooms < d.room_slots


def _dissolve(ctx: MonthContext, group_draw: np.ndarray) -> None:
    g, a, pop = ctx.state.groups, ctx.behaviour.associations, ctx.state.pop
    counts = member_counts(ctx)
    for i in range(len(g)):
        if not g.alive[i] or g.kind[i] not in (WOMENS_GROUP, YOUTH_GROUP):
            continue
        g.activity[i] = 0.9 * g.activity[i] + 0.1 * min(1.0, counts[i] / ctx.core_size)
        weak = counts[i] < ctx.core_size / 2
        rate = a.dissolve_rate * (1.0 if g.in_rooms[i] else a.no_rooms_dissolve_factor)
        if weak and not g.registered[i] and group_draw[i % GROUP_DRAWS, 0] < rate * (2.0 - g.activity[i]):
            g.alive[i] = False
            pop.group[pop.group == i] = -1
            ctx.state.log(GROUP_DISSOLVES, kind=GROUP_KIND_NAMES[g.kind[i]], community=ctx.communities.names[g.community[i]])


def _target_groups(ctx: MonthContext, kind: int, counts: np.ndarray, open_only: bool) -> np.ndarray:
    """Per community code, the group of this kind a newcomer joins (-1 if none)."""
    g = ctx.state.groups
    ok = usable(ctx)
    target = np.full(len(ctx.communities.names), -1, dtype=np.int64)
    for i in range(len(g)):
        if ok[i] and g.kind[i] == kind and (not open_only or counts[i] < 3 * ctx.core_size):
            if target[g.community[i]] < 0 or counts[i] < counts[target[g.community[i]]]:
                target[g.community[i]] = i
    return target


def _join(ctx: MonthContext, draw: np.ndarray) -> None:
    pop, a, g = ctx.state.pop, ctx.behaviour.associations, ctx.state.groups
    counts = member_counts(ctx)
    main = _target_groups(ctx, MAIN_ASSOCIATION, counts, open_only=False)
    main[NATIVE] = _target_groups(ctx, NATIVE_ASSOCIATION, counts, open_only=False)[NATIVE]
    women = _target_groups(ctx, WOMENS_GROUP, counts, open_only=True)
    youth = _target_groups(ctx, YOUTH_GROUP, counts, open_only=True)
    served = np.array([1.0] * len(ctx.communities.names))
    for i in range(len(g)):
        if g.alive[i] and g.kind[i] == MAIN_ASSOCIATION:
            served[g.community[i]] = g.women_served[i]
    # Open associations take newcomers in; formalistic meetings put them off (M2).
    openness = np.ones(len(ctx.communities.names))
    for i in range(len(g)):
        if g.alive[i] and g.kind[i] in (MAIN_ASSOCIATION, NATIVE_ASSOCIATION):
            formality = g.formality[i] if ctx.switches.barriers else 0.0
            openness[g.community[i]] = (0.5 + 0.5 * g.openness[i]) * (1.0 - 0.5 * formality)
    # Women go to a women's group if there is one; the main association keeps them only if it serves them.
    kernels.join_groups(pop.group, pop.level, pop.age_band, pop.community, pop.female, draw.key, draw.width, a.join_rate * openness,
                        main, women, youth, served)


def _join_native_association(ctx: MonthContext) -> None:
    """Attending migrants in no group may join the native neighbourhood association (M2): its
    formalistic meetings put them off, and without translation only as far as their German
    carries them (the text: "formalistische Sitzungen", missing translation). Members meet
    natives there (contact, M5)."""
    if not ctx.switches.native_association_open:
        return  # before any draw: the stream is read by nothing else
    pop, g = ctx.state.pop, ctx.state.groups
    native = next((i for i in range(len(g)) if g.kind[i] == NATIVE_ASSOCIATION and g.alive[i]), -1)
    if native < 0:
        return
    rows = np.flatnonzero(pop.migrant & pop.adult & (pop.level >= ATTENDS) & (pop.group < 0))
    formality = g.formality[native] if ctx.switches.barriers else 0.0
    language = 1.0 if ctx.scenario.committees.translation or not ctx.switches.barriers else pop.german[rows]
    p = ctx.behaviour.associations.native_join_rate * (1.0 - formality) * language
    joining = rows[ctx.keyed("native_association", 1).at(rows, 0) < p]
    pop.group[joining] = native


def _form(ctx: MonthContext, kind: int, draws: np.ndarray) -> None:
    """Women's (youth) groups form where a core of activated, unserved members exists."""
    pop, a, state = ctx.state.pop, ctx.behaviour.associations, ctx.state
    g = state.groups
    rate_factor = 1.0 if kind == WOMENS_GROUP else a.youth_rate_factor
    candidates, pool = kernels.form_candidates(pop.group, pop.level, pop.community, pop.female, pop.age_band,
                                               np.array(g.kind), kind, kind == YOUTH_GROUP, len(ctx.communities.names))
    for k in np.flatnonzero(pool >= ctx.core_size):
        if k == NATIVE:
            continue
        main = next((i for i in range(len(g)) if g.alive[i] and g.kind[i] == MAIN_ASSOCIATION and g.community[i] == k), -1)
        rooms = _rooms_free(ctx)
        rate = a.form_rate * (1.0 if rooms else a.no_rooms_factor)
        splitting = ctx.switches.differentiation and main >= 0
        if splitting:
            rate += a.split_rate * (1.0 - g.women_served[main]) * (1.0 if rooms else a.no_rooms_factor)
        if draws[k, 0] >= rate * rate_factor:
            continue
        new = g.add(kind=kind, community=int(k), month=state.month, in_rooms=rooms, activity=0.6,
                    openness=0.7, formality=0.1)
        members = np.flatnonzero(candidates & (pop.community == k))[: 2 * ctx.core_size]
        from_main = members[pop.group[members] == main] if main >= 0 else members[:0]
        pop.group[members] = new
        forms = GROUP_FORMS_IN_ROOMS if rooms else GROUP_FORMS_WITHOUT_ROOMS
        state.log(forms, kind=GROUP_KIND_NAMES[kind], community=ctx.communities.names[k])
        if splitting and from_main.size:
            g.split_from[new] = main
            _after_split(ctx, main, draws[k, 1:])


def _after_split(ctx: MonthContext, main: int, draws: np.ndarray) -> None:
    """M7: a split may re-activate the main association, or, unaccompanied, make it withdraw."""
    g, a, state = ctx.state.groups, ctx.behaviour.associations, ctx.state
    name = ctx.communities.names[g.community[main]]
    state.log(GROUP_SPLITS, community=name)
    if draws[0] < a.reactivation:
        g.activity[main] = min(1.0, g.activity[main] + 0.3)
        g.women_served[main] = min(1.0, g.women_served[main] + 0.2)
        state.log(ASSOCIATION_REACTIVATED, community=name)
    elif draws[1] < a.exclusion * (1.0 - ctx.care):
        g.withdrawn_until[main] = state.month + 12
        state.log(ASSOCIATION_WITHDRAWS, community=name)


def _found(ctx: MonthContext, group_draw: np.ndarray) -> None:
    """A running group whose core is capable registers as an association (eingetragener Verein)."""
    g, a, state, pop = ctx.state.groups, ctx.behaviour.associations, ctx.state, ctx.state.pop
    counts = member_counts(ctx)
    core = None  # each group's summed capacity and members, worked out once a group needs them
    advice = 0.5 + 0.5 * min(1.0, ctx.care + 0.5 * ctx.scenario.district_management.capacity)
    for i in range(len(g)):
        if not g.alive[i] or g.registered[i] or g.kind[i] not in (WOMENS_GROUP, YOUTH_GROUP):
            continue
        if state.month - g.born[i] < a.founding_min_months or counts[i] < ctx.core_size / 2:
            continue
        if core is None:
            core = kernels.core_capacity_sums(pop.group, pop.german, pop.experience, pop.resources, len(g))
        sums, members = core
        core_capacity = sums[i] / max(1, members[i])
        if core_capacity >= a.founding_capacity and group_draw[i % GROUP_DRAWS, 1] < a.founding_rate * advice:
            g.registered[i] = True
            if state.month >= 0:
                g.founded[i] = state.month
                state.counters.associations_founded += 1
                state.counters.womens_associations_founded += int(g.kind[i] == WOMENS_GROUP)
            state.log(GROUP_REGISTERS, kind=GROUP_KIND_NAMES[g.kind[i]], community=ctx.communities.names[g.community[i]])


def _sync_levels(ctx: MonthContext) -> None:
    """Attending members of a usable group are members (level 3); without one they attend (2)."""
    pop = ctx.state.pop
    kernels.sync_levels(pop.level, pop.group, usable(ctx))

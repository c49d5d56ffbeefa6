"""Resident column arrays and their initialisation from the census figures.

Residents are rows; each attribute is one numpy array. Processes change them with boolean masks
over the whole population, so a month costs a few dozen array operations, not a Python loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np

from stadtteil_sim.config.schema import Scenario

# Participation ladder (Milbrath; Arnstein for the quality of representation).
UNREACHED, INFORMED, ATTENDS, MEMBER, WORKING_GROUP, DELEGATE = range(6)
LEVEL_NAMES = ("unreached", "informed", "attends", "member", "working_group", "delegate")

CHILD, YOUNG_ADULT, ADULT, SENIOR = range(4)
NATIVE = 0  # community code of natives; migrant communities are 1..K in scenario order


# How a resident column is set when a household moves in (residential turnover, M13): the
# newcomers are like the leavers in who they are and where they live (KEPT), bring their own
# personal traits (DRAWN by personal_traits), and start from the column's initial value (RESET).
KEPT, DRAWN, RESET = "kept", "drawn", "reset"


def column(meaning: str, moving_in: str, initial: Any = None) -> Any:
    """A resident column's declaration: its meaning, its value for a household moving in and,
    for RESET columns, its initial value: ``(dtype, value)``, the value a constant or a function
    of (scenario, migrant mask). KEPT and DRAWN columns are drawn by :func:`build_population`."""
    assert (initial is not None) == (moving_in == RESET), meaning
    return field(metadata={"meaning": meaning, "moving_in": moving_in, "initial": initial})


def _native_acceptance(scenario: Scenario, migrant: np.ndarray) -> np.ndarray:
    return np.where(migrant, 0.0, scenario.behaviour.recognition.initial)


@dataclass
class Population:
    """Every resident column, declared once: :func:`build_population` creates them and residential
    turnover resets them from this declaration."""

    community: np.ndarray = column("int16, 0 = native", KEPT)
    female: np.ndarray = column("bool", KEPT)
    age_band: np.ndarray = column("int8: child, young adult, adult, senior", KEPT)
    parent: np.ndarray = column("bool: a child at a local school or kindergarten", KEPT)
    block: np.ndarray = column("int32 housing block", KEPT)
    unemployed: np.ndarray = column("bool", DRAWN)
    welfare: np.ndarray = column("bool", DRAWN)
    german: np.ndarray = column("float, 0..1", DRAWN)
    experience: np.ndarray = column("committee work / democratic participation, 0..1", DRAWN)
    identification: np.ndarray = column("with the district, 0..1", DRAWN)
    trust: np.ndarray = column("in institutions, 0..1", DRAWN)
    resources: np.ndarray = column("time and resources, 0..1", DRAWN)
    threshold: np.ndarray = column("personal activation threshold", DRAWN)
    level: np.ndarray = column("int8 participation ladder", RESET, (np.int8, UNREACHED))
    group: np.ndarray = column("int32 group/association index, -1 = none", RESET, (np.int32, -1))
    acceptance: np.ndarray = column("natives' acceptance of migrant participation, 0..1", RESET,
                                    (np.float64, _native_acceptance))
    mediator_pool: np.ndarray = column("bool: trained in conflict mediation (M9)", RESET, (bool, False))
    efficacy: np.ndarray = column("delegates' sense of influence, 0..1", RESET, (np.float64, 0.5))
    representative: np.ndarray = column("bool: represents a community in the working group", RESET, (bool, False))
    seat: np.ndarray = column("int8: the committee a delegate sits in (state.COMMITTEE_NAMES), -1 = none", RESET,
                              (np.int8, -1))

    @property
    def size(self) -> int:
        return int(self.community.size)

    @property
    def adult(self) -> np.ndarray:
        return self.age_band != CHILD

    @property
    def migrant(self) -> np.ndarray:
        return self.community != NATIVE

    @cached_property
    def adult_natives(self) -> np.ndarray:
        """Rows of adult natives. Community and age band are KEPT when a household moves in, so
        the rows never change: worked out once, not at each of the month's readings."""
        return np.flatnonzero((self.age_band != CHILD) & (self.community == NATIVE))

    @cached_property
    def adults_by_community(self) -> np.ndarray:
        """Adults per community code (KEPT columns too: worked out once)."""
        return np.bincount(self.community[self.age_band != CHILD])

    def native_acceptance(self, default: float = 0.0) -> float:
        """Mean acceptance of migrant participation among adult natives (M9)."""
        values = self.acceptance[self.adult_natives]
        return float(values.mean()) if values.size else default

    def columns(self) -> list[str]:
        return [f.name for f in fields(self)]


COLUMNS = {f.name: f.metadata for f in fields(Population)}  # the declaration, read once


def columns_moving_in(rule: str) -> tuple[str, ...]:
    """The names of the columns set by ``rule`` (KEPT, DRAWN or RESET) when a household moves in."""
    return tuple(name for name, declared in COLUMNS.items() if declared["moving_in"] == rule)


def initial_value(name: str, scenario: Scenario, migrant: np.ndarray) -> np.ndarray:
    """A RESET column's initial value for the residents ``migrant`` describes (one per row)."""
    dtype, value = COLUMNS[name]["initial"]
    if callable(value):
        return value(scenario, migrant).astype(dtype, copy=False)
    return np.full(migrant.size, value, dtype=dtype)


def strain_probabilities(density: float, migrant_share: float, factor: float) -> tuple[float, float]:
    """Split a district density (per 100) between migrants and natives so the mean is kept.

    The text: migrants carry above-average unemployment and welfare dependence.
    """
    d = density / 100.0
    # Capped so that natives' share never has to fall below zero to keep the district mean.
    migrant_p = min(0.95, d * factor, d / max(migrant_share, 1e-9))
    native_p = (d - migrant_share * migrant_p) / max(1e-9, 1.0 - migrant_share)
    return float(migrant_p), float(np.clip(native_p, 0.0, 0.95))


TRAITS = columns_moving_in(DRAWN)  # what personal_traits draws


def personal_traits(scenario: Scenario, community: np.ndarray, age_band: np.ndarray, rng: np.random.Generator,
                    rows: np.ndarray | None = None) -> dict:
    """Strain, German, experience, identification, trust, resources and the activation threshold
    (at start for everyone, and for the households moving in: ``rows``, indices or a mask).
    Thresholds do not depend on origin: migrants and natives draw them alike. Only the rows drawn
    for draw: which households move is decided before, from a draw of its own, so every plan of a paired
    comparison draws the same newcomers (common random numbers)."""
    d = scenario.district
    n = community.size
    migrant_share = np.count_nonzero(community) / n if n else 0.0  # migrants: codes > 0 (NATIVE is 0)
    if rows is not None:
        community, age_band = community[rows], age_band[rows]
    u = rng.random((community.size, 2))
    noise = rng.normal(0.0, 1.0, size=(community.size, 6))
    migrant = community != NATIVE
    strain_on = scenario.mechanisms.context
    factor = d.migrant_strain_factor if strain_on else 1.0
    mu, nu = strain_probabilities(d.unemployment_density, migrant_share, factor)
    mw, nw = strain_probabilities(d.welfare_density, migrant_share, factor)
    working_age = (age_band == YOUNG_ADULT) | (age_band == ADULT)
    unemployed = working_age & (u[:, 0] < np.where(migrant, mu, nu))
    welfare = (age_band != CHILD) & (u[:, 1] < np.where(migrant, mw, nw))

    german_mean = np.array([1.0] + [c.german_mean for c in d.communities])[community]
    exp_mean = np.array([0.45] + [c.committee_experience_mean for c in d.communities])[community]
    strain = 0.5 * unemployed + 0.5 * welfare
    weight = scenario.behaviour.context.strain_weight if strain_on else 0.0
    act = scenario.behaviour.activation
    return {
        "unemployed": unemployed,
        "welfare": welfare,
        "german": np.where(migrant, np.clip(german_mean + 0.15 * noise[:, 0], 0.02, 1.0), 1.0),
        "experience": np.clip(exp_mean + 0.12 * noise[:, 1], 0.0, 1.0),
        "identification": np.clip(np.where(migrant, 0.35, 0.5) + 0.12 * noise[:, 2], 0.0, 1.0),
        "trust": np.clip(np.where(migrant, 0.4, 0.5) + 0.12 * noise[:, 3], 0.0, 1.0),
        "resources": np.clip(0.75 + 0.15 * noise[:, 4] - weight * strain, 0.0, 1.0),
        "threshold": act.threshold_mean + act.threshold_sd * noise[:, 5],
    }


def in_residents(people: int, scale: float) -> int:
    """A threshold the schema counts in people (a group's core, the organised members a community
    needs), in resident agents at the run's scale: at 1:1 the number itself; at run.scale 0.5,
    where each resident stands for two inhabitants, half of it (rounded up, at least one). Without
    this a scaled-down district, whose communities are halved, meets undiminished thresholds and
    behaves differently, not just more noisily (docs/ODD.md, "Scale")."""
    return max(1, math.ceil(people * scale - 1e-9))


def in_residents_drawn(people: int, scale: float, draws: np.ndarray) -> np.ndarray:
    """A threshold in people, in residents, one per entry of ``draws`` (uniforms drawn once per
    run): ``people · scale`` rounded down or up, up with the chance of its fractional part, at
    least one. Where ``people · scale`` is not whole (5 organised members at 0.5: 2.5 residents)
    a fixed rounding moves every community's threshold the same way (⌈2.5⌉ = 3 stands for six
    people, not five), and a process timed by the threshold runs late at every seed; drawn, the
    threshold is right on average. At 1:1 (a whole number) it is the number itself, no draw read."""
    exact = people * scale
    whole = math.floor(exact + 1e-9)
    return np.maximum(1, whole + (draws < exact - whole - 1e-9)).astype(np.int64)


def build_population(scenario: Scenario, rng: np.random.Generator) -> Population:
    d = scenario.district
    scale = scenario.run.scale
    sizes = [max(0, round(c.size * scale)) for c in d.communities]
    n = max(sum(sizes) + 10, round(d.population * scale))
    community = np.zeros(n, dtype=np.int16)
    start = 0
    for k, size in enumerate(sizes, start=1):
        community[start : start + size] = k
        start += size
    migrant = community != NATIVE

    u = rng.random((n, 5))
    female = u[:, 0] < 0.5
    # Age bands from the district's shares (assumptions in the scenario file).
    cuts = np.cumsum([d.child_share, d.young_adult_share, 1.0 - d.child_share - d.young_adult_share - d.senior_share])
    age_band = np.searchsorted(cuts, u[:, 1], side="right").astype(np.int8)
    parent = ((age_band == YOUNG_ADULT) | (age_band == ADULT)) & (u[:, 2] < d.parent_share)
    # Residents live in all blocks; half of each migrant community clusters in one home block.
    blocks = d.housing_blocks
    home = (community.astype(np.int64) * 7919) % blocks
    anywhere = np.minimum(np.floor(u[:, 4] * blocks), blocks - 1)
    block = np.where(migrant & (u[:, 3] < 0.5), home, anywhere).astype(np.int32)

    traits = personal_traits(scenario, community, age_band, rng)
    return Population(
        community=community,
        female=female,
        age_band=age_band,
        parent=parent,
        block=block,
        **traits,
        **{name: initial_value(name, scenario, migrant) for name in columns_moving_in(RESET)},
    )

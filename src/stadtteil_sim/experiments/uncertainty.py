"""The uncertainties of an experiment: conditions drawn by a seeded Latin hypercube over declared
ranges, crossed with the policy variants and paired.

Condition c is a setting of every uncertain parameter; each of its ``replicates`` runs has the
same seed in every variant and base scenario, so "plan A beats plan B in condition c" is a
paired statement, and regret, satisficing and scenario discovery (:mod:`.robust`,
:mod:`.discovery`) read the table of conditions by their parameter values. The hypercube's
rows become an in-memory :class:`~stadtteil_sim.experiments.param_sample.ParameterSample`, so
the design, the store and the report treat them like a sample read from a file (e.g. a
calibration's posterior, ``parameters.sample``), except that condition c is row c, not a
weighted resample.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from stadtteil_sim.config import paths
from stadtteil_sim.config.city import CityScenario
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.schema import Strict, bounds, declared, describe_field
from stadtteil_sim.experiments.param_sample import ParameterSample, numeric_paths

ALL_UNCERTAINTIES = "all uncertainties"
PLAUSIBLE = "plausible"
# Spawn key of the hypercube's generator: a stream of the experiment's root seed apart from the
# replicates' seeds and from a file sample's draws (param_sample.DRAW_STREAM).
LHS_STREAM = 0x4C485300


def declared_ranges(parameters: Any, fixed: Mapping[str, Any]) -> Any:
    """Ranges with the declared ones filled in: ``'all uncertainties'`` is every real-valued
    uncertainty the schema declares (less those ``fixed`` by the overrides), a path given as
    ``'plausible'`` gets its declared range. Anything else is left for validation."""
    ranges = {item.path: list(item.plausible) for item in declared() if item.plausible}
    if parameters == ALL_UNCERTAINTIES:
        return {path: bounds for path, bounds in ranges.items() if path not in fixed}
    if isinstance(parameters, str):
        raise ValueError(
            f"'{parameters}': allowed: '{ALL_UNCERTAINTIES}', or a mapping of dotted paths to [low, high] or '{PLAUSIBLE}'"
        )
    if not isinstance(parameters, dict):
        return parameters
    out = {}
    for path, bounds_ in parameters.items():
        if bounds_ == PLAUSIBLE and path not in ranges:
            known = [item.path for item in declared()]
            close = difflib.get_close_matches(str(path), list(ranges) if path not in known else [], n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            what = "declares no plausible range" if path in known else "is not a parameter of the schema"
            raise ValueError(
                f"{path} = {PLAUSIBLE}: {what}{hint}; allowed: '{PLAUSIBLE}' for a real-valued uncertainty "
                "(stadtteil-sim params shows its range), [low, high] otherwise"
            )
        out[path] = ranges[path] if bounds_ == PLAUSIBLE else bounds_
    return out


def check_pairs(ranges: dict[str, list[float]]) -> dict[str, list[float]]:
    """Each range is [low, high] with low < high."""
    for path, pair in ranges.items():
        if len(pair) != 2:
            raise ValueError(f"{path} = {pair}: allowed: [low, high], two numbers")
        low, high = pair
        if not low < high:
            raise ValueError(f"{path} = {pair}: low is not below high; allowed: [low, high] with low < high")
    return ranges


class Uncertainties(Strict):
    """What is uncertain, and how many conditions to draw from it."""

    conditions: int = Field(ge=2, le=100_000, description="Latin-hypercube points (conditions), each crossed with every variant")
    ranges: dict[str, list[float]] = Field(
        min_length=1,
        description=f"dotted path of a numeric parameter -> [low, high] or '{PLAUSIBLE}' (its declared range); "
        f"or '{ALL_UNCERTAINTIES}'",
    )

    @field_validator("ranges", mode="before")
    @classmethod
    def _declared(cls, ranges):
        return declared_ranges(ranges, {})

    @field_validator("ranges")
    @classmethod
    def _pairs(cls, ranges):
        return check_pairs(ranges)


def latin_hypercube(uncertainties: Uncertainties, integer: set[str], seed: int) -> pd.DataFrame:
    """``conditions`` rows, one column per range, stratified in every column (scipy's
    ``LatinHypercube``, scrambled, from the experiment's root seed): an integer parameter takes
    ``low + floor(u * (high - low + 1))``, so each whole number is equally likely."""
    # imported here: scipy.stats takes a second to import, and most experiments sample nothing
    from scipy.stats import qmc

    columns = list(uncertainties.ranges)
    generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(LHS_STREAM,)))
    unit = qmc.LatinHypercube(d=len(columns), seed=generator).random(uncertainties.conditions)
    data = {}
    for j, path in enumerate(columns):
        low, high = uncertainties.ranges[path]
        if path in integer:
            data[path] = np.minimum(low + np.floor(unit[:, j] * (high - low + 1)), high).astype(np.int64)
        else:
            data[path] = low + unit[:, j] * (high - low)
    return pd.DataFrame(data)


def condition_sample(uncertainties: Uncertainties, cities: dict[str, CityScenario], seed: int,
                     source: Path, key: str) -> ParameterSample:
    """The hypercube as a sample whose row c is condition c, after checking every range against
    the schema in every district of every base city (``key`` names the section in messages)."""
    integer: set[str] = set()
    for city in cities.values():
        for district in city.districts:
            known = numeric_paths(district)
            for path, (low, high) in uncertainties.ranges.items():
                where = f"{key}.ranges.{path}"
                if path not in known:
                    close = difflib.get_close_matches(path, list(known), n=1, cutoff=0.6)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    raise ScenarioError(
                        f"{where}: not a numeric parameter of scenario '{district.name}'{hint}; allowed: dotted paths of "
                        "numeric parameters ('stadtteil-sim params SCENARIO' lists them)"
                    )
                field = paths.field_at(path)
                lo, hi = bounds(field)
                kind, allowed = describe_field(field)
                if (lo is not None and low < lo) or (hi is not None and high > hi):
                    raise ScenarioError(f"{where} = [{low}, {high}]: outside the allowed range; allowed: {allowed}")
                if kind == "int":
                    if low != int(low) or high != int(high):
                        raise ScenarioError(f"{where} = [{low}, {high}]: a whole-number parameter; allowed: whole numbers in {allowed}")
                    integer.add(path)
    values = latin_hypercube(uncertainties, integer, seed)
    digest = hashlib.sha256(values.to_csv(index=False).encode()).hexdigest()
    return ParameterSample(source, digest, values, None, hypercube=True)

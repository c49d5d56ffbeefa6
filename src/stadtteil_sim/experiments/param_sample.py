"""A parameter sample (e.g. the posterior of a calibration) that a batch draws its parameters
from, so that its intervals include parameter uncertainty, not only the model's randomness.

The file is CSV or Parquet: one column per parameter, named by its dotted scenario path
(``behaviour.activation.weight_office``), and an optional ``weight`` column (non-negative
importance weights; equal weights without it). Rows are numbered from 0, as in the run table's
``parameter_draw`` column. Every value is checked against the scenario schema here, before any
run; :mod:`stadtteil_sim.experiments.design` then checks the drawn rows in every scenario they enter.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stadtteil_sim.config import paths
from stadtteil_sim.config.city import CityScenario
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import display_path
from stadtteil_sim.config.schema import Scenario, bounds, describe_field, iter_parameters

WEIGHT = "weight"
SUFFIXES = {".csv": "CSV", ".parquet": "Parquet", ".pq": "Parquet"}
# Spawn key of the generator that draws the rows: a stream of the experiment's root seed apart
# from the replicates' seeds (SeedSequence([seed, r]) has no spawn key).
DRAW_STREAM = 0x50415241


@dataclass(frozen=True)
class ParameterSample:
    """A checked sample: its values (one column per dotted path) and weights (None: equal)."""

    file: Path
    sha256: str  # of the file's bytes: a changed sample is a different experiment
    values: pd.DataFrame
    weights: np.ndarray | None
    hypercube: bool = False  # drawn by the experiment's 'uncertainties' (file: the experiment), not read

    @property
    def row_name(self) -> str:
        return "condition" if self.hypercube else "row"

    @property
    def columns(self) -> list[str]:
        return list(self.values.columns)

    def row(self, index: int) -> dict[str, Any]:
        """One row as scenario overrides (plain Python numbers: ints stay ints for int parameters)."""
        return {column: values.iloc[index].item() for column, values in self.values.items()}


def draw_rows(weights: np.ndarray | None, rows: int, replicates: int, seed: int) -> np.ndarray:
    """Row used by each replicate: a weighted resample with replacement, the same for a seed."""
    generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW_STREAM,)))
    p = None if weights is None else weights / weights.sum()
    return generator.choice(rows, size=replicates, replace=True, p=p)


def numeric_paths(scenario: Scenario) -> dict[str, str]:
    """Dotted path -> allowed values, for every number a sample may set in this scenario (run
    settings excluded: they say how to run, not how the district behaves)."""
    return {
        row["path"]: row["allowed"]
        for row in iter_parameters(scenario)
        if row["type"] in ("int", "float") and not row["path"].startswith("run.")
    }


def read_sample(path: Path, scenarios: dict[str, CityScenario], key: str) -> ParameterSample:
    """Read and check a sample for the given base cities (a column sets its path in every
    district of a city); ``key`` names where the file was
    given (e.g. ``experiments/x.yaml: parameters.sample``). Raises ScenarioError naming the
    file, and the row and column where one is at fault."""
    kind = SUFFIXES.get(path.suffix.lower())
    shown = display_path(path)
    if not path.is_file():
        raise ScenarioError(f"{key}: '{shown}' not found; allowed: a CSV or Parquet file, relative to the experiment file")
    if kind is None:
        raise ScenarioError(f"{key}: '{shown}' is not a CSV or Parquet file; allowed: a name ending in {', '.join(SUFFIXES)}")
    data = path.read_bytes()
    frame = _read(path, kind, shown)
    if frame.empty:
        raise ScenarioError(f"{shown}: the sample has no rows; allowed: a header line of dotted paths and one row per draw")

    def where(i: int, column: str) -> str:
        line = f" (line {i + 2})" if kind == "CSV" else ""  # the header is line 1
        return f"{shown}: row {i}{line}, column '{column}'"

    columns = [str(c) for c in frame.columns if c != WEIGHT]
    if not columns:
        raise ScenarioError(f"{shown}: no parameter columns, only '{WEIGHT}'; allowed: dotted scenario paths such as "
                            "behaviour.activation.weight_office")
    allowed = _check_columns(columns, scenarios, shown)
    values = pd.DataFrame({c: _column(frame[c], c, allowed[c], where) for c in columns})
    weights = _weights(frame[WEIGHT], where, shown) if WEIGHT in frame else None
    return ParameterSample(path, hashlib.sha256(data).hexdigest(), values, weights)


def _read(path: Path, kind: str, shown: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, skipinitialspace=True) if kind == "CSV" else pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise ScenarioError(f"{shown}: the file is empty; allowed: a header line of dotted paths and one row per draw") from None
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScenarioError(f"{shown}: cannot be read as {kind} ({reason})") from None
    return frame.reset_index(drop=True)


def _check_columns(columns: list[str], cities: dict[str, CityScenario], shown: str) -> dict[str, str]:
    """Every column must be a numeric parameter of every district of every base city; -> path ->
    allowed values."""
    allowed: dict[str, str] = {}
    for scenario in (district for city in cities.values() for district in city.districts):
        name = scenario.name
        known = numeric_paths(scenario)
        for column in columns:
            if column in known:
                allowed[column] = known[column]
                continue
            if column.startswith("run."):
                problem = "is a run setting, not a model parameter"
            elif column in (types := {row["path"]: row["type"] for row in iter_parameters(scenario)}):
                problem = f"is a setting of type {types[column]}, not a numeric parameter"
            else:
                close = difflib.get_close_matches(column, list(known), n=1, cutoff=0.6)
                problem = "is not a parameter of scenario '" + name + "'" + (f" (did you mean '{close[0]}'?)" if close else "")
            raise ScenarioError(
                f"{shown}: column '{column}' {problem}; allowed: '{WEIGHT}' and dotted paths of numeric parameters, "
                "e.g. behaviour.activation.weight_office ('stadtteil-sim params SCENARIO' lists them)"
            )
    return allowed


def _column(raw: pd.Series, column: str, allowed: str, where) -> pd.Series:
    """The column as numbers within the schema's range (int parameters as ints)."""
    field = paths.field_at(column)
    numbers = pd.Series(np.nan, index=raw.index) if pd.api.types.is_bool_dtype(raw) else pd.to_numeric(raw, errors="coerce")
    numbers = numbers.astype(float)
    _first(~np.isfinite(numbers), raw, column, where, "not a number", allowed)
    if describe_field(field)[0] == "int":
        _first(numbers != np.round(numbers), raw, column, where, "not a whole number", allowed)
        numbers = numbers.astype(np.int64)
    low, high = bounds(field)
    low, high = -np.inf if low is None else low, np.inf if high is None else high
    _first((numbers < low) | (numbers > high), raw, column, where, "outside the allowed range", allowed)
    return numbers


def _weights(raw: pd.Series, where, shown: str) -> np.ndarray:
    allowed = "a number >= 0 (importance weight; at least one above 0)"
    numbers = pd.to_numeric(raw, errors="coerce").astype(float)
    _first(~np.isfinite(numbers), raw, WEIGHT, where, "not a number", allowed)
    _first(numbers < 0, raw, WEIGHT, where, "a negative weight", allowed)
    if not (numbers > 0).any():
        raise ScenarioError(f"{shown}: column '{WEIGHT}': every weight is 0, so no row can be drawn; allowed: {allowed}")
    return numbers.to_numpy()


def _first(bad, raw: pd.Series, column: str, where, problem: str, allowed: str) -> None:
    """Raise for the first row where ``bad`` holds, naming row, column, value and what is allowed."""
    rows = np.flatnonzero(np.asarray(bad))
    if len(rows):
        i = int(rows[0])
        cell = raw.iloc[i]
        value = "is empty" if pd.isna(cell) else f"= {cell.item() if isinstance(cell, np.generic) else cell!r}"
        raise ScenarioError(f"{where(i, column)} {value}: {problem}; allowed: {allowed}")

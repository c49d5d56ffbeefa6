"""One run as a plain function: ``run(scenario, seed=..., overrides=...) -> RunResult``.

Batches, calibration and the dashboard call this (or the model class); nothing else runs a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stadtteil_sim import indicators
from stadtteil_sim.model import StadtteilModel
from stadtteil_sim.scenario import Scenario, load_scenario


@dataclass
class RunResult:
    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame  # one row per month: month, year and the indicators
    summary: dict[str, Any]
    participation: pd.DataFrame  # level x community x gender at the scenario's chosen months
    events: list[str] = field(default_factory=list)


def run(
    scenario: Scenario | str | Path | dict,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    months: int | None = None,
) -> RunResult:
    """Run one scenario to its horizon (``months`` overrides ``run.months``)."""
    overrides = dict(overrides or {})
    if months is not None:
        overrides["run.months"] = months
    loaded = load_scenario(scenario, overrides)
    model = StadtteilModel(loaded, seed=loaded.run.seed if seed is None else seed)  # None: the scenario's
    wanted = set(loaded.run.participation_months)
    tables = [indicators.participation_table(model.state, loaded, 0)] if 0 in wanted else []
    for _ in range(loaded.run.months):
        model.step()
        if model.month in wanted:
            tables.append(indicators.participation_table(model.state, loaded, model.month))
    frame = model.datacollector.get_model_vars_dataframe().drop(columns="seed").reset_index(drop=True)
    frame.insert(0, "month", range(len(frame)))
    frame.insert(1, "year", loaded.district.start_year + frame["month"] / 12.0)
    summary = indicators.summarise(frame, model.state, loaded)
    summary["seed"] = model.seed
    participation = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    return RunResult(loaded, model.seed, frame, summary, participation, list(model.state.counters.events))

"""One run as a plain function: ``run(scenario, seed=..., overrides=...) -> RunResult``.

Batches, calibration and the dashboard call this (or the model class); nothing else runs a model.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model import indicators
from stadtteil_sim.model.district import StadtteilModel

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(repr=False)  # the default repr prints whole tables; see __repr__
class RunResult:
    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame  # one row per month: month, year and the indicators
    summary: dict[str, Any]
    participation: pd.DataFrame  # level x community x gender at the scenario's chosen months
    events: list[str] = field(default_factory=list)

    def plot(self) -> Figure:
        """The main indicators month by month (the run folder's indicators.png) as a Figure;
        the last value of a Jupyter cell shows it, ``.savefig(path)`` writes it."""
        from stadtteil_sim.model.run_figure import (
            main_indicators_figure,  # matplotlib only when plotting
        )

        return main_indicators_figure(self.timeseries, self.summary, self.figure_title())

    def figure_title(self) -> str:
        return f"{self.scenario.district.name} (seed {self.seed})"

    def _title(self) -> str:
        name, district = self.scenario.name, self.scenario.district.name
        return district if name in (district, "default") else f"{name}: {district}"

    def __repr__(self) -> str:
        rows, cols = self.timeseries.shape
        events = f"{len(self.events)} event{'' if len(self.events) == 1 else 's'}"
        return (
            f"RunResult({self._title()}, seed {self.seed}, {self.scenario.run.months} months; "
            f"summary: {len(self.summary)} values; timeseries {rows} x {cols}; "
            f"participation {len(self.participation)} rows; {events})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(key))}</th><td>{html.escape(_cell(value))}</td></tr>"
            for key, value in self.summary.items()
        )
        n, m = self.timeseries.shape
        return (
            f"<div><strong>RunResult</strong> {html.escape(self._title())}, seed {self.seed}, "
            f"{self.scenario.run.months} months<br>"
            f"<small>.timeseries {n} x {m}, .participation {len(self.participation)} rows, "
            f".events {len(self.events)}, .plot() for the main indicators</small>"
            f"<table><thead><tr><th style='text-align:left'>summary</th><th>value</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )


def _cell(value: Any) -> str:
    """A summary value for a table: floats to 4 significant digits, NaN as a dash."""
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.4g}"
    return str(value)


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

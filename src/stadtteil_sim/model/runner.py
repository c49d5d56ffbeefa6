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

from stadtteil_sim.config.city import CityScenario, load_city
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
    loaded = load_scenario(scenario, _with_months(overrides, months))
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


@dataclass(repr=False)
class CityRunResult:
    """A city's run: the city's series and, long by (district, month), every district's."""

    scenario: CityScenario
    seed: int
    city: pd.DataFrame  # one row per month: month, year and the city's indicators
    timeseries: pd.DataFrame  # one row per (district, month): the district's indicators and office figures
    summary: dict[str, Any]  # the city at the end: the weakest district, the spread, the staff
    districts: pd.DataFrame  # one row per district: its end-of-run summary, when it started, how long it waited
    events: list[str] = field(default_factory=list)  # "district: month N: ..."

    def __repr__(self) -> str:
        return (f"CityRunResult({self.scenario.city.name}, {len(self.districts)} districts, seed {self.seed}, "
                f"{self.scenario.run.months} months; city {self.city.shape[0]} x {self.city.shape[1]}, "
                f"timeseries {self.timeseries.shape[0]} x {self.timeseries.shape[1]})")


def run_city(
    scenario: CityScenario | str | Path | dict,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    months: int | None = None,
) -> CityRunResult:
    """Run a city to its horizon; the district table says what each district reached."""
    from stadtteil_sim.model.city import CityModel  # the city imports this module's district

    loaded = load_city(scenario, _with_months(overrides, months))
    model = CityModel(loaded, seed=loaded.run.seed if seed is None else seed)
    for _ in range(loaded.run.months):
        model.step()
    start = loaded.city.start_year
    city = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    city.insert(0, "month", range(len(city)))
    city.insert(1, "year", start + city["month"] / 12.0)
    long = pd.DataFrame(model.district_rows)
    long.insert(2, "year", start + long["month"] / 12.0)
    rows, events = [], []
    for name, district in model.districts.items():
        frame = long[long["district"] == name].drop(columns=["district"]).reset_index(drop=True)
        office = district.state.office
        rows.append({"district": name, "office_started_month": _month_or_nan(office.started_month),
                     "months_waited": office.months_waited,
                     "migrant_participation_at_end": float(frame["migrant_participation_rate"].iloc[-1]),
                     **indicators.summarise(frame, district.state, district.config)})
        events += [f"{name}: {line}" for line in district.state.counters.events]
    table = pd.DataFrame(rows)
    last = city.iloc[-1]
    summary = {
        "districts": len(model.districts),
        "weakest_district": str(table.loc[table["migrant_participation_at_end"].idxmin(), "district"]),
        **{f"final_{k}": float(last[k]) for k in ("migrant_participation_min", "migrant_participation_max",
                                                  "migrant_participation_spread", "migrant_participation_city")},
        "staff_hours_requested_total": float(city["staff_hours_requested"].iloc[1:].sum()),
        "staff_hours_granted_total": float(city["staff_hours_granted"].iloc[1:].sum()),
        "mean_pool_utilisation": float(city["pool_utilisation"].iloc[1:].mean()),
        "districts_that_waited": int((table["months_waited"] > 0).sum()),
        "seed": model.seed,
    }
    return CityRunResult(loaded, model.seed, city, long, summary, table, events)


def _with_months(overrides: dict[str, Any] | None, months: int | None) -> dict[str, Any]:
    """The overrides with ``months`` as ``run.months`` (through the schema: its range checks)."""
    return {**(overrides or {}), **({"run.months": months} if months is not None else {})}


def _month_or_nan(month: int | None) -> float:
    return float(month) if month is not None else math.nan

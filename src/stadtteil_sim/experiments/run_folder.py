"""Writing one run's results to a folder: a new folder appears whole, an earlier run folder is
updated file by file (each atomically), and files the program did not write stay."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from stadtteil_sim.experiments.atomic import write_figure
from stadtteil_sim.experiments.ownership import result_folder
from stadtteil_sim.model.run_figure import city_figure, main_indicators_figure

if TYPE_CHECKING:
    from stadtteil_sim.model.runner import CityRunResult, RunResult


def _jsonable(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def is_run_folder(folder: Path) -> bool:
    """A run folder written before folders carried a marker."""
    return (folder / "summary.json").is_file() and (folder / "scenario.yaml").is_file()


def write_run(result: RunResult, target: Path, *, force: bool = False) -> Path:
    """Write the run's files into ``target``; a folder holding files of others is refused
    (:class:`~stadtteil_sim.experiments.ownership.OutputError`) unless ``force``."""
    target = Path(target)
    with result_folder(target, "run", force=force, recognise=is_run_folder) as tmp:
        result.timeseries.to_csv(tmp / "timeseries.csv", index=False)
        result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        result.participation.to_csv(tmp / "participation.csv", index=False)
        summary = {k: _jsonable(v) for k, v in result.summary.items()}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (tmp / "scenario.yaml").write_text(result.scenario.to_yaml(), encoding="utf-8")
        (tmp / "events.txt").write_text("\n".join(result.events) + "\n", encoding="utf-8")
        plot_main_indicators(result, tmp / "indicators.png")
    return target


def write_city_run(result: CityRunResult, target: Path, *, force: bool = False) -> Path:
    """A city's run folder: the city's series (``city.csv``), every district's long by (district,
    month) (``timeseries.csv``/``.parquet``), the district table, the summary, the resolved city
    scenario, the events and the city figure; written like :func:`write_run`."""
    target = Path(target)
    with result_folder(target, "run", force=force, recognise=is_run_folder) as tmp:
        result.city.to_csv(tmp / "city.csv", index=False)
        result.timeseries.to_csv(tmp / "timeseries.csv", index=False)
        result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        result.districts.to_csv(tmp / "districts.csv", index=False)
        summary = {k: _jsonable(v) for k, v in result.summary.items()}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (tmp / "scenario.yaml").write_text(
            yaml.safe_dump(result.scenario.to_dict(), sort_keys=False, allow_unicode=True), encoding="utf-8")
        (tmp / "events.txt").write_text("\n".join(result.events) + "\n", encoding="utf-8")
        figure = city_figure(result.city, result.timeseries, result.scenario.office.staff_pool_hours,
                             f"{result.scenario.city.name} (seed {result.seed})")
        write_figure(figure, tmp / "indicators.png", dpi=90)
    return target


def plot_main_indicators(result: RunResult, path: Path) -> None:
    """Save :func:`main_indicators_figure` as a PNG (atomically)."""
    figure = main_indicators_figure(result.timeseries, result.summary, result.figure_title())
    write_figure(figure, Path(path), dpi=90)

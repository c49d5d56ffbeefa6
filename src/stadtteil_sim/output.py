"""Writing one run's results to a folder: a new folder appears whole, an earlier run folder is
updated file by file (each atomically), and files the program did not write stay."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from stadtteil_sim.atomic import write_figure
from stadtteil_sim.ownership import result_folder

if TYPE_CHECKING:  # runner imports this module lazily (RunResult.plot); no import cycle at runtime
    from stadtteil_sim.runner import RunResult

MAIN_INDICATORS = (
    ("migrant_participation_rate", "migrant participation"),
    ("native_participation_rate", "native participation"),
    ("communities_in_working_group", "communities in working group"),
    ("working_group_capacity", "working group capacity"),
    ("token_index", "token index"),
    ("detachment_index", "detachment index"),
    ("native_recognition", "native recognition"),
    ("self_organised_groups", "self-organised groups"),
    ("associations_founded", "associations founded"),
)


def _jsonable(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def is_run_folder(folder: Path) -> bool:
    """A run folder written before folders carried a marker."""
    return (folder / "summary.json").is_file() and (folder / "scenario.yaml").is_file()


def write_run(result: RunResult, target: Path, *, force: bool = False) -> Path:
    """Write the run's files into ``target``; a folder holding files of others is refused
    (:class:`~stadtteil_sim.ownership.OutputError`) unless ``force``."""
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


def plot_main_indicators(result: RunResult, path: Path) -> None:
    """Save :func:`main_indicators_figure` as a PNG (atomically)."""
    write_figure(main_indicators_figure(result), Path(path), dpi=90)


def main_indicators_figure(result: RunResult) -> Figure:
    """The nine main indicators month by month (3 x 3 panels), with the handover and linking
    months marked; a Figure of its own, not pyplot's current one (Jupyter shows it as the
    value of a cell; ``fig.savefig`` writes it)."""
    ts, summary = result.timeseries, result.summary
    fig = Figure(figsize=(13, 9))
    axes = fig.subplots(3, 3, sharex=True)
    for ax, (column, label) in zip(axes.flat, MAIN_INDICATORS, strict=True):
        ax.plot(ts["month"], ts[column], color="tab:blue")
        ax.set_title(label, fontsize=10)
        for key, style, name in (("handover_month", "--", "handover"), ("link_month", ":", "linking")):
            month = summary.get(key)
            if month is not None and not math.isnan(month):
                ax.axvline(month, color="tab:red" if name == "handover" else "tab:green", linestyle=style, label=name)
        ax.grid(alpha=0.3)
    if axes[0, 0].get_legend_handles_labels()[0]:  # the months may lie past a short run
        axes[0, 0].legend(fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("month")
    fig.suptitle(f"{result.scenario.district.name} (seed {result.seed})")
    fig.tight_layout()
    return fig

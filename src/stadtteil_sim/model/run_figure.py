"""The main indicators of one run as a matplotlib Figure (``RunResult.plot()`` and the run
folder's ``indicators.png``). Only ``matplotlib.figure``: no pyplot, no backend switched.

The panels are the indicators declared ``main`` in :mod:`stadtteil_sim.model.indicators`, with
their words as titles and their kind formatting the value axis."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from stadtteil_sim.model.indicators import Indicator, main_indicators

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLUMNS = 3


def format_value_axis(ax: Axes, indicator: Indicator) -> None:
    """Shares as percent, counts and stages in whole numbers from 0 to at least 1 (indices and
    hours as they come); after the lines are drawn."""
    if indicator.kind == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif indicator.kind in ("count", "stage"):
        low, high = ax.get_ylim()
        ax.set_ylim(min(low, 0.0), max(high, 1.0))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def main_indicators_figure(timeseries: pd.DataFrame, summary: dict[str, Any], title: str) -> Figure:
    """The main indicators month by month (three panels a row), with the handover and linking
    months marked; a Figure of its own, not pyplot's current one (Jupyter shows it as the
    value of a cell; ``fig.savefig`` writes it)."""
    ts = timeseries
    panels = main_indicators()
    rows = math.ceil(len(panels) / COLUMNS)
    fig = Figure(figsize=(13, 3 * rows))
    axes = fig.subplots(rows, COLUMNS, sharex=True, squeeze=False)
    for ax in axes.flat[len(panels):]:  # a last row not filled
        ax.remove()
    for i, (ax, indicator) in enumerate(zip(axes.flat, panels, strict=False)):
        ax.plot(ts["month"], ts[indicator.name], color="tab:blue")
        ax.set_title(indicator.en, fontsize=10)
        for key, style, name in (("handover_month", "--", "handover"), ("link_month", ":", "linking")):
            month = summary.get(key)
            if month is not None and not math.isnan(month):
                ax.axvline(month, color="tab:red" if name == "handover" else "tab:green", linestyle=style, label=name)
        format_value_axis(ax, indicator)
        ax.grid(alpha=0.3)
        if i + COLUMNS >= len(panels):  # nothing below it: the months are shown here
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel("month")
    if axes[0, 0].get_legend_handles_labels()[0]:  # the months may lie past a short run
        axes[0, 0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def city_figure(city: pd.DataFrame, timeseries: pd.DataFrame, pool: float | None, title: str) -> Figure:
    """A city's run: migrant participation in each district (the weakest link dashed in black)
    and the office's staff hours, requested and granted, against the pool."""
    fig = Figure(figsize=(13, 5))
    left, right = fig.subplots(1, 2)
    for name, frame in timeseries.groupby("district", sort=False):
        left.plot(frame["month"], frame["migrant_participation_rate"], label=name, linewidth=1.2)
    left.plot(city["month"], city["migrant_participation_min"], color="black", linestyle="--", label="weakest district")
    left.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    left.set_title("migrant participation by district", fontsize=10)
    left.legend(fontsize=7)
    right.plot(city["month"], city["staff_hours_requested"], label="requested", color="tab:orange")
    right.plot(city["month"], city["staff_hours_granted"], label="granted", color="tab:blue")
    if pool is not None:
        right.axhline(pool, color="tab:red", linestyle=":", label="staff pool")
    right.set_title("office staff hours per month", fontsize=10)
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.set_xlabel("month")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig

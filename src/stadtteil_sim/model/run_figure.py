"""The main indicators of one run as a matplotlib Figure (``RunResult.plot()`` and the run
folder's ``indicators.png``). Only ``matplotlib.figure``: no pyplot, no backend switched."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

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


def main_indicators_figure(timeseries: pd.DataFrame, summary: dict[str, Any], title: str) -> Figure:
    """The nine main indicators month by month (3 x 3 panels), with the handover and linking
    months marked; a Figure of its own, not pyplot's current one (Jupyter shows it as the
    value of a cell; ``fig.savefig`` writes it)."""
    ts = timeseries
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
    fig.suptitle(title)
    fig.tight_layout()
    return fig

"""The report of a batch for policy analysts: figures, tables and plain-language paragraphs,
written to ``<results folder>/report/`` as report.md, report.html, figures/*.png and CSV tables.

The numbers come from :mod:`stadtteil_sim.experiments.analysis`; this module only draws and writes them.
Markdown and HTML are rendered from one list of blocks, so both always say the same. The folder
is built aside and swapped in, so a failed report never leaves a half-written one behind.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure  # Figure is the report's figure block
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from stadtteil_sim.experiments.analysis import (
    CITY_CONTEXT_METRICS,
    Analysis,
    Choice,
    Plan,
    analyse,
    describe_variant,
    digits_for,
    district_table,
    fmt,
    indicator_words,
    metric_label,
    parameter_sentence,
)
from stadtteil_sim.experiments.city_analysis import CityFindings, city_findings, city_paragraph
from stadtteil_sim.experiments.ownership import check_folder, result_folder
from stadtteil_sim.experiments.store import BatchResults, load_results
from stadtteil_sim.model.indicators import CITY_INDICATORS, INDICATORS
from stadtteil_sim.model.run_figure import format_value_axis

REPORT_DIR = "report"
FIGURES = "figures"
BAND = (0.05, 0.95)
DPI = 90
VIRIDIS, VIRIDIS_R = matplotlib.colormaps["viridis"], matplotlib.colormaps["viridis_r"]  # not pyplot's cm


class ReportError(RuntimeError):
    """The folder cannot be reported on (no finished runs)."""


# ---------------------------------------------------------------------------------------------
# Blocks: the report's content, rendered to Markdown and to HTML
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str  # may use `code` and **bold**


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame  # cells already formatted as text


@dataclass(frozen=True)
class Figure:
    file: str  # relative to report.md
    caption: str


@dataclass(frozen=True)
class Code:
    text: str


Block = Heading | Paragraph | Table | Figure | Code


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-style table (no dependency on tabulate); '|' in cells is escaped."""
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |",
             "|" + "|".join("---" for _ in frame.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def to_markdown(blocks: list[Block]) -> str:
    parts = []
    number = 0
    for block in blocks:
        if isinstance(block, Heading):
            parts.append("#" * block.level + " " + block.text)
        elif isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Table):
            parts.append(markdown_table(block.frame))
        elif isinstance(block, Figure):
            number += 1
            parts.append(f"![{block.caption}]({block.file})\n\n*Figure {number}: {block.caption}*")
        elif isinstance(block, Code):
            parts.append(f"```\n{block.text}\n```")
    return "\n\n".join(parts) + "\n"


def _inline_html(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


HTML_STYLE = """body{font-family:sans-serif;max-width:1200px;margin:2em auto;line-height:1.45}
table{border-collapse:collapse;font-size:0.85em;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f0f0f0}img{max-width:100%}figcaption{font-style:italic;color:#444}code{background:#f4f4f4}"""


def to_html(blocks: list[Block], title: str) -> str:
    body = []
    number = 0
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_inline_html(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline_html(block.text)}</p>")
        elif isinstance(block, Table):
            body.append(block.frame.to_html(index=False, escape=True, border=0))
        elif isinstance(block, Figure):
            number += 1
            body.append(f'<figure><img src="{html.escape(block.file)}" alt="{html.escape(block.caption)}">'
                        f"<figcaption>Figure {number}: {_inline_html(block.caption)}</figcaption></figure>")
        elif isinstance(block, Code):
            body.append(f"<pre><code>{html.escape(block.text)}</code></pre>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{HTML_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _grid_axes(plan: Plan) -> list[str]:
    """Grid factors, the handover factor first when there is one (it goes on rows and lines)."""
    factors = list(plan.factors)
    return sorted(factors, key=lambda f: (not f.startswith("handover"), factors.index(f)))


def short_label(plan: Plan, variant: str) -> str:
    """``'48/18'`` for a grid variant (levels in axis order), the name for a named variant."""
    levels = plan.levels.get(variant) or {}
    return "/".join(levels[f] for f in _grid_axes(plan) if f in levels) or variant


def fan_groups(runs: pd.DataFrame, plan: Plan) -> tuple[pd.Series, str]:
    """Which line each run belongs to in a fan chart, and a caption saying so.

    One line per level of the handover factor (or the first grid factor), other factors fixed at
    the reference's levels; without a grid, one line per variant."""
    axes = _grid_axes(plan)
    ref_levels = plan.levels.get(plan.reference) or {}
    if not axes or f"factor.{axes[0]}" not in runs:
        return runs["variant"].rename("group"), "One line per variant."
    lead, others = axes[0], axes[1:]
    keep = pd.Series(True, index=runs.index)
    fixed = []
    for factor in others:
        if factor in ref_levels and f"factor.{factor}" in runs:
            keep &= runs[f"factor.{factor}"] == ref_levels[factor]
            fixed.append(f"{factor} = {ref_levels[factor]}")
    level = runs[f"factor.{lead}"].fillna("").astype(str)  # "" or missing: a named variant
    group = (f"{lead} " + level).where(keep & (level != "")).rename("group")
    note = (f"One line per {lead} level; {', '.join(fixed)} as in the reference." if fixed
            else f"One line per {lead} level, pooled over the other factors.")
    return group, note


def fan_indicators(series: pd.DataFrame) -> list[str]:
    """The kept numeric indicators: the main ones first, then the other declared ones, in column
    order, then any not declared (a batch stored by another version); text columns such as
    office_mode are skipped."""
    numeric = [c for c in series.columns if c not in ("run_id", "month", *CITY_INDICATORS)
               and pd.api.types.is_numeric_dtype(series[c])]
    declared = [i.name for i in sorted(INDICATORS.values(), key=lambda i: not i.main)]
    return [c for c in declared if c in numeric] + [c for c in numeric if c not in INDICATORS]


def _ordered_groups(groups: pd.Series, plan: Plan) -> list[str]:
    labels = list(dict.fromkeys(groups.dropna()))
    axes = _grid_axes(plan)
    if axes:
        order = [f"{axes[0]} {lv}" for lv in plan.factors[axes[0]]]
        return [g for g in order if g in labels] + [g for g in labels if g not in order]
    return labels


def plot_fans(analysis: Analysis, series: pd.DataFrame, folder: Path) -> list[Block]:
    """Median and 90% band over replicates per month, a panel per district (of a city too), a
    line per group; an explaining paragraph, then one figure per kept indicator."""
    plan = analysis.plan
    runs = analysis.runs[~analysis.runs["base"].isin(plan.cities)]
    if series.empty or "month" not in series or runs.empty:
        return []
    groups, note = fan_groups(runs, plan)
    keyed = runs.assign(group=groups).dropna(subset=["group"])
    merged = series.merge(keyed[["run_id", "district", "base", "group"]], on=["run_id", "district"])
    bases = [b for b in plan.bases if b in set(keyed["base"])] or list(dict.fromkeys(keyed["base"]))
    order = _ordered_groups(keyed["group"], plan)
    colours = _level_colours(plan) if _grid_axes(plan) else {}
    spare = iter(VIRIDIS(np.linspace(0, 0.9, max(len(order), 1))))
    colours = {g: colours.get(g, next(spare)) for g in order}
    figures = []
    for indicator in fan_indicators(series):
        stats = merged.groupby(["base", "group", "month"])[indicator].quantile([BAND[0], 0.5, BAND[1]]).unstack()
        fig = MplFigure(figsize=(5.5 * len(bases), 4))
        axes = fig.subplots(1, len(bases), sharey=True, squeeze=False)
        for ax, base in zip(axes[0], bases, strict=True):
            for group in order:
                if (base, group) not in stats.index.droplevel(2):
                    continue
                part = stats.loc[(base, group)]
                colour = colours[group]
                n = int(keyed[(keyed["base"] == base) & (keyed["group"] == group)].shape[0])
                ax.fill_between(part.index, part[BAND[0]], part[BAND[1]], color=colour, alpha=0.15, linewidth=0)
                ax.plot(part.index, part[0.5], color=colour, label=f"{group} (n={n})")
                _mark_months(ax, keyed[(keyed["base"] == base) & (keyed["group"] == group)], colour)
            ax.set_title(plan.district(base))
            ax.set_xlabel("month")
            ax.grid(alpha=0.3)
        axes[0, 0].set_ylabel(indicator_words(indicator))
        if indicator in INDICATORS:  # the panels share the value axis
            format_value_axis(axes[0, 0], INDICATORS[indicator])
        handles, labels = axes[0, 0].get_legend_handles_labels()
        handles += [Line2D([], [], color="grey", linestyle="--"), Line2D([], [], color="grey", linestyle=":")]
        labels += ["handover (mean month)", "linking (mean month)"]
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
        fig.tight_layout()
        file = f"{FIGURES}/fan_{indicator}.png"
        fig.savefig(folder / file, dpi=DPI, bbox_inches="tight")
        figures.append(Figure(file, f"{indicator_words(indicator)} over time (`{indicator}`)"))
    intro = Paragraph(f"Median (line) and {int(BAND[0] * 100)}–{int(BAND[1] * 100)}% band over replicates, month by "
                      f"month. {note} Dashed: mean handover month of the runs; dotted: mean month linking began.")
    return [intro, *figures] if figures else []


def _mark_months(ax, runs: pd.DataFrame, colour) -> None:
    for column, style in (("handover_month", "--"), ("link_month", ":")):
        if column in runs:
            month = runs[column].mean()  # NaN-safe: runs without a handover are left out
            if np.isfinite(month):
                ax.axvline(month, color=colour, linestyle=style, linewidth=1, alpha=0.8)


def _cmap(sense: str):
    """Brighter is better: viridis for maximise, reversed for minimise (and for costs)."""
    return VIRIDIS if sense == "maximise" else VIRIDIS_R


def plot_heatmaps(analysis: Analysis, folder: Path) -> list[Block]:
    """Mean of each metric over the two grid factors, a panel per district; [] unless the grid has
    exactly two factors."""
    plan, stats = analysis.plan, analysis.statistics
    axes_f = _grid_axes(plan)
    if len(axes_f) != 2 or stats.empty:
        return []
    rows_f, cols_f = axes_f
    rows, cols = plan.factors[rows_f], plan.factors[cols_f]
    figures = []
    for metric, part in stats.groupby("metric", sort=False):
        sense = part["sense"].iloc[0]
        grids = {}
        for base in dict.fromkeys(part["base"]):  # the units this metric belongs to
            cells = part[part["base"] == base].dropna(subset=[f"factor.{rows_f}", f"factor.{cols_f}"])
            grids[base] = cells.pivot_table(index=f"factor.{rows_f}", columns=f"factor.{cols_f}", values="mean",
                                            aggfunc="first", dropna=False).reindex(index=rows, columns=cols)
        finite = np.concatenate([g.to_numpy(dtype=float).ravel() for g in grids.values()])
        finite = finite[np.isfinite(finite)]
        vmin, vmax = (finite.min(), finite.max()) if len(finite) else (0.0, 1.0)
        fig = MplFigure(figsize=(0.9 * len(cols) * len(grids) + 2.5, 0.55 * len(rows) + 1.8))
        axes = fig.subplots(1, len(grids), squeeze=False)
        for ax, (base, grid) in zip(axes[0], grids.items(), strict=True):
            image = _draw_heatmap(ax, grid, plan, sense, (vmin, vmax), rows_f, cols_f, digits_for(np.abs(finite).max(initial=0)))
            ax.set_title(plan.district(base))
        for ax in axes[0, 1:]:
            ax.set_ylabel("")
        fig.colorbar(image, ax=list(axes[0]), shrink=0.8, label=metric)
        file = f"{FIGURES}/heatmap_{_safe(metric)}.png"
        fig.savefig(folder / file, dpi=DPI, bbox_inches="tight")
        better = "brighter is better" if sense else "no direction declared"
        figures.append(Figure(file, f"{metric_label(metric)} (`{metric}`); {better}"))
    intro = Paragraph(f"Mean over replicates by {rows_f} (rows) and {cols_f} (columns), one panel per district, "
                      "the same colour scale in both; the reference is outlined in red; grey: no value.")
    return [intro, *figures] if figures else []


def _draw_heatmap(ax, grid: pd.DataFrame, plan: Plan, sense: str, limits: tuple[float, float], rows_f: str,
                  cols_f: str, digits: int):
    vmin, vmax = limits
    values = grid.to_numpy(dtype=float)
    cmap = _cmap(sense).with_extremes(bad="lightgrey")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1e-9,
                      aspect="auto")
    for (i, j), value in np.ndenumerate(values):
        red, green, blue, _ = image.to_rgba(value) if np.isfinite(value) else (0.83, 0.83, 0.83, 1)
        luminance = 0.299 * red + 0.587 * green + 0.114 * blue
        ax.text(j, i, fmt(value, digits=digits), ha="center", va="center", fontsize=7, color="black" if luminance > 0.5 else "white")
    ax.set_xticks(range(len(grid.columns)), grid.columns)
    ax.set_yticks(range(len(grid.index)), grid.index)
    ax.set_xlabel(cols_f)
    ax.set_ylabel(rows_f)
    ref = plan.levels.get(plan.reference) or {}
    if rows_f in ref and cols_f in ref and ref[rows_f] in grid.index and ref[cols_f] in grid.columns:
        i, j = list(grid.index).index(ref[rows_f]), list(grid.columns).index(ref[cols_f])
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2))
    return image


def _safe(metric: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", metric)


def tradeoff_axes(analysis: Analysis, base: str) -> tuple[str | None, list[str]]:
    """x: the cost (first budget metric, else office staff hours; for a city as a whole the staff
    its pool granted); y: sustainability (the declared sustainability objective, else the 24-month
    ratio) and the primary objective, where known; for a city its first two objectives."""
    stats = analysis.statistics
    have = set(stats.loc[stats["base"] == base, "metric"]) if not stats.empty else set()
    plan = analysis.plan.for_base(base)
    x = next((m for m in [*plan.budget, "office_staff_hours_total", *CITY_CONTEXT_METRICS] if m in have), None)
    if base in analysis.plan.cities:
        return x, [m for m in list(plan.objectives)[:2] if m in have and m != x]
    sustainability = next((m for m in plan.objectives if m.startswith("sustainability_ratio")), "sustainability_ratio_24m")
    ys = [m for m in dict.fromkeys([sustainability, plan.primary]) if m and m in have and m != x]
    return x, ys


def plot_tradeoff(analysis: Analysis, folder: Path) -> list[Block]:
    """Each variant's mean cost against its mean sustainability (and primary objective), with 95%
    CIs: colour = level of the lead grid factor, filled = Pareto set, star = reference, budget
    as a line; the best variants are labelled. One figure for the districts (a column each), one
    per city as a whole (staff granted against the weakest district and the whole city)."""
    plan = analysis.plan
    groups: dict[tuple[str | None, tuple[str, ...]], list[str]] = {}
    for base in analysis.bases:
        x, ys = tradeoff_axes(analysis, base)
        if x is not None and ys:
            groups.setdefault((x, tuple(ys)), []).append(base)
    blocks: list[Block] = []
    colours = _level_colours(plan)
    for number, ((x, ys), bases) in enumerate(groups.items()):
        fig = MplFigure(figsize=(6 * len(bases), 4.5 * len(ys)))
        axes = fig.subplots(len(ys), len(bases), squeeze=False)
        for row, y in enumerate(ys):
            for col, base in enumerate(bases):
                _draw_tradeoff(axes[row, col], analysis, base, x, y, colours)
                axes[row, col].set_title(plan.district(base), fontsize=10)
        handles = [Line2D([], [], marker="o", linestyle="", color=c, label=label) for label, c in colours.items()]
        handles += [Line2D([], [], marker="o", linestyle="", color="grey", label="filled: Pareto set"),
                    Line2D([], [], marker="o", linestyle="", markerfacecolor="white", color="grey", label="open: not Pareto"),
                    Line2D([], [], marker="*", linestyle="", color="red", markersize=12, label="reference")]
        if x in plan.budget:
            handles.append(Line2D([], [], color="tab:red", linestyle="--", label=f"budget ({fmt(plan.budget[x])})"))
        fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=9)
        fig.tight_layout()
        file = f"{FIGURES}/tradeoff{'' if number == 0 else f'_{number + 1}'}.png"
        fig.savefig(folder / file, dpi=DPI, bbox_inches="tight")
        axes_label = "/".join(_grid_axes(plan))
        labels = f", labelled {axes_label}" if axes_label else ""
        blocks += [Paragraph(f"Mean {metric_label(x)} (x) against mean {' and '.join(metric_label(y) for y in ys)} (y) "
                             f"per variant in {', '.join(plan.district(b) for b in bases)}, with 95% confidence "
                             "intervals of the means; colour: the lead grid factor's level. Filled points: the Pareto "
                             "set over the declared objectives; the best by the primary objective overall and within "
                             f"the budget are named{labels}."),
                   Figure(file, f"trade-off between cost and outcome ({', '.join(plan.district(b) for b in bases[:3])}"
                                f"{' …' if len(bases) > 3 else ''})")]
    return blocks


def _level_colours(plan: Plan) -> dict[str, tuple]:
    """A colour per level of the lead grid factor (as in the fan charts); one colour without a grid."""
    axes = _grid_axes(plan)
    if not axes:
        return {"variant": VIRIDIS(0.3)}
    levels = plan.factors[axes[0]]
    return {f"{axes[0]} {lv}": c for lv, c in zip(levels, VIRIDIS(np.linspace(0, 0.9, len(levels))), strict=True)}


def _colour_of(plan: Plan, variant: str, colours: dict[str, tuple]):
    axes = _grid_axes(plan)
    level = (plan.levels.get(variant) or {}).get(axes[0]) if axes else None
    return colours.get(f"{axes[0]} {level}", "grey") if axes else next(iter(colours.values()))


def _draw_tradeoff(ax, analysis: Analysis, base: str, x: str, y: str, colours: dict[str, tuple]) -> None:
    plan, stats = analysis.plan, analysis.statistics
    part = stats[stats["base"] == base].set_index(["variant", "metric"])
    pareto = analysis.pareto
    front = set(pareto[(pareto["base"] == base) & pareto["pareto"]]["variant"]) if not pareto.empty else set()
    named = {c.variant for c in (analysis.best.get(base), analysis.best_in_budget.get(base)) if c is not None}
    for variant in dict.fromkeys(part.index.get_level_values(0)):
        px, py = part.loc[(variant, x)], part.loc[(variant, y)]
        if not (np.isfinite(px["mean"]) and np.isfinite(py["mean"])):
            continue
        colour = _colour_of(plan, variant, colours)
        ax.errorbar(px["mean"], py["mean"], xerr=_err(px), yerr=_err(py), fmt="o", color=colour, alpha=0.9,
                    markerfacecolor=colour if variant in front else "white", markersize=6, elinewidth=0.7, capsize=2)
        if variant == plan.reference:
            ax.plot(px["mean"], py["mean"], marker="*", color="red", markersize=14, zorder=5)
        if variant in named:
            ax.annotate(short_label(plan, variant), (px["mean"], py["mean"]), textcoords="offset points",
                        xytext=(6, 6), fontsize=8, arrowprops={"arrowstyle": "-", "color": "grey"})
    if x in plan.budget:
        ax.axvline(plan.budget[x], color="tab:red", linestyle="--")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.grid(alpha=0.3)


def _err(row: pd.Series):
    if not (np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"])):
        return None
    return [[row["mean"] - row["ci_low"]], [row["ci_high"] - row["mean"]]]


# ---------------------------------------------------------------------------------------------
# Tables, formatted
# ---------------------------------------------------------------------------------------------


def _interval_cell(estimate: float, low: float, high: float, digits: int | None = None) -> str:
    """``+0.050 [+0.030, +0.070]``; the bare estimate when there is no interval."""
    if not np.isfinite(estimate):
        return "n/a"
    text = fmt(estimate, True, digits)
    return f"{text} [{fmt(low, True, digits)}, {fmt(high, True, digits)}]" if np.isfinite(low) else text


def _diff_cell(mean: float, low: float, high: float, better: bool, worse: bool, digits: int) -> str:
    flag = " ↑" if better else " ↓" if worse else " *" if (low > 0 or high < 0) else ""
    return _interval_cell(mean, low, high, digits) + (flag if np.isfinite(mean) else "")


def metric_digits(analysis: Analysis, metric: str) -> int:
    """One number of decimals per metric, from the largest mean of any variant."""
    means = analysis.statistics.loc[analysis.statistics["metric"] == metric, "mean"].abs()
    return digits_for(means.max() if len(means) else 0.0)


def variant_notes(analysis: Analysis, base: str) -> dict[str, str]:
    """Per variant: reference, best, best within budget, Pareto, over budget."""
    plan, notes = analysis.plan, {}
    pareto = analysis.pareto[analysis.pareto["base"] == base].set_index("variant") if not analysis.pareto.empty else None

    def add(variant: str | None, text: str) -> None:
        if variant is not None:
            notes[variant] = f"{notes[variant]}; {text}" if variant in notes else text

    add(plan.reference, "reference")
    add(analysis.best[base].variant if analysis.best.get(base) else None, "best overall")
    add(analysis.best_in_budget[base].variant if analysis.best_in_budget.get(base) else None, "best within budget")
    if pareto is not None:
        for variant, row in pareto.iterrows():
            if row["pareto"]:
                add(variant, "Pareto")
            if plan.budget and not row["within_budget"]:
                add(variant, "over budget")
    return notes


def formatted_district_table(analysis: Analysis, base: str, runs: pd.DataFrame) -> pd.DataFrame:
    """The per-district table as text: n, notes and, per metric, mean and paired difference."""
    numeric = district_table(analysis.statistics, base)
    counts = runs[runs["base"] == base].groupby("variant").size()
    notes = variant_notes(analysis, base)
    stats = analysis.statistics
    metrics = list(dict.fromkeys(stats.loc[stats["base"] == base, "metric"]))  # a city's own differ
    out = pd.DataFrame({"variant": numeric["variant"],
                        "runs": [int(counts.get(v, 0)) for v in numeric["variant"]],
                        "notes": [notes.get(v, "") for v in numeric["variant"]]})
    for m in metrics:
        digits = metric_digits(analysis, m)
        out[f"{m} mean"] = [fmt(v, digits=digits) for v in numeric[f"{m} mean"]]
        out[f"{m} Δ vs ref [95% CI]"] = [
            _diff_cell(*vals, digits) for vals in numeric[[f"{m} diff", f"{m} diff_low", f"{m} diff_high", f"{m} better", f"{m} worse"]]
            .itertuples(index=False)]
    return out


def formatted_choices(analysis: Analysis, base: str) -> pd.DataFrame:
    """Best variant per objective and within budget, with how sure that is."""
    rows = []
    criteria = [(f"best by {m}", c) for m, c in analysis.best_by_objective[base].items()]
    if analysis.plan.for_base(base).budget:
        criteria.append(("best within budget (by the primary objective)", analysis.best_in_budget.get(base)))
    for criterion, c in criteria:
        rows.append(_choice_row(criterion, c, metric_digits(analysis, c.metric) if c else None))
    return pd.DataFrame(rows)


CHOICE_COLUMNS = ("criterion", "variant", "mean", "Δ vs reference [95% CI]", "runner-up", "runner-up mean",
                  "Δ vs runner-up [95% CI]", "better than runner-up in", "verdict")


def _choice_row(criterion: str, c: Choice | None, digits: int | None) -> dict[str, str]:
    if c is None:
        return dict.fromkeys(CHOICE_COLUMNS, "—") | {"criterion": criterion, "variant": "none (no variant qualifies)"}
    ref, runner, wins = c.vs_reference, c.vs_runner_up, c.wins
    if c.runner_up is None:
        verdict = "the only candidate"
    elif c.clear:
        verdict = "clearly best"
    else:
        verdict = f"within noise of {len(c.indistinguishable)} other(s)"
    return {
        "criterion": criterion, "variant": c.variant, "mean": fmt(c.mean, digits=digits),
        "Δ vs reference [95% CI]": _interval_cell(ref.estimate, ref.low, ref.high, digits) if ref else "(is the reference)",
        "runner-up": c.runner_up or "—", "runner-up mean": fmt(c.runner_up_mean, digits=digits),
        "Δ vs runner-up [95% CI]": _interval_cell(runner.estimate, runner.low, runner.high, digits) if runner else "—",
        "better than runner-up in": f"{wins.better} of {wins.n}" + (f" ({wins.equal} equal)" if wins.equal else "")
        if wins else "—",
        "verdict": verdict,
    }


def formatted_pareto(analysis: Analysis, base: str) -> pd.DataFrame:
    plan = analysis.plan.for_base(base)
    part = analysis.pareto[(analysis.pareto["base"] == base) & analysis.pareto["pareto"]]
    columns = [m for m in plan.metrics if m in part]
    out = pd.DataFrame({"variant": part["variant"]})
    for m in columns:
        sense = plan.objectives.get(m, "budget ≤ " + fmt(plan.budget.get(m, np.nan)))
        out[f"{m} ({sense})"] = [fmt(v, digits=metric_digits(analysis, m)) for v in part[m]]
    if plan.budget:
        out["within budget"] = ["yes" if v else "no" for v in part["within_budget"]]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------------


def _header(results: BatchResults, plan: Plan) -> list[Block]:
    manifest = results.manifest
    total = manifest.get("runs_total")
    done = results.finished()
    versions = manifest.get("versions", {})
    shown_versions = ", ".join(f"{k} {v}" for k, v in versions.items() if k in ("python", "stadtteil_sim", "mesa", "numpy"))
    blocks: list[Block] = [Heading(1, f"Report: {plan.name}")]
    if plan.description:
        blocks.append(Paragraph(plan.description))
    lines = [f"**Runs:** {done} finished" + (f" of {total}" if total else "") + f", {len(results.failures)} failed; "
             f"{len(plan.bases)} district(s) × {len(plan.variants)} variants × {plan.replicates} replicates (paired: "
             "replicate r has the same seed" + (" and parameter draw" if plan.parameters else "")
             + " in every variant and district).",
             f"**Reference:** `{plan.reference}`. **Objectives** (first = primary): "
             + (", ".join(f"`{m}` ({s})" for m, s in plan.objectives.items()) or "none") + "."
             + (" **Budget** (upper bound on the mean): " + ", ".join(f"`{m}` ≤ {fmt(b)}" for m, b in plan.budget.items()) + "."
                if plan.budget else ""),
             f"**Code:** git {manifest.get('git_commit') or 'unknown'}; {shown_versions}. Results folder: `{results.folder}`."]
    blocks += [Paragraph(line) for line in lines]
    if total and done < total:
        blocks.append(Paragraph(f"**Provisional:** {total - done} runs are missing (batch unfinished or runs failed); "
                                "intervals use the replicates present."))
    return blocks


HOW_TO_READ = (
    "Differences to the reference are paired: computed replicate by replicate (same seeds and, with a "
    "parameter sample, the same parameter draw), then "
    "averaged, with a 95% t confidence interval over the replicates that have a value in both "
    "variants. ↑ / ↓: the interval excludes 0 in the better / worse direction of the objective; "
    "* the interval excludes 0 for a metric without a direction. Each interval stands alone: "
    "among many variants some exclude 0 by chance, so read single borderline results with care. "
    "The sustainability ratio divides participation x months after handover by participation at "
    "handover (at least 0.01), so an early handover, with little participation yet, can give a "
    "large ratio; it is missing when the handover comes too late for the run."
)


def build_blocks(results: BatchResults, analysis: Analysis, figures: dict[str, list[Block]],
                 cities: list[CityFindings] | None = None) -> list[Block]:
    plan = analysis.plan
    cities = cities or []
    blocks = _header(results, plan)
    blocks += [Heading(2, "Summary"), *(Paragraph(p) for p in summary_paragraphs(analysis, cities))]
    blocks += [Heading(2, "How to read this report"), Paragraph(HOW_TO_READ)]
    if not plan.parameters:  # with a sample, the summary says what the intervals include
        blocks.append(Paragraph(parameter_sentence(plan)))
    for findings in cities:
        blocks += _city_blocks(analysis, findings)
    blocks += _best_blocks(analysis)
    blocks.append(Heading(2, "Per district: every variant against the reference"))
    blocks.append(Paragraph("Mean over replicates and paired difference to the reference with its 95% CI. "
                            "More columns (sd, quantiles, CI of the mean, pairs used) are in `variants.csv`."))
    for base in analysis.bases:
        blocks += [Heading(3, plan.district(base)), Table(formatted_district_table(analysis, base, analysis.runs))]
    blocks.append(Heading(2, "Figures"))
    for title, key, missing in (
        ("Over time", "fans", "No monthly series were kept (`keep:` in the experiment), so there are no fan charts."),
        ("Handover × linking", "heatmaps", "Heatmaps need a grid of exactly two factors; this experiment has "
                                           f"{len(plan.factors)}, so there are none."),
        ("Trade-off", "tradeoff", "No cost metric (a budget or office_staff_hours_total) to plot against."),
    ):
        blocks.append(Heading(3, title))
        blocks += figures.get(key) or [Paragraph(missing)]
    blocks += _failure_blocks(results)
    blocks += [Heading(2, "Data"), Paragraph(
        "Tables in this folder: `variants.csv` (district × variant × metric: n, mean, sd, quantiles, CI, paired "
        "difference), `pareto.csv` (means, Pareto set, within budget), `best.csv` (best variants and how sure). "
        "All runs and monthly series in pandas, in one call:"),
        Code(f'from stadtteil_sim.experiments.store import load_results\nr = load_results("{results.folder}")\n'
             "r.runs    # one row per run and district\nr.series  # one row per run, district and month "
             "(join on run_id and district)")]
    return blocks


def summary_paragraphs(analysis: Analysis, cities: list[CityFindings] | None = None) -> list[str]:
    """One paragraph per city as a whole and per district, then, when the runs drew from a
    parameter sample, the statement that the intervals include parameter uncertainty (report.md
    and the terminal)."""
    by_city = {f.base: city_paragraph(analysis, f) for f in cities or []}
    paragraphs = [by_city.get(b, analysis.paragraphs[b]) for b in analysis.bases]
    return paragraphs + [parameter_sentence(analysis.plan)] if analysis.plan.parameters else paragraphs


def _best_blocks(analysis: Analysis) -> list[Block]:
    """Per district: the best variant by each objective and within budget, then the Pareto set."""
    plan = analysis.plan
    blocks: list[Block] = [Heading(2, "Best variants")]
    if not plan.objectives:
        return blocks + [Paragraph("The experiment declares no `objectives`, so no variant is named best.")]
    for base in analysis.bases:
        if not plan.for_base(base).objectives:
            continue
        blocks += [Heading(3, plan.district(base)), Table(formatted_choices(analysis, base))]
        pareto = formatted_pareto(analysis, base)
        blocks.append(Paragraph(f"**Pareto set** over the declared objectives ({len(pareto)} of "
                                f"{len(analysis.pareto[analysis.pareto['base'] == base])} variants: none of them is "
                                "beaten on every objective at once by another variant; variants with a missing "
                                "objective value are left out):"))
        blocks.append(Table(pareto))
    return blocks


def _city_blocks(analysis: Analysis, findings: CityFindings) -> list[Block]:
    """The city as a whole: the plans by the weakest district, the city and staff; who waits;
    what a late handover in one district costs the others."""
    plan = analysis.plan
    blocks: list[Block] = [Heading(2, f"The city: {findings.name}"), Paragraph(city_paragraph(analysis, findings))]
    stats = findings.plans
    if not stats.empty:
        table = pd.DataFrame({"variant": list(dict.fromkeys(stats["variant"]))})
        for metric, part in stats.groupby("metric", sort=False):
            part = part.set_index("variant").reindex(table["variant"])
            digits = metric_digits(analysis, metric)
            table[f"{metric_label(metric)}"] = [fmt(v, digits=digits) for v in part["mean"]]
            table[f"Δ vs ref [95% CI] ({metric})"] = [
                _diff_cell(*vals, digits) for vals in part[["diff", "diff_low", "diff_high", "better", "worse"]].itertuples(index=False)]
        if len(findings.weakest):
            table["weakest district (most runs)"] = [findings.weakest.get(v, "") for v in table["variant"]]
        blocks += [Heading(3, "Plans compared: the weakest district, the whole city, staff"),
                   Paragraph("Mean over replicates and paired difference to the reference (95% CI); ↑ / ↓ better / "
                             "worse beyond the noise."), Table(table)]
    if not findings.waits.empty:
        waits = findings.waits.map(lambda w: fmt(w, digits=0))
        never = findings.never_started.reindex_like(findings.waits).fillna(0)
        waits = waits.where(never < 1, "never started")
        blocks += [Heading(3, "Who waits for staff"),
                   Paragraph("Mean months each district waited for the office's staff before its moderation began "
                             "(never started: the run ended first in every replicate)."),
                   Table(waits.rename_axis("variant").reset_index())]
    for late in findings.late:
        effects = late.effects.assign(cell=[_interval_cell(r.diff, r.low, r.high, 3) for r in late.effects.itertuples()])
        wide = effects.pivot_table(index="district", columns="setting", values="cell", aggfunc="first", sort=False)
        wide = wide.reindex([d for d in dict.fromkeys(late.effects["district"])])
        blocks += [Heading(3, f"What a late handover in {late.district} costs the others"),
                   Paragraph(f"Paired difference in {metric_label(late.metric)}: {late.factor} {late.level} minus "
                             f"{late.factor} {late.reference_level}, for every setting of the other factors "
                             f"(reference plan: {describe_variant(plan, plan.reference)}); 95% CI."),
                   Table(wide.rename_axis("district").reset_index())]
    return blocks


def _failure_blocks(results: BatchResults) -> list[Block]:
    failures = results.failures
    if failures.empty:
        return [Heading(2, "Failed runs"), Paragraph("None.")]
    table = failures.reindex(columns=["base", "variant", "replicate", "seed"]).copy()
    table["error"] = [str(t).strip().splitlines()[-1] if isinstance(t, str) and t.strip() else ""
                      for t in failures.get("traceback", pd.Series([""] * len(failures)))]
    return [Heading(2, "Failed runs"),
            Paragraph(f"{len(failures)} run(s) failed and are left out of every number above; tracebacks are in "
                      "`failures/`. Rerunning the batch command retries them."),
            Table(table.astype(str))]


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def is_report_folder(folder: Path) -> bool:
    """A report folder written before folders carried a marker."""
    return (folder / "report.md").is_file() and (folder / "report.html").is_file()


def write_report(folder: str | Path, target: str | Path | None = None, *, force: bool = False) -> tuple[Path, list[str]]:
    """Analyse the batch in ``folder`` and write its report to ``target`` (default
    ``folder/report``); returns the path of report.md and the summary paragraphs (one per
    district, and what the intervals include when the runs drew from a parameter sample; for
    the terminal). Raises StoreError for a folder that is not a batch, ReportError
    when no run has finished, OutputError when ``target`` holds files of others (unless
    ``force``: then only the report's own files are replaced)."""
    results = load_results(folder)
    if results.runs.empty:
        raise ReportError(f"{folder}: no finished runs yet; run 'stadtteil-sim batch' first")
    target = Path(target) if target is not None else Path(folder) / REPORT_DIR
    check_folder(target, "report", force=force, recognise=is_report_folder)  # before the analysis
    analysis = analyse(results.runs, results.manifest)
    cities = city_findings(analysis, results.manifest)
    with result_folder(target, "report", force=force, recognise=is_report_folder) as tmp:
        (tmp / FIGURES).mkdir()
        figures = {"fans": plot_fans(analysis, results.series, tmp),
                   "heatmaps": plot_heatmaps(analysis, tmp),
                   "tradeoff": plot_tradeoff(analysis, tmp)}
        blocks = build_blocks(results, analysis, figures, cities)
        (tmp / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
        (tmp / "report.html").write_text(to_html(blocks, f"Report: {analysis.plan.name}"), encoding="utf-8")
        analysis.statistics.to_csv(tmp / "variants.csv", index=False)
        analysis.pareto.to_csv(tmp / "pareto.csv", index=False)
        analysis.choices_table().to_csv(tmp / "best.csv", index=False)
    return target / "report.md", summary_paragraphs(analysis, cities)

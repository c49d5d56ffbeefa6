"""The report of a batch for policy analysts: figures, tables and plain-language paragraphs,
written to ``<results folder>/report/`` as report.md, report.html, figures/*.png and CSV tables.

The numbers come from :mod:`stadtteil_sim.experiments.analysis`; this module only draws and writes them.
Markdown and HTML are rendered from one list of blocks, so both always say the same. The folder
is built aside and swapped in, so a failed report never leaves a half-written one behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure  # Figure is the report's figure block
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from stadtteil_sim.experiments import discovery
from stadtteil_sim.experiments.analysis import (
    CITY_CONTEXT_METRICS,
    Analysis,
    Choice,
    Plan,
    analyse,
    digits_for,
    district_table,
    paired_difference,
    parameter_sentence,
    replicate_table,
)
from stadtteil_sim.experiments.answer import answer_paragraphs, start_year
from stadtteil_sim.experiments.city_analysis import CityFindings, city_findings, city_paragraph
from stadtteil_sim.experiments.document import (
    Block,
    Code,
    Figure,
    Heading,
    Paragraph,
    Table,
    to_html,
    to_markdown,
)
from stadtteil_sim.experiments.ownership import check_folder, result_folder
from stadtteil_sim.experiments.robust import robustness_all, robustness_table, thresholds_of
from stadtteil_sim.experiments.robust_report import discovery_blocks, robust_blocks, robust_sentence
from stadtteil_sim.experiments.store import BatchResults, load_results
from stadtteil_sim.experiments.words import (
    indicator_label,
    kind_of,
    say,
    short_words,
    unit_words,
)
from stadtteil_sim.experiments.words import metric_label as plain_label
from stadtteil_sim.experiments.words import number as plain_number
from stadtteil_sim.experiments.words import value as words_value
from stadtteil_sim.model.indicators import CITY_INDICATORS, INDICATORS
from stadtteil_sim.model.metrics import describe_metric
from stadtteil_sim.model.run_figure import format_value_axis

REPORT_DIR = "report"
FIGURES = "figures"
BAND = (0.05, 0.95)
DPI = 90
FONT = 10  # points, at the size a figure is embedded (never below 9)
VIRIDIS, VIRIDIS_R = matplotlib.colormaps["viridis"], matplotlib.colormaps["viridis_r"]  # not pyplot's cm
QUALITATIVE = matplotlib.colormaps["tab10"]  # a distinct colour per timing


class ReportError(RuntimeError):
    """The folder cannot be reported on (no finished runs)."""




# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _grid_axes(plan: Plan) -> list[str]:
    """Grid factors, the handover factor first when there is one (it goes on rows and lines)."""
    factors = list(plan.factors)
    return sorted(factors, key=lambda f: (not f.startswith("handover"), factors.index(f)))


def fan_groups(runs: pd.DataFrame, plan: Plan, lang: str = "en") -> tuple[pd.Series, str]:
    """Which line each run belongs to in a fan chart, and a caption saying so.

    One line per level of the handover factor (or the first grid factor), other factors fixed at
    the reference's levels; without a grid, one line per variant."""
    axes = _grid_axes(plan)
    ref_levels = plan.levels.get(plan.reference) or {}
    if not axes or f"factor.{axes[0]}" not in runs:
        return runs["variant"].rename("group"), say(lang, "Eine Linie je Variante.", "One line per variant.")
    lead, others = axes[0], axes[1:]
    keep = pd.Series(True, index=runs.index)
    fixed = []
    for factor in others:
        if factor in ref_levels and f"factor.{factor}" in runs:
            keep &= runs[f"factor.{factor}"] == ref_levels[factor]
            fixed.append(short_words({factor: ref_levels[factor]}, "", lang))
    level = runs[f"factor.{lead}"].fillna("").astype(str)  # "" or missing: a named variant
    group = level.map(lambda lv: short_words({lead: lv}, lv, lang)).where(keep & (level != "")).rename("group")
    lead_words = short_words({lead: ""}, lead, lang).strip()
    note = (say(lang, f"Eine Linie je Stufe von „{lead_words}“; {', '.join(fixed)} wie im dokumentierten Zeitplan.",
                f"One line per level of '{lead_words}'; {', '.join(fixed)} as in the documented timing.") if fixed
            else say(lang, f"Eine Linie je Stufe von „{lead_words}“, über die anderen Faktoren zusammengefasst.",
                     f"One line per level of '{lead_words}', pooled over the other factors."))
    return group, note


def fan_indicators(series: pd.DataFrame) -> list[str]:
    """The kept numeric indicators: the main ones first, then the other declared ones, in column
    order, then any not declared (a batch stored by another version); text columns such as
    office_mode are skipped."""
    numeric = [c for c in series.columns if c not in ("run_id", "month", *CITY_INDICATORS)
               and pd.api.types.is_numeric_dtype(series[c])]
    declared = [i.name for i in sorted(INDICATORS.values(), key=lambda i: not i.main)]
    return [c for c in declared if c in numeric] + [c for c in numeric if c not in INDICATORS]


def _ordered_groups(groups: pd.Series, plan: Plan, lang: str = "en") -> list[str]:
    labels = list(dict.fromkeys(groups.dropna()))
    axes = _grid_axes(plan)
    if axes:
        order = [short_words({axes[0]: lv}, lv, lang) for lv in plan.factors[axes[0]]]
        return [g for g in order if g in labels] + [g for g in labels if g not in order]
    return labels


def band_of(replicates: int) -> tuple[float, float, str, str]:
    """The band a fan chart draws: min–max with few replicates (a 5–95 % band over six runs would
    claim what six runs cannot show), 5–95 % from 20 on."""
    if replicates < 20:
        return 0.0, 1.0, "min–max", "min–max"
    return BAND[0], BAND[1], "5–95-%-Band", "5–95% band"


def year_axis(ax, start_year: int, months: int, lang: str) -> None:
    """Months as calendar years: a tick every year (every second one past ten years)."""
    step = 12 if months <= 120 else 24
    ticks = list(range(0, int(months) + 1, step))
    ax.set_xticks(ticks, [str(start_year + t // 12) for t in ticks])
    ax.set_xlabel(say(lang, f"Jahr (Monat 0 = Januar {start_year})", f"year (month 0 = January {start_year})"))


def plot_fans(analysis: Analysis, series: pd.DataFrame, folder: Path, manifest: dict | None = None,
              lang: str = "en") -> list[Block]:
    """Median and a band over replicates per month, a panel per district (of a city too), a line
    per group; an explaining paragraph, then one figure per kept indicator. Staff hours are drawn
    summed up to each month, with the budget."""
    plan = analysis.plan
    runs = analysis.runs[~analysis.runs["base"].isin(plan.cities)]
    if series.empty or "month" not in series or runs.empty:
        return []
    groups, note = fan_groups(runs, plan, lang)
    keyed = runs.assign(group=groups).dropna(subset=["group"])
    merged = series.merge(keyed[["run_id", "district", "base", "group"]], on=["run_id", "district"])
    bases = [b for b in plan.bases if b in set(keyed["base"])] or list(dict.fromkeys(keyed["base"]))
    order = _ordered_groups(keyed["group"], plan, lang)
    colours = _level_colours(plan, lang) if _grid_axes(plan) else {}
    spare = iter(QUALITATIVE(np.arange(max(len(order), 1)) % 10))
    colours = {g: colours.get(g, next(spare)) for g in order}
    replicates = int(keyed.groupby(["base", "group"]).size().min()) if len(keyed) else 0
    low_q, high_q, band_de, band_en = band_of(replicates)
    budget = plan.budget.get("office_staff_hours_total")
    figures = []
    for indicator in fan_indicators(series):
        values = merged
        hours = INDICATORS.get(indicator) is not None and INDICATORS[indicator].kind == "hours"
        if hours:  # summed up to each month, to compare with the budget of total hours
            values = merged.sort_values("month")
            values = values.assign(**{indicator: values.groupby(["run_id", "district"])[indicator].cumsum()})
        stats = values.groupby(["base", "group", "month"])[indicator].quantile([low_q, 0.5, high_q]).unstack()
        fig = MplFigure(figsize=(5.5 * len(bases), 4))
        axes = fig.subplots(1, len(bases), sharey=True, squeeze=False)
        for ax, base in zip(axes[0], bases, strict=True):
            for group in order:
                if (base, group) not in stats.index.droplevel(2):
                    continue
                part = stats.loc[(base, group)]
                colour = colours[group]
                n = int(keyed[(keyed["base"] == base) & (keyed["group"] == group)].shape[0])
                ax.fill_between(part.index, part[low_q], part[high_q], color=colour, alpha=0.15, linewidth=0)
                ax.plot(part.index, part[0.5], color=colour, label=f"{group} (n = {n})")
                _mark_months(ax, keyed[(keyed["base"] == base) & (keyed["group"] == group)], colour)
            if hours and budget is not None:
                ax.axhline(budget, color="tab:red", linestyle="--", linewidth=1.2)
            ax.set_title(plan.district(base))
            year_axis(ax, start_year(manifest or {}, base), float(values["month"].max()), lang)  # its own month 0
            ax.grid(alpha=0.3)
        label = indicator_label(indicator, lang)
        if hours:
            label = say(lang, "Personalstunden des Büros bis zu diesem Monat", "office staff hours up to this month")
        axes[0, 0].set_ylabel(f"{label}\n[{unit_words(indicator, lang)}]" if indicator in INDICATORS else label)
        if indicator in INDICATORS:  # the panels share the value axis
            format_value_axis(axes[0, 0], INDICATORS[indicator])
        handles, labels = axes[0, 0].get_legend_handles_labels()
        handles += [Line2D([], [], color="grey", linestyle="--"), Line2D([], [], color="grey", linestyle=":")]
        labels += [say(lang, "Übergabe (mittlerer Monat)", "handover (mean month)"),
                   say(lang, "Vernetzung (mittlerer Monat)", "linking (mean month)")]
        if hours and budget is not None:
            handles.append(Line2D([], [], color="tab:red", linestyle="--"))
            labels.append(say(lang, f"Budget ({plain_number(budget, lang)} Stunden)", f"budget ({plain_number(budget, lang)} hours)"))
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=FONT, frameon=False)
        fig.tight_layout()
        file = f"{FIGURES}/fan_{indicator}.png"
        fig.savefig(folder / file, dpi=DPI, bbox_inches="tight")
        figures.append(Figure(file, say(lang, f"{label} im Zeitverlauf", f"{label} over time")))
    band = say(lang, band_de, band_en)
    intro = Paragraph(say(
        lang,
        f"Median (Linie) und {band} (Fläche) über die Wiederholungen, Monat für Monat ({band}, weil es je Linie nur "
        f"{replicates} Wiederholungen sind). {note} Gestrichelt: mittlerer Monat der Übergabe; gepunktet: mittlerer "
        "Monat, in dem die Vernetzung begann.",
        f"Median (line) and {band} (area) over replicates, month by month ({band} since each line has only "
        f"{replicates} replicates). {note} Dashed: mean handover month; dotted: mean month linking began."
        if replicates < 20 else
        f"Median (line) and {band} (area) over replicates, month by month. {note} Dashed: mean handover month; "
        "dotted: mean month linking began."))
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


def plot_heatmaps(analysis: Analysis, folder: Path, manifest: dict | None = None, lang: str = "en") -> list[Block]:
    """Mean of each metric over the two grid factors, a panel per district; [] unless the grid has
    exactly two factors."""
    plan, stats = analysis.plan, analysis.statistics
    axes_f = _grid_axes(plan)
    if len(axes_f) != 2 or stats.empty:
        return []
    rows_f, cols_f = axes_f
    rows, cols = plan.factors[rows_f], plan.factors[cols_f]
    year = start_year(manifest or {}, plan.bases[0]) if plan.bases else 2000
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
        share = kind_of(metric) == "share"
        bound = plan.for_base(next(iter(grids))).budget.get(metric)
        for ax, (base, grid) in zip(axes[0], grids.items(), strict=True):
            image = _draw_heatmap(ax, grid, plan, sense, (vmin, vmax), rows_f, cols_f,
                                  1 if share else digits_for(np.abs(finite).max(initial=0)), lang, share, bound)
            ax.set_title(plan.district(base), fontsize=FONT + 1)
        for ax in axes[0, 1:]:
            ax.set_ylabel("")
        label = plain_label(metric, lang, year, unit=True)
        bar = fig.colorbar(image, ax=list(axes[0]), shrink=0.8)
        bar.set_label(_wrap(label, 40), fontsize=FONT)
        if share:
            bar.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        file = f"{FIGURES}/heatmap_{_safe(metric)}.png"
        fig.savefig(folder / file, dpi=DPI, bbox_inches="tight")
        better = say(lang, "heller ist besser", "brighter is better") if sense else say(lang, "ohne Richtung", "no direction declared")
        over = say(lang, f"; schraffiert: über dem Budget von {plain_number(bound, lang)} Stunden",
                   f"; hatched: over the budget of {plain_number(bound, lang)} hours") if bound is not None else ""
        figures.append(Figure(file, f"{plain_label(metric, lang, year)}; {better}{over}"))
    rows_words, cols_words = _factor_axis(rows_f, lang), _factor_axis(cols_f, lang)
    intro = Paragraph(say(
        lang,
        f"Mittel über die Wiederholungen nach {rows_words} (Zeilen) und {cols_words} (Spalten), ein Feld "
        "je Stadtteil, in beiden dieselbe Farbskala; der dokumentierte Zeitplan ist rot umrandet; grau: kein Wert.",
        f"Mean over replicates by {rows_words} (rows) and {cols_words} (columns), one panel per district, "
        "the same colour scale in both; the documented timing is outlined in red; grey: no value."))
    return [intro, *figures] if figures else []


def _factor_axis(factor: str, lang: str) -> str:
    """A grid factor as an axis label: its words, and the unit where its levels are months."""
    words = short_words({factor: ""}, factor, lang).strip()
    return words + say(lang, " (Monat)", " (month)") if factor in ("handover", "link_month", "handover_month") else words


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _draw_heatmap(ax, grid: pd.DataFrame, plan: Plan, sense: str, limits: tuple[float, float], rows_f: str,
                  cols_f: str, digits: int, lang: str = "en", share: bool = False, bound: float | None = None):
    vmin, vmax = limits
    values = grid.to_numpy(dtype=float)
    cmap = _cmap(sense).with_extremes(bad="lightgrey")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1e-9,
                      aspect="auto")
    for (i, j), value in np.ndenumerate(values):
        red, green, blue, _ = image.to_rgba(value) if np.isfinite(value) else (0.83, 0.83, 0.83, 1)
        luminance = 0.299 * red + 0.587 * green + 0.114 * blue
        text = (plain_number(100 * value, lang, digits) if share else plain_number(value, lang, digits)) if np.isfinite(value) else "–"
        ax.text(j, i, text, ha="center", va="center", fontsize=9, color="black" if luminance > 0.5 else "white")
        if bound is not None and np.isfinite(value) and value > bound:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="white", linewidth=0))
    stable = say(lang, "bei Stabilität", "when stable")
    ax.set_xticks(range(len(grid.columns)), [stable if c == "stable" else c for c in grid.columns], fontsize=FONT)
    ax.set_yticks(range(len(grid.index)), [stable if r == "stable" else r for r in grid.index], fontsize=FONT)
    ax.set_xlabel(_factor_axis(cols_f, lang), fontsize=FONT)
    ax.set_ylabel(_factor_axis(rows_f, lang), fontsize=FONT)
    ref = plan.levels.get(plan.reference) or {}
    if rows_f in ref and cols_f in ref and ref[rows_f] in grid.index and ref[cols_f] in grid.columns:
        i, j = list(grid.index).index(ref[rows_f]), list(grid.columns).index(ref[cols_f])
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2))
    return image


def _safe(metric: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", metric)


def tradeoff_axes(analysis: Analysis, base: str) -> tuple[str | None, list[str]]:
    """x: the cost (first budget metric, else office staff hours; for a city as a whole the staff
    its pool granted); y: the first two declared objectives, where known."""
    stats = analysis.statistics
    have = set(stats.loc[stats["base"] == base, "metric"]) if not stats.empty else set()
    plan = analysis.plan.for_base(base)
    x = next((m for m in [*plan.budget, "office_staff_hours_total", *CITY_CONTEXT_METRICS] if m in have), None)
    return x, [m for m in list(plan.objectives)[:2] if m in have and m != x]


def plot_tradeoff(analysis: Analysis, folder: Path, manifest: dict | None = None, lang: str = "en") -> list[Block]:
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
    colours = _level_colours(plan, lang)
    year = start_year(manifest or {}, plan.bases[0]) if plan.bases else 2000
    for number, ((x, ys), bases) in enumerate(groups.items()):
        panels = [(y, base) for y in ys for base in bases]  # a row per objective, wrapped after 3 districts
        columns = min(len(bases), 3)
        rows = -(-len(panels) // columns) if len(bases) > 3 else len(ys)
        fig = MplFigure(figsize=(6 * columns, 4.5 * rows))
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, (y, base) in zip(axes, panels, strict=False):
            _draw_tradeoff(ax, analysis, base, x, y, colours, lang, year)
            ax.set_title(plan.district(base), fontsize=FONT + 1)
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        handles = [Line2D([], [], marker="o", linestyle="", color=c, label=label) for label, c in colours.items()]
        handles += [Line2D([], [], marker=m, linestyle="", color="grey", fillstyle=f, label=label)
                    for label, (m, f) in _level_markers(plan, lang).items()]
        handles += [Line2D([], [], marker="*", linestyle="", color="red", markersize=12,
                           label=say(lang, "dokumentierter Zeitplan", "documented timing"))]
        budget = plan.for_base(bases[0]).budget
        if x in budget:
            handles.append(Line2D([], [], color="tab:red", linestyle="--",
                                  label=say(lang, f"Budget ({plain_number(budget[x], lang)} Stunden)",
                                            f"budget ({plain_number(budget[x], lang)} hours)")))
        fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=FONT)
        fig.tight_layout()
        file = f"{FIGURES}/tradeoff{'' if number == 0 else f'_{number + 1}'}.png"
        fig.savefig(folder / file, dpi=DPI, bbox_inches="tight")
        districts = ", ".join(plan.district(b) for b in bases)
        ys_words = say(lang, " und ", " and ").join(plain_label(y, lang, year) for y in ys)
        blocks += [Paragraph(say(
            lang,
            f"Mittel der {plain_label(x, lang, year)} (waagrecht) gegen das Mittel von {ys_words} (senkrecht) je Zeitwahl in "
            f"{districts}, mit 95-%-Konfidenzintervallen der Mittel; Farbe, Form und Füllung der Punkte: die Stufen der "
            "Faktoren (Legende). Benannt sind die beste "
            "Zeitwahl insgesamt und die beste innerhalb des Budgets.",
            f"Mean {plain_label(x, lang, year)} (x) against mean {ys_words} (y) per timing in {districts}, with 95% "
            "confidence intervals of the means; colour, shape and fill of the points: the factors' levels (legend). The best "
            "timing overall and the "
            "best within the budget are named.")),
                   Figure(file, say(lang, f"Abwägung zwischen Aufwand und Ergebnis ({districts})",
                                    f"trade-off between cost and outcome ({districts})"))]
    return blocks


def _level_colours(plan: Plan, lang: str = "en") -> dict[str, tuple]:
    """A distinct colour per level of the lead grid factor (as in the fan charts); one colour without a grid."""
    axes = _grid_axes(plan)
    if not axes:
        return {"variant": QUALITATIVE(0)}
    levels = plan.factors[axes[0]]
    return {short_words({axes[0]: lv}, lv, lang): QUALITATIVE(i % 10) for i, lv in enumerate(levels)}


MARKERS = ("o", "s", "^", "D", "v", "P", "X")
FILLS = ("full", "none", "left", "bottom", "right", "top")


def _level_markers(plan: Plan, lang: str = "en") -> dict[str, tuple[str, str]]:
    """The second grid factor's levels as marker shapes, the third's as fills (the first is the
    colour), so every timing of a three-factor grid can be told apart in the trade-off figure."""
    axes = _grid_axes(plan)
    styles = {}
    for position, factor in enumerate(axes[1:3]):
        for i, level in enumerate(plan.factors[factor]):
            marker = MARKERS[i % len(MARKERS)] if position == 0 else "o"
            fill = FILLS[i % len(FILLS)] if position == 1 else "full"
            styles[short_words({factor: level}, level, lang)] = (marker, fill)
    return styles


def _marker_of(plan: Plan, variant: str) -> tuple[str, str]:
    axes = _grid_axes(plan)
    levels = plan.levels.get(variant) or {}
    marker, fill = "o", "full"
    if len(axes) > 1 and levels.get(axes[1]) in plan.factors[axes[1]]:
        marker = MARKERS[plan.factors[axes[1]].index(levels[axes[1]]) % len(MARKERS)]
    if len(axes) > 2 and levels.get(axes[2]) in plan.factors[axes[2]]:
        fill = FILLS[plan.factors[axes[2]].index(levels[axes[2]]) % len(FILLS)]
    return marker, fill


def _colour_of(plan: Plan, variant: str, colours: dict[str, tuple], lang: str = "en"):
    axes = _grid_axes(plan)
    level = (plan.levels.get(variant) or {}).get(axes[0]) if axes else None
    return colours.get(short_words({axes[0]: level}, level, lang), "grey") if axes and level else next(iter(colours.values()))


def _draw_tradeoff(ax, analysis: Analysis, base: str, x: str, y: str, colours: dict[str, tuple], lang: str = "en",
                   year: int = 2000) -> None:
    plan, stats = analysis.plan, analysis.statistics
    part = stats[stats["base"] == base].set_index(["variant", "metric"])
    named = {c.variant for c in (analysis.best.get(base), analysis.best_in_budget.get(base)) if c is not None}
    for variant in dict.fromkeys(part.index.get_level_values(0)):
        px, py = part.loc[(variant, x)], part.loc[(variant, y)]
        if not (np.isfinite(px["mean"]) and np.isfinite(py["mean"])):
            continue
        colour = _colour_of(plan, variant, colours, lang)
        marker, fill = _marker_of(plan, variant)
        ax.errorbar(px["mean"], py["mean"], xerr=_err(px), yerr=_err(py), fmt=marker, color=colour, alpha=0.9,
                    fillstyle=fill, markersize=7, elinewidth=0.7, capsize=2)
        if variant == plan.reference:
            ax.plot(px["mean"], py["mean"], marker="*", color="red", markersize=14, zorder=5)
        if variant in named:
            label = ax.annotate(_wrap(short_words(plan.levels.get(variant) or {}, variant, lang), 28), (px["mean"], py["mean"]),
                                textcoords="offset points", xytext=(6, 6), fontsize=9,
                                arrowprops={"arrowstyle": "-", "color": "grey"})
            label.set_in_layout(False)  # the axes keep their width; the saved figure grows to show it
    budget = plan.for_base(base).budget
    if x in budget:
        ax.axvline(budget[x], color="tab:red", linestyle="--")
    ax.set_xlabel(_wrap(plain_label(x, lang, year, unit=True), 50), fontsize=FONT)
    ax.set_ylabel(_wrap(plain_label(y, lang, year, unit=True), 40), fontsize=FONT)
    for axis, metric in ((ax.xaxis, x), (ax.yaxis, y)):
        if kind_of(metric) == "share":
            axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.grid(alpha=0.3)


def _err(row: pd.Series):
    if not (np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"])):
        return None
    return [[row["mean"] - row["ci_low"]], [row["ci_high"] - row["mean"]]]


# ---------------------------------------------------------------------------------------------
# Tables, formatted
# ---------------------------------------------------------------------------------------------


def variant_notes(analysis: Analysis, base: str, lang: str = "en") -> dict[str, str]:
    """Per variant: reference, best, best within budget, Pareto, over budget."""
    plan, notes = analysis.plan, {}
    pareto = analysis.pareto[analysis.pareto["base"] == base].set_index("variant") if not analysis.pareto.empty else None

    def add(variant: str | None, text: str) -> None:
        if variant is not None:
            notes[variant] = f"{notes[variant]}; {text}" if variant in notes else text

    add(plan.reference, say(lang, "dokumentierter Zeitplan (Referenz)", "reference"))
    add(analysis.best[base].variant if analysis.best.get(base) else None, say(lang, "am besten", "best overall"))
    add(analysis.best_in_budget[base].variant if analysis.best_in_budget.get(base) else None,
        say(lang, "am besten im Budget", "best within budget"))
    if pareto is not None:
        for variant, row in pareto.iterrows():
            if row["pareto"]:
                add(variant, "Pareto")
            if plan.for_base(base).budget and not row["within_budget"]:
                add(variant, say(lang, "über dem Budget", "over budget"))
    return notes


def _label(plan: Plan, variant: str, lang: str) -> str:
    return short_words(plan.levels.get(variant) or {}, variant, lang)


def _value_cell(metric: str, x: float, lang: str) -> str:
    return words_value(metric, x, lang)


def _diff_text(metric: str, mean: float, low: float, high: float, better: bool | None, worse: bool | None,
               lang: str) -> str:
    """``+1,2 [−0,5 bis +2,9] ↑``; no flag when ``better`` and ``worse`` are None."""
    if not np.isfinite(mean):
        return say(lang, "k. A.", "n/a")
    text = words_value(metric, mean, lang, signed=True).split(" ")[0]
    if np.isfinite(low):
        text += (f" [{words_value(metric, low, lang, True).split(' ')[0]}{say(lang, ' bis ', ', ')}"
                 f"{words_value(metric, high, lang, True).split(' ')[0]}]")
    if better is None and worse is None:
        return text
    return text + (" ↑" if better else " ↓" if worse else " *" if (low > 0 or high < 0) else "")


def _diff_header(metric: str, lang: str, year: int) -> str:
    unit = say(lang, " in Prozentpunkten", " in percentage points") if kind_of(metric) == "share" else ""
    return say(lang, f"{plain_label(metric, lang, year)}: Δ zum dokumentierten Zeitplan{unit} [95-%-KI]",
               f"{plain_label(metric, lang, year)}: Δ vs documented timing{unit} [95% CI]")


def _mean_header(metric: str, lang: str, year: int) -> str:
    return say(lang, f"{plain_label(metric, lang, year)}: Mittel", f"{plain_label(metric, lang, year)}: mean")


def formatted_district_table(analysis: Analysis, base: str, runs: pd.DataFrame, lang: str = "en",
                             year: int = 2000) -> pd.DataFrame:
    """The per-district table as text: runs, notes and, per metric, mean and paired difference."""
    numeric = district_table(analysis.statistics, base)
    counts = runs[runs["base"] == base].groupby("variant").size()
    notes = variant_notes(analysis, base, lang)
    stats = analysis.statistics
    metrics = list(dict.fromkeys(stats.loc[stats["base"] == base, "metric"]))  # a city's own differ
    plan = analysis.plan
    out = pd.DataFrame({say(lang, "Zeitwahl", "timing"): [_label(plan, v, lang) for v in numeric["variant"]],
                        say(lang, "Läufe", "runs"): [int(counts.get(v, 0)) for v in numeric["variant"]],
                        say(lang, "Hinweise", "notes"): [notes.get(v, "") for v in numeric["variant"]]})
    for m in metrics:
        out[_mean_header(m, lang, year)] = [words_value(m, v, lang) for v in numeric[f"{m} mean"]]
        out[_diff_header(m, lang, year)] = [
            _diff_text(m, *vals, lang) for vals in numeric[[f"{m} diff", f"{m} diff_low", f"{m} diff_high", f"{m} better", f"{m} worse"]]
            .itertuples(index=False)]
    return out


def formatted_choices(analysis: Analysis, base: str, lang: str = "en", year: int = 2000) -> pd.DataFrame:
    """Best variant per objective and within budget, with how sure that is; each objective's row
    says where its best is worse on the primary objective, next to it."""
    rows = []
    plan = analysis.plan.for_base(base)
    criteria = [(say(lang, f"beste nach {plain_label(m, lang, year)}", f"best by {plain_label(m, lang, year)}"), c)
                for m, c in analysis.best_by_objective[base].items()]
    if plan.budget:
        criteria.append((say(lang, "beste innerhalb des Budgets (nach dem ersten Ziel)",
                             "best within budget (by the primary objective)"), analysis.best_in_budget.get(base)))
    for criterion, c in criteria:
        rows.append(_choice_row(analysis, base, criterion, c, lang))
    return pd.DataFrame(rows)


def _choice_row(analysis: Analysis, base: str, criterion: str, c: Choice | None, lang: str) -> dict[str, str]:
    columns = [say(lang, *pair) for pair in (("Kriterium", "criterion"), ("Zeitwahl", "timing"), ("Mittel", "mean"),
                                             ("Δ zum dokumentierten Zeitplan [95-%-KI]", "Δ vs documented timing [95% CI]"),
                                             ("nächstbeste", "runner-up"), ("Δ zur nächstbesten [95-%-KI]", "Δ vs runner-up [95% CI]"),
                                             ("Urteil", "verdict"))]
    if c is None:
        return dict.fromkeys(columns, "—") | {columns[0]: criterion,
                                              columns[1]: say(lang, "keine (keine Zeitwahl erfüllt es)", "none (no variant qualifies)")}
    plan = analysis.plan
    ref, runner = c.vs_reference, c.vs_runner_up
    if c.runner_up is None:
        verdict = say(lang, "einzige Kandidatin", "the only candidate")
    elif c.clear:
        verdict = say(lang, "klar am besten", "clearly best")
    else:
        verdict = say(lang, f"nicht zu unterscheiden von {len(c.indistinguishable)} weiteren",
                      f"cannot be told apart from {len(c.indistinguishable)} other(s)")
    primary = plan.for_base(base).primary
    if primary and c.metric != primary:  # the caveat next to the number it qualifies
        wide = replicate_table(analysis.runs, base, primary, [c.variant, plan.reference])
        if c.variant != plan.reference and c.variant in wide:
            cost = paired_difference(wide[c.variant], wide[plan.reference])
            if cost.excludes_zero and (cost.estimate < 0) == (plan.objectives[primary] == "maximise"):
                verdict += say(lang, f"; aber schlechter beim ersten Ziel ({plain_label(primary, lang)}): ",
                               f"; but worse on the primary objective ({plain_label(primary, lang)}): ") + \
                    _diff_text(primary, cost.estimate, cost.low, cost.high, None, None, lang)
    return {
        columns[0]: criterion, columns[1]: _label(plan, c.variant, lang), columns[2]: words_value(c.metric, c.mean, lang),
        columns[3]: _diff_text(c.metric, ref.estimate, ref.low, ref.high, None, None, lang) if ref
        else say(lang, "(ist der dokumentierte Zeitplan)", "(is the reference)"),
        columns[4]: _label(plan, c.runner_up, lang) if c.runner_up else "—",
        columns[5]: _diff_text(c.metric, runner.estimate, runner.low, runner.high, None, None, lang) if runner else "—",
        columns[6]: verdict,
    }


def formatted_pareto(analysis: Analysis, base: str, lang: str = "en", year: int = 2000) -> pd.DataFrame:
    plan = analysis.plan.for_base(base)
    part = analysis.pareto[(analysis.pareto["base"] == base) & analysis.pareto["pareto"]]
    columns = [m for m in plan.metrics if m in part]
    out = pd.DataFrame({say(lang, "Zeitwahl", "timing"): [_label(plan, v, lang) for v in part["variant"]]})
    for m in columns:
        sense = plan.objectives.get(m)
        goal = say(lang, "höher ist besser", "higher is better") if sense == "maximise" else \
            say(lang, "niedriger ist besser", "lower is better") if sense == "minimise" else \
            say(lang, f"Budget ≤ {words_value(m, plan.budget.get(m, np.nan), lang)}", f"budget ≤ {words_value(m, plan.budget.get(m, np.nan), lang)}")
        out[f"{plain_label(m, lang, year)} ({goal})"] = [words_value(m, v, lang) for v in part[m]]
    if plan.budget:
        out[say(lang, "im Budget", "within budget")] = [say(lang, "ja", "yes") if v else say(lang, "nein", "no")
                                                        for v in part["within_budget"]]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------------


def _header(results: BatchResults, plan: Plan, lang: str) -> list[Block]:
    manifest = results.manifest
    total = manifest.get("runs_total")
    done = results.finished()
    versions = manifest.get("versions", {})
    shown_versions = ", ".join(f"{k} {v}" for k, v in versions.items() if k in ("python", "stadtteil_sim", "mesa", "numpy"))
    sample = say(lang, " und dieselbe Parameterziehung", " and parameter draw") if plan.parameters else ""
    hypercube = plan.parameters and plan.parameters.get("kind") == "latin_hypercube"
    conditions_de = f" × {plan.parameters.get('rows')} Bedingungen" if hypercube else ""
    conditions_en = f" × {plan.parameters.get('rows')} conditions" if hypercube else ""
    lines = [say(lang,
                 f"**Läufe:** {done} fertig" + (f" von {total}" if total else "") + f", {len(results.failures)} "
                 f"fehlgeschlagen; {len(plan.bases)} Stadtteil(e) × {len(plan.variants)} Zeitwahlen{conditions_de} × {plan.replicates} "
                 f"Wiederholung(en) (gepaart: Wiederholung r hat denselben Zufallsstartwert{sample} in jeder Zeitwahl und "
                 "jedem Stadtteil).",
                 f"**Runs:** {done} finished" + (f" of {total}" if total else "") + f", {len(results.failures)} failed; "
                 f"{len(plan.bases)} district(s) × {len(plan.variants)} variants{conditions_en} × {plan.replicates} replicate(s) (paired: "
                 f"replicate r has the same seed{sample} in every variant and district)."),
             say(lang, f"**Programm:** git {manifest.get('git_commit') or 'unbekannt'}; {shown_versions}. "
                       f"Ergebnisordner: `{results.folder}`.",
                 f"**Code:** git {manifest.get('git_commit') or 'unknown'}; {shown_versions}. Results folder: `{results.folder}`.")]
    blocks: list[Block] = [Paragraph(line) for line in lines]
    if total and done < total:
        blocks.append(Paragraph(say(lang, f"**Vorläufig:** {total - done} Läufe fehlen (Batch unvollständig oder "
                                          "fehlgeschlagen); die Intervalle nutzen die vorhandenen Wiederholungen.",
                                    f"**Provisional:** {total - done} runs are missing (batch unfinished or runs failed); "
                                    "intervals use the replicates present.")))
    return blocks


HOW_TO_READ = {
    "en": (
        "Differences to the documented timing are paired: computed replicate by replicate (same seeds and, with a "
        "parameter sample, the same parameter draw), then averaged, with a 95% t confidence interval over the "
        "replicates that have a value in both timings. ↑ / ↓: the interval excludes 0 in the better / worse "
        "direction of the objective; * the interval excludes 0 for a metric without a direction. Each interval "
        "stands alone: among many timings some exclude 0 by chance, so read single borderline results with care."
    ),
    "de": (
        "Unterschiede zum dokumentierten Zeitplan sind gepaart: Wiederholung für Wiederholung berechnet (dieselben "
        "Zufallsstartwerte und, mit einer Parameterstichprobe, dieselbe Ziehung), dann gemittelt, mit einem "
        "95-%-t-Konfidenzintervall (KI) über die Wiederholungen, die in beiden Zeitwahlen einen Wert haben. "
        "↑ / ↓: das Intervall schließt 0 in der besseren / schlechteren Richtung des Ziels aus; * es schließt 0 bei "
        "einer Größe ohne Richtung aus. Schließt ein Intervall 0 ein, sind die beiden Zeitwahlen nicht zu "
        "unterscheiden. Jedes Intervall steht für sich: unter vielen Zeitwahlen schließen einige 0 zufällig aus."
    ),
}


def glossary(analysis: Analysis, lang: str, year: int) -> pd.DataFrame:
    """Every indicator and value the report names, in the source text's words, with its unit."""
    plan = analysis.plan
    metrics = list(dict.fromkeys([*plan.metrics, *analysis.statistics.get("metric", pd.Series(dtype=str)).unique()]))
    rows = [{say(lang, "Begriff", "term"): plain_label(m, lang, year), say(lang, "Bedeutung", "meaning"): meaning(m, lang),
             say(lang, "Einheit", "unit"): unit_words(m, lang)} for m in metrics]
    fixed = [
        (say(lang, "Übergabe", "handover"),
         say(lang, "Das Interkulturelle Büro wechselt „nach der Stabilisierung der Kreisläufe der Kommunikation und "
                   "Vernetzung von der aktiven Moderatorenrolle auf eine Unterstützungsrolle durch Beratung und "
                   "punktuelle Interventionen“; „bei Stabilität“: sobald die Arbeitsgruppe stabil tagt und vernetzt ist.",
             "The integration office moves 'after the circles of communication and linking have stabilised from the "
             "active moderator's role to a support role of advice and occasional interventions'; 'when stable': once "
             "the working group meets stably and is linked."), say(lang, "Monat / Kalendermonat", "month / calendar month")),
        (say(lang, "Vernetzung", "linking"),
         say(lang, "Die „organische Vernetzung“ der Migrantenarbeitsgruppe mit den Stadtteilgremien (Stadtteilrunde und Bürgerarbeitsgruppen), "
                   "„weder zu früh (Gefahr der Entwicklung von Alibi-Vertretung) noch zu spät (Gefahr der "
                   "Verselbständigung der Parallelstruktur)“.",
             "The 'organic linking' of the migrant working group to the district committees, 'neither too early (risk "
             "of token representation) nor too late (risk of the parallel structure becoming detached)'."),
         say(lang, "Monat / Kalendermonat", "month / calendar month")),
        (say(lang, "dokumentierter Zeitplan", "documented timing"),
         say(lang, "Der Vergleichsplan des Experiments (Referenz), z. B. Übergabe nach drei Jahren wie im Text.",
             "The experiment's plan to compare with (reference), e.g. handover after three years as in the text."), "—"),
        (say(lang, "Budget", "budget"),
         say(lang, "Obergrenze der mittleren Personalstunden des Büros über den ganzen Lauf, aus dem Experiment.",
             "Upper bound on the office's mean staff hours over the whole run, from the experiment."),
         say(lang, "Stunden", "hours")),
    ]
    rows += [{say(lang, "Begriff", "term"): t, say(lang, "Bedeutung", "meaning"): m, say(lang, "Einheit", "unit"): u}
             for t, m, u in fixed]
    return pd.DataFrame(rows)


MEANINGS = {
    "migrant_participation_rate": ("Anteil der erwachsenen Migrant/innen, die sich an der Stadtteilarbeit beteiligen "
                                   "(mindestens teilnehmen).",
                                   "Share of adult migrants who take part in district work (at least attend)."),
    "token_index": ("„Alibi-Vertretung“: Migrant/innen sitzen in den Gremien ohne Rückbindung an die Gruppen ihres "
                    "Stadtteils, ihre Vorschläge werden nicht aufgegriffen.",
                    "Token representation: migrants sit in the committees without ties to their district's groups, "
                    "their proposals are not taken up."),
    "detachment_index": ("„Verselbständigung der Parallelstruktur“: die Arbeitsgruppe arbeitet getrennt von den "
                         "Gremien, ohne Brücken zu ihnen.",
                         "The parallel structure becomes detached: the working group works apart from the committees, "
                         "without bridges to them."),
    "office_staff_hours": ("Stunden, die das Interkulturelle Büro für den Stadtteil aufwendet.",
                           "Hours the integration office spends on the district."),
    "working_group_capacity": ("Wie weit die Migrantenarbeitsgruppe ohne Moderation selbst trägt („Selbstlauf“).",
                               "How far the migrant working group carries itself without moderation."),
    "sustainability_ratio": ("Beteiligung einige Zeit nach der Übergabe geteilt durch die bei der Übergabe; belohnt eine "
                             "frühe Übergabe bei niedriger Beteiligung, daher hier kein Ziel.",
                             "Participation some time after handover divided by that at handover; rewards an early "
                             "handover at low participation, so no objective here."),
}


def meaning(metric: str, lang: str) -> str:
    name = describe_metric(metric)[0]
    for key, (de, en) in MEANINGS.items():
        if name.startswith(key) or (key == "migrant_participation_rate" and "participation" in name) or \
                (key == "token_index" and name.startswith("token")) or (key == "detachment_index" and name.startswith("detachment")) \
                or (key == "office_staff_hours" and "hours" in name):
            return say(lang, de, en)
    return plain_label(metric, lang)


def build_blocks(results: BatchResults, analysis: Analysis, figures: dict[str, list[Block]],
                 cities: list[CityFindings] | None = None, lang: str = "en", answer: list[str] | None = None,
                 sections: list[Block] | None = None) -> list[Block]:
    plan = analysis.plan
    cities = cities or []
    year = start_year(results.manifest, plan.bases[0]) if plan.bases else 2000
    title = say(lang, "Bericht", "Report") + ": " + plan.name.replace("_", " ")
    blocks: list[Block] = [Heading(1, title)]
    blocks += [Heading(2, say(lang, "Die Antwort", "The answer")), *(Paragraph(p) for p in answer or [])]
    blocks += sections or []
    blocks += [Heading(2, say(lang, "Begriffe", "Glossary")), Table(glossary(analysis, lang, year))]
    blocks += [Heading(2, say(lang, "So ist der Bericht zu lesen", "How to read this report")), Paragraph(HOW_TO_READ[lang])]
    if not plan.parameters:  # with a sample, the summary says what the intervals include
        blocks.append(Paragraph(say(lang, "Die Intervalle spiegeln nur den Zufall des Modells bei festen Parameterwerten, "
                                          "nicht die Unsicherheit der Parameter (ein Abschnitt „uncertainties“ im "
                                          "Experiment fügt sie hinzu).", parameter_sentence(plan))))
    blocks += _header(results, plan, lang)
    if lang == "en":
        blocks += [Heading(2, "Summary"), *(Paragraph(p) for p in summary_paragraphs(analysis, cities))]
    for findings in cities:
        blocks += _city_blocks(analysis, findings, lang, year)
    blocks += _best_blocks(analysis, lang, results.manifest)
    blocks.append(Heading(2, say(lang, "Je Stadtteil: jede Zeitwahl gegen den dokumentierten Zeitplan",
                                 "Per district: every variant against the reference")))
    blocks.append(Paragraph(say(lang, "Mittel über die Wiederholungen und gepaarter Unterschied zum dokumentierten "
                                      "Zeitplan mit 95-%-KI. Mehr Spalten (Streuung, Quantile, KI des Mittels) in `variants.csv`.",
                                "Mean over replicates and paired difference to the documented timing with its 95% CI. "
                                "More columns (sd, quantiles, CI of the mean, pairs used) are in `variants.csv`.")))
    for base in analysis.bases:
        blocks += [Heading(3, plan.district(base)), Table(formatted_district_table(analysis, base, analysis.runs, lang, start_year(results.manifest, base)))]
    blocks.append(Heading(2, say(lang, "Abbildungen", "Figures")))
    for title_pair, key, missing in (
        (("Im Zeitverlauf", "Over time"), "fans",
         say(lang, "Keine Monatsreihen gespeichert (`keep:` im Experiment), daher keine Verlaufsbilder.",
             "No monthly series were kept (`keep:` in the experiment), so there are no fan charts.")),
        (("Übergabe × Vernetzung", "Handover × linking"), "heatmaps",
         say(lang, f"Farbfelder brauchen genau zwei Faktoren; dieses Experiment hat {len(plan.factors)}.",
             f"Heatmaps need a grid of exactly two factors; this experiment has {len(plan.factors)}, so there are none.")),
        (("Abwägung", "Trade-off"), "tradeoff",
         say(lang, "Keine Aufwandsgröße (Budget oder Personalstunden) zum Vergleich.",
             "No cost metric (a budget or office staff hours) to plot against.")),
    ):
        blocks.append(Heading(3, say(lang, *title_pair)))
        blocks += figures.get(key) or [Paragraph(missing)]
    blocks += _failure_blocks(results, lang)
    blocks += [Heading(2, say(lang, "Daten", "Data")), Paragraph(say(
        lang,
        "Tabellen in diesem Ordner: `runs.csv` (eine Zeile je Lauf und Stadtteil, Faktorstufen als Zahlen, wo es Zahlen "
        "sind; für Tabellenkalkulation, pandas oder DuckDB), `variants.csv` (Stadtteil × Zeitwahl × Größe), `pareto.csv`, "
        "`best.csv`. Alle Läufe und Monatsreihen in pandas:",
        "Tables in this folder: `runs.csv` (one row per run and district, factor levels as numbers where they are "
        "numbers; for a spreadsheet, pandas or DuckDB), `variants.csv` (district × variant × metric: n, mean, sd, "
        "quantiles, CI, paired difference), `pareto.csv` (means, Pareto set, within budget), `best.csv` (best variants "
        "and how sure). All runs and monthly series in pandas, in one call:")),
        Code(f'from stadtteil_sim.experiments.store import load_results\nr = load_results("{results.folder}")\n'
             "r.runs    # one row per run and district\nr.series  # one row per run, district and month "
             "(join on run_id and district)")]
    return blocks


def summary_paragraphs(analysis: Analysis, cities: list[CityFindings] | None = None) -> list[str]:
    """One paragraph per city as a whole and per district, then, when the runs drew from a
    parameter sample, the statement that the intervals include parameter uncertainty (the
    English report's summary)."""
    by_city = {f.base: city_paragraph(analysis, f) for f in cities or []}
    paragraphs = [by_city.get(b, analysis.paragraphs[b]) for b in analysis.bases]
    return paragraphs + [parameter_sentence(analysis.plan)] if analysis.plan.parameters else paragraphs


def _best_blocks(analysis: Analysis, lang: str, manifest: dict) -> list[Block]:
    """Per district: the best variant by each objective and within budget, then the Pareto set."""
    plan = analysis.plan
    blocks: list[Block] = [Heading(2, say(lang, "Beste Zeitwahlen", "Best variants"))]
    if not plan.objectives:
        return blocks + [Paragraph(say(lang, "Das Experiment nennt keine Ziele.", "The experiment declares no `objectives`, so no variant is named best."))]
    for base in analysis.bases:
        if not plan.for_base(base).objectives:
            continue
        year = start_year(manifest, base)  # each district's own calendar
        blocks += [Heading(3, plan.district(base)), Table(formatted_choices(analysis, base, lang, year))]
        pareto = formatted_pareto(analysis, base, lang, year)
        total = len(analysis.pareto[analysis.pareto["base"] == base])
        blocks.append(Paragraph(say(
            lang,
            f"**Pareto-Menge** über die Ziele ({len(pareto)} von {total} Zeitwahlen: keine wird von einer anderen bei "
            "allen Zielen zugleich übertroffen; Zeitwahlen ohne Wert bei einem Ziel fehlen):",
            f"**Pareto set** over the declared objectives ({len(pareto)} of {total} variants: none of them is beaten on "
            "every objective at once by another variant; variants with a missing objective value are left out):")))
        blocks.append(Table(pareto))
    return blocks


def _city_blocks(analysis: Analysis, findings: CityFindings, lang: str, year: int) -> list[Block]:
    """The city as a whole: the plans by the weakest district, the city and staff; who waits;
    what a late handover in one district costs the others."""
    plan = analysis.plan
    blocks: list[Block] = [Heading(2, say(lang, f"Die Stadt: {findings.name}", f"The city: {findings.name}"))]
    if lang == "en":
        blocks.append(Paragraph(city_paragraph(analysis, findings)))
    stats = findings.plans
    column = say(lang, "Plan", "plan")
    if not stats.empty:
        variants = list(dict.fromkeys(stats["variant"]))
        table = pd.DataFrame({column: [_label(plan, v, lang) for v in variants]})
        for metric, part in stats.groupby("metric", sort=False):
            part = part.set_index("variant").reindex(variants)
            table[_mean_header(metric, lang, year)] = [words_value(metric, v, lang) for v in part["mean"]]
            table[_diff_header(metric, lang, year)] = [
                _diff_text(metric, *vals, lang) for vals in part[["diff", "diff_low", "diff_high", "better", "worse"]].itertuples(index=False)]
        if len(findings.weakest):
            table[say(lang, "schwächster Stadtteil (in den meisten Läufen)", "weakest district (most runs)")] = [
                findings.weakest.get(v, "") for v in variants]
        blocks += [Heading(3, say(lang, "Pläne im Vergleich: schwächster Stadtteil, ganze Stadt, Personal",
                                  "Plans compared: the weakest district, the whole city, staff")),
                   Paragraph(say(lang, "Mittel über die Wiederholungen und gepaarter Unterschied zum dokumentierten Plan "
                                       "(95-%-KI); ↑ / ↓ besser / schlechter über das Rauschen hinaus.",
                                 "Mean over replicates and paired difference to the reference (95% CI); ↑ / ↓ better / "
                                 "worse beyond the noise.")), Table(table)]
    if not findings.waits.empty:
        waits = findings.waits.map(lambda w: plain_number(w, lang, 0))
        never = findings.never_started.reindex_like(findings.waits).fillna(0)
        waits = waits.where(never < 1, say(lang, "nie begonnen", "never started"))
        waits.index = [_label(plan, v, lang) for v in waits.index]
        blocks += [Heading(3, say(lang, "Wer auf Personal wartet", "Who waits for staff")),
                   Paragraph(say(lang, "Mittlere Monate, die jeder Stadtteil auf das Personal des Büros wartete, bevor die "
                                       "Moderation begann (nie begonnen: der Lauf endete in jeder Wiederholung vorher).",
                                 "Mean months each district waited for the office's staff before its moderation began "
                                 "(never started: the run ended first in every replicate).")),
                   Table(waits.rename_axis(column).reset_index())]
    for late in findings.late:
        effects = late.effects.assign(cell=[_diff_text(late.metric, r.diff, r.low, r.high, None, None, lang)
                                            for r in late.effects.itertuples()])
        wide = effects.pivot_table(index="district", columns="setting", values="cell", aggfunc="first", sort=False)
        wide = wide.reindex([d for d in dict.fromkeys(late.effects["district"])])
        wide.columns = [_setting_words(c, lang) for c in wide.columns]
        district = say(lang, "Stadtteil", "district")
        blocks += [Heading(3, say(lang, f"Was eine späte Übergabe in {late.district} die anderen kostet",
                                  f"What a late handover in {late.district} costs the others")),
                   Paragraph(say(lang, f"Gepaarter Unterschied in {plain_label(late.metric, lang, year)}: späte Übergabe in "
                                       f"{late.district} minus dokumentierte, für jede Einstellung der anderen Faktoren; 95-%-KI.",
                                 f"Paired difference in {plain_label(late.metric, lang, year)}: the late handover in "
                                 f"{late.district} minus the documented one, for every setting of the other factors; 95% CI.")),
                   Table(wide.rename_axis(district).reset_index())]
    return blocks


def _setting_words(setting: str, lang: str) -> str:
    """``plan=rollout pool=200`` -> ``Plan rollout · Pool 200``."""
    levels = dict(part.split("=", 1) for part in setting.split() if "=" in part)
    return short_words(levels, setting, lang)


def _failure_blocks(results: BatchResults, lang: str) -> list[Block]:
    failures = results.failures
    heading = Heading(2, say(lang, "Fehlgeschlagene Läufe", "Failed runs"))
    if failures.empty:
        return [heading, Paragraph(say(lang, "Keine.", "None."))]
    table = failures.reindex(columns=["base", "variant", "replicate", "seed"]).copy()
    table["error"] = [str(t).strip().splitlines()[-1] if isinstance(t, str) and t.strip() else ""
                      for t in failures.get("traceback", pd.Series([""] * len(failures)))]
    return [heading,
            Paragraph(say(lang, f"{len(failures)} Lauf/Läufe fehlgeschlagen; sie fehlen in allen Zahlen oben, die "
                                "Tracebacks liegen in `failures/`. Derselbe Batch-Befehl wiederholt sie.",
                          f"{len(failures)} run(s) failed and are left out of every number above; tracebacks are in "
                          "`failures/`. Rerunning the batch command retries them.")),
            Table(table.astype(str))]


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def is_report_folder(folder: Path) -> bool:
    """A report folder written before folders carried a marker."""
    return (folder / "report.md").is_file() and (folder / "report.html").is_file()


def flat_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """All runs in one flat table, a row per run and district: columns named for SQL without
    quoting (``factor_handover``, ``param__behaviour__dependency__strength``, ``token_index_at_30``),
    factor levels as numbers where they are numbers."""
    out = runs.copy()
    for column in [c for c in out.columns if c.startswith("factor.")]:
        numeric = pd.to_numeric(out[column], errors="coerce")
        if numeric.notna().all():
            out[column] = numeric.astype(int) if (numeric == numeric.round()).all() else numeric
    out.columns = [_sql_name(c) for c in out.columns]
    return out


def _sql_name(column: str) -> str:
    if column.startswith("param."):
        return "param__" + column.removeprefix("param.").replace(".", "__")
    return re.sub(r"[^A-Za-z0-9_]", "_", column.replace("@", "_at_").replace("factor.", "factor_"))


def write_report(folder: str | Path, target: str | Path | None = None, *, force: bool = False,
                 lang: str = "de") -> tuple[Path, list[str]]:
    """Analyse the batch in ``folder`` and write its report to ``target`` (default
    ``folder/report``) in ``lang`` (de or en); returns the path of report.md and the answer's
    paragraphs (for the terminal). Raises StoreError for a folder that is not a batch, ReportError
    when no run has finished, OutputError when ``target`` holds files of others (unless
    ``force``: then only the report's own files are replaced)."""
    results = load_results(folder)
    if results.runs.empty:
        raise ReportError(f"{folder}: no finished runs yet; run 'stadtteil-sim batch' first")
    target = Path(target) if target is not None else Path(folder) / REPORT_DIR
    check_folder(target, "report", force=force, recognise=is_report_folder)  # before the analysis
    analysis = analyse(results.runs, results.manifest)
    cities = city_findings(analysis, results.manifest)
    answer = answer_paragraphs(analysis, results.manifest, cities, lang)
    if analysis.plan.parameters:  # next to the answer it qualifies: what its intervals include
        sample = analysis.plan.parameters
        if sample.get("kind") == "latin_hypercube":
            german = (f"Die Intervalle enthalten die Unsicherheit der Parameter: die {sample.get('rows')} Bedingungen "
                      f"sind ein Latin Hypercube über {len(sample.get('columns') or [])} unsichere Parameter, jede mit "
                      "denselben Werten und Zufallszahlen in jeder Zeitwahl und jedem Stadtteil (gepaart).")
        else:
            german = (f"Die Intervalle enthalten die Unsicherheit der Parameter: jede der {len(sample.get('draws') or {})} "
                      f"Wiederholungen nutzt eine Ziehung aus {sample.get('sample')}, dieselbe in jeder Zeitwahl und "
                      "jedem Stadtteil.")
        answer.append(say(lang, german, parameter_sentence(analysis.plan)))
    plan = analysis.plan
    robust = robustness_all(analysis.runs, plan, results.manifest)
    if robust:
        answer.append(say(lang, "**Robustheit:** ", "**Robustness:** ")
                      + " ".join(robust_sentence(plan, r, lang) for r in robust.values()))
    asked = bool((results.manifest.get("experiment") or {}).get("discovery"))
    discoveries = discovery.discover(analysis.runs, plan, results.manifest)
    with result_folder(target, "report", force=force, recognise=is_report_folder) as tmp, \
            matplotlib.rc_context({"font.size": FONT, "axes.titlesize": FONT + 1, "axes.labelsize": FONT,
                                   "xtick.labelsize": FONT - 1, "ytick.labelsize": FONT - 1, "legend.fontsize": FONT}):
        (tmp / FIGURES).mkdir()
        figures = {"fans": plot_fans(analysis, results.series, tmp, results.manifest, lang),
                   "heatmaps": plot_heatmaps(analysis, tmp, results.manifest, lang),
                   "tradeoff": plot_tradeoff(analysis, tmp, results.manifest, lang)}
        years = {b: start_year(results.manifest, b) for b in plan.bases}
        sections = [*robust_blocks(plan, robust, thresholds_of(results.manifest), lang, years),
                    *discovery_blocks(plan, discoveries, asked, discovery.available(), tmp, FIGURES, lang)]
        blocks = build_blocks(results, analysis, figures, cities, lang, answer, sections)
        title = say(lang, "Bericht", "Report") + ": " + analysis.plan.name.replace("_", " ")
        (tmp / "report.md").write_text(to_markdown(blocks, lang), encoding="utf-8")
        (tmp / "report.html").write_text(to_html(blocks, title, tmp, lang), encoding="utf-8")
        analysis.statistics.to_csv(tmp / "variants.csv", index=False)
        analysis.pareto.to_csv(tmp / "pareto.csv", index=False)
        analysis.choices_table().to_csv(tmp / "best.csv", index=False)
        if robust:
            robustness_table(robust).to_csv(tmp / "robust.csv", index=False)
        trajectories, boxes = discovery.discovery_tables(discoveries)
        for table, name in ((trajectories, "discovery_trajectories.csv"), (boxes, "discovery_boxes.csv")):
            if not table.empty:
                table.to_csv(tmp / name, index=False)
        flat_runs(analysis.runs[~analysis.runs["base"].str.contains("/", regex=False)] if not analysis.plan.cities
                  else results.runs).to_csv(tmp / "runs.csv", index=False, lineterminator="\n")
    return target / "report.md", answer

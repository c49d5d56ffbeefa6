"""The report's sections on robust timing (regret, satisficing) and scenario discovery (PRIM
boxes, peeling trajectories), with their figures, in German or English."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure as MplFigure

from stadtteil_sim.experiments.analysis import Plan
from stadtteil_sim.experiments.atomic import write_figure
from stadtteil_sim.experiments.discovery import EXTRA, Discovery
from stadtteil_sim.experiments.document import Block, Figure, Heading, Paragraph, Table
from stadtteil_sim.experiments.robust import Robustness
from stadtteil_sim.experiments.words import (
    kind_of,
    metric_label,
    number,
    parameter_label,
    say,
    short_words,
    value,
)

DPI = 90


def _gap(metric: str, x: float, lang: str) -> str:
    """A regret: a difference, so a share's is in percentage points, not in per cent."""
    if kind_of(metric) == "share" and np.isfinite(x):
        return f"{number(100 * x, lang, 1)} {say(lang, 'Prozentpunkte', 'percentage points')}"
    return value(metric, x, lang)


def _plan_words(plan: Plan, variant: str, lang: str) -> str:
    return short_words(plan.levels.get(variant) or {}, variant, lang)


def _threshold_words(thresholds: dict[str, dict[str, float]], lang: str, year: int) -> str:
    parts = []
    for metric, threshold in thresholds.items():
        bound, limit = next(iter(threshold.items()))
        relation = say(lang, "mindestens", "at least") if bound == "at_least" else say(lang, "höchstens", "at most")
        parts.append(f"{metric_label(metric, lang, year)} {relation} {value(metric, limit, lang)}")
    return "; ".join(parts)


def robust_sentence(plan: Plan, found: Robustness, lang: str) -> str:
    """The most robust plan beside the best on average, and the one that most often meets the
    experiment's thresholds, for the answer."""
    return _regret_sentence(plan, found, lang) + _satisficing_sentence(plan, found, lang)


def _satisficing_sentence(plan: Plan, found: Robustness, lang: str) -> str:
    shares = found.table.set_index("variant")["satisficing_share"]
    if not shares.notna().any():
        return ""
    best = shares.idxmax()
    share = f"{number(100 * shares[best], lang)} %"
    return say(lang, f" Am häufigsten erfüllt {_plan_words(plan, best, lang)} die Schwellen (in {share} der Bedingungen).",
               f" The thresholds are met most often by {_plan_words(plan, best, lang)} (in {share} of conditions).")


def _regret_sentence(plan: Plan, found: Robustness, lang: str) -> str:
    robust = _plan_words(plan, found.most_robust, lang)
    row = found.table.set_index("variant").loc[found.most_robust]
    worst = _gap(found.metric, row["max_regret"], lang)
    if found.most_robust == found.best_on_average:
        return say(lang, f"{plan.district(found.base)}: {robust} ist im Mittel am besten und zugleich am robustesten "
                         f"über die {found.conditions} Bedingungen (größtes Bedauern {worst}).",
                   f"{plan.district(found.base)}: {robust} is best on average and also the most robust across the "
                   f"{found.conditions} conditions (largest regret {worst}).")
    average = _plan_words(plan, found.best_on_average, lang)
    return say(lang, f"{plan.district(found.base)}: am robustesten über die {found.conditions} Bedingungen ist {robust} "
                     f"(größtes Bedauern {worst}); im Mittel am besten ist {average}.",
               f"{plan.district(found.base)}: the most robust across the {found.conditions} conditions is {robust} "
               f"(largest regret {worst}); best on average is {average}.")


def _robust_table(plan: Plan, found: Robustness, lang: str, year: int) -> pd.DataFrame:
    t = found.table
    metric = found.metric
    notes = {found.most_robust: say(lang, "am robustesten", "most robust")}
    if found.best_on_average != found.most_robust:
        notes[found.best_on_average] = say(lang, "im Mittel am besten", "best on average")
    else:
        notes[found.most_robust] += say(lang, ", im Mittel am besten", ", best on average")
    out = pd.DataFrame({
        say(lang, "Zeitwahl", "timing"): [_plan_words(plan, v, lang) for v in t["variant"]],
        say(lang, "Hinweis", "note"): [notes.get(v, "") for v in t["variant"]],
        say(lang, f"{metric_label(metric, lang, year)}: Mittel", f"{metric_label(metric, lang, year)}: mean"):
            [value(metric, x, lang) for x in t["mean"]],
        say(lang, "mittleres Bedauern", "mean regret"): [_gap(metric, x, lang) for x in t["mean_regret"]],
        say(lang, "größtes Bedauern", "largest regret"): [_gap(metric, x, lang) for x in t["max_regret"]],
        say(lang, "beste Zeitwahl in … der Bedingungen", "best plan in … of conditions"):
            [f"{number(100 * x, lang)} %" for x in t["best_share"]],
    })
    if t["satisficing_share"].notna().any():
        out[say(lang, "Schwellen erfüllt in … der Bedingungen", "thresholds met in … of conditions")] = [
            f"{number(100 * x, lang)} %" if np.isfinite(x) else say(lang, "k. A.", "n/a") for x in t["satisficing_share"]]
    return out


def robust_blocks(plan: Plan, found: dict[str, Robustness], thresholds: dict[str, dict[str, float]],
                  lang: str, years: dict[str, int]) -> list[Block]:
    """Per unit: regret on the primary objective and the satisficing share, per plan."""
    if not found:
        return []
    first = next(iter(found.values()))
    blocks: list[Block] = [Heading(2, say(lang, "Robuste Zeitwahl", "Robust timing"))]
    thresholds_text = _threshold_words(thresholds, lang, years.get(first.base, 2000))
    blocks.append(Paragraph(say(
        lang,
        f"Jede Zeitwahl lief in denselben {first.conditions} Bedingungen (Werte der unsicheren Parameter, gepaart). "
        "**Bedauern** in einer Bedingung: wie viel die dort beste Zeitwahl mehr erreicht als diese; 0 heißt, sie war dort "
        "die beste. Am robustesten ist die Zeitwahl mit dem kleinsten größten Bedauern: die man wählen kann, ohne zu "
        "wissen, welche Bedingung gilt."
        + (f" **Schwellen** (aus dem Experiment): {thresholds_text}." if thresholds_text else ""),
        f"Every timing ran in the same {first.conditions} conditions (values of the uncertain parameters, paired). "
        "**Regret** in a condition: how much more the best timing there achieves than this one; 0 means it was the best "
        "there. The most robust timing has the smallest largest regret: the one a city can choose without knowing which "
        "condition holds." + (f" **Thresholds** (from the experiment): {thresholds_text}." if thresholds_text else ""))))
    for base, result in found.items():
        blocks += [Heading(3, plan.district(base)), Paragraph(robust_sentence(plan, result, lang)),
                   Table(_robust_table(plan, result, lang, years.get(base, 2000)))]
    return blocks


def _box_words(box: pd.DataFrame, lang: str) -> str:
    parts = []
    for row in box.itertuples():
        digits = 0 if max(abs(row.sampled_low), abs(row.sampled_high)) >= 10 else 2
        parts.append(f"{parameter_label(row.parameter, lang)} {number(row.box_low, lang, digits)}–"
                     f"{number(row.box_high, lang, digits)} ({say(lang, 'untersucht', 'sampled')} "
                     f"{number(row.sampled_low, lang, digits)}–{number(row.sampled_high, lang, digits)})")
    return "; ".join(parts)


def discovery_sentence(plan: Plan, found: Discovery, lang: str) -> str:
    share = f"{number(100 * found.base_rate, lang)} %"
    lead = (f"**{found.question}** {plan.district(found.base)}: "
            + say(lang, f"in {found.cases} von {found.conditions} Bedingungen ({share}). ",
                  f"in {found.cases} of {found.conditions} conditions ({share}). "))
    if found.chosen is None:
        return lead + say(lang, "Keine Bedingung grenzt sich ab (alle oder keine sind Fälle).",
                          "No condition stands out (all or none are cases).")
    step = found.trajectory.iloc[found.chosen]
    restricted = found.restricted()
    if restricted.empty:
        return lead + say(lang, "PRIM findet keinen Bereich der Parameter, in dem die Fälle dichter liegen.",
                          "PRIM finds no region of the parameters where cases are denser.")
    return lead + say(
        lang,
        f"Vor allem dann, wenn {_box_words(restricted, lang)}: dieser Bereich enthält "
        f"{number(100 * step['coverage'], lang)} % der Fälle (Abdeckung), und {number(100 * step['density'], lang)} % "
        "seiner Bedingungen sind Fälle (Dichte).",
        f"Mostly when {_box_words(restricted, lang)}: this box holds {number(100 * step['coverage'], lang)} % of the "
        f"cases (coverage), and {number(100 * step['density'], lang)} % of its conditions are cases (density).")


def plot_discovery(found: Discovery, folder: Path, name: str, lang: str) -> None:
    """Left: the peeling trajectory (coverage against density, colour: restricted parameters),
    the chosen box ringed. Right: the chosen box's limits within each sampled range."""
    fig = MplFigure(figsize=(10, 3.6), dpi=DPI, layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
    t = found.trajectory
    most = int(t["res_dim"].max())
    norm = BoundaryNorm(np.arange(-0.5, most + 1.5), matplotlib.colormaps["viridis"].N)  # whole numbers
    points = left.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", norm=norm, s=22)
    chosen = t.iloc[found.chosen]
    left.scatter([chosen["coverage"]], [chosen["density"]], s=140, facecolors="none", edgecolors="black", linewidths=1.5,
                 label=say(lang, "gewählter Bereich", "chosen box"))
    left.set_xlabel(say(lang, "Abdeckung: Anteil der Fälle im Bereich", "coverage: share of cases inside the box"))
    left.set_ylabel(say(lang, "Dichte: Anteil Fälle im Bereich", "density: share of cases in the box"))
    for axis in (left.xaxis, left.yaxis):
        axis.set_major_formatter(lambda x, _: f"{number(100 * x, lang)} %")
    fig.colorbar(points, ax=left, ticks=range(most + 1), label=say(lang, "eingeschränkte Parameter", "restricted parameters"))
    left.legend(loc="lower left")
    left.grid(alpha=0.3)
    box = found.restricted()
    for i, row in enumerate(box.itertuples()):
        span = row.sampled_high - row.sampled_low
        low, high = (row.box_low - row.sampled_low) / span, (row.box_high - row.sampled_low) / span
        right.barh(i, 1.0, color="#e8e8e8", height=0.6)
        right.barh(i, high - low, left=low, color="#2a788e", height=0.6)
        digits = 0 if max(abs(row.sampled_low), abs(row.sampled_high)) >= 10 else 2
        for x, limit in ((low, row.box_low), (high, row.box_high)):  # below the bar (the axis is inverted)
            right.text(x, i + 0.34, number(limit, lang, digits), ha="center", va="top", fontsize=9)
    right.set_yticks(range(len(box)), [_wrapped(parameter_label(p, lang)) for p in box["parameter"]])
    right.set_ylim(-0.6, len(box) - 0.1)
    right.set_xlim(-0.05, 1.05)
    right.set_xticks([0, 1], [say(lang, "kleinster untersuchter Wert", "lowest sampled"),
                              say(lang, "größter", "highest")])
    right.invert_yaxis()
    right.set_title(say(lang, "Bereich, in dem die Fälle dicht liegen", "box where cases are dense"))
    write_figure(fig, folder / name, dpi=DPI)


def _wrapped(text: str, width: int = 30) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def discovery_blocks(plan: Plan, found: list[Discovery], asked: bool, available: bool, folder: Path,
                     figures: str, lang: str) -> list[Block]:
    """Per question and unit: the case count, the chosen box in words, its figure."""
    if not asked:
        return []
    heading = Heading(2, say(lang, "Unter welchen Bedingungen? (Szenario-Entdeckung)", "Under which conditions? (scenario discovery)"))
    if not available:
        return [heading, Paragraph(say(lang, f"Diesen Abschnitt fügt das Extra `{EXTRA}` hinzu (EMA Workbench: "
                                             f"pip install 'stadtteil_sim[{EXTRA}]').",
                                       f"The `{EXTRA}` extra adds this section (EMA Workbench: pip install 'stadtteil_sim[{EXTRA}]')."))]
    blocks: list[Block] = [heading, Paragraph(say(
        lang,
        "PRIM (Friedman & Fisher 1999, wie EMA Workbench es umsetzt) sucht den Bereich der unsicheren Parameter, in dem die "
        "Fälle einer Frage dicht liegen; gewählt ist der dichteste Bereich, der noch mindestens die Hälfte der Fälle "
        "enthält. Ganzer Schälpfad und Grenzen: `discovery_trajectories.csv`, `discovery_boxes.csv`.",
        "PRIM (Friedman & Fisher 1999, as EMA Workbench implements it) searches the region of the uncertain parameters "
        "where a question's cases are dense; the chosen box is the densest that still holds at least half of the cases. "
        "Whole peeling trajectory and limits: `discovery_trajectories.csv`, `discovery_boxes.csv`."))]
    for d in found:
        blocks += [Heading(3, f"{d.question} – {plan.district(d.base)}"), Paragraph(discovery_sentence(plan, d, lang))]
        if d.chosen is not None and not d.restricted().empty:
            name = f"{figures}/discovery_{d.key}_{d.base.replace('/', '_')}.png"
            plot_discovery(d, folder, name, lang)
            blocks.append(Figure(name, say(lang, f"{d.question} {plan.district(d.base)}: Schälpfad und gewählter Bereich",
                                           f"{d.question} {plan.district(d.base)}: peeling trajectory and chosen box")))
    return blocks

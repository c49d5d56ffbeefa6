"""The answer a city can act on, first in the report: per district and for the city, when to hand
over and when to link, how much it matters and how sure we are, the best within the staff
budget, the trade-offs in words and how the answer shifts with the dependency assumption.

Every number comes from the runs and is paired as in :mod:`stadtteil_sim.experiments.analysis`
(a 95% t interval over replicates); "cannot be told apart" wherever an interval includes 0.
Words come from :mod:`stadtteil_sim.experiments.words`, so no code name reaches the reader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stadtteil_sim.experiments.analysis import (
    Analysis,
    Interval,
    choose_best,
    paired_difference,
    replicate_table,
)
from stadtteil_sim.experiments.city_analysis import CityFindings
from stadtteil_sim.experiments.words import (
    calendar,
    interval,
    level_words,
    number,
    say,
    value,
    variant_words,
)

DEPENDENCY = "param.behaviour.dependency.strength"
HOURS = "office_staff_hours_total"


def start_year(manifest: dict, base: str) -> int:
    """The calendar year of a base's month 0 (the city's start year; 2000 when not recorded)."""
    root = base.split("/", 1)[0]
    for key, scenario in (manifest.get("scenarios") or {}).items():
        if key.split("|", 1)[0] == root:
            return int(((scenario or {}).get("city") or {}).get("start_year", 2000))
    return 2000


@dataclass(frozen=True)
class Words:
    """What the answer needs to say a variant: the plan's levels, the start year, the language."""

    analysis: Analysis
    manifest: dict
    lang: str
    cities: list[CityFindings]

    def year(self, base: str) -> int:
        return start_year(self.manifest, base)

    def variant(self, base: str, variant: str) -> str:
        levels = self.analysis.plan.levels.get(variant) or {}
        return variant_words(levels, variant, self.lang, self.year(base), self.rule_note(base, variant))

    def rule_note(self, base: str, variant: str) -> str | None:
        """When a condition-based handover actually came: 'im Mittel im Mai 2006 (Monat 76); in 1 von 6 Läufen nicht'."""
        levels = self.analysis.plan.levels.get(variant) or {}
        if not any(f.startswith("handover") and not lv.isdigit() for f, lv in levels.items()):
            return None
        runs = self.analysis.runs
        months = runs[(runs["base"] == base) & (runs["variant"] == variant)].get("handover_month")
        if months is None or months.empty:
            return None
        known = months.dropna()
        lang = self.lang
        if known.empty:
            return say(lang, "in keinem Lauf innerhalb der Laufzeit", "in no run within its length")
        text = say(lang, "im Mittel im ", "on average in ") + calendar(known.mean(), self.year(base), lang)
        missing = len(months) - len(known)
        if missing:
            text += say(lang, f"; in {missing} von {len(months)} Läufen nicht innerhalb der Laufzeit",
                        f"; not within the run in {missing} of {len(months)} runs")
        return text


def _verdict(diff: Interval | None, sense: str, lang: str) -> str:
    if diff is None or not np.isfinite(diff.estimate):
        return ""
    if diff.n < 2 or not diff.excludes_zero:
        return say(lang, "nicht davon zu unterscheiden", "cannot be told apart")
    better = (diff.estimate > 0) == (sense == "maximise")
    return say(lang, "besser, über das Zufallsrauschen hinaus", "better, beyond the noise") if better else \
        say(lang, "schlechter, über das Zufallsrauschen hinaus", "worse, beyond the noise")


def _mean_of(analysis: Analysis, base: str, variant: str, metric: str) -> float:
    stats = analysis.statistics
    row = stats[(stats["base"] == base) & (stats["variant"] == variant) & (stats["metric"] == metric)]
    return float(row["mean"].iloc[0]) if len(row) else math.nan


def _spread(analysis: Analysis, base: str, metric: str, candidates: list[str]) -> tuple[float, float]:
    stats = analysis.statistics
    rows = stats[(stats["base"] == base) & (stats["metric"] == metric) & stats["variant"].isin(candidates)]["mean"]
    rows = rows[np.isfinite(rows)]
    return (float(rows.min()), float(rows.max())) if len(rows) else (math.nan, math.nan)


def district_answer(words: Words, base: str) -> str:
    """One district in plain words: the recommended timing (the best within the budget, else the
    best), its value, against the documented timing and the runner-up, its staff hours against
    the budget, what the best without a budget would give and cost."""
    analysis, lang = words.analysis, words.lang
    plan = analysis.plan.for_base(base)
    name = plan.district(base)
    primary = plan.primary
    if primary is None:
        return say(lang, f"**{name}:** Das Experiment nennt kein Ziel, daher keine Empfehlung.",
                   f"**{name}:** the experiment declares no objective, so nothing is recommended.")
    year = words.year(base)
    best, in_budget = analysis.best.get(base), analysis.best_in_budget.get(base)
    chosen = in_budget if plan.budget else best
    if chosen is None:
        if plan.budget and best is not None:
            return say(lang, f"**{name}:** Keine Zeitwahl bleibt im Mittel innerhalb des Budgets "
                             f"({_budget_words(plan.budget, lang)}).",
                       f"**{name}:** no timing stays within the budget on average ({_budget_words(plan.budget, lang)}).")
        return say(lang, f"**{name}:** Keine Zeitwahl hat einen Wert für das Ziel.", f"**{name}:** no timing has a value.")
    label = _metric_phrase(primary, lang, year)
    lead = say(lang, "Empfehlung innerhalb des Budgets" if plan.budget else "Empfehlung",
               "Recommended within the budget" if plan.budget else "Recommended")
    parts = [f"**{name}:** {lead}: {words.variant(base, chosen.variant)}."]
    parts.append(say(lang, f"Damit erreicht die {label} im Mittel {value(primary, chosen.mean, lang)}",
                     f"This gives a {label} of {value(primary, chosen.mean, lang)} on average"))
    reference = analysis.plan.reference
    if chosen.variant == reference:
        parts[-1] += say(lang, "; das ist der dokumentierte Zeitplan selbst.", "; this is the documented timing itself.")
    elif chosen.vs_reference is not None:
        ref = chosen.vs_reference
        parts[-1] += say(
            lang,
            f", gegenüber dem dokumentierten Zeitplan ({words.variant(base, reference)}) "
            f"{interval(primary, ref.estimate, ref.low, ref.high, lang)}: {_verdict(ref, chosen.sense, lang)}.",
            f"; against the documented timing ({words.variant(base, reference)}) "
            f"{interval(primary, ref.estimate, ref.low, ref.high, lang)}: {_verdict(ref, chosen.sense, lang)}.")
    else:
        parts[-1] += "."
    if chosen.runner_up is not None and chosen.vs_runner_up is not None:
        runner = chosen.vs_runner_up
        tied = len(chosen.indistinguishable)
        sure = (say(lang, "sie liegt über das Zufallsrauschen hinaus vorn", "it is ahead beyond the noise") if chosen.clear
                else say(lang, f"mit {runner.n} gepaarten Wiederholungen sind beide nicht zu unterscheiden, "
                               f"ebenso {tied - 1} weitere" if tied > 1 else
                               f"mit {runner.n} gepaarten Wiederholungen sind beide nicht zu unterscheiden",
                         f"with {runner.n} paired replicates the two cannot be told apart, nor {tied - 1} more"
                         if tied > 1 else f"with {runner.n} paired replicates the two cannot be told apart"))
        parts.append(say(lang, f"Wie sicher: Vorsprung vor der nächstbesten Zeitwahl ({words.variant(base, chosen.runner_up)}) "
                               f"{interval(primary, runner.estimate, runner.low, runner.high, lang)}; {sure}.",
                         f"How sure: ahead of the next best timing ({words.variant(base, chosen.runner_up)}) by "
                         f"{interval(primary, runner.estimate, runner.low, runner.high, lang)}; {sure}."))
    pool = _candidates(analysis, base)
    low, high = _spread(analysis, base, primary, pool)
    if np.isfinite(low) and high > low:
        parts.append(say(lang, f"Wie viel es ausmacht: Innerhalb des Budgets reicht die {label} je nach Zeitwahl von "
                               f"{value(primary, low, lang)} bis {value(primary, high, lang)}."
                         if plan.budget else
                         f"Wie viel es ausmacht: Je nach Zeitwahl reicht sie von {value(primary, low, lang)} bis "
                         f"{value(primary, high, lang)}.",
                         f"How much it matters: {'within the budget ' if plan.budget else ''}the timings range from "
                         f"{value(primary, low, lang)} to {value(primary, high, lang)}."))
    for metric, bound in plan.budget.items():
        cost = _mean_of(analysis, base, chosen.variant, metric)
        parts.append(say(lang, f"Personalaufwand: im Mittel {value(metric, cost, lang)}, Budget {value(metric, bound, lang)}.",
                         f"Staff: {value(metric, cost, lang)} on average, budget {value(metric, bound, lang)}."))
    if plan.budget and best is not None and best.variant != chosen.variant:
        wide = replicate_table(analysis.runs, base, primary, [best.variant, chosen.variant])
        gain = paired_difference(wide[best.variant], wide[chosen.variant])
        costs = ", ".join(value(m, _mean_of(analysis, base, best.variant, m), lang) for m in plan.budget)
        parts.append(say(
            lang,
            f"Ohne Budgetgrenze wäre {words.variant(base, best.variant)} am besten "
            f"({value(primary, best.mean, lang)}; {interval(primary, gain.estimate, gain.low, gain.high, lang)} "
            f"mehr als die Empfehlung, {_verdict(gain, best.sense, lang)}), braucht aber {costs}.",
            f"Without a budget, {words.variant(base, best.variant)} would be best ({value(primary, best.mean, lang)}; "
            f"{interval(primary, gain.estimate, gain.low, gain.high, lang)} more than the recommendation, "
            f"{_verdict(gain, best.sense, lang)}), but needs {costs}."))
    return " ".join(parts)


def _metric_phrase(metric: str, lang: str, year: int) -> str:
    """The primary objective inside a sentence: 'Beteiligung der Migrant/innen in Monat 84 (Januar 2007)'."""
    from stadtteil_sim.experiments.words import metric_label

    text = metric_label(metric, lang, year)
    return text if lang == "de" else text[:1].lower() + text[1:]


def _budget_words(budget: dict[str, float], lang: str) -> str:
    return ", ".join(value(m, b, lang) for m, b in budget.items())


def _candidates(analysis: Analysis, base: str) -> list[str]:
    pareto = analysis.pareto
    if pareto.empty:
        return analysis.plan.variants
    part = pareto[pareto["base"] == base]
    return part.loc[part["within_budget"].astype(bool), "variant"].tolist() or part["variant"].tolist()


def several_districts_answer(words: Words) -> str | None:
    """For an experiment on several separate districts: one timing for all of them (the best mean
    of their primary objective, each district within its own budget), paired as ever."""
    analysis, lang = words.analysis, words.lang
    plan = analysis.plan
    bases = [b for b in plan.bases if b not in plan.cities and "/" not in b]
    if len(bases) < 2 or plan.primary is None or plan.cities:
        return None
    primary = plan.primary
    variants = plan.variants
    tables = [replicate_table(analysis.runs, b, primary, variants) for b in bases]
    together = sum(tables) / len(tables)
    allowed = set(variants)
    for base in bases:
        allowed &= set(_candidates(analysis, base)) if plan.budget else set(variants)
    means = together.mean()
    pool = [v for v in variants if v in allowed and np.isfinite(means.get(v, math.nan))]
    if not pool:
        return None
    sense = plan.objectives[primary]
    best = max(pool, key=lambda v: means[v] if sense == "maximise" else -means[v])
    year = words.year(bases[0])
    names = say(lang, " und ", " and ").join(plan.district(b) for b in bases)
    label = _metric_phrase(primary, lang, year)
    parts = [say(lang, f"**Für die Stadt** ({names}, eine Zeitwahl für alle): {words.variant(bases[0], best)}.",
                 f"**For the city** ({names}, one timing for all): {words.variant(bases[0], best)}.")]
    years = {plan.district(b): words.year(b) for b in bases}
    if len(set(years.values())) > 1:  # months count from each district's own start
        starts = ", ".join(f"{d} {y}" for d, y in years.items())
        parts.append(say(lang, f"Die Monate zählen ab dem Start des Büros im jeweiligen Stadtteil ({starts}); die "
                               f"Kalenderangaben gelten für {plan.district(bases[0])}.",
                         f"Months count from the office's start in each district ({starts}); the dates are "
                         f"{plan.district(bases[0])}'s."))
    parts.append(say(lang, f"Im Mittel der Stadtteile erreicht die {label} {value(primary, means[best], lang)}",
                     f"Averaged over the districts, the {label} is {value(primary, means[best], lang)}"))
    if best != plan.reference and plan.reference in together:
        diff = paired_difference(together[best], together[plan.reference])
        parts[-1] += say(lang, f", gegenüber dem dokumentierten Zeitplan {interval(primary, diff.estimate, diff.low, diff.high, lang)}: "
                               f"{_verdict(diff, sense, lang)}.",
                         f"; against the documented timing {interval(primary, diff.estimate, diff.low, diff.high, lang)}: "
                         f"{_verdict(diff, sense, lang)}.")
    else:
        parts[-1] += say(lang, "; das ist der dokumentierte Zeitplan.", "; this is the documented timing.")
    if HOURS in analysis.runs:
        hours = [replicate_table(analysis.runs, b, HOURS, [best])[best].mean() for b in bases]
        total = float(np.nansum(hours))
        bound = plan.budget.get(HOURS)
        text = say(lang, f"Personalaufwand zusammen: {value(HOURS, total, lang)}", f"Staff together: {value(HOURS, total, lang)}")
        if bound is not None:
            text += say(lang, f", Budget {value(HOURS, bound * len(bases), lang)} ({value(HOURS, bound, lang)} je Stadtteil)",
                        f", budget {value(HOURS, bound * len(bases), lang)} ({value(HOURS, bound, lang)} per district)")
        parts.append(text + ".")
    return " ".join(parts)


def city_answer(words: Words, findings: CityFindings) -> str:
    """A city of several districts as a whole: per staff pool (the city's budget) the best plan
    for the weakest district, with the whole city's participation, paired against the reference."""
    analysis, lang = words.analysis, words.lang
    plan = analysis.plan
    base = findings.base
    own = plan.for_base(base)
    primary = own.primary
    if primary is None:
        return ""
    pools = plan.factors.get("pool")
    groups = ({lv: [v for v in plan.variants if (plan.levels.get(v) or {}).get("pool") == lv] for lv in pools}
              if pools else {"": plan.variants})
    year = words.year(base)
    label = _metric_phrase(primary, lang, year)
    parts = [say(lang, f"**Für die Stadt {findings.name}** (Ziel: {label}):",
                 f"**For the city of {findings.name}** (objective: {label}):")]
    for pool, candidates in groups.items():
        choice = choose_best(analysis.runs, own, base, primary, candidates)
        if choice is None:
            continue
        lead = (say(lang, f"Mit {level_words('pool', pool, lang, year)}", f"With {level_words('pool', pool, lang, year)}")
                if pool else say(lang, "Am besten", "Best"))
        sentence = f"{lead}: {words.variant(base, choice.variant)} ({value(primary, choice.mean, lang)}"
        if choice.vs_reference is not None:
            ref = choice.vs_reference
            sentence += say(lang, f"; gegenüber dem dokumentierten Plan {interval(primary, ref.estimate, ref.low, ref.high, lang)}, "
                                  f"{_verdict(ref, choice.sense, lang)}",
                            f"; against the documented plan {interval(primary, ref.estimate, ref.low, ref.high, lang)}, "
                            f"{_verdict(ref, choice.sense, lang)}")
        if choice.runner_up is not None and not choice.clear:
            sentence += say(lang, f"; {len(choice.indistinguishable)} Alternative(n) im Rauschen",
                            f"; {len(choice.indistinguishable)} alternative(s) within the noise")
        parts.append(sentence + ").")
    return " ".join(parts)


def tradeoff_answer(words: Words) -> str | None:
    """The trade-offs in words, paired: early linking raises the token index ('Alibi-Vertretung'),
    late linking the detachment index ('Verselbständigung der Parallelstruktur'), a late handover
    costs staff hours the office cannot spend in other districts; in a city, what a late handover
    in one district costs the others is in the city section."""
    analysis, lang = words.analysis, words.lang
    plan = analysis.plan
    links = plan.factors.get("link_month")
    ref_levels = plan.levels.get(plan.reference) or {}
    bases = [b for b in plan.bases if b not in plan.cities]
    if not bases:
        return None
    parts = []
    if links and "link_month" in ref_levels and len(links) > 1:
        numeric = sorted(links, key=lambda lv: float(lv) if lv.replace(".", "").isdigit() else math.inf)
        early, late = numeric[0], numeric[-1]
        for level, metric, danger_de, danger_en in (
            (early, "token_index_mean", "Gefahr der „Alibi-Vertretung“", "the risk of token representation"),
            (late, "detachment_index_mean", "Gefahr der „Verselbständigung der Parallelstruktur“",
             "the risk of a detached parallel structure"),
        ):
            if level == ref_levels["link_month"] or metric not in analysis.runs:
                continue
            effects = []
            for base in bases:
                other = _variant_with(plan, ref_levels, link_month=level)
                if other is None:
                    continue
                wide = replicate_table(analysis.runs, base, metric, [other, plan.reference])
                diff = paired_difference(wide[other], wide[plan.reference])
                apart = "" if diff.excludes_zero else say(lang, ", nicht von null zu unterscheiden", ", cannot be told from zero")
                effects.append(f"{plan.district(base)} {interval(metric, diff.estimate, diff.low, diff.high, lang)}{apart}")
            if not effects:
                continue
            year = words.year(bases[0])
            what = level_words("link_month", level, lang, year)
            ref = level_words("link_month", ref_levels["link_month"], lang, year)
            index = say(lang, "Alibi-Index" if metric.startswith("token") else "Verselbständigungs-Index",
                        "token index" if metric.startswith("token") else "detachment index")
            parts.append(say(lang, f"{what} statt {ref} verändert den {index} "
                                   f"(Mittel über den Lauf, 0 bis 1): {'; '.join(effects)}: {danger_de}.",
                             f"{what[:1].upper()}{what[1:]} instead of {ref} changes the {index} (mean over the run, 0 to 1): "
                             f"{'; '.join(effects)}: {danger_en}."))
    handovers = plan.factors.get("handover")
    if handovers and "handover" in ref_levels and HOURS in analysis.runs:
        runs = analysis.runs
        mean_month = {lv: runs.loc[runs["variant"] == v, "handover_month"].mean() for lv in handovers
                      if (v := _variant_with(plan, ref_levels, handover=lv)) is not None and "handover_month" in runs}
        reference_month = mean_month.get(ref_levels["handover"], math.nan)
        later = [lv for lv, m in mean_month.items() if np.isfinite(m) and m > reference_month]
        if later:
            level = max(later, key=lambda lv: mean_month[lv])
            other = _variant_with(plan, ref_levels, handover=level)
            effects = []
            for base in bases:
                if other is None:
                    break
                wide = replicate_table(analysis.runs, base, HOURS, [other, plan.reference])
                diff = paired_difference(wide[other], wide[plan.reference])
                effects.append(f"{plan.district(base)} {interval(HOURS, diff.estimate, diff.low, diff.high, lang)}")
            if effects:
                year = words.year(bases[0])
                what = level_words("handover", level, lang, year)
                parts.append(say(lang, f"Eine späte Übergabe ({what}) statt der dokumentierten bindet zusätzliche "
                                       f"Personalstunden, die das Büro in anderen Stadtteilen nicht einsetzen kann: "
                                       f"{'; '.join(effects)}.",
                                 f"A late handover ({what}) instead of the documented one binds staff hours the office "
                                 f"cannot spend in other districts: {'; '.join(effects)}."))
    if not parts:
        return None
    return say(lang, "**Abwägungen:** ", "**Trade-offs:** ") + " ".join(parts)


def _variant_with(plan, ref_levels: dict[str, str], **changed: str) -> str | None:
    target = {**ref_levels, **changed}
    return next((v for v, lv in plan.levels.items() if lv == target), None)


def dependency_answer(words: Words) -> str:
    """How the recommendation shifts across the dependency assumption's range: with a sample of it
    (uncertainties or a parameter sample), the best timing per third of its range; else a note
    that it is held fixed here."""
    analysis, lang = words.analysis, words.lang
    plan = analysis.plan
    runs = analysis.runs
    if DEPENDENCY not in runs or runs[DEPENDENCY].nunique() < 3 or plan.primary is None:
        return say(lang, "**Abhängigkeitsannahme:** Hier ist die Stärke der Abhängigkeit von der Moderation fest "
                         "(Voreinstellung 0,5). Wie sich die Antwort über ihre Spanne "
                         "von 0 bis 1 verschiebt, kann dieser Bericht erst sagen, wenn das Experiment die Stärke als "
                         "Unsicherheit variiert (ein Abschnitt „uncertainties“ wie in experiments/handover_robust.yaml "
                         "oder eine Parameterstichprobe mit dieser Spalte).",
                   "**Dependency assumption:** the strength of dependency on the moderator is fixed here (default 0.5). "
                   "How the answer shifts across its range 0 to 1 this report can say only once the experiment varies it as "
                   "an uncertainty (an 'uncertainties' section as in experiments/handover_robust.yaml, or a parameter sample "
                   "with that column).")
    parts = []
    for base in [b for b in plan.bases if b not in plan.cities]:
        own = plan.for_base(base)
        mine = runs[runs["base"] == base]
        strength = mine.groupby("replicate")[DEPENDENCY].first()
        thirds = pd.qcut(strength, 3, labels=False, duplicates="drop")
        found = []
        for third in sorted(set(thirds)):
            reps = set(thirds.index[thirds == third])
            subset = mine[mine["replicate"].isin(reps)]
            choice = choose_best(subset, own, base, own.primary, _candidates(analysis, base) if own.budget else None)
            if choice is None:
                continue
            lo, hi = strength[list(reps)].min(), strength[list(reps)].max()
            found.append(f"{number(lo, lang, 2)}–{number(hi, lang, 2)}: {words.variant(base, choice.variant)} "
                         f"({value(own.primary, choice.mean, lang)})")
        if found:
            parts.append(f"{plan.district(base)}: " + "; ".join(found))
    lead = say(lang, "**Abhängigkeitsannahme:** Beste Zeitwahl (innerhalb des Budgets) je Drittel der Stärke der "
                     "Abhängigkeit von der Moderation: ",
               "**Dependency assumption:** best timing (within the budget) per third of the dependency strength: ")
    return lead + " — ".join(parts) + "."


def headline(words: Words) -> str | None:
    """The first paragraph: per district the recommended handover and linking (calendar dates),
    its staff hours against the budget, its primary value and the paired interval against the
    documented timing; then the city's one timing."""
    analysis, lang = words.analysis, words.lang
    plan = analysis.plan
    items = []
    for base in [b for b in analysis.bases if b not in plan.cities and "/" not in b]:
        own = plan.for_base(base)
        chosen = analysis.best_in_budget.get(base) if own.budget else analysis.best.get(base)
        if own.primary is None or chosen is None:
            continue
        year = words.year(base)
        text = f"{plan.district(base)}: {words.variant(base, chosen.variant)}"
        costs = [f"{value(m, _mean_of(analysis, base, chosen.variant, m), lang)} "
                 f"{say(lang, 'von', 'of')} {value(m, b, lang).split(' ')[0]}" for m, b in own.budget.items()]
        if costs:
            text += say(lang, f" – {', '.join(costs)} Budget", f" – {', '.join(costs)} budget")
        text += f"; {_metric_phrase(own.primary, lang, year)} {value(own.primary, chosen.mean, lang)}"
        ref = chosen.vs_reference
        if chosen.variant == plan.reference:
            text += say(lang, " (der dokumentierte Zeitplan selbst)", " (the documented timing itself)")
        elif ref is not None:
            text += say(lang, f", gegenüber dem dokumentierten Zeitplan {interval(own.primary, ref.estimate, ref.low, ref.high, lang)}, "
                              f"{_verdict(ref, chosen.sense, lang)}",
                        f", against the documented timing {interval(own.primary, ref.estimate, ref.low, ref.high, lang)}, "
                        f"{_verdict(ref, chosen.sense, lang)}")
        items.append(text + ".")
    city = [city_answer(words, f) for f in words.cities] + [several_districts_answer(words) or ""]
    items += [c for c in city if c]
    if not items:
        return None
    lead = say(lang, "**Die Antwort in Kürze** (Übergabe: Wechsel des Interkulturellen Büros von der aktiven Moderatorenrolle "
                     "auf eine Unterstützungsrolle durch Beratung und punktuelle Interventionen; Vernetzung: mit den "
                     "Stadtteilgremien; empfohlen ist die beste Zeitwahl innerhalb des Personalbudgets): ",
               "**The answer in short** (handover: the integration office moves from active moderation to a support "
               "role of advice and occasional interventions; linking: to the district committees; recommended is the "
               "best timing within the staff budget): ")
    return lead + " ".join(items)


def answer_paragraphs(analysis: Analysis, manifest: dict, cities: list[CityFindings], lang: str) -> list[str]:
    """The answer section: the short answer, the city, each district, the trade-offs and the
    dependency assumption."""
    words = Words(analysis, manifest, lang, cities)
    out = [headline(words)]
    out += [district_answer(words, b) for b in analysis.bases if b not in analysis.plan.cities]
    trade = tradeoff_answer(words)
    if trade:
        out.append(trade)
    out.append(dependency_answer(words))
    return [p for p in out if p]

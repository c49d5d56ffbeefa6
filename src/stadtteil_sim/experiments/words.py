"""How a report says things to people, in German (the default) or English: metrics in their
declared words with units, numbers in the language's style, shares as percent, months as
calendar dates, timings in words. No code names reach a reader through here.

The words of indicators and summary values are declared once in
:mod:`stadtteil_sim.model.indicators`; this module adds only units and the words of timings.
"""

from __future__ import annotations

import math
import re

import numpy as np

from stadtteil_sim.config import paths
from stadtteil_sim.model.indicators import (
    CITY_INDICATORS,
    CITY_SUMMARY,
    DISTRICT_IN_CITY_SUMMARY,
    INDICATORS,
    SUMMARY,
)
from stadtteil_sim.model.metrics import describe_metric

LANGS = ("de", "en")
MONTH_NAMES = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def say(lang: str, de: str, en: str) -> str:
    """The German or the English text."""
    return de if lang == "de" else en


# ------------------------------------------------------------------ numbers
def number(value: float | None, lang: str, digits: int = 0, signed: bool = False) -> str:
    """``1.234,5`` in German, ``1,234.5`` in English; 'k. A.' / 'n/a' without a value."""
    if value is None or not np.isfinite(value):
        return say(lang, "k. A.", "n/a")
    text = f"{value:{'+' if signed else ''},.{digits}f}"
    if float(text.replace(",", "")) == 0:  # no '-0'
        text = text.replace("-", "+" if signed else "")
    if signed:
        text = text.replace("-", "−")  # a minus sign, not a hyphen
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def kind_of(metric: str) -> str:
    """What a metric's number is: share (0–1, shown as %), index, hours, month, count or ratio."""
    name, month = describe_metric(metric)
    declared = INDICATORS.get(name) or CITY_INDICATORS.get(name)
    if month is not None and declared is not None:
        return declared.kind
    if name.startswith(("participation", "final_migrant_participation", "migrant_participation")) or name == "mean_pool_utilisation":
        return "share"
    if "hours" in name:
        return "hours"
    if name.endswith("_month") or name == "months_waited":
        return "month"
    if "index" in name:
        return "index"
    if name.startswith("sustainability_ratio"):
        return "ratio"
    return "count"


def value(metric: str, x: float, lang: str, signed: bool = False) -> str:
    """A metric's value with its unit: ``23,4 %``, ``3.200 Std.``, ``0,12``; a difference
    (``signed``) of a share in percentage points."""
    kind = kind_of(metric)
    if kind == "share":
        unit = say(lang, " Prozentpunkte", " percentage points") if signed else " %"
        return number(100 * x, lang, 1, signed) + (unit if np.isfinite(x) else "")
    if kind == "hours":
        return number(x, lang, 0, signed) + (say(lang, " Stunden", " hours") if np.isfinite(x) else "")
    if kind in ("month", "count"):
        return number(x, lang, 1 if abs(x) < 10 else 0, signed) if np.isfinite(x) else number(x, lang)
    return number(x, lang, 2 if kind in ("index", "ratio") and abs(x) < 10 else 1, signed)


def interval(metric: str, estimate: float, low: float, high: float, lang: str) -> str:
    """``+1,2 Prozentpunkte (95-%-KI −0,5 bis +2,9)``."""
    text = value(metric, estimate, lang, signed=True)
    if not (np.isfinite(low) and np.isfinite(high)):
        return text + say(lang, " (zu wenige Paare für ein Intervall)", " (too few pairs for an interval)")
    bounds = f"{value(metric, low, lang, True).split(' ')[0]} {say(lang, 'bis', 'to')} {value(metric, high, lang, True).split(' ')[0]}"
    return text + say(lang, f" (95-%-Konfidenzintervall {bounds})", f" (95% confidence interval {bounds})")


# ------------------------------------------------------------------ labels
def unit_words(metric: str, lang: str) -> str:
    kind = kind_of(metric)
    return {
        "share": say(lang, "in % der erwachsenen Migrant/innen", "in % of adult migrants"),
        "hours": say(lang, "Stunden", "hours"),
        "index": say(lang, "0 = keine, 1 = völlig", "0 = none, 1 = fully"),
        "month": say(lang, "Monat", "month"),
        "ratio": say(lang, "Verhältnis", "ratio"),
        "stage": say(lang, "Stufe 0–3", "stage 0–3"),
    }.get(kind, say(lang, "Anzahl", "number"))


def indicator_label(name: str, lang: str) -> str:
    declared = INDICATORS.get(name) or CITY_INDICATORS.get(name)
    if declared is None:
        return name.replace("_", " ")
    return declared.de if lang == "de" else declared.en[:1].upper() + declared.en[1:]


def metric_label(metric: str, lang: str, start_year: int | None = None, unit: bool = False) -> str:
    """``Beteiligung der Migrant/innen in Monat 84 (2007)``; with ``unit`` its unit in brackets."""
    name, month = describe_metric(metric)
    declared = SUMMARY.get(metric) or CITY_SUMMARY.get(metric) or DISTRICT_IN_CITY_SUMMARY.get(metric)
    fixed = month if month is not None else (declared.month if declared else None)
    if month is not None:
        text = f"{indicator_label(name, lang)} {say(lang, 'in Monat', 'at month')} {month}"
    elif declared is not None:
        text = declared.label(lang)
        text = text[:1].upper() + text[1:]
    else:
        text = metric.replace("_", " ")
    if fixed is not None and start_year is not None:
        text += f" ({calendar(fixed, start_year, lang)})"
    return text + (f" [{unit_words(metric, lang)}]" if unit else "")


# ------------------------------------------------------------------ time
def calendar(month: float, start_year: int, lang: str) -> str:
    """Month ``m`` of a run that starts in January of ``start_year``: ``Januar 2003``."""
    if month is None or not np.isfinite(month):
        return say(lang, "k. A.", "n/a")
    m = int(round(month))
    return f"{MONTH_NAMES[lang][m % 12]} {start_year + m // 12}"


def when(month: float, start_year: int, lang: str) -> str:
    """``Januar 2003 (Monat 36)``."""
    return f"{calendar(month, start_year, lang)} ({say(lang, 'Monat', 'month')} {int(round(month))})"


def level_words(factor: str, level: str, lang: str, start_year: int, note: str | None = None) -> str:
    """A factor level as a reader says it: ``Übergabe im Januar 2003 (Monat 36)``."""
    if factor == "handover" or factor == "handover_month":
        if level == "stable":
            text = say(lang, "Übergabe, sobald die Kreisläufe der Kommunikation und Vernetzung stabil sind",
                       "handover once the circles of communication and linking are stable")
            return text + (f" ({note})" if note else "")
        if level.isdigit():
            return say(lang, "Übergabe im ", "handover in ") + when(int(level), start_year, lang)
        if level == "ks_late":
            return say(lang, "Übergabe in Kranichstein-Süd spät (Monat 60), sonst nach Monat 36",
                       "handover late in Kranichstein-Süd (month 60), elsewhere after month 36")
    if factor == "link_month" and re.fullmatch(r"\d+", level):
        if level == "0":
            return say(lang, "Vernetzung mit den Gremien, sobald sich die Arbeitsgruppe gebildet hat",
                       "linking to the district committees as soon as the working group has formed")
        return say(lang, "Vernetzung mit den Gremien ab ", "linking to the district committees from ") + when(
            int(level), start_year, lang)
    if factor == "plan":
        words = {"rollout": ("der dokumentierte Ausbau Stadtteil für Stadtteil", "the documented roll-out district by district"),
                 "proportional": ("ein anteiliger Zuschnitt für jeden Stadtteil", "a proportional share for every district"),
                 "weakest_first": ("der schwächste Stadtteil zuerst", "the weakest district first")}
        if level in words:
            return say(lang, *words[level])
    if factor == "pool":
        if level.isdigit():
            return say(lang, f"einem Personalpool von {number(int(level), lang)} Stunden im Monat",
                       f"a staff pool of {number(int(level), lang)} hours a month")
        return say(lang, f"dem Personalpool „{level}“", f"the staff pool '{level}'")
    return f"{factor.replace('_', ' ')} {level.replace('_', ' ')}"


def variant_words(levels: dict[str, str], name: str, lang: str, start_year: int, note: str | None = None) -> str:
    """A variant in words (``Übergabe im Januar 2003 (Monat 36) und Vernetzung …``); a named
    variant by its name, in quotes."""
    if not levels:
        return f"„{name}“" if lang == "de" else f"'{name}'"
    parts = [level_words(f, lv, lang, start_year, note if f.startswith("handover") else None) for f, lv in levels.items()]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + say(lang, " und ", " and ") + parts[-1]
    return joined


SHORT_LEVELS = {  # the bundled experiments' named levels, short, for figures and table rows
    "stable": ("bei Stabilität", "when stable"),
    "ks_late": ("Kranichstein-Süd spät", "Kranichstein-Süd late"),
    "rollout": ("Ausbau nacheinander", "roll-out in turn"),
    "proportional": ("anteilig", "proportional"),
    "weakest_first": ("Schwächste zuerst", "weakest first"),
}


def short_words(levels: dict[str, str], name: str, lang: str) -> str:
    """A short label for a figure or a table row: ``Übergabe 36 · Vernetzung 18``."""
    if not levels:
        return name
    words = {"handover": say(lang, "Übergabe", "handover"), "link_month": say(lang, "Vernetzung", "linking"),
             "handover_month": say(lang, "Übergabe", "handover"),
             "plan": say(lang, "Plan", "plan"), "pool": say(lang, "Pool", "pool")}
    shown = []
    for factor, level in levels.items():
        level_text = say(lang, *SHORT_LEVELS[level]) if level in SHORT_LEVELS else level.replace("_", " ")
        if factor == "pool" and level.isdigit():
            level_text += say(lang, " h/Monat", " h/month")
        shown.append(f"{words.get(factor, factor.replace('_', ' '))} {level_text}")
    return " · ".join(shown)


CODE_NAME = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b\w+=\w+")


def code_names(text: str) -> list[str]:
    """Code names in a text a reader sees (snake_case words or ``key=value``): there should be none."""
    return CODE_NAME.findall(text)


def is_finite(x) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


# ------------------------------------------------------------------ parameters
# German names of the parameters an experiment commonly treats as uncertain; any other is named
# by its description in the scenario schema (English), never by its dotted path.
PARAMETER_WORDS_DE = {
    "behaviour.dependency.strength": "Stärke der Abhängigkeit von der Moderation",
    "behaviour.working_group.capacity_growth": "Zuwachs der eigenen Fähigkeiten der Arbeitsgruppe je Monat",
    "behaviour.working_group.management_regularity": "Regelmäßigkeit der Treffen unter dem Stadtteilmanagement",
    "behaviour.working_group.stable_regularity": "Regelmäßigkeit, ab der die Arbeitsgruppe als stabil gilt",
    "behaviour.working_group.intervention_below": "Schwelle, unter der das Büro eingreift",
    "behaviour.working_group.advice": "Wirkung der Beratung im Unterstützungsmodus",
    "behaviour.working_group.intervention_lift": "Wirkung einer punktuellen Intervention",
    "behaviour.carriers.leader_reach": "Reichweite der eigenen Leitung der Arbeitsgruppe",
    "behaviour.carriers.multiplier_reach": "Reichweite der Multiplikatorinnen und Multiplikatoren",
    "behaviour.carriers.management_reach": "Reichweite des Stadtteilmanagements im Selbstlauf",
    "behaviour.linking.stage_rate": "Tempo der Vernetzung mit den Gremien",
    "committees.openness": "Offenheit der Stadtteilrunde",
    "committees.buergerarbeitsgruppen.openness": "Offenheit der Bürgerarbeitsgruppen",
    "committees.political_will": "politischer Wille",
    "behaviour.activation.threshold_mean": "mittlere Schwelle zur Beteiligung",
    "behaviour.activation.weight_office": "Gewicht der Ansprache durch das Büro",
    "behaviour.recognition.initial": "anfängliche Anerkennung durch Einheimische",
    "district.migrant_strain_factor": "Belastung der Migrantinnen und Migranten im Stadtteil",
}


def parameter_label(path: str, lang: str) -> str:
    """A parameter in words: its German name, else the schema's description."""
    if lang == "de" and path in PARAMETER_WORDS_DE:
        return PARAMETER_WORDS_DE[path]
    try:
        description = paths.field_at(path).description or ""
    except KeyError:  # not a path of the schema (a sample's columns are checked, so hardly)
        description = ""
    text = description.split(" (")[0].strip() or path.rsplit(".", 1)[-1].replace("_", " ")
    return text[0].upper() + text[1:] if lang == "de" else text

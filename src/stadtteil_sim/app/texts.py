"""Every user-facing text of the dashboard and the animation, in German and English.

All words shown to a room live here, except three kinds of labels each declared with what it
labels, so that a new one is added in one place: each indicator's, with the indicator in
``model/indicators.py`` (``views.indicator_label`` reads it; this module stays free of the
numeric stack, the command line reads LANGS); each lever's and mechanism switch's, with its
field in ``config/schema.py`` (``show=Control(de, en)``, read by :func:`lever_label`); and the
events' sentences. Here: the page's labels, the monitors, the chart titles (``chart_<name>``),
the explanation of each indicator (in the words of the source text, the Interkulturelles Büro's
report), the office's modes. German is the default for workshops. Events come from the model's
plain-language log (English, ``state.log``); each kind of event is declared once, with its
German sentence, in ``model/events.py``, and ``event_text`` reads a line back into its event;
here live only the German words its fields take (communities, group kinds, office modes).
"""

from __future__ import annotations

from stadtteil_sim.config.paths import field_at
from stadtteil_sim.config.schema import control_of
from stadtteil_sim.model import events

LANGS = ("de", "en")
DEFAULT_LANG = "de"


class LanguageError(ValueError):
    """An unknown language code; the message lists the allowed ones."""


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise LanguageError(f"--lang {lang!r}: unknown language; allowed: {' | '.join(LANGS)}")
    return lang


TEXTS: dict[str, dict[str, str]] = {
    # page frame
    "title": {"de": "Migrantenbeteiligung im Stadtteil – Workshop", "en": "Migrant participation in the district – workshop"},
    "scenario": {"de": "Szenario", "en": "Scenario"},
    "scenario_card": {"de": "Szenario und Vergleich", "en": "Scenario and comparison"},
    "language": {"de": "Sprache", "en": "Language"},
    "seed": {"de": "Startwert des Zufalls", "en": "Random seed"},
    "compare": {"de": "Vergleich: Hebel, der sich in B unterscheidet", "en": "Comparison: lever that differs in B"},
    "compare_none": {"de": "kein Vergleich (ein Lauf)", "en": "no comparison (one run)"},
    "compare_value": {"de": "Wert in B", "en": "Value in B"},
    "apply_hint": {
        "de": "Hebel wirken nach »Zurücksetzen«. Gespeichert wird der Lauf auf dem Bildschirm.",
        "en": "Levers take effect on Reset. Saving stores the run on screen.",
    },
    "city_levers_hint": {
        "de": "Stadtteil-Hebel gelten, sobald verändert, für alle Stadtteile der Stadt.",
        "en": "District levers, once changed, apply to every district of the city.",
    },
    # play controls (the page's own: Mesa's stay English)
    "reset": {"de": "Zurücksetzen", "en": "Reset"},
    "step": {"de": "Schritt", "en": "Step"},
    "play": {"de": "Start", "en": "Play"},
    "pause": {"de": "Pause", "en": "Pause"},
    "speed": {"de": "Tempo", "en": "Speed"},
    "speed_slow": {"de": "langsam", "en": "slow"},
    "speed_normal": {"de": "mittel", "en": "medium"},
    "speed_fast": {"de": "schnell", "en": "fast"},
    "run_end": {"de": "Ende des Laufs", "en": "End of the run"},
    "building": {"de": "wird aufgebaut …", "en": "building …"},
    "levers": {"de": "Hebel", "en": "Levers"},
    "city_levers": {"de": "Hebel der Stadt", "en": "City levers"},
    "district_levers": {"de": "Hebel im Stadtteil", "en": "District levers"},
    "switches": {"de": "Mechanismen (an/aus)", "en": "Mechanisms (on/off)"},
    "yes": {"de": "ja", "en": "yes"},
    "no": {"de": "nein", "en": "no"},
    "value_range": {"de": "erlaubt: {lo} bis {hi}", "en": "allowed: {lo} to {hi}"},
    "bad_value": {
        "de": "{label}: »{value}« ist kein gültiger Wert; {allowed}. Der Lauf auf dem Bildschirm bleibt.",
        "en": "{label}: '{value}' is not a valid value; {allowed}. The run on screen stays.",
    },
    "bad_seed": {
        "de": "Startwert des Zufalls: »{value}« ist keine ganze Zahl ab 0. Der Lauf auf dem Bildschirm bleibt.",
        "en": "Random seed: '{value}' is not a whole number from 0. The run on screen stays.",
    },
    "run_failed": {
        "de": "Dieser Lauf lässt sich nicht bauen: {error}. Der Lauf auf dem Bildschirm bleibt.",
        "en": "This run cannot be built: {error}. The run on screen stays.",
    },
    "type_value": {"de": "Wert eintippen", "en": "type a value"},
    # city
    "city_view": {"de": "Die Stadt", "en": "The city"},
    "back_to_city": {"de": "← zur ganzen Stadt", "en": "← back to the city"},
    "open_district": {"de": "Klick: Stadtteil öffnen", "en": "click: open the district"},
    "pool": {"de": "Personal des Büros", "en": "Office staff"},
    "pool_line": {
        "de": "{granted} von {pool} Std. im Monat vergeben · angefragt {requested} Std.",
        "en": "{granted} of {pool} h granted this month · {requested} h requested",
    },
    "pool_unlimited": {"de": "unbegrenzt", "en": "unlimited"},
    "waiting_for_staff": {"de": "Wartet auf Personal", "en": "Waiting for staff"},
    "nobody_waiting": {"de": "kein Stadtteil wartet", "en": "no district is waiting"},
    "tile_participation": {"de": "Beteiligung", "en": "Participation"},
    "tile_office": {"de": "Büro", "en": "Office"},
    "tile_waited": {"de": "Gewartet", "en": "Waited"},
    "tile_hours": {"de": "Stunden", "en": "Hours"},
    "months_n": {"de": "{n} Mon.", "en": "{n} mo."},
    "hours_of": {"de": "{granted} / {requested}", "en": "{granted} / {requested}"},
    "chart_city": {"de": "Beteiligung der Migrant/innen je Stadtteil", "en": "Migrant participation by district"},
    "save": {"de": "Hebel als Szenario speichern", "en": "Save levers as scenario"},
    "saved": {"de": "Gespeichert: {paths}", "en": "Saved: {paths}"},
    "save_failed": {"de": "Speichern fehlgeschlagen: {error}", "en": "Saving failed: {error}"},
    "load_failed": {"de": "Szenario kann nicht geladen werden", "en": "The scenario cannot be loaded"},
    "explain_card": {"de": "Was die Kennzahlen bedeuten", "en": "What the indicators mean"},
    "district_view": {"de": "Stadtteil", "en": "District"},
    "network_view": {"de": "Vereine, Arbeitsgruppe und Gremien", "en": "Associations, working group and committees"},
    "charts": {"de": "Verlauf", "en": "Over time"},
    "monitors": {"de": "Stand", "en": "Status"},
    "ticker": {"de": "Ereignisse", "en": "Events"},
    "no_events": {"de": "Noch keine Ereignisse.", "en": "No events yet."},
    "run_a": {"de": "A", "en": "A"},
    "run_b": {"de": "B", "en": "B"},
    # monitors
    "month_year": {"de": "Monat {month} · {year}", "en": "Month {month} · {year}"},
    "residents": {"de": "Bewohner/innen", "en": "Residents"},
    "associations_founded": {"de": "Neue Vereine (davon Frauenvereine)", "en": "New associations (women's)"},
    "conflicts": {"de": "Konflikte: vermittelt / eskaliert", "en": "Conflicts: mediated / escalated"},
    "staff_hours": {"de": "Stunden des Büros (gesamt)", "en": "Office staff hours (total)"},
    "handover_at": {"de": "Übergabe in Monat {month}", "en": "Handover in month {month}"},
    "no_handover": {"de": "noch keine Übergabe", "en": "no handover yet"},
    # charts
    "chart_participation": {"de": "Beteiligung (Anteil Erwachsene)", "en": "Participation (share of adults)"},
    "chart_communities": {"de": "Communities in der Arbeitsgruppe", "en": "Communities in the working group"},
    "chart_quality": {"de": "Alibi- und Verselbständigungs-Index", "en": "Token and detachment index"},
    "mark_handover": {"de": "Übergabe", "en": "handover"},
    "mark_link": {"de": "Vernetzung", "en": "linking"},
    "axis_month": {"de": "Monat", "en": "month"},
    # district view
    "legend_level": {
        "de": "hell: nicht erreicht · mittel: informiert · kräftig: nimmt teil · umrandet: Arbeitsgruppe/Delegierte",
        "en": "pale: unreached · medium: informed · strong: takes part · ringed: working group/delegate",
    },
    "rooms": {"de": "Räume", "en": "Rooms"},
    "no_rooms": {"de": "keine Räume", "en": "no rooms"},
    "school": {"de": "Schule/Kita", "en": "School/nursery"},
    "natives": {"de": "Einheimische", "en": "Natives"},
    # network view
    "node_working_group": {"de": "Migrantenarbeitsgruppe", "en": "Migrant working group"},
    "node_office": {"de": "Interk. Büro", "en": "Integration office"},
    "node_management": {"de": "Stadtteilwerkstatt", "en": "District management"},
    "node_native_assoc": {"de": "Nachbarschaftsverein", "en": "Neighbourhood assoc."},
    "network_legend": {
        "de": "Raute: Frauengruppe · Dreieck: Jugendgruppe · Größe: Mitglieder · grau: aufgelöst",
        "en": "diamond: women's group · triangle: youth group · size: members · grey: dissolved",
    },
    "network_legend_kinds": {
        "de": "Sechseck: ehrenamtliche Initiative im Stadtteil · Kreis: stadtweiter Verein · Quadrat: Fachverband (bundesweit)",
        "en": "hexagon: volunteer initiative in the district · circle: city-wide association · square: professional body (national)",
    },
    "network_legend_roles": {
        "de": "Ring grün: Integrationslotse · Ring rot: Identitätswächter · ②: neue Generation an der Spitze",
        "en": "green ring: integration pilot · red ring: identity guardian · ②: a new generation leads",
    },
    "network_legend_conflicts": {
        "de": "rote Zickzacklinie: Konflikt eskaliert · grün gestrichelt: geschlichtet (letzte 6 Monate)",
        "en": "red zigzag: conflict escalated · green dashes: settled (last 6 months)",
    },
}

OFFICE_MODES = {
    "not active": {"de": "noch nicht aktiv", "en": "not active yet"},
    "moderation": {"de": "moderiert aktiv", "en": "active moderation"},
    "support": {"de": "nur Unterstützung", "en": "support only"},
    "withdrawn": {"de": "zurückgezogen", "en": "withdrawn"},
}

# A city's offices counted by mode in the header ("2 moderiert · 5 warten"), in this order: short
# words, so that A and B fit on one line at 1280 px; ``waiting``: due to start, no staff yet.
MODE_COUNTS = {
    "moderation": {"de": "moderiert", "en": "moderating"},
    "support": {"de": "unterstützt", "en": "supporting"},
    "waiting": {"de": "warten", "en": "waiting"},
    "not active": {"de": "inaktiv", "en": "inactive"},
    "withdrawn": {"de": "zurückgezogen", "en": "withdrawn"},
}

LINK_STAGES = {
    0: {"de": "keine", "en": "none"},
    1: {"de": "Beobachter/innen", "en": "observers"},
    2: {"de": "Delegierte mit Stimme", "en": "delegates with a voice"},
    3: {"de": "voller Teil", "en": "a full part"},
}

CHOICES = {
    "fixed": {"de": "fester Monat", "en": "fixed month"},
    "stable": {"de": "bei Stabilität", "en": "once stable"},
    "rollout": {"de": "nach Ausbauplan (Reihenfolge)", "en": "roll-out plan (in order)"},
    "proportional": {"de": "anteilig für alle", "en": "shared proportionally"},
    "weakest_first": {"de": "Schwächste zuerst", "en": "weakest first"},
    "none": {"de": "kein Vergleich (ein Lauf)", "en": "no comparison (one run)"},
}

# How a lever's value reads out, by dotted path: "{v}" is the number. A float lever without an
# entry is a share (shown in percent); a switch reads yes/no.
LEVER_VALUES = {
    "office.handover_month": {"de": "Monat {v}", "en": "month {v}"},
    "office.link_month": {"de": "Monat {v}", "en": "month {v}"},
    "office.handover_stable_months": {"de": "{v} Monate", "en": "{v} months"},
    "office.link_stable_months": {"de": "{v} Monate", "en": "{v} months"},
    "district.room_slots": {"de": "{v} Gruppen", "en": "{v} groups"},
    "instruments.bilingual_mediators": {"de": "{v} Personen", "en": "{v} people"},
    "office.staff_pool_hours": {"de": "{v} Std. im Monat", "en": "{v} h a month"},
}

# What each status row means, said where it appears (a line under the row's label).
MONITOR_NOTES = {
    "office_mode": {"de": "was das Büro gerade tut", "en": "what the office is doing now"},
    "residents": {"de": "alle im Stadtteil", "en": "everyone in the district"},
    "migrants_reached_share": {"de": "erwachsene Migrant/innen, die vom Angebot wissen",
                               "en": "adult migrants who know of the offer"},
    "migrant_participation_rate": {"de": "nehmen teil, sind Mitglied oder Delegierte",
                                   "en": "attend, are members or delegates"},
    "native_participation_rate": {"de": "Anteil der Einheimischen, die teilnehmen", "en": "share of natives taking part"},
    "communities_in_working_group": {"de": "Herkunftsgruppen in der Migrantenarbeitsgruppe",
                                     "en": "communities in the migrant working group"},
    "link_stage_stadtteilrunde": {"de": "wie weit die Arbeitsgruppe in der Stadtteilrunde sitzt",
                                  "en": "how far the working group sits in the district committee"},
    "link_stage_buergerarbeitsgruppen": {"de": "wie weit sie in den thematischen Bürgerarbeitsgruppen sitzt",
                                         "en": "how far it sits in the thematic citizens' working groups"},
    "associations_founded": {"de": "seit Beginn gegründet; in Klammern: Frauenvereine",
                             "en": "founded since the start; in brackets: women's"},
    "self_organised_groups": {"de": "Frauen- und Jugendgruppen, die ohne Moderation tragen",
                              "en": "women's and youth groups carrying on without moderation"},
    "conflicts": {"de": "Streit zwischen Gruppen seit Beginn: von Vermittler/innen mit Kontakten zu beiden Seiten geschlichtet / eskaliert",
                  "en": "disputes between groups so far: settled by mediators with ties to both sides / escalated"},
    "staff_hours": {"de": "Arbeitsstunden des Büros seit Beginn", "en": "office working hours since the start"},
}

# What each kind of event means for the room (model/events.py declares the kinds), shown under it.
EVENT_NOTES = {
    "leadership_changes": {"de": "die neue Führung ist offener für die Stadtteilarbeit", "en": "the new leaders are more open to district work"},
    "becomes_pilot": {"de": "anerkannt und einbezogen öffnet sich der Verein", "en": "recognised and included, the association opens up"},
    "becomes_guardian": {"de": "übergangen oder mit getrennten Projektmitteln schließt er sich", "en": "passed over, or funded apart, it closes up"},
    "office_switches": {"de": "das Büro ändert seine Rolle", "en": "the office changes its role"},
    "group_dissolves": {"de": "zu wenige machen noch mit", "en": "too few still take part"},
    "group_forms_in_rooms": {"de": "neue Gruppe, trifft sich in den Räumen", "en": "a new group meeting in the rooms"},
    "group_forms_without_rooms": {"de": "neue Gruppe, ohne Treffpunkt: schwächer", "en": "a new group with nowhere to meet: weaker"},
    "group_splits": {"de": "Frauen oder Jugendliche gehen eigene Wege", "en": "women or young people go their own way"},
    "association_reactivated": {"de": "die Trennung belebt den alten Verein", "en": "the split revives the old association"},
    "association_withdraws": {"de": "Konflikt: der Verein macht ein Jahr nicht mit", "en": "conflict: it stays away for a year"},
    "group_registers": {"de": "die Gruppe wird ein eingetragener Verein", "en": "the group becomes a registered association"},
    "working_group_forms": {"de": "das Vertretungsgremium der Migrant/innen entsteht", "en": "the migrants' representative body starts"},
    "community_joins": {"de": "eine weitere Herkunftsgruppe ist vertreten", "en": "one more community is represented"},
    "community_leaves": {"de": "eine Herkunftsgruppe ist nicht mehr vertreten", "en": "a community is no longer represented"},
    "observers_sent": {"de": "erste Stufe der Vernetzung", "en": "first stage of linking"},
    "delegates_with_voice": {"de": "zweite Stufe der Vernetzung", "en": "second stage of linking"},
    "full_part": {"de": "Vernetzung abgeschlossen", "en": "linking complete"},
    "token_seats": {"de": "Gefahr der Alibi-Vertretung", "en": "risk of token representation"},
    "festival_held": {"de": "die Gruppen werden sichtbar, Communities begegnen sich", "en": "the groups are seen, communities meet"},
    "festival_without_natives": {"de": "Einheimische lehnen es ab: die Anerkennung sinkt", "en": "natives reject it: recognition falls"},
    "cleanup_held": {"de": "Nachbar/innen lernen sich über die Community hinaus kennen", "en": "neighbours get to know each other across communities"},
    "survey_held": {"de": "Bewohner/innen werden gefragt und erfahren vom Angebot", "en": "residents are asked and learn of the offer"},
    "conflict_escalates": {"de": "beide Seiten ziehen sich zurück, Kontakte leiden", "en": "both sides withdraw, ties suffer"},
}

# Plain-language explanations, in the words of the source text (Interkulturelles Büro
# Darmstadt, "Migrantenbeteiligung"; quotations marked »…«).
EXPLANATIONS: list[tuple[str, dict[str, str]]] = [
    ("participation", {
        "de": "Beteiligung: Anteil der erwachsenen Migrant/innen (und Einheimischen), die an Aktivitäten "
              "im Stadtteil teilnehmen, Mitglied einer Gruppe sind, in der Arbeitsgruppe mitarbeiten oder "
              "als Delegierte in die Gremien gehen. Zu Beginn gab es »kaum Kontakte zu der "
              "Migrantenpopulation in den Stadtteilen«.",
        "en": "Participation: the share of adult migrants (and natives) who attend activities in the district, "
              "belong to a group, work in the working group or sit in the committees as delegates. At the start "
              "there was 'hardly any contact with the migrant population in the districts'.",
    }),
    ("working_group", {
        "de": "Communities in der Arbeitsgruppe: die Migrantenarbeitsgruppe (MIKRA in Kranichstein-Süd) als "
              "»Vertretungsgremium der Migrantenbevölkerung im Stadtteil«; Vertreter/innen der größten "
              "Migrantengruppen »treffen sich regelmäßig, planen Aktivitäten« und stellen eine "
              "Migrantenagenda für das Quartier auf.",
        "en": "Communities in the working group: the migrant working group (MIKRA in Kranichstein-Süd), the "
              "'representative body of the migrant population in the district'; representatives of the largest "
              "groups 'meet regularly, plan activities' and draw up a migrant agenda for the district.",
    }),
    ("token", {
        "de": "Alibi-Index: wie weit »Alibi-Vertretung« vorliegt – Personen mit Migrationshintergrund sitzen "
              "in den Gremien, aber »ohne Kontakte zu den Migrantengruppen im Quartier«, und ihre Vorschläge "
              "werden nicht aufgegriffen. 0 = keine, 1 = reine Alibi-Vertretung. Gefahr, wenn zu früh "
              "vernetzt wird.",
        "en": "Token index: how far representation is 'alibi' representation – people with a migrant background "
              "sit in the committees 'without contact to the migrant groups in the district', and their proposals "
              "are not taken up. 0 = none, 1 = token only. The risk of linking too early.",
    }),
    ("detachment", {
        "de": "Verselbständigungs-Index: wie weit die »Parallelstruktur« ihren eigenen Weg geht – eine Agenda "
              "abseits der Stadtteilgremien und Vertreter/innen ohne Kontakte über die eigene Community hinaus "
              "(»separate Stadtteilarbeit«). 0 = vernetzt, 1 = ganz losgelöst. Gefahr, wenn zu spät "
              "vernetzt wird.",
        "en": "Detachment index: how far the 'parallel structure' goes its own way – an agenda apart from the "
              "district committees and representatives without ties beyond their own community ('separate "
              "district work'). 0 = linked, 1 = fully detached. The risk of linking too late.",
    }),
    ("handover", {
        "de": "Übergabe: »nach der Stabilisierung der Kreisläufe der Kommunikation und Vernetzung« wechselt "
              "das Büro »von der aktiven Moderatorenrolle auf eine Unterstützungsrolle durch Beratung und "
              "punktuelle Interventionen«. Danach soll die Beteiligung im »Selbstlauf« weitergehen; die "
              "Stadtteilwerkstatt hält die Arbeitsgruppen funktionsfähig.",
        "en": "Handover: 'once the cycles of communication and networking are stable' the office switches 'from "
              "the active role of moderator to a supporting role through advice and occasional interventions'. "
              "Participation should then keep going by itself ('Selbstlauf'); district management keeps the "
              "working groups functioning.",
    }),
    ("linking", {
        "de": "Vernetzung: die Arbeitsgruppe wird »entsprechend dem Stabilisierungstempo« Schritt für Schritt "
              "mit der Stadtteilrunde und den Bürgerarbeitsgruppen vernetzt – erst Beobachter/innen, dann "
              "Delegierte mit Stimme. Das Timing soll »weder zu früh … noch zu spät« sein.",
        "en": "Linking: the working group is connected step by step 'at the pace at which it stabilises' with the "
              "district committee and citizens' working groups – first observers, then delegates with a voice. "
              "The timing should be 'neither too early … nor too late'.",
    }),
    ("district_view", {
        "de": "Stadtteilbild: jede/r Bewohner/in ist ein Punkt in ihrem/seinem Wohnblock, gefärbt nach "
              "Herkunfts-Community (grau: Einheimische); je kräftiger, desto weiter die Beteiligung. Die Lage "
              "der Blöcke, Räume und Schulen ist schematisch.",
        "en": "District picture: each resident is a dot in their housing block, coloured by community of origin "
              "(grey: natives); the stronger the colour, the further their participation. The position of blocks, "
              "rooms and schools is schematic.",
    }),
]

EXPLANATION_KEYS = tuple(key for key, _ in EXPLANATIONS)

# German adjective stems for the communities of the bundled scenarios ("die afghanische Community").
COMMUNITY_ADJECTIVES = {
    "Turkish": "türkisch",
    "Turkish-Alevite": "türkisch-alevitisch",
    "Iraqi-Kurdish": "irakisch-kurdisch",
    "Afghan": "afghanisch",
    "Arab": "arabisch",
    "Pakistani": "pakistanisch",
    "Former Yugoslav": "ex-jugoslawisch",
    "Italian": "italienisch",
    "Greek": "griechisch",
    "Polish": "polnisch",
    "Iranian": "iranisch",
    "Somali": "somalisch",
    "Russian-German": "russlanddeutsch",
    "native": "einheimisch",
}


def tr(key: str, lang: str, **values) -> str:
    """The text ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    text = TEXTS[key][lang]
    return text.format(**values) if values else text


def lever_label(path: str, lang: str) -> str:
    """A lever's or mechanism switch's label, declared with its field in the schema."""
    control = control_of(field_at(path))
    if control is None:
        raise KeyError(f"{path} is not shown on the dashboard (its field declares no show=Control(...))")
    return control.label(lang)


def office_mode(mode: str, lang: str) -> str:
    return OFFICE_MODES[mode][lang]


def link_stage(stage: int, lang: str) -> str:
    return LINK_STAGES[int(stage)][lang]


def choice(value: str, lang: str) -> str:
    return CHOICES.get(value, {}).get(lang, value)


def yes_no(value: bool, lang: str) -> str:
    return tr("yes" if value else "no", lang)


def lever_value(path: str, kind: str, value, lang: str) -> str:
    """A lever's value as a facilitator reads it out: 'Monat 36', '60 %', 'ja', 'fester Monat'."""
    if kind == "bool":
        return yes_no(bool(value), lang)
    if kind == "choice":
        return choice(str(value), lang)
    if value is None:
        return tr("pool_unlimited", lang)
    template = LEVER_VALUES.get(path)
    if template is not None:
        return template[lang].format(v=f"{value:.0f}")
    return f"{float(value):.0%}".replace("%", " %") if lang == "de" else f"{float(value):.0%}"


def event_note(line: str, lang: str) -> str:
    """What a log line's kind of event means ('' for a line no event declares)."""
    split = events.split(line)
    found = events.match(split[1]) if split else None
    return EVENT_NOTES.get(found[0].key, {}).get(lang, "") if found else ""


# The committees' names (state.COMMITTEE_NAMES) as the dashboard shows them.
COMMITTEE_WORDS = {
    "Stadtteilrunde": {"de": "Stadtteilrunde", "en": "Stadtteilrunde"},
    "Bürgerarbeitsgruppen": {"de": "Bürgerarbeitsgruppen", "en": "Citizens' working groups"},
}
# A committee with its article, by case (an event's {committee:acc}); "committees": runs stored
# before there were two committees.
_COMMITTEE_DE = {
    "Stadtteilrunde": {"acc": "die Stadtteilrunde", "dat": "der Stadtteilrunde", "gen": "der Stadtteilrunde"},
    "Bürgerarbeitsgruppen": {"acc": "die Bürgerarbeitsgruppen", "dat": "den Bürgerarbeitsgruppen",
                             "gen": "der Bürgerarbeitsgruppen"},
    "committees": {"acc": "die Gremien", "dat": "den Gremien", "gen": "der Gremien"},
}


def committee(name: str, lang: str) -> str:
    """A committee's name on the network view."""
    return COMMITTEE_WORDS[name][lang]


def community(name: str, lang: str) -> str:
    """A community's name for a legend: 'Afghanisch' / 'Afghan'."""
    if lang == "de":
        if name == "native":
            return "Einheimische"
        adj = COMMUNITY_ADJECTIVES.get(name)
        return adj[0].upper() + adj[1:] if adj else name
    return "Natives" if name == "native" else name


def explanations(lang: str) -> list[str]:
    return [texts[lang] for _, texts in EXPLANATIONS]


# --------------------------------------------------------------------------- event ticker
def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _de_community(name: str, case: str) -> str:
    """'die afghanische Community' (nom) / 'der afghanischen Community' (dat)."""
    if case not in ("nom", "dat"):
        raise ValueError(f"community case {case!r}: allowed: nom | dat")
    if name == "native":
        return "die Einheimischen" if case == "nom" else "den Einheimischen"
    adj = COMMUNITY_ADJECTIVES.get(name)
    if adj is None:
        return f"{'die' if case == 'nom' else 'der'} Community »{name}«"
    return f"die {adj}e Community" if case == "nom" else f"der {adj}en Community"


# A group kind (state.GROUP_KIND_NAMES) with its definite and indefinite article.
_KIND_DE = {
    "main association": ("der Hauptverein", "ein Hauptverein"),
    "women's group": ("die Frauengruppe", "eine Frauengruppe"),
    "youth group": ("die Jugendgruppe", "eine Jugendgruppe"),
    "native association": ("der Nachbarschaftsverein", "ein Nachbarschaftsverein"),
}

# What a conflict between two groups is about (processes/conflicts.py).
_CAUSE_DE = {
    "over the rooms": "um die Räume",
    "over proposals in the committees": "um Vorschläge in den Gremien",
    "as neighbours": "unter Nachbarn",
}

# What the office switches to (state.OFFICE_MODE_NAMES).
_MODE_DE = {
    "not active": "in den Zustand »noch nicht aktiv«",
    "moderation": "zur aktiven Moderation",
    "support": "zur Rolle »nur Unterstützung«",
    "withdrawn": "zum vollständigen Rückzug",
}


class _German:
    """An event's field in German: the German template's format spec names the form
    (model/events.py), e.g. ``{community:dat}``, ``{kind:indef}``."""

    def __init__(self, name: str, value: str):
        self.name, self.value = name, value

    def __format__(self, spec: str) -> str:
        if self.name in ("community", "other"):
            return _de_community(self.value, spec)
        if self.name == "cause":
            return _CAUSE_DE.get(self.value, self.value)
        if self.name == "kind":
            if spec not in ("def", "indef"):
                raise ValueError(f"kind form {spec!r}: allowed: def | indef")
            forms = _KIND_DE.get(self.value)
            return forms[spec == "indef"] if forms else self.value
        if self.name == "committee":
            if spec not in ("acc", "dat", "gen"):
                raise ValueError(f"committee case {spec!r}: allowed: acc | dat | gen")
            forms = _COMMITTEE_DE.get(self.value)
            return forms[spec] if forms else f"»{self.value}«"
        if spec:
            raise ValueError(f"field {self.name!r} has no German form {spec!r}")
        if self.name == "mode":
            return _MODE_DE.get(self.value, "zu " + self.value)
        return self.value


def event_german(event: events.Event, fields: dict[str, str]) -> str:
    """A declared event's German sentence with its fields."""
    return _cap(event.de.format(**{name: _German(name, value) for name, value in fields.items()}))


def event_text(line: str, lang: str) -> str:
    """One log line ("Month 27: a group splits ...") in plain words of ``lang``.

    The line is read back into its declared event (model/events.py); a line no event declares
    is shown as logged (English), so nothing is ever lost.
    """
    split = events.split(line)
    if split is None:
        return line
    month, text = split
    if lang == "en":
        return f"Month {month}: {_cap(text)}"
    found = events.match(text)
    return f"Monat {month}: {event_german(*found) if found else text}"


def event_known(line: str) -> bool:
    """Whether the line is a declared event (tests keep the log and the declarations in step)."""
    split = events.split(line)
    return split is not None and events.match(split[1]) is not None

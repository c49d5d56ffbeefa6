"""Events declared once (model/events.py): the English the log keeps, read back by the dashboard
into the same event, and the German sentence with the words app/texts.py gives its fields."""

from __future__ import annotations

import pytest

from stadtteil_sim.app import texts
from stadtteil_sim.model import events
from stadtteil_sim.model.state import COMMITTEE_NAMES, GROUP_KIND_NAMES, OFFICE_MODE_NAMES

# One sample per event, as runs store it: the English must not change (events.txt, RunResult.events).
STORED = {
    "office_switches": ({"mode": "support"}, "the office switches to support"),
    "group_dissolves": ({"kind": "youth group", "community": "Afghan"}, "a youth group of the Afghan community dissolves"),
    "group_forms_in_rooms": ({"kind": "women's group", "community": "Arab"}, "a women's group of the Arab community forms in the rooms"),
    "group_forms_without_rooms": ({"kind": "women's group", "community": "Former Yugoslav"},
                                  "a women's group of the Former Yugoslav community forms without rooms of its own"),
    "group_splits": ({"community": "Afghan"}, "a group splits from the Afghan main association"),
    "association_reactivated": ({"community": "Turkish"}, "the Turkish main association is re-activated by the split"),
    "association_withdraws": ({"community": "Turkish"}, "the Turkish main association feels excluded and withdraws for a year"),
    "group_registers": ({"kind": "women's group", "community": "Iraqi-Kurdish"},
                        "the women's group of the Iraqi-Kurdish community registers as an association"),
    "working_group_forms": ({}, "the migrant working group meets for the first time"),
    "community_joins": ({"community": "Turkish-Alevite"}, "the Turkish-Alevite community joins the working group"),
    "community_leaves": ({"community": "Martian"}, "the Martian community leaves the working group"),
    "observers_sent": ({"committee": "Stadtteilrunde"}, "the working group sends observers to the Stadtteilrunde"),
    "delegates_with_voice": ({"committee": "committees"},  # as stored before there were two committees
                             "the working group now has delegates with a voice in the committees"),
    "full_part": ({"committee": "Bürgerarbeitsgruppen"}, "the working group now has a full part of the Bürgerarbeitsgruppen"),
    "token_seats": ({"n": 2}, "2 migrant(s) without ties to the groups take committee seats"),
    "festival_held": ({}, "district management holds a district festival, co-designed with native groups"),
    "festival_without_natives": ({}, "district management holds a 'multicultural' festival in which native groups do not "
                                     "find themselves as actors"),
    "cleanup_held": ({}, "district management holds a clean-up action with the neighbours"),
    "survey_held": ({}, "district management holds an activating survey at the residents' doors"),
    "conflict_escalates": ({"cause": "over proposals in the committees", "community": "native", "other": "Former Yugoslav"},
                           "a conflict over proposals in the committees between the native and the Former Yugoslav "
                           "community escalates: no one with ties to both sides mediates"),
    "leadership_changes": ({"community": "Afghan"}, "a new generation takes over the leadership of the Afghan association"),
    "becomes_pilot": ({"community": "Afghan"}, "the Afghan association turns into an integration pilot"),
    "becomes_guardian": ({"community": "Turkish"}, "the Turkish association withdraws to guarding its group's identity"),
}


def test_every_declared_event_has_its_stored_english():
    assert set(STORED) == set(events.EVENTS)
    for key, (fields, english) in STORED.items():
        assert events.EVENTS[key].text(**fields) == english


@pytest.mark.parametrize("key", sorted(STORED))
def test_a_logged_sentence_reads_back_into_its_event_only(key):
    fields, english = STORED[key]
    event = events.EVENTS[key]
    assert events.match(english) == (event, {name: str(value) for name, value in fields.items()})
    others = [e.key for e in events.EVENTS.values() if e is not event and e.pattern.fullmatch(english)]
    assert others == []


def test_german_and_english_name_the_same_fields():
    for event in events.EVENTS.values():
        assert sorted(events.fields_of(event.de)) == sorted(events.fields_of(event.en)), event.key


GERMAN = {
    "office_switches": "Das Interkulturelle Büro wechselt zur Rolle »nur Unterstützung«",
    "group_dissolves": "Eine Jugendgruppe der afghanischen Community löst sich auf",
    "group_forms_in_rooms": "Eine Frauengruppe der arabischen Community bildet sich in den Räumen",
    "group_forms_without_rooms": "Eine Frauengruppe der ex-jugoslawischen Community bildet sich, ohne eigene Räume",
    "group_splits": "Eine Gruppe trennt sich vom Hauptverein der afghanischen Community",
    "association_reactivated": "Der Hauptverein der türkischen Community wird durch die Trennung wieder aktiv",
    "association_withdraws": "Der Hauptverein der türkischen Community fühlt sich ausgegrenzt und zieht sich für ein Jahr zurück",
    "group_registers": "Die Frauengruppe der irakisch-kurdischen Community gründet einen eingetragenen Verein",
    "working_group_forms": "Die Migrantenarbeitsgruppe trifft sich zum ersten Mal",
    "community_joins": "Die türkisch-alevitische Community tritt der Arbeitsgruppe bei",
    "community_leaves": "Die Community »Martian« verlässt die Arbeitsgruppe",
    "observers_sent": "Die Arbeitsgruppe schickt Beobachter/innen in die Stadtteilrunde",
    "delegates_with_voice": "Die Arbeitsgruppe hat jetzt Delegierte mit Stimme in den Gremien",
    "full_part": "Die Arbeitsgruppe ist jetzt voller Teil der Bürgerarbeitsgruppen",
    "token_seats": "2 Migrant/in(nen) ohne Kontakt zu den Gruppen übernehmen Sitze in den Gremien",
    "festival_held": "Die Stadtteilwerkstatt veranstaltet ein Stadtteilfest, von einheimischen Gruppen mitgestaltet",
    "festival_without_natives": "Die Stadtteilwerkstatt veranstaltet ein »multikulturelles« Fest, in dem sich einheimische "
                                "Gruppen nicht als Akteure wiederfinden",
    "cleanup_held": "Die Stadtteilwerkstatt veranstaltet eine Reinigungsaktion mit den Nachbar/innen",
    "survey_held": "Die Stadtteilwerkstatt führt eine aktivierende Befragung an den Haustüren durch",
    "conflict_escalates": "Ein Konflikt um Vorschläge in den Gremien zwischen den Einheimischen und der ex-jugoslawischen "
                          "Community eskaliert: niemand mit Kontakten zu beiden Seiten vermittelt",
    "leadership_changes": "Ein Generationswechsel an der Spitze des Vereins der afghanischen Community",
    "becomes_pilot": "Der Verein der afghanischen Community wird zum Integrationslotsen",
    "becomes_guardian": "Der Verein der türkischen Community zieht sich auf die Wahrung der Gruppenidentität zurück",
}


@pytest.mark.parametrize("key", sorted(STORED))
def test_german_sentence_of_every_event(key):
    line = events.line(7, STORED[key][1])
    assert texts.event_text(line, "de") == f"Monat 7: {GERMAN[key]}"
    assert texts.event_text(line, "en") == f"Month 7: {STORED[key][1][0].upper()}{STORED[key][1][1:]}"
    assert texts.event_known(line)


def test_every_kind_and_mode_has_german_words():
    for kind in GROUP_KIND_NAMES:
        german = texts.event_text(events.line(1, events.GROUP_REGISTERS.text(kind=kind, community="Afghan")), "de")
        assert kind not in german
    for mode in OFFICE_MODE_NAMES:
        german = texts.event_text(events.line(1, events.OFFICE_SWITCHES.text(mode=mode)), "de")
        assert mode not in german and german.startswith("Monat 1: Das Interkulturelle Büro wechselt ")
    for name in COMMITTEE_NAMES:
        german = texts.event_text(events.line(1, events.OBSERVERS_SENT.text(committee=name)), "de")
        assert german == f"Monat 1: Die Arbeitsgruppe schickt Beobachter/innen in die {name}"


def test_a_line_no_event_declares_is_shown_as_logged():
    assert texts.event_text("Month 3: something new happens", "de") == "Monat 3: something new happens"
    assert texts.event_text("not a log line", "de") == "not a log line"
    assert not texts.event_known("Month 3: something new happens")
    with pytest.raises(ValueError, match="allowed: nom | dat"):
        format(texts._German("community", "Afghan"), "gen")

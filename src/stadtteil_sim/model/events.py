"""Every kind of event the model logs, declared once: a key, the English sentence the log keeps
and the German sentence the dashboard shows, with the same named fields.

The log stays plain English lines ("Month 27: a group splits from the Afghan main association"),
byte for byte what runs store (``RunResult.events``, a run folder's ``events.txt``); the
dashboard reads a line back into its event and fields with :func:`match`, so no second log and
no second list of patterns exist. A German field's format spec names the grammatical form the
dashboard gives it (``{community:dat}``: "der afghanischen Community"); the German words
themselves live in ``app/texts.py``. A numeric field is ``{name:d}`` in the English sentence.

To add an event: declare it here and log it with ``state.log(EVENT, field=value)``.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Event:
    key: str
    en: str  # what the log holds: str.format template over the fields
    de: str  # the dashboard's German, same fields; a field's spec is its grammatical form
    pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = []
        for literal, name, spec, _ in string.Formatter().parse(self.en):
            parts.append(re.escape(literal))
            if name is not None:
                parts.append(rf"(?P<{name}>-?\d+)" if spec == "d" else f"(?P<{name}>.+)")
        object.__setattr__(self, "pattern", re.compile("".join(parts)))

    def text(self, **fields) -> str:
        """The English sentence with its fields filled in, as the log keeps it."""
        return self.en.format(**fields)


def fields_of(template: str) -> tuple[str, ...]:
    """The named fields of a template, in order."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name is not None)


OFFICE_SWITCHES = Event(
    "office_switches", "the office switches to {mode}",
    "Das Interkulturelle Büro wechselt {mode}",
)
GROUP_DISSOLVES = Event(
    "group_dissolves", "a {kind} of the {community} community dissolves",
    "{kind:indef} {community:dat} löst sich auf",
)
GROUP_FORMS_IN_ROOMS = Event(
    "group_forms_in_rooms", "a {kind} of the {community} community forms in the rooms",
    "{kind:indef} {community:dat} bildet sich in den Räumen",
)
GROUP_FORMS_WITHOUT_ROOMS = Event(
    "group_forms_without_rooms", "a {kind} of the {community} community forms without rooms of its own",
    "{kind:indef} {community:dat} bildet sich, ohne eigene Räume",
)
GROUP_SPLITS = Event(
    "group_splits", "a group splits from the {community} main association",
    "Eine Gruppe trennt sich vom Hauptverein {community:dat}",
)
ASSOCIATION_REACTIVATED = Event(
    "association_reactivated", "the {community} main association is re-activated by the split",
    "Der Hauptverein {community:dat} wird durch die Trennung wieder aktiv",
)
ASSOCIATION_WITHDRAWS = Event(
    "association_withdraws", "the {community} main association feels excluded and withdraws for a year",
    "Der Hauptverein {community:dat} fühlt sich ausgegrenzt und zieht sich für ein Jahr zurück",
)
GROUP_REGISTERS = Event(
    "group_registers", "the {kind} of the {community} community registers as an association",
    "{kind:def} {community:dat} gründet einen eingetragenen Verein",
)
WORKING_GROUP_FORMS = Event(
    "working_group_forms", "the migrant working group meets for the first time",
    "Die Migrantenarbeitsgruppe trifft sich zum ersten Mal",
)
COMMUNITY_JOINS = Event(
    "community_joins", "the {community} community joins the working group",
    "{community:nom} tritt der Arbeitsgruppe bei",
)
COMMUNITY_LEAVES = Event(
    "community_leaves", "the {community} community leaves the working group",
    "{community:nom} verlässt die Arbeitsgruppe",
)
# A committee is named as state.COMMITTEE_NAMES has it; runs stored before there were two
# committees logged "the committees" (read back as such).
OBSERVERS_SENT = Event(
    "observers_sent", "the working group sends observers to the {committee}",
    "Die Arbeitsgruppe schickt Beobachter/innen in {committee:acc}",
)
DELEGATES_WITH_VOICE = Event(
    "delegates_with_voice", "the working group now has delegates with a voice in the {committee}",
    "Die Arbeitsgruppe hat jetzt Delegierte mit Stimme in {committee:dat}",
)
FULL_PART = Event(
    "full_part", "the working group now has a full part of the {committee}",
    "Die Arbeitsgruppe ist jetzt voller Teil {committee:gen}",
)
LEADERSHIP_CHANGES = Event(
    "leadership_changes", "a new generation takes over the leadership of the {community} association",
    "Ein Generationswechsel an der Spitze des Vereins {community:dat}",
)
BECOMES_PILOT = Event(
    "becomes_pilot", "the {community} association turns into an integration pilot",
    "Der Verein {community:dat} wird zum Integrationslotsen",
)
BECOMES_GUARDIAN = Event(
    "becomes_guardian", "the {community} association withdraws to guarding its group's identity",
    "Der Verein {community:dat} zieht sich auf die Wahrung der Gruppenidentität zurück",
)
# District management's events (M5; processes/management.py).
FESTIVAL_HELD = Event(
    "festival_held", "district management holds a district festival, co-designed with native groups",
    "Die Stadtteilwerkstatt veranstaltet ein Stadtteilfest, von einheimischen Gruppen mitgestaltet",
)
FESTIVAL_WITHOUT_NATIVES = Event(
    "festival_without_natives", "district management holds a 'multicultural' festival in which native groups do not find themselves as actors",
    "Die Stadtteilwerkstatt veranstaltet ein »multikulturelles« Fest, in dem sich einheimische Gruppen nicht als Akteure wiederfinden",
)
CLEANUP_HELD = Event(
    "cleanup_held", "district management holds a clean-up action with the neighbours",
    "Die Stadtteilwerkstatt veranstaltet eine Reinigungsaktion mit den Nachbar/innen",
)
SURVEY_HELD = Event(
    "survey_held", "district management holds an activating survey at the residents' doors",
    "Die Stadtteilwerkstatt führt eine aktivierende Befragung an den Haustüren durch",
)
# A conflict between two groups that escalates (M9): what about (processes/conflicts.py), and the
# two communities. Settled ones are counted and drawn, not logged: they would flood the ticker.
CONFLICT_ESCALATES = Event(
    "conflict_escalates",
    "a conflict {cause} between the {community} and the {other} community escalates: no one with ties to both sides mediates",
    "Ein Konflikt {cause} zwischen {community:dat} und {other:dat} eskaliert: niemand mit Kontakten zu beiden Seiten vermittelt",
)
TOKEN_SEATS = Event(
    "token_seats", "{n:d} migrant(s) without ties to the groups take committee seats",
    "{n} Migrant/in(nen) ohne Kontakt zu den Gruppen übernehmen Sitze in den Gremien",
)

EVENTS: dict[str, Event] = {e.key: e for e in globals().values() if isinstance(e, Event)}

_LINE = re.compile(r"Month (?P<month>-?\d+): (?P<text>.+)")


def line(month: int, text: str) -> str:
    """One line of the log."""
    return f"Month {month}: {text}"


def split(log_line: str) -> tuple[str, str] | None:
    """A log line's month and English sentence; None if it is no log line."""
    found = _LINE.fullmatch(log_line)
    return (found["month"], found["text"]) if found else None


def match(text: str) -> tuple[Event, dict[str, str]] | None:
    """The declared event an English sentence is, with its fields; None if none is."""
    for event in EVENTS.values():
        found = event.pattern.fullmatch(text)
        if found:
            return event, found.groupdict()
    return None

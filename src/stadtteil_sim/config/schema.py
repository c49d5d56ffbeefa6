"""The scenario schema: every section and parameter as a typed, strict pydantic model.

A scenario is one typed object (:class:`Scenario`). The same dotted names are used in YAML,
on the command line (``--set office.handover_month=24``) and by the dashboard. Every numeric
default carries its source: ``text`` (the Darmstadt report), ``literature``, ``assumption``
or ``calibrated``.

Each field also declares its role where it is defined, and nowhere else: a ``lever`` (what the
city, the office, district management or the committees decide), an ``uncertainty`` (how the
world and its residents behave: what calibration and sensitivity analysis probe) or a
``mechanism`` switch (M1-M13, to take the model apart). A field without a role is an ``input``:
district facts, community figures, run settings. ``stadtteil-sim params``, the dashboard's
controls and sensitivity specs all read these declarations (:func:`declared`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

SOURCES = ("text", "literature", "assumption", "calibrated")
ROLES = ("lever", "uncertainty", "mechanism")
INPUT = "input"  # the role of a field that declares none


@dataclass(frozen=True)
class Control:
    """How the dashboard shows a lever or a mechanism switch: its label in German and English,
    for a number the slider's top where the schema's range is wider than a room needs (``hi``),
    and whether the room may compare it side by side (``compare``; with ``contrast``, copy B's
    default is A's value moved by that much, else the other end of the range)."""

    de: str
    en: str
    hi: float | None = None
    compare: bool = False
    contrast: int | None = None

    def label(self, lang: str) -> str:
        return {"de": self.de, "en": self.en}[lang]


def meta(
    *,
    source: str | None = None,
    role: str | None = None,
    show: Control | None = None,
    plausible: tuple[float, float] | None = None,
) -> dict[str, Any] | None:
    """A field's declaration as JSON Schema extras: its source, its role, how the dashboard shows
    it and, for an uncertainty, the range a sensitivity analysis samples by default."""
    assert source is None or source in SOURCES, source
    assert role is None or role in ROLES, role
    assert show is None or role in ("lever", "mechanism"), "only levers and mechanism switches are shown"
    assert plausible is None or (role == "uncertainty" and plausible[0] < plausible[1]), plausible
    extra = {
        "source": source,
        "role": role,
        "dashboard": {k: v for k, v in asdict(show).items() if v is not None and v is not False} if show else None,
        "plausible": list(plausible) if plausible else None,
    }
    return {k: v for k, v in extra.items() if v is not None} or None


def P(
    default: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    source: str | None = None,
    doc: str,
    role: str | None = None,
    show: Control | None = None,
    plausible: tuple[float, float] | None = None,
):
    """A parameter field with its range, its source, a one-line meaning and its declaration
    (see :func:`meta`). A number must name its source; a switch or a choice need not."""
    number = isinstance(default, int | float) and not isinstance(default, bool)
    assert source is not None or not number, f"a number needs its source: {doc}"
    extra = meta(source=source, role=role, show=show, plausible=plausible)
    return Field(default, ge=lo, le=hi, description=doc, json_schema_extra=extra)


Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, validate_default=True)


# --------------------------------------------------------------------------- district inputs
class Community(Strict):
    """One community of origin living in the district (sizes are assumptions: the text has none)."""

    name: str = Field(min_length=1, description="community name")
    size: int = P(100, 0, 100_000, source="assumption", doc="residents of the community in the district")
    foreign_nationals: bool = Field(
        True, description="counted in the share of foreign nationals (Russian-Germans are German citizens: false)"
    )
    language: str = Field(min_length=1, description="language a bilingual mediator must speak to reach it")
    closure: float = P(0.2, 0, 1, source="assumption", doc="closure tendency of the community (IfS 2004 in the text)")
    association: Literal["local", "citywide", "professional", "none"] = Field(
        "local", description="its main organisation (M15): a volunteer initiative in the district (local), a city-wide "
        "association seated in the city centre (citywide), a professional body with national coordination acting city-wide "
        "(professional), or none",
    )
    association_openness: float = P(
        0.5, 0, 1, source="assumption", doc="main association as integration pilot (1) or identity guardian (0)"
    )
    association_formality: float = P(0.4, 0, 1, source="assumption", doc="how formal the main association's meetings are")
    district_orientation: float = P(
        0.5, 0, 1, source="assumption", doc="share of the community's interests that are about the district (rest: city, country of origin)"
    )
    women_interests_served: float = P(
        0.4, 0, 1, source="assumption", doc="how active the main association is for women's interests (low: women's groups split off)"
    )
    german_mean: float = P(0.35, 0, 1, source="assumption", doc="mean German proficiency of adults")
    committee_experience_mean: float = P(0.2, 0, 1, source="assumption", doc="mean experience with committee work and democratic participation")

    @property
    def acts_citywide(self) -> bool:
        """Its organisation acts city-wide, seated in the centre (a city-wide association or a
        professional body): one organisation, and one contact to it, in every district (M1, M14)."""
        return self.association in ("citywide", "professional")


class District(Strict):
    name: str = Field("Kranichstein-Süd", min_length=1)
    start_year: int = P(2000, 1950, 2100, source="text", doc="calendar year of month 0 (the office starts)")
    population: int = P(6926, 50, 1_000_000, source="text", doc="inhabitants (Sozialatlas Darmstadt, 31.12.2000)")
    foreign_share: float = P(0.247, 0, 1, source="text", doc="share of foreign nationals")
    unemployment_density: float = P(7.3, 0, 100, source="text", doc="unemployment density (Sozialatlas)")
    welfare_density: float = P(18.1, 0, 100, source="text", doc="welfare density (Sozialatlas)")
    city_unemployment_density: float = P(5.1, 0, 100, source="text", doc="city-wide unemployment density")
    city_welfare_density: float = P(5.5, 0, 100, source="text", doc="city-wide welfare density")
    migrant_strain_factor: float = P(
        1.8, 1, 5, source="assumption", role="uncertainty", doc="how many times the district density migrants carry (text: above average)"
    )
    rooms: bool = P(
        True, doc="rooms for civic use exist (text: Kranichstein-Süd yes, Eberstadt-Süd none)", role="lever",
        show=Control("Räume zur bürgerschaftlichen Nutzung", "Rooms for civic use", compare=True),
    )
    room_slots: int = P(
        16, 0, 200, source="assumption", doc="self-organised groups the rooms can host at once", role="lever",
        show=Control("Gruppen, die die Räume fassen", "Groups the rooms can host", hi=40),
    )
    housing_blocks: int = P(40, 1, 2000, source="assumption", doc="housing blocks residents live in")
    child_share: float = P(0.22, 0, 0.6, source="assumption", doc="share of residents under 18")
    young_adult_share: float = P(0.18, 0, 0.6, source="assumption", doc="share of residents aged 18-29")
    senior_share: float = P(0.14, 0, 0.6, source="assumption", doc="share of residents aged 65+")
    parent_share: float = P(0.35, 0, 1, source="assumption", doc="share of working-age adults with a child at a local school or kindergarten")
    communities: list[Community] = Field(default_factory=list, description="every sizeable community of origin")

    @model_validator(mode="after")
    def _consistent(self) -> District:
        names = [c.name for c in self.communities]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"community names must be unique, repeated: {dupes}")
        migrants = sum(c.size for c in self.communities)
        if migrants > self.population:
            raise ValueError(
                f"communities add up to {migrants} residents, more than the population of {self.population}"
            )
        foreign = sum(c.size for c in self.communities if c.foreign_nationals)
        expected = self.foreign_share * self.population
        if self.communities and abs(foreign - expected) > max(0.05 * expected, 5):
            raise ValueError(
                f"foreign-national communities add up to {foreign}, but foreign_share x population = "
                f"{expected:.0f}; allowed: within 5 %"
            )
        if self.child_share + self.young_adult_share + self.senior_share > 0.95:
            raise ValueError("child_share + young_adult_share + senior_share must stay below 0.95")
        return self


# --------------------------------------------------------------------------- policy levers
class Office(Strict):
    """The Interkulturelles Büro: its timing rules and staff effort (M12)."""

    enabled: bool = P(
        True, doc="false removes the office only; district management and committees go on", role="lever",
        show=Control("Interkulturelles Büro aktiv", "Integration office active"),
    )
    start_month: int = P(0, 0, 600, source="text", doc="month the office starts moderating (month 0 by definition)", role="lever")
    handover_rule: Literal["fixed", "stable"] = P(
        "fixed", doc="hand over at a fixed month, or once the working group's cycles are stable", role="lever",
        show=Control("Übergabe: fester Monat oder bei Stabilität", "Handover: fixed month or once stable", compare=True),
    )
    handover_month: int = P(
        36, 0, 600, source="text", doc="month of the switch to support-only (text: 2003 / 2004, after 3 years)", role="lever",
        show=Control("Übergabe an Unterstützung (Monat)", "Handover to support (month)", hi=120, compare=True, contrast=24),
    )
    handover_stable_months: int = P(
        9, 1, 120, source="calibrated",
        doc="'stable' rule: months in a row the group must carry its meetings itself, with the support mode's advice and "
            "no intervention needed (tuned so the rule hands over at about month 36, as documented)",
        role="lever", show=Control("Übergabe nach … stabilen Monaten", "Handover after … stable months", hi=36),
    )
    handover_max_month: int = P(
        60, 0, 600, source="assumption", doc="'stable' rule: hand over at this month at the latest (text: the engagement "
        "was planned for a few years)", role="lever",
    )
    link_rule: Literal["fixed", "stable"] = P(
        "fixed", doc="start linking at a fixed month, or once the group is stable", role="lever",
        show=Control("Vernetzung: fester Monat oder bei Stabilität", "Linking: fixed month or once stable", compare=True),
    )
    link_month: int = P(
        18, 0, 600, source="assumption", doc="month linking to the committees starts (waits for the group to form)", role="lever",
        show=Control("Vernetzung mit den Gremien (Monat)", "Linking to the committees (month)", hi=120, compare=True, contrast=24),
    )
    link_stable_months: int = P(
        6, 1, 120, source="assumption", doc="'stable' rule: months of stable meetings before linking", role="lever",
        show=Control("Vernetzung nach … stabilen Monaten", "Linking after … stable months", hi=36),
    )
    withdraw_month: int | None = P(None, 0, 600, doc="month the office withdraws completely (none: stays in support)", role="lever")
    withdraw_quiet_months: int | None = P(
        None, 1, 600, source="assumption",
        doc="withdraw completely once support has needed no intervention for this many months in a row (none: no such rule; "
            "with withdraw_month, whichever comes first)", role="lever",
    )
    staff_hours_moderation: float = P(80, 0, 1000, source="assumption", doc="office staff hours per month while moderating", role="lever")
    staff_hours_support: float = P(12, 0, 1000, source="assumption", doc="office staff hours per month for advice in support mode", role="lever")
    staff_hours_intervention: float = P(10, 0, 1000, source="assumption", doc="staff hours of one occasional intervention", role="lever")

    @model_validator(mode="after")
    def _timing(self) -> Office:
        if self.handover_rule == "fixed" and self.handover_month < self.start_month:
            raise ValueError(
                f"handover_month={self.handover_month} is before start_month={self.start_month}: "
                "the office cannot hand over before it starts"
            )
        if self.handover_rule == "stable" and self.handover_max_month < self.start_month:
            raise ValueError(
                f"handover_max_month={self.handover_max_month} is before start_month={self.start_month}: "
                "the 'stable' rule's latest handover cannot come before the office starts"
            )
        if self.withdraw_month is not None and self.withdraw_month < max(self.start_month, 0):
            raise ValueError(f"withdraw_month={self.withdraw_month} is before start_month={self.start_month}")
        return self


class Instruments(Strict):
    """The office's and district management's instruments (levers)."""

    bilingual_mediators: int = P(
        4, 0, 30, source="assumption", doc="bilingual mediators, each covering one language (M1)", role="lever",
        show=Control("Zweisprachige Vermittlungskräfte", "Bilingual mediators", hi=15, compare=True),
    )
    qualification_intensity: float = P(
        1.0, 0, 1, source="assumption", doc="reach of the qualification offensive (M8)", role="lever",
        show=Control("Qualifizierungsoffensive (Reichweite)", "Qualification offensive (reach)", compare=True),
    )
    agenda_transparency: float = P(
        0.9, 0, 1, source="text", doc="working group's agenda made transparent to the committees (M4/M9)", role="lever",
        show=Control("Agenda transparent für die Gremien", "Agenda transparent to the committees"),
    )
    festival_codesigned: bool = P(
        True, doc="natives take part in festivals as actors, not only as audience (M9)", role="lever",
        show=Control("Einheimische gestalten Feste mit", "Natives co-design festivals"),
    )
    intercultural_opening: float = P(
        0.0, 0, 1, source="assumption", doc="the city administration's intercultural opening: how far it takes migrant organisations as partners (M15; second text)", role="lever",
        show=Control("Interkulturelle Öffnung der Verwaltung", "Intercultural opening of the administration"),
    )
    migrant_staff: bool = P(
        False, doc="professional staff with a migrant background in district management (M2)", role="lever",
        show=Control("Fachkräfte mit Migrationshintergrund", "Staff with a migrant background"),
    )
    project_funds_detached: bool = P(
        False, doc="project funds given to groups detached from district work (M4 'separate work')", role="lever",
        show=Control("Projektfonds losgelöst von der Stadtteilarbeit", "Project funds detached from district work"),
    )


class DistrictManagement(Strict):
    """Stadtteilwerkstatt / Quartiersmanagement; carries the self-running phase."""

    capacity: float = P(
        0.6, 0, 1, source="assumption", doc="staff capacity for events and for keeping working groups functioning", role="lever",
        show=Control("Kapazität der Stadtteilwerkstatt", "District management capacity", compare=True),
    )
    events_per_year: float = P(6, 0, 52, source="assumption", doc="festivals, clean-up actions, activating surveys (M5)", role="lever")
    # What kind each event is (text: "Stadtteilfeste", "Reinigungsaktionen", "aktivierende Befragungen").
    # (No dashboard control: three shares that must add up to 1 are set together, in a scenario file.)
    festival_share: float = P(0.5, 0, 1, source="assumption", doc="share of the events that are district festivals (M5)", role="lever")
    cleanup_share: float = P(0.25, 0, 1, source="assumption", doc="share of the events that are clean-up actions (M5)", role="lever")
    survey_share: float = P(0.25, 0, 1, source="assumption", doc="share of the events that are activating surveys (M5)", role="lever")

    @model_validator(mode="after")
    def _event_mix(self) -> DistrictManagement:
        total = self.festival_share + self.cleanup_share + self.survey_share
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"festival_share + cleanup_share + survey_share must add up to 1 (they are {total:g}): "
                "each event is one of the three kinds"
            )
        return self


class CitizensWorkingGroups(Strict):
    """The citizens' working groups (Bürgerarbeitsgruppen): thematic groups of residents the
    working group's proposals also go to (text), each linked step by step like the Stadtteilrunde."""

    formality: float = P(0.4, 0, 1, source="assumption", doc="how formal their meetings are: thematic groups open to every resident, less formal than the Stadtteilrunde", role="lever")
    openness: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="their initial intercultural opening")
    seats_per_stage: list[int] = Field(default_factory=lambda: [1, 2, 3], min_length=3, max_length=3, description="migrant seats at link stages observers, voice, full", json_schema_extra=meta(role="lever"))


class Committees(Strict):
    """The Stadtteilrunde (formality, openness and seats here) and, under
    ``buergerarbeitsgruppen``, the citizens' working groups; translation and political will hold
    for both. The working group's proposals go to both (text)."""

    formality: float = P(0.7, 0, 1, source="text", doc="formalistic meetings of the Stadtteilrunde and the associations (text: deter migrants)", role="lever")
    translation: bool = P(
        False, doc="time for translation in meetings (text: missing)", role="lever",
        show=Control("Zeit für Übersetzungen in Sitzungen", "Time for translation in meetings"),
    )
    openness: float = P(0.4, 0, 1, source="assumption", role="uncertainty", doc="initial intercultural opening of the Stadtteilrunde")
    political_will: float = P(0.8, 0, 1, source="text", role="uncertainty", doc="political will to take responsibility for participation (M13)")
    seats_per_stage: list[int] = Field(default_factory=lambda: [2, 3, 4], min_length=3, max_length=3, description="migrant seats in the Stadtteilrunde at link stages observers, voice, full", json_schema_extra=meta(role="lever"))
    buergerarbeitsgruppen: CitizensWorkingGroups = Field(default_factory=CitizensWorkingGroups)

    def each(self) -> tuple[Committees | CitizensWorkingGroups, ...]:
        """The committees the working group links to, in the order of ``state.COMMITTEE_NAMES``:
        each with its formality, openness and seats."""
        return (self, self.buergerarbeitsgruppen)


class Mechanisms(Strict):
    """Switches for the mechanisms M1-M13 of MODEL.md and the dependency assumption."""

    outreach: bool = P(True, doc="M1 outreach through bilingual mediators and city-wide associations", role="mechanism", show=Control("M1 Zugang über Vermittlungskräfte", "M1 outreach via mediators"))
    barriers: bool = P(True, doc="M2 barriers: language, committee experience, formality, time, closure", role="mechanism", show=Control("M2 Barrieren", "M2 barriers"))
    working_group: bool = P(True, doc="M3 migrant working group formation and agenda", role="mechanism", show=Control("M3 Migrantenarbeitsgruppe", "M3 migrant working group"))
    linking: bool = P(True, doc="M4 gradual linking to the committees, delegates and proposals", role="mechanism", show=Control("M4 Vernetzung mit den Gremien", "M4 linking to committees"))
    visibility: bool = P(True, doc="M5 activities, festivals and contact with neighbours", role="mechanism", show=Control("M5 Sichtbarkeit und Kontakt", "M5 visibility and contact"))
    interests: bool = P(True, doc="M6 the office uses city and origin interests to draw people in", role="mechanism", show=Control("M6 »auswärtige« Interessen nutzen", "M6 use 'external' interests"))
    differentiation: bool = P(True, doc="M7 women's and youth groups split from main associations", role="mechanism", show=Control("M7 Frauen- und Jugendgruppen", "M7 women's and youth groups"))
    qualification: bool = P(True, doc="M8 courses and multiplier training", role="mechanism", show=Control("M8 Qualifizierung", "M8 qualification"))
    recognition: bool = P(True, doc="M9 recognition work: information, trainings, mediator pool", role="mechanism", show=Control("M9 Anerkennung durch Einheimische", "M9 recognition by natives"))
    education: bool = P(True, doc="M10 opening projects at schools and kindergartens", role="mechanism", show=Control("M10 Schulen und Kitas", "M10 schools and nurseries"))
    rooms: bool = P(True, doc="M11 rooms for civic use host self-organised groups", role="mechanism", show=Control("M11 Räume", "M11 rooms"))
    office_role: bool = P(True, doc="M12 office modes and the handover to support", role="mechanism", show=Control("M12 Rolle des Büros (Übergabe)", "M12 office role (handover)"))
    context: bool = P(True, doc="M13 socio-economic strain lowers time and resources", role="mechanism", show=Control("M13 soziale Belastung", "M13 socio-economic strain"))
    dependency: bool = P(True, doc="assumption (Kitts 2006, Datta 2005): while moderated, the group's own leaders develop more slowly", role="mechanism", show=Control("Abhängigkeit von der Moderation", "dependency on the moderator"))
    self_running: bool = P(True, doc="M12 self-running: the group's leaders, the multipliers and district management invite, inform and recruit as far as their own capacity carries", role="mechanism", show=Control("Selbstlauf: Gruppe, Multiplikatoren, Stadtteilmanagement", "self-running: group, multipliers, district management"))
    token_cost: bool = P(True, doc="M4 token seats cost trust: delegates without contact to the groups they stand for erode their constituents' trust and engagement, teach the committees less of the migrant agenda and cost the group natives' recognition", role="mechanism", show=Control("Alibi-Sitze kosten Vertrauen", "token seats cost trust"))
    generational_change: bool = P(True, doc="M15 generational change in the migrant organisations' leadership: the new leaders are more open to district work and bring a second-line leader", role="mechanism", show=Control("M15 Generationswechsel in den Vereinen", "M15 generational change in the associations"))
    native_association_open: bool = P(True, doc="M2 migrants can join the native neighbourhood association, deterred by its formality and missing translation", role="mechanism", show=Control("M2 Nachbarschaftsverein offen für Migrant/innen", "M2 neighbourhood association open to migrants"))
    organisation_kinds: bool = P(True, doc="M15 kinds of organisations: a professional body lends contacts and experience to outreach and recruitment, a volunteer initiative brings its members into activities", role="mechanism", show=Control("M15 Arten von Migrantenorganisationen", "M15 kinds of migrant organisations"))
    role_moves: bool = P(True, doc="M15 pilot or guardian moves: recognition and inclusion open an organisation, being passed over and detached project funds close it, the administration's intercultural opening opens it", role="mechanism", show=Control("M15 Lotse oder Wächter: Rolle bewegt sich", "M15 pilot or guardian: the role moves"))
    distinct_events: bool = P(True, doc="M5 festivals, clean-ups and activating surveys each have their own effect (off: every event is a festival)", role="mechanism", show=Control("M5 Feste, Reinigungsaktionen, Befragungen", "M5 festivals, clean-ups, surveys"))
    conflicts_between_groups: bool = P(True, doc="M9 conflicts arise between specific groups and are settled by trained mediators with ties to both sides, escalating where there is none (off: anonymous counts, mediated as often as the pool is large)", role="mechanism", show=Control("M9 Konflikte zwischen Gruppen, Vermittlung über Kontakte", "M9 conflicts between groups, mediation through ties"))
    detachment_persists: bool = P(True, doc="M4 a detached parallel structure stays detached: a group whose agenda has drifted away is less willing to link and less recognised by the committees until deliberate work repairs it", role="mechanism", show=Control("Verselbständigung hält an", "detachment persists"))


# --------------------------------------------------------------------------- behaviour (shared, calibratable)
class Activation(Strict):
    threshold_mean: float = P(0.4, 0, 3, source="calibrated", role="uncertainty", doc="mean personal activation threshold (Granovetter 1978)")
    threshold_sd: float = P(0.25, 0, 1, source="calibrated", role="uncertainty", doc="spread of personal thresholds")
    weight_social: float = P(0.35, 0, 3, source="calibrated", role="uncertainty", doc="pull of the share of active contacts")
    weight_events: float = P(0.25, 0, 3, source="assumption", role="uncertainty", doc="pull of visible activities and events")
    weight_interest: float = P(0.3, 0, 3, source="assumption", role="uncertainty", doc="pull of interests the activity serves")
    weight_office: float = P(0.5, 0, 3, source="calibrated", role="uncertainty", doc="pull of the office's moderated invitation")
    weight_group: float = P(0.4, 0, 3, source="calibrated", role="uncertainty", doc="pull of a functioning working group the community belongs to")
    up_rate: float = P(0.12, 0, 1, source="assumption", role="uncertainty", doc="monthly probability of acting once pull exceeds threshold")
    down_rate: float = P(0.06, 0, 1, source="assumption", role="uncertainty", doc="monthly probability of dropping out once pull falls short")
    margin: float = P(0.08, 0, 1, source="assumption", role="uncertainty", doc="hysteresis: pull must fall this far below threshold to drop out")
    join_at_threshold: bool = P(False, role="uncertainty", doc="join when the pull reaches the threshold (Granovetter 1978: at least), not only when it exceeds it")


class Barriers(Strict):
    language: float = P(0.25, 0, 3, source="calibrated", role="uncertainty", doc="(text: IfS 2004) threshold added by missing German (IfS 2004)")
    experience: float = P(0.1, 0, 3, source="calibrated", role="uncertainty", doc="(text: IfS 2004) threshold added by unfamiliarity with committee work")
    time: float = P(0.1, 0, 3, source="calibrated", role="uncertainty", doc="(text: IfS 2004) threshold added by lacking time and resources")
    closure: float = P(0.3, 0, 3, source="calibrated", role="uncertainty", doc="(text: IfS 2004) threshold added by community closure")
    identification_figure: float = P(0.1, 0, 3, source="calibrated", role="uncertainty", doc="(text: Seidel 2005) threshold added when no one to identify with is present")
    formality: float = P(0.2, 0, 3, source="calibrated", role="uncertainty", doc="(text: IfS 2004) threshold added by formal meetings without translation")


class Outreach(Strict):
    contact_rate: float = P(0.08, 0, 1, source="assumption", role="uncertainty", doc="monthly growth of the office's contact to a community via a mediator")
    uncovered_language_factor: float = P(0.15, 0, 1, source="assumption", role="uncertainty", doc="contact speed without a mediator for the language")
    citywide_access_factor: float = P(0.6, 0, 1, source="text", role="uncertainty", doc="contact speed through a city-wide association (M1)")
    no_association_factor: float = P(0.35, 0, 1, source="assumption", role="uncertainty", doc="contact speed when a community has no association")
    inform_office: float = P(0.08, 0, 1, source="assumption", role="uncertainty", doc="monthly rate of informing residents of a contacted community")
    inform_management: float = P(0.012, 0, 1, source="calibrated", role="uncertainty", doc="monthly rate of informing through district management (German only)")
    inform_social: float = P(0.08, 0, 1, source="assumption", role="uncertainty", doc="monthly rate of hearing from active contacts")
    inform_school: float = P(0.05, 0, 1, source="assumption", role="uncertainty", doc="monthly rate of reaching parents through school projects (M10)")
    carried_contact: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="share of its best contact with a community elsewhere in the city that the office brings to a district it starts moderating (its experience, M14)")


class Ties(Strict):
    slots: int = P(8, 2, 32, source="assumption", role="uncertainty", doc="tie slots per resident")
    initial: int = P(4, 0, 32, source="assumption", role="uncertainty", doc="initial ties per adult, in the block and community")
    meet_rate: float = P(0.25, 0, 1, source="assumption", role="uncertainty", doc="monthly chance an active resident makes a new tie at an activity")
    mixing_base: float = P(0.1, 0, 1, source="assumption", role="uncertainty", doc="share of new ties across communities at ordinary activities")
    mixing_shared: float = P(0.45, 0, 1, source="text", role="uncertainty", doc="share across communities at rooms and joint festivals (M5, M11)")
    decay: float = P(0.03, 0, 1, source="assumption", role="uncertainty", doc="monthly loss of strength of a tie without contact (Putnam)")


class Associations(Strict):
    join_rate: float = P(0.08, 0, 1, source="assumption", role="uncertainty", doc="monthly chance an attending resident joins a group of the community")
    core_size: int = P(6, 2, 100, source="assumption", role="uncertainty", doc="attending members needed to start a self-organised group")
    form_rate: float = P(0.06, 0, 1, source="calibrated", role="uncertainty", doc="monthly chance a self-organised group forms where a core exists")
    no_rooms_factor: float = P(0.4, 0, 1, source="calibrated", role="uncertainty", doc="group formation without rooms (text: harder, not impossible)")
    dissolve_rate: float = P(0.01, 0, 1, source="assumption", role="uncertainty", doc="monthly dissolution chance of a weak informal group")
    no_rooms_dissolve_factor: float = P(3.0, 1, 20, source="assumption", role="uncertainty", doc="dissolution multiplier without rooms")
    split_rate: float = P(0.04, 0, 1, source="assumption", role="uncertainty", doc="monthly chance activated women/youth split from an inactive main association (M7)")
    reactivation: float = P(0.3, 0, 1, source="text", role="uncertainty", doc="chance a split re-activates the main association (M7)")
    exclusion: float = P(0.4, 0, 1, source="text", role="uncertainty", doc="chance a split handled carelessly makes a group withdraw (M7)")
    founding_min_months: int = P(9, 0, 120, source="calibrated", role="uncertainty", doc="months a group must have run before it can register as an association")
    founding_capacity: float = P(0.42, 0, 1, source="calibrated", role="uncertainty", doc="capacity of the group's core needed to found an association")
    founding_rate: float = P(0.035, 0, 1, source="calibrated", role="uncertainty", doc="monthly chance a capable group registers as an association")
    youth_rate_factor: float = P(0.25, 0, 1, source="calibrated", role="uncertainty", doc="youth groups form less often than women's groups")
    native_join_rate: float = P(0.02, 0, 1, source="assumption", role="uncertainty", doc="monthly chance an attending migrant in no group joins the native neighbourhood association, were its meetings informal and translated (M2)")


class Qualification(Strict):
    course_rate: float = P(0.1, 0, 1, source="assumption", role="uncertainty", doc="monthly chance an informed migrant attends a course")
    german_gain: float = P(0.06, 0, 1, source="assumption", role="uncertainty", doc="German gained per course month (share of the gap)")
    experience_gain: float = P(0.05, 0, 1, source="assumption", role="uncertainty", doc="committee experience gained per training month (multipliers)")
    women_weight: float = P(2.0, 0, 10, source="text", role="uncertainty", doc="women are reached by courses this many times as often ('insbesondere Migrantinnen')")


class WorkingGroup(Strict):
    rep_rate: float = P(0.35, 0, 1, source="calibrated", role="uncertainty", doc="monthly chance an invited, fully willing community sends a representative")
    max_reps: int = P(3, 1, 20, source="assumption", role="uncertainty", doc="representatives per community")
    contact_needed: float = P(0.4, 0, 1, source="calibrated", role="uncertainty", doc="office contact to a community before it is invited")
    members_needed: int = P(5, 1, 100, source="calibrated", role="uncertainty", doc="organised members a community needs before it sends a representative")
    moderated_regularity: float = P(0.9, 0, 1, source="assumption", role="uncertainty", doc="meeting regularity the moderator secures")
    management_regularity: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="regularity district management secures at full capacity")
    capacity_growth: float = P(0.05, 0, 1, source="assumption", role="uncertainty", doc="monthly growth of the group's own capacity by regular meetings")
    rep_dropout: float = P(0.04, 0, 1, source="assumption", role="uncertainty", doc="monthly chance a representative drifts back when meetings thin out")
    stable_regularity: float = P(0.7, 0, 1, source="assumption", role="uncertainty", doc="regularity counted as a stable cycle")
    intervention_below: float = P(0.55, 0, 1, source="assumption", role="uncertainty", doc="support mode: the office intervenes when regularity falls below")
    advice: float = P(0.15, 0, 1, source="assumption", role="uncertainty", doc="regularity the support mode's advice adds at full support hours")
    intervention_lift: float = P(0.3, 0, 1, source="assumption", role="uncertainty", doc="regularity an occasional intervention adds in its month")


class Carriers(Strict):
    """Who carries the work besides the office (M12 self-running): invite, inform, recruit."""

    leader_reach: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="reach of the group's own leaders (chair, second-line) at full own capacity, relative to the office's full invitation")
    multiplier_experience: float = P(0.4, 0, 1, source="assumption", role="uncertainty", doc="committee experience from which an organised migrant acts as a multiplier (M8 trains them)")
    multiplier_reach: float = P(5.0, 0, 100, source="assumption", role="uncertainty", doc="residents of their community one multiplier reaches, as a share of its adults")
    management_reach: float = P(0.4, 0, 1, source="assumption", role="uncertainty", doc="reach of district management to the working group's communities at full capacity")


class Organisations(Strict):
    """The migrant organisations (M15): leadership generations, pilot or guardian as a state."""

    generation_rate: float = P(1 / 120, 0, 1, source="assumption", role="uncertainty", doc="monthly chance that a generation grown up here takes over an association's leadership (once; the text: the change has reached the leadership)")
    generation_openness: float = P(0.3, 0, 1, source="assumption", role="uncertainty", doc="share of the way to full openness an association moves when the new generation takes over")
    role_gain: float = P(0.02, 0, 1, source="assumption", role="uncertainty", doc="monthly opening of an association whose community is in the working group, at full recognition (natives' and the committees')")
    role_loss: float = P(0.01, 0, 1, source="assumption", role="uncertainty", doc="monthly closing of an association passed over by district work, or funded apart from it")
    professional_access: float = P(0.8, 0, 1, source="assumption", role="uncertainty", doc="speed of the office's contact to a community through its professional body (its staff and networks), relative to a local one (M1; a city-wide association: outreach.citywide_access_factor)")
    professional_experience: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="committee experience a professional body's representative brings to the working group at least (M3)")
    professional_contacts: float = P(0.2, 0, 1, source="assumption", role="uncertainty", doc="invitation to other communities a professional body in the working group lends it through its contacts (M3)")
    initiative_activities: float = P(0.2, 0, 3, source="assumption", role="uncertainty", doc="visible activities a volunteer initiative in the district offers its community, in units of a district event (M5)")
    initiative_without_rooms: float = P(0.3, 0, 1, source="assumption", role="uncertainty", doc="share of its activities a volunteer initiative can offer where the district has no rooms for civic use (M11)")
    opening_gain: float = P(0.01, 0, 1, source="assumption", role="uncertainty", doc="monthly opening of every association at a full intercultural opening of the administration")


class Linking(Strict):
    stage_rate: float = P(0.15, 0, 1, source="assumption", role="uncertainty", doc="monthly chance to advance a link stage when the group can carry it")
    stage_capacity: list[float] = Field(default_factory=lambda: [0.0, 0.15, 0.3], min_length=3, max_length=3, description="capacity needed to reach stage 1, 2, 3 (calibrated: a voice after about three years, as in the text)", json_schema_extra=meta(source="calibrated", role="uncertainty"))
    overlap_gain: float = P(0.08, 0, 1, source="assumption", role="uncertainty", doc="monthly growth of agenda overlap per link stage")
    overlap_drift: float = P(0.05, 0, 1, source="assumption", role="uncertainty", doc="monthly drift of an unlinked group's agenda away from the committees")
    formality_uptake: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="share of the uptake of a delegate without committee experience that fully formal procedures cost (formality f costs f times as much)")
    committee_german: float = P(0.8, 0, 1, source="assumption", role="uncertainty", doc="German a delegate needs to follow fully formal meetings; a committee of formality f needs f times as much (the Stadtteilrunde at 0.7: 0.56)")
    delegate_readiness_months: int = P(6, 0, 60, source="assumption", role="uncertainty", doc="months the group must have met before it can choose its own delegates")
    proposal_rate: float = P(0.5, 0, 1, source="calibrated", role="uncertainty", doc="monthly chance a delegate with a voice carries a proposal")
    delegate_dropout: float = P(0.08, 0, 1, source="assumption", role="uncertainty", doc="monthly chance a delegate whose proposals are ignored gives up")
    token_trust_loss: float = P(0.02, 0, 1, source="assumption", role="uncertainty", doc="monthly share of their trust the constituents lose while all seats are token seats (scaled by the token share)")
    token_engagement: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="share of the working group's pull on its communities lost while all seats are token seats")
    token_recognition_loss: float = P(0.01, 0, 1, source="assumption", role="uncertainty", doc="natives' monthly loss of recognition of the working group as an equal actor while all seats are token seats")
    willingness_loss: float = P(0.05, 0, 1, source="assumption", role="uncertainty", doc="monthly share of its willingness to link an unlinked group loses, scaled by how far its agenda has drifted from the committees'")
    willingness_repair: float = P(0.05, 0, 1, source="assumption", role="uncertainty", doc="monthly share of the lost willingness restored once linked, at full staff of the office or district management")
    detached_recognition: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="share of the committees' uptake a group that has lost all willingness to link forfeits (less recognised as a partner)")


class Recognition(Strict):
    contact_gain: float = P(0.04, 0, 1, source="literature", role="uncertainty", doc="acceptance gained by a native per month with a bridging tie (contact hypothesis)")
    info_gain: float = P(0.02, 0, 1, source="text", role="uncertainty", doc="acceptance gained from regular information and a transparent agenda")
    training_gain: float = P(0.01, 0, 1, source="text", role="uncertainty", doc="acceptance gained from intercultural trainings")
    speculation_loss: float = P(0.03, 0, 1, source="text", role="uncertainty", doc="acceptance lost when the group's agenda is opaque")
    backlash_loss: float = P(0.02, 0, 1, source="text", role="uncertainty", doc="acceptance lost at festivals natives do not find themselves in")
    conflict_loss: float = P(0.03, 0, 1, source="assumption", role="uncertainty", doc="acceptance lost per escalated conflict")
    drift: float = P(0.01, 0, 1, source="assumption", role="uncertainty", doc="monthly drift of acceptance back to its initial level")
    initial: float = P(0.35, 0, 1, source="assumption", role="uncertainty", doc="initial acceptance of migrant participation among natives")


class DistrictEvents(Strict):
    """What each kind of district event does (M5; processes/management.py): a festival makes the
    groups visible and mixes the communities (1 and the shared mixing, as the events before the
    kinds), a clean-up brings neighbours together, an activating survey reaches the unreached."""

    cleanup_visibility: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="visibility of the groups at a clean-up action, relative to a festival's")
    cleanup_meet_rate: float = P(0.3, 0, 1, source="assumption", role="uncertainty", doc="chance an adult taking part in activities meets a neighbour of the housing block (any community) at a clean-up action")
    survey_visibility: float = P(0.3, 0, 1, source="assumption", role="uncertainty", doc="visibility of the groups at an activating survey, relative to a festival's")
    survey_reach: float = P(0.15, 0, 1, source="assumption", role="uncertainty", doc="share of the unreached adults an activating survey asks, and so informs")


class Conflicts(Strict):
    rate: float = P(1.0, 0, 50, source="assumption", role="uncertainty", doc="conflicts per month in a district at city-average strain")
    mediation_half_pool: float = P(15, 0.1, 1000, source="assumption", role="uncertainty", doc="mediator pool at which half the conflicts are mediated (only with mechanisms.conflicts_between_groups off)")
    mediator_success: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="chance that one trained mediator with ties to both sides settles a conflict between two groups")
    escalation_identification: float = P(0.01, 0, 1, source="assumption", role="uncertainty", doc="share of their identification with the district the members of two groups lose when a conflict between them escalates")
    escalation_ties: float = P(0.5, 0, 1, source="assumption", role="uncertainty", doc="share of their strength the ties between the two groups' members lose when a conflict between them escalates")
    pool_training_rate: float = P(0.004, 0, 1, source="text", role="uncertainty", doc="monthly chance an active resident joins the mediator pool through trainings")


class Dependency(Strict):
    strength: float = P(
        0.5, 0, 1, source="literature", role="uncertainty", plausible=(0.0, 1.0),  # nothing constrains it: its whole range
        doc="how much the moderator's convening and chairing slows the growth of the group's own capacity "
            "(leadership succession; Kitts 2006)",
    )


class Context(Strict):
    strain_weight: float = P(0.5, 0, 3, source="assumption", role="uncertainty", doc="how strongly unemployment and welfare cut time and resources")
    turnover_rate: float = P(0.008, 0, 0.2, source="assumption", role="uncertainty", doc="monthly share of households moving out and replaced by newcomers (about 10 % a year in large estates)")


class Behaviour(Strict):
    """Behavioural parameters shared by both districts (one included file; calibration replaces it)."""

    burn_in_months: int = P(12, 0, 120, source="assumption", doc="months the district runs before the office starts (gives month 0's state)")
    activation: Activation = Field(default_factory=Activation)
    barriers: Barriers = Field(default_factory=Barriers)
    outreach: Outreach = Field(default_factory=Outreach)
    ties: Ties = Field(default_factory=Ties)
    associations: Associations = Field(default_factory=Associations)
    qualification: Qualification = Field(default_factory=Qualification)
    working_group: WorkingGroup = Field(default_factory=WorkingGroup)
    carriers: Carriers = Field(default_factory=Carriers)
    linking: Linking = Field(default_factory=Linking)
    organisations: Organisations = Field(default_factory=Organisations)
    recognition: Recognition = Field(default_factory=Recognition)
    events: DistrictEvents = Field(default_factory=DistrictEvents)
    conflicts: Conflicts = Field(default_factory=Conflicts)
    dependency: Dependency = Field(default_factory=Dependency)
    context: Context = Field(default_factory=Context)


class RunSettings(Strict):
    months: int = P(120, 1, 1200, source="assumption", doc="months to simulate (MODEL.md: 120)")
    seed: int = P(1, 0, 2**63 - 1, source="assumption", doc="root seed of every random stream")
    scale: float = P(1.0, 0.01, 1.0, source="assumption", doc="residents per inhabitant (1.0 = 1:1, the reference)")
    participation_months: list[int] = Field(default_factory=lambda: [0, 12, 24, 36, 48, 60, 84, 120], description="months of the participation table (months past the horizon are skipped)")


def behaviour_yaml(behaviour: Behaviour, header: str = "", notes: dict[str, str] | None = None) -> str:
    """The shared behaviour file: every value with its source and meaning as a comment.

    ``notes`` replaces the comment of some values (dotted paths below ``behaviour``), e.g. with
    the calibration that set them."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()] + ["behaviour:"]
    notes = notes or {}

    def walk(model: BaseModel, indent: int, prefix: str) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            pad = "  " * indent
            if isinstance(value, BaseModel):
                lines.append(f"{pad}{name}:")
                walk(value, indent + 1, f"{prefix}{name}.")
                continue
            source = (field.json_schema_extra or {}).get("source", "assumption")
            shown = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
            comment = notes.get(f"{prefix}{name}", f"[{source}] {field.description}")
            lines.append(f"{pad}{name}: {shown}  # {comment}")

    walk(behaviour, 1, "")
    return "\n".join(lines) + "\n"


BEHAVIOUR_HEADER = """Behavioural parameters shared by both districts.
Included by every district scenario (`include: shared/behaviour.yaml`): a calibration
replaces this one file and the calibrated values are used everywhere.
Each value is marked with its source: [text] the Darmstadt report, [literature],
[assumption] a judgement with the reason given, [calibrated] tuned to the patterns
(docs/ODD.md, 'Calibration', says how). Written by stadtteil_sim.config.schema.behaviour_yaml."""


def _default_communities() -> list[Community]:
    return [
        Community(name="Turkish", size=1711, language="Turkish"),
    ]


class Scenario(Strict):
    """A complete scenario: district inputs, policy levers, mechanisms, behaviour and run settings."""

    name: str = Field("default", min_length=1)
    description: str = ""
    district: District = Field(default_factory=lambda: District(communities=_default_communities()))
    office: Office = Field(default_factory=Office)
    instruments: Instruments = Field(default_factory=Instruments)
    district_management: DistrictManagement = Field(default_factory=DistrictManagement)
    committees: Committees = Field(default_factory=Committees)
    mechanisms: Mechanisms = Field(default_factory=Mechanisms)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    run: RunSettings = Field(default_factory=RunSettings)

    @model_validator(mode="after")
    def _months(self) -> Scenario:
        if any(m < 0 for m in self.run.participation_months):
            raise ValueError(f"run.participation_months must be months >= 0, got {self.run.participation_months}")
        return self

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


def json_schema() -> dict[str, Any]:
    """The scenario schema as JSON Schema, with the ``include:`` key the loader adds, so a YAML
    editor can complete and check a scenario file (``stadtteil-sim schema``). Each field carries
    its declaration (source, role, dashboard control, plausible range) as extra keywords."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "stadtteil_sim scenario"
    for item in declared():  # plausible ranges that follow from the default, written out
        if item.plausible and "plausible" not in declaration(item.field):
            schema["$defs"][item.owner.__name__]["properties"][item.name]["plausible"] = list(item.plausible)
    schema["properties"] = {
        "include": {
            "description": "scenario files merged under this one (paths relative to this file), in order",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        },
        **schema["properties"],
    }
    return schema


def bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    """The schema's range of a field (None where it is open)."""
    lo = hi = None
    for item in field.metadata:
        lo = getattr(item, "ge", lo)
        hi = getattr(item, "le", hi)
    return lo, hi


def describe_field(field: Any) -> tuple[str, str]:
    """(type name, allowed range) of a pydantic field, for messages and ``params``."""
    ann = field.annotation
    type_name = getattr(ann, "__name__", None) or str(ann).replace("typing.", "")
    if getattr(ann, "__origin__", None) is Literal:
        return "choice", " | ".join(map(str, ann.__args__))
    lo, hi = bounds(field)
    if lo is not None or hi is not None:
        return type_name, f"{type_name} in [{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
    if ann is bool:
        return "bool", "true | false"
    return type_name, type_name


# --------------------------------------------------------------------------- reading the declarations
def declaration(field: FieldInfo) -> dict[str, Any]:
    """What :func:`meta` recorded for a field ({} for a field that declares nothing)."""
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def role_of(field: FieldInfo) -> str:
    return declaration(field).get("role", INPUT)


def control_of(field: FieldInfo) -> Control | None:
    shown = declaration(field).get("dashboard")
    return Control(**shown) if shown else None


def plausible_range(field: FieldInfo) -> tuple[float, float] | None:
    """The range a sensitivity analysis samples a real-valued uncertainty over unless its spec
    says otherwise: as declared, else from half to double the default within the schema's
    bounds (the rates and weights are judged to within about a factor of two). None for every
    other field."""
    info = declaration(field)
    if "plausible" in info:
        return tuple(float(v) for v in info["plausible"])  # type: ignore[return-value]
    if info.get("role") != "uncertainty" or field.annotation is not float:
        return None
    default = float(field.get_default())
    lo, hi = bounds(field)
    low = default / 2 if lo is None else max(float(lo), default / 2)
    high = 2 * default if hi is None else min(float(hi), 2 * default)
    return (low, high) if low < high else None


@dataclass(frozen=True)
class Declared:
    """One scenario field (by dotted path) and its declaration."""

    path: str
    owner: type[BaseModel]  # the section that defines it
    name: str
    field: FieldInfo

    @property
    def role(self) -> str:
        return role_of(self.field)

    @property
    def source(self) -> str | None:
        return declaration(self.field).get("source")

    @property
    def control(self) -> Control | None:
        return control_of(self.field)

    @property
    def plausible(self) -> tuple[float, float] | None:
        return plausible_range(self.field)


@cache
def declared() -> tuple[Declared, ...]:
    """Every field a scenario has, in schema order, with its declaration. Fields of list items
    (communities) are left out: their paths depend on the scenario (:func:`iter_parameters`
    lists them), so they declare no role."""
    out: list[Declared] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, f"{prefix}{name}.")
            elif not any(isinstance(a, type) and issubclass(a, BaseModel) for a in getattr(ann, "__args__", ())):
                out.append(Declared(f"{prefix}{name}", model, name, field))

    walk(Scenario, "")
    return tuple(out)


def iter_parameters(scenario: Scenario) -> list[dict[str, Any]]:
    """Every settable path with its type, range, default, current value, source and role (for
    ``params``); ``plausible`` is the sampling range of a real-valued uncertainty."""
    rows: list[dict[str, Any]] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            path = f"{prefix}{name}"
            if isinstance(value, BaseModel):
                walk(value, path + ".")
            elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
                for item in value:
                    walk(item, f"{path}.{getattr(item, 'name', '?')}.")
            else:
                type_name, allowed = describe_field(field)
                required = field.is_required()
                default = None if required else field.get_default(call_default_factory=True)
                plausible = plausible_range(field)
                rows.append(
                    {
                        "path": path,
                        "type": type_name,
                        "allowed": allowed,
                        "default": default if not isinstance(default, BaseModel) else "",
                        "required": required,
                        "value": value,
                        "source": declaration(field).get("source"),
                        "role": role_of(field),
                        "plausible": list(plausible) if plausible else None,
                        "description": field.description or "",
                    }
                )

    walk(scenario, "")
    return rows

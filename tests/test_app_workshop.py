"""The dashboard's model layer: levers, side by side with common random numbers, saving, bad input,
texts in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from stadtteil_sim.app import texts
from stadtteil_sim.app.workshop import (
    COMPARE_LEVERS,
    LEVERS,
    WorkshopModel,
    default_b_value,
    lever_values,
    save_levers,
    scenario_files,
)
from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import Mechanisms, declared
from stadtteil_sim.model.district import StadtteilModel

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
ES = ROOT / "scenarios" / "eberstadt_sued.yaml"


def small(path: Path, tmp_path: Path, scale: float = 0.2) -> Path:
    """A copy of a bundled scenario at a smaller scale, so tests stay quick."""
    target = tmp_path / f"{path.stem}_small.yaml"
    target.write_text(f"include: {path}\nname: {path.stem}_small\nrun: {{scale: {scale}}}\n", encoding="utf-8")
    return target


def indicator_frame(model: StadtteilModel):
    return model.datacollector.get_model_vars_dataframe().drop(columns=["office_mode"]).to_numpy(dtype=float)


def test_levers_are_applied_and_read_back(tmp_path):
    w = WorkshopModel(small(KS, tmp_path), seed=3, office__handover_month=12, district__rooms=False,
                      instruments__bilingual_mediators="2")
    assert w.error is None
    config = w.copies[0].model.config
    assert (config.office.handover_month, config.district.rooms, config.instruments.bilingual_mediators) == (12, False, 2)
    assert w.levers["office.handover_month"] == 12
    assert w.copies[0].model.seed == 3


def test_every_lever_names_a_real_scenario_path_with_labels_in_both_languages():
    values = lever_values(load_scenario(KS))
    assert set(values) == {lever.path for lever in LEVERS}
    for lever in LEVERS:
        assert texts.lever_label(lever.path, "de") and texts.lever_label(lever.path, "en")
        assert texts.lever_label(lever.path, "de") == lever.label("de") != lever.label("en") == lever.control.en
    assert set(COMPARE_LEVERS) <= set(values)


def test_the_controls_are_the_schemas_declarations():
    """LEVERS is built from the fields that declare a control: a new lever needs its field only."""
    shown = {item.path: item for item in declared() if item.control}
    office = [p for p, item in shown.items() if item.role == "lever" and p.startswith("office.")]
    others = [p for p, item in shown.items() if item.role == "lever" and not p.startswith("office.")]
    switches = [p for p, item in shown.items() if item.role == "mechanism"]
    # The office's levers first, then the other levers, then the switches, each in schema order.
    assert [lever.path for lever in LEVERS] == office + others + switches
    assert office[:3] == ["office.enabled", "office.handover_rule", "office.handover_month"]
    assert "district.rooms" in others and "committees.translation" in others
    assert switches == [f"mechanisms.{name}" for name in Mechanisms.model_fields]
    assert list(COMPARE_LEVERS) == [lever.path for lever in LEVERS if shown[lever.path].control.compare]
    assert COMPARE_LEVERS[:4] == ("office.handover_rule", "office.handover_month", "office.link_rule", "office.link_month")
    kinds = {lever.path: (lever.kind, lever.lo, lever.hi, lever.step, lever.choices) for lever in LEVERS}
    assert kinds["office.handover_month"] == ("int", 0, 120, 1, ())  # the slider narrower than the schema's 0..600
    assert kinds["instruments.bilingual_mediators"] == ("int", 0, 15, 1, ())
    assert kinds["district_management.capacity"] == ("float", 0.0, 1.0, 0.05, ())  # the schema's range
    assert kinds["office.link_rule"] == ("choice", 0, 1, 1, ("fixed", "stable"))
    assert kinds["committees.translation"][0] == "bool"
    with pytest.raises(KeyError, match="not shown on the dashboard"):
        texts.lever_label("office.withdraw_month", "de")  # a lever the page does not show


def test_side_by_side_shares_seed_and_differs_only_after_the_lever_acts(tmp_path):
    """Common random numbers: with handover at 18 vs 42 both copies are identical month by month
    until month 18, then differ."""
    w = WorkshopModel(small(KS, tmp_path), seed=5, compare="office.handover_month", compare_value="42",
                      office__handover_month=18)
    a, b = (c.model for c in w.copies)
    assert (a.seed, b.seed) == (5, 5)
    assert w.compared_values == (18, 42)
    for _ in range(30):
        w.step()
    assert a.month == b.month == 30  # lock-step
    fa, fb = indicator_frame(a), indicator_frame(b)
    assert np.array_equal(fa[:18], fb[:18])
    assert not np.array_equal(fa[18:], fb[18:])


def test_same_seed_same_run_as_the_model_itself(tmp_path):
    scenario = small(ES, tmp_path)
    w = WorkshopModel(scenario, seed=2)
    reference = StadtteilModel(load_scenario(scenario), seed=2)
    for _ in range(12):
        w.step()
        reference.step()
    assert np.array_equal(indicator_frame(w.copies[0].model), indicator_frame(reference))


@pytest.mark.parametrize(
    ("path", "a", "b"),
    [("office.handover_month", 36, 60), ("office.handover_month", 110, 86), ("district.rooms", True, False),
     ("office.handover_rule", "fixed", "stable"), ("office.link_month", 18, 42),
     ("district_management.capacity", 0.6, 0.0), ("district_management.capacity", 0.2, 1.0),
     ("instruments.bilingual_mediators", 4, 15), ("instruments.bilingual_mediators", 12, 0)],
)
def test_default_comparison_value_is_a_contrast(path, a, b):
    assert default_b_value(path, a) == b


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"seed": "sieben"}, ["seed", "whole number"]),
        ({"seed": "-1"}, ["seed", ">= 0"]),
        ({"office__handover_month": 900}, ["office.handover_month", "600"]),
        ({"compare": "office.nonsense"}, ["office.nonsense", "allowed"]),
        ({"no_such_lever": 1}, ["no_such_lever", "allowed"]),
    ],
)
def test_bad_input_becomes_a_message_not_an_exception(tmp_path, kwargs, words):
    w = WorkshopModel(small(KS, tmp_path), **kwargs)
    assert w.error and all(word in w.error for word in words), w.error
    assert w.copies == [] and w.running is False
    w.step()  # standing still, not crashing


def test_broken_scenario_file_names_the_file_and_key(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("office:\n  handover_month: soon\n", encoding="utf-8")
    w = WorkshopModel(broken)
    assert "broken.yaml" in w.error and "handover_month" in w.error
    missing = WorkshopModel(tmp_path / "nope.yaml")
    assert "nope.yaml" in missing.error and "not found" in missing.error


def test_saved_levers_rerun_exactly_what_the_room_saw(tmp_path):
    scenario = small(KS, tmp_path)
    w = WorkshopModel(scenario, seed=4, compare="district.rooms", office__link_month=6)
    for _ in range(6):
        w.step()
    written = save_levers(w, tmp_path / "saved", stamp="t")
    assert [p.name for p in written] == ["kranichstein_sued_small_workshop_t_A.yaml", "kranichstein_sued_small_workshop_t_B.yaml"]
    data = yaml.safe_load(written[1].read_text(encoding="utf-8"))
    assert data["district"]["rooms"] is False and data["office"]["link_month"] == 6 and data["run"]["seed"] == 4
    for path, copy in zip(written, w.copies, strict=True):
        rerun = StadtteilModel(load_scenario(path))
        for _ in range(6):
            rerun.step()
        assert np.array_equal(indicator_frame(rerun), indicator_frame(copy.model))


def test_scenario_chooser_lists_districts_cities_and_saved_ones_not_shared_parts(tmp_path):
    names = [p.name for p in scenario_files(ROOT / "scenarios")]
    assert "kranichstein_sued.yaml" in names and "eberstadt_sued.yaml" in names and "darmstadt.yaml" in names
    assert "behaviour.yaml" not in names
    (tmp_path / "workshop").mkdir()
    (tmp_path / "workshop" / "saved.yaml").write_text("{}", encoding="utf-8")
    assert [p.name for p in scenario_files(tmp_path)] == ["saved.yaml"]


# --------------------------------------------------------------------------- texts
def test_every_text_exists_in_both_languages():
    for table in (texts.TEXTS, texts.OFFICE_MODES, texts.MODE_COUNTS, texts.LINK_STAGES, texts.CHOICES):
        for key, entry in table.items():
            assert set(entry) == set(texts.LANGS) and all(entry.values()), key
    assert set(texts.MODE_COUNTS) == {*texts.OFFICE_MODES, "waiting"}  # every mode a city's header counts
    for lever in LEVERS:  # labels declared in the schema
        assert all(lever.label(lang) for lang in texts.LANGS), lever.path
    for _, entry in texts.EXPLANATIONS:
        assert set(entry) == set(texts.LANGS)
    german = " ".join(texts.explanations("de"))
    for word in ("Alibi-Vertretung", "Verselbständigung", "Selbstlauf", "Stabilisierung"):
        assert word in german


def test_wrong_language_is_refused_with_the_allowed_ones():
    with pytest.raises(texts.LanguageError, match="allowed: de | en"):
        texts.check_lang("fr")


SAMPLE_EVENTS = [
    ("Month 36: the office switches to support", "Monat 36: Das Interkulturelle Büro wechselt zur Rolle »nur Unterstützung«"),
    ("Month 27: a group splits from the Afghan main association", "Monat 27: Eine Gruppe trennt sich vom Hauptverein der afghanischen Community"),
    ("Month 30: a women's group of the Arab community forms in the rooms", "Monat 30: Eine Frauengruppe der arabischen Community bildet sich in den Räumen"),
    ("Month 3: the Turkish-Alevite community joins the working group", "Monat 3: Die türkisch-alevitische Community tritt der Arbeitsgruppe bei"),
    ("Month 9: the Martian community leaves the working group", "Monat 9: Die Community »Martian« verlässt die Arbeitsgruppe"),
    ("Month 40: 2 migrant(s) without ties to the groups take committee seats", "Monat 40: 2 Migrant/in(nen) ohne Kontakt zu den Gruppen übernehmen Sitze in den Gremien"),
]


@pytest.mark.parametrize(("line", "german"), SAMPLE_EVENTS)
def test_events_in_plain_german(line, german):
    assert texts.event_text(line, "de") == german
    assert texts.event_text(line, "en").startswith(line.split(": ")[0] + ": ")


def test_every_event_of_real_runs_has_a_german_rule(tmp_path):
    lines = []
    for path, overrides in ((KS, {}), (ES, {"office.link_month": 0}), (KS, {"office.handover_rule": "stable", "office.withdraw_month": 80})):
        model = StadtteilModel(load_scenario(small(path, tmp_path, 0.5), {"run.months": 100, **overrides}), seed=1)
        for _ in range(100):
            model.step()
        lines += model.state.counters.events
    kinds = {line.split(": ", 1)[1].split(" ")[1] for line in lines}
    assert len(lines) > 20 and len(kinds) > 4
    unknown = [line for line in lines if not texts.event_known(line)]
    assert unknown == []


def test_every_lever_value_event_and_status_row_reads_in_both_languages(tmp_path):
    """Each lever reads out with its unit, each kind of event and status row is explained."""
    from stadtteil_sim.app import views
    from stadtteil_sim.app.workshop import CITY_LEVERS
    from stadtteil_sim.model import events

    for table in (texts.LEVER_VALUES, texts.MONITOR_NOTES, texts.EVENT_NOTES):
        for key, entry in table.items():
            assert set(entry) == set(texts.LANGS) and all(entry.values()), key
    assert set(texts.EVENT_NOTES) == set(events.EVENTS)
    for lever in (*LEVERS, *CITY_LEVERS):
        for lang in texts.LANGS:
            shown = texts.lever_value(lever.path, lever.kind, lever.choices[0] if lever.choices else lever.hi, lang)
            assert shown and not re.search(r"[a-z_]+\.[a-z_]+|_", shown), (lever.path, shown)  # words, no identifier
    assert texts.lever_value("office.handover_month", "int", 36, "de") == "Monat 36"
    assert texts.lever_value("district_management.capacity", "float", 0.6, "de") == "60 %"
    model = WorkshopModel(small(KS, tmp_path)).copies[0].model
    keys = [key for key, _, _ in views.monitor_rows(model, "de")]
    assert set(keys) - {"month", "handover"} <= set(texts.MONITOR_NOTES)


def test_a_city_file_runs_the_city_and_saves_as_a_city_file(tmp_path):
    import yaml as _yaml

    from stadtteil_sim.config.city import load_city

    city = _yaml.safe_load((ROOT / "scenarios/darmstadt.yaml").read_text(encoding="utf-8"))
    city["districts"] = [str(ROOT / "scenarios" / d) for d in city["districts"]]
    city["run"]["scale"] = 0.04
    city["city"] = {"name": "Darmstadt", "start_year": 2000}
    path = tmp_path / "city.yaml"
    path.write_text(_yaml.safe_dump(city), encoding="utf-8")
    w = WorkshopModel(path, compare="office.staff_pool_hours", office__handover_month=30)
    assert w.error is None and w.is_city and w.compared_values == (200, 320)
    w.step()
    assert w.month == 1 and len(w.copies[1].districts) == 7
    written = save_levers(w, tmp_path / "saved", stamp="t")
    saved = load_city(written[1])
    assert saved.office.staff_pool_hours == 320 and {d.office.handover_month for d in saved.districts[:1]} == {30}

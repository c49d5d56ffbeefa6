"""The city (M14): city files, their districts and the checks that keep them one city."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stadtteil_sim
from stadtteil_sim.config.city import ALLOCATIONS, load_city
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.model.city import CityModel, allocate
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.runner import run_city

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
DARMSTADT = SCENARIOS / "darmstadt.yaml"
KS = SCENARIOS / "kranichstein_sued.yaml"
ES = SCENARIOS / "eberstadt_sued.yaml"


def city_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "city.yaml"
    path.write_text(textwrap.dedent(body).replace("SCEN", SCENARIOS.as_posix()), encoding="utf-8")
    return path


# ------------------------------------------------------------------ the bundled city
def test_darmstadt_adds_up_to_the_texts_table():
    city = load_city(DARMSTADT)
    districts = [d.district for d in city.districts]
    assert len(districts) >= 7 - 1 and max(d.population for d in districts) <= 40_000
    assert sum(d.population for d in districts) == 135_547
    foreign = sum(c.size for d in districts for c in d.communities if c.foreign_nationals)
    assert round(100 * foreign / 135_547, 1) == 15.5
    for key, text in (("unemployment_density", 5.1), ("welfare_density", 5.5)):
        mean = sum(getattr(d, key) * d.population for d in districts) / 135_547
        assert round(mean, 1) == text
    assert city.districts[0] == load_scenario(KS, {"run.months": 120, "run.seed": 1, "run.scale": 1.0})
    es = city.districts[1]  # from 2001: on the city's clock its office starts in month 12
    own = load_scenario(ES)
    assert es.district.start_year == 2000 and es.office.start_month == own.office.start_month + 12
    assert es.office.handover_month == own.office.handover_month + 12
    assert es.office.link_month == own.office.link_month + 12


def test_the_bundled_pool_is_below_all_moderation_at_once():
    city = load_city(DARMSTADT)
    all_at_once = sum(d.office.staff_hours_moderation for d in city.districts if d.office.enabled)
    assert city.office.staff_pool_hours < all_at_once


def test_a_community_has_the_same_attributes_in_the_new_districts():
    city = load_city(DARMSTADT)
    ks = {c.name: c.model_dump(exclude={"size"}) for c in city.districts[0].district.communities}
    for d in city.districts[2:]:
        for c in d.district.communities:
            assert c.model_dump(exclude={"size"}) == ks[c.name], (d.district.name, c.name)


# ------------------------------------------------------------------ a district file is a city of one
def test_a_district_file_is_a_city_of_one():
    city = load_city(KS, {"office.handover_month": 24})
    assert city.one_district and city.office.staff_pool_hours is None
    assert city.districts[0] == load_scenario(KS, {"office.handover_month": 24})
    assert city.run == city.districts[0].run


def test_overrides_address_the_city_one_district_or_every_district():
    city = load_city(DARMSTADT, {"office.handover_month": 24, "districts.Bessungen.office.link_month": 6,
                                 "office.staff_pool_hours": 300, "run.scale": 0.1})
    shift = {"Eberstadt-Süd": 12}  # from 2001: on the city's clock
    assert {d.office.handover_month - shift.get(d.district.name, 0) for d in city.districts} == {24}
    assert [d.office.link_month for d in city.districts if d.district.name == "Bessungen"] == [6]
    others = {d.office.link_month - shift.get(d.district.name, 0) for d in city.districts if d.district.name != "Bessungen"}
    assert others == {18}
    assert city.office.staff_pool_hours == 300 and city.run.scale == 0.1
    assert {d.run.scale for d in city.districts} == {0.1}


# ------------------------------------------------------------------ bad city files
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("districts: []\n", "districts = []: allowed: a non-empty list"),
        ("districts: [nowhere.yaml]\n", "districts[0] = 'nowhere.yaml': file not found"),
        ("districts: [{file: SCEN/kranichstein_sued.yaml, set: 3}]\n", "districts[0].set = 3"),
        ("districts: [SCEN/kranichstein_sued.yaml, SCEN/kranichstein_sued.yaml]\n", "district names must differ"),
        ("city: {start_year: 2001}\ndistricts: [SCEN/kranichstein_sued.yaml]\n", "start before the city's start_year"),
        ("city: {population: 7000}\ndistricts: [SCEN/kranichstein_sued.yaml]\n", "add up to 6926"),
        ("city: {foreign_share: 0.3}\ndistricts: [SCEN/kranichstein_sued.yaml]\n", "foreign-national communities"),
        ("office: {allocation: fastest}\ndistricts: [SCEN/kranichstein_sued.yaml]\n", "office.allocation"),
        ("office: {staff_pool_hours: -5}\ndistricts: [SCEN/kranichstein_sued.yaml]\n", "office.staff_pool_hours"),
    ],
)
def test_bad_city_files_name_the_file_and_key(tmp_path, body, expected):
    path = city_file(tmp_path, body)
    with pytest.raises(ScenarioError) as err:
        load_city(path)
    assert "city.yaml" in str(err.value) and expected in str(err.value)


def test_a_city_inside_a_city_is_refused(tmp_path):
    inner = city_file(tmp_path, "districts: [SCEN/kranichstein_sued.yaml]\n")
    outer = tmp_path / "outer.yaml"
    outer.write_text(f"districts: [{inner.name}]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"outer.yaml: districts\[0\] = 'city.yaml': a city file"):
        load_city(outer)


def test_districts_of_one_city_share_their_behaviour(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(f"include: {ES.as_posix()}\nbehaviour: {{burn_in_months: 3}}\n", encoding="utf-8")
    path = city_file(tmp_path, f"districts: [SCEN/kranichstein_sued.yaml, {other.as_posix()}]\n")
    with pytest.raises(ScenarioError, match=r"kranichstein_sued.yaml and .*other.yaml differ in behaviour \(burn_in_months\)"):
        load_city(path)


def test_an_override_for_an_unknown_district_is_refused():
    with pytest.raises(ScenarioError, match=r"no district 'Bessungn'.*Bessungen"):
        load_city(DARMSTADT, {"districts.Bessungn.office.link_month": 6})


# ------------------------------------------------------------------ the staff pool
requests_st = st.lists(st.one_of(st.just(0.0), st.floats(0.01, 200)), min_size=1, max_size=8)  # hours, not denormals


@settings(max_examples=300, deadline=None)
@given(requests=requests_st, pool=st.floats(0, 1000, allow_nan=False), rule=st.sampled_from(ALLOCATIONS),
       data=st.data())
def test_granted_hours_never_exceed_the_pool_nor_the_request(requests, pool, rule, data):
    weakness = data.draw(st.lists(st.floats(0, 1), min_size=len(requests), max_size=len(requests)))
    granted = allocate(requests, pool, rule, weakness)
    assert len(granted) == len(requests)
    assert math.fsum(granted) <= pool or granted == requests and math.fsum(requests) <= pool
    assert all(0.0 <= g <= r for g, r in zip(granted, requests, strict=True))
    if math.fsum(requests) <= pool:
        assert granted == requests  # enough for everyone
    else:
        assert math.fsum(granted) == pytest.approx(pool)  # a scarce pool is used up
        if rule == "proportional":
            shares = [g / r for g, r in zip(granted, requests, strict=True) if r > 0]
            assert max(shares) - min(shares) < 1e-9
        else:  # served in order: at most one request is cut, and none after it gets anything
            order = range(len(requests)) if rule == "rollout" else sorted(range(len(requests)), key=lambda i: (weakness[i], i))
            served = [granted[i] / requests[i] if requests[i] else 1.0 for i in order]
            cut = next((k for k, s in enumerate(served) if s < 1.0), len(served))
            assert all(s == 1.0 for s in served[:cut])
            assert all(granted[i] == 0.0 for i in list(order)[cut + 1:])


def test_an_unlimited_pool_grants_everything():
    assert allocate([80.0, 12.0], None, "rollout") == [80.0, 12.0]


@pytest.fixture(scope="module")
def small_city():
    """Darmstadt at 2 % and 60 months: the bundled scarce pool and roll-out."""
    return run_city(DARMSTADT, overrides={"run.scale": 0.02, "run.months": 60})


def test_a_city_run_never_books_more_than_the_pool(small_city):
    pool = small_city.scenario.office.staff_pool_hours
    assert (small_city.city["staff_hours_granted"] <= pool + 1e-9).all()
    per_month = small_city.timeseries.groupby("month")["hours_granted"].sum()
    assert (per_month <= pool + 1e-9).all()
    assert (small_city.city["staff_hours_requested"] > pool).any()  # and it is scarce


def test_with_the_documented_timing_some_district_waits(small_city):
    table = small_city.districts.set_index("district")
    assert table.loc["Kranichstein-Süd", "office_started_month"] == 0
    assert table.loc["Eberstadt-Süd", "office_started_month"] == 12  # from 2001, as documented
    assert table.loc["Kranichstein-Süd", "months_waited"] == table.loc["Eberstadt-Süd", "months_waited"] == 0
    waited = table["months_waited"].drop(["Kranichstein-Süd", "Eberstadt-Süd"])
    assert (waited > 0).all()
    # Kranichstein-Süd's handover frees staff: the next district in the roll-out starts then.
    assert table.loc["Darmstadt-Mitte", "office_started_month"] == table.loc["Kranichstein-Süd", "handover_month"]
    long = small_city.timeseries
    assert set(long.columns[:3]) == {"district", "month", "year"}
    assert len(long) == 7 * 61
    city = small_city.city
    rates = long.pivot(index="month", columns="district", values="migrant_participation_rate")
    assert np.allclose(city["migrant_participation_min"], rates.min(axis=1))
    assert np.allclose(city["migrant_participation_spread"], rates.max(axis=1) - rates.min(axis=1))


def test_a_thin_grant_weakens_the_moderation(tmp_path):
    """Two districts sharing half the hours they ask for reach fewer migrants than with enough staff."""
    path = city_file(tmp_path, """\
        office: {staff_pool_hours: POOL, allocation: proportional}
        districts: [SCEN/kranichstein_sued.yaml, SCEN/eberstadt_sued.yaml]
        run: {scale: 0.1, months: 36}
        city: {start_year: 2000}
        """.replace("POOL", "80"))
    thin = run_city(path)
    rich = run_city(path, overrides={"office.staff_pool_hours": 1000})
    grant = thin.timeseries.query("month > 12 and month < 36")
    assert (grant["hours_granted"] < grant["hours_requested"]).any()
    reached = {r: res.timeseries.query("month == 36")["migrants_reached_share"].sum() for r, res in
               (("thin", thin), ("rich", rich))}
    assert reached["thin"] < reached["rich"]


def test_a_city_of_one_runs_its_district_exactly_as_on_its_own():
    overrides = {"run.scale": 0.1, "run.months": 24}
    city = CityModel(KS, overrides=overrides)
    while city.running:
        city.step()
    alone = StadtteilModel(KS, overrides=overrides)
    while alone.running:
        alone.step()
    inside = city.districts["Kranichstein-Süd"]
    assert inside.datacollector.get_model_vars_dataframe().equals(alone.datacollector.get_model_vars_dataframe())
    assert inside.state.counters.events == alone.state.counters.events


def test_district_streams_are_keyed_by_name_not_position(tmp_path):
    """Reordering the districts (another roll-out plan) leaves each district's draws alone."""
    body = """\
        districts: [SCEN/{0}.yaml, SCEN/{1}.yaml]
        run: {{scale: 0.05, months: 12}}
        """
    runs = []
    for order in (("kranichstein_sued", "eberstadt_sued"), ("eberstadt_sued", "kranichstein_sued")):
        path = city_file(tmp_path, body.format(*order))
        runs.append(run_city(path).timeseries.set_index(["district", "month"]).sort_index())
    pd.testing.assert_frame_equal(runs[0], runs[1])
    alone = stadtteil_sim.run(KS, overrides={"run.scale": 0.05, "run.months": 12}).timeseries
    inside = runs[0].loc["Kranichstein-Süd"]["migrants_reached_share"].to_numpy()
    assert not np.array_equal(inside, alone["migrants_reached_share"].to_numpy())  # its own key in a city


def test_a_city_file_where_a_district_file_is_expected_is_refused_with_a_message():
    with pytest.raises(ScenarioError, match=r"darmstadt.yaml: a city file .*stadtteil_sim.run_city"):
        load_scenario(DARMSTADT)


# ------------------------------------------------------------------ what the office carries (M14)
def _months_to_two_communities(result, district: str) -> int:
    frame = result.timeseries[result.timeseries["district"] == district].set_index("month")
    start = int(result.districts.set_index("district").loc[district, "office_started_month"])
    after = frame.loc[frame.index >= start, "communities_in_working_group"]
    return int(after.index[after >= 2][0]) - start


@pytest.fixture(scope="module")
def second_and_first(tmp_path_factory):
    """Eberstadt-Süd moderated second (after Kranichstein-Süd) or first, from the same month 12
    in both plans (Kranichstein-Süd hands over at 12), 1:1, paired seeds 1-4."""
    folder = tmp_path_factory.mktemp("carry")
    out = {}
    for label, order in (("second", ("kranichstein_sued", "eberstadt_sued")), ("first", ("eberstadt_sued", "kranichstein_sued"))):
        path = folder / f"{label}.yaml"
        path.write_text(f"office: {{staff_pool_hours: 100, allocation: rollout}}\n"
                        f"districts: [{SCENARIOS.as_posix()}/{order[0]}.yaml, {SCENARIOS.as_posix()}/{order[1]}.yaml]\n"
                        "run: {scale: 1.0, months: 60}\n", encoding="utf-8")
        out[label] = path
    overrides = {"districts.Kranichstein-Süd.office.handover_month": 12}
    return {label: [run_city(path, seed=seed, overrides=overrides) for seed in range(1, 5)] for label, path in out.items()}


def test_a_district_moderated_second_reaches_its_working_groups_communities_earlier(second_and_first):
    starts = {label: {int(r.districts.set_index("district").loc["Eberstadt-Süd", "office_started_month"]) for r in runs}
              for label, runs in second_and_first.items()}
    assert starts == {"second": {12}, "first": {12}}  # the same month: what differs is what the office brings
    second = [_months_to_two_communities(r, "Eberstadt-Süd") for r in second_and_first["second"]]
    first = [_months_to_two_communities(r, "Eberstadt-Süd") for r in second_and_first["first"]]
    assert all(s < f for s, f in zip(second, first, strict=True)), (second, first)


def test_without_carried_experience_the_second_district_gains_less(tmp_path, second_and_first):
    path = tmp_path / "second.yaml"
    path.write_text(f"office: {{staff_pool_hours: 100, allocation: rollout}}\n"
                    f"districts: [{KS.as_posix()}, {ES.as_posix()}]\nrun: {{scale: 1.0, months: 60}}\n", encoding="utf-8")
    overrides = {"districts.Kranichstein-Süd.office.handover_month": 12, "behaviour.outreach.carried_contact": 0.0}
    without = [_months_to_two_communities(run_city(path, seed=seed, overrides=overrides), "Eberstadt-Süd") for seed in range(1, 5)]
    with_carry = [_months_to_two_communities(r, "Eberstadt-Süd") for r in second_and_first["second"]]
    assert sum(with_carry) < sum(without), (with_carry, without)


def test_a_city_wide_association_described_differently_in_two_files_is_refused(tmp_path):
    other = tmp_path / "es.yaml"
    text = ES.read_text(encoding="utf-8").replace("include: shared/behaviour.yaml", f"include: {SCENARIOS.as_posix()}/shared/behaviour.yaml")
    turkish = next(line for line in text.splitlines() if "{name: Turkish," in line)
    other.write_text(text.replace(turkish, turkish.replace("association_openness: 0.3", "association_openness: 0.9")), encoding="utf-8")
    path = city_file(tmp_path, f"districts: [SCEN/kranichstein_sued.yaml, {other.as_posix()}]\n")
    with pytest.raises(ScenarioError, match=r"kranichstein_sued.yaml and .*es.yaml describe the Turkish community's "
                                            r"city-wide association differently \(association_openness\)"):
        load_city(path)


def test_the_office_hires_its_mediators_for_the_whole_city():
    city = CityModel(DARMSTADT, overrides={"run.scale": 0.02, "run.months": 1})
    languages = {d.state.office.covered_languages for d in city.districts.values()}
    assert len(languages) == 1 and len(next(iter(languages))) == 5


def test_params_lists_a_citys_paths_and_each_districts():
    from typer.testing import CliRunner

    from stadtteil_sim.cli import app

    result = CliRunner().invoke(app, ["params", str(DARMSTADT), "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["path"]: r for r in json.loads(result.output)}
    assert rows["office.staff_pool_hours"]["value"] == 200.0 and rows["office.staff_pool_hours"]["role"] == "lever"
    assert rows["districts.Eberstadt-Süd.office.handover_month"]["value"] == 48  # on the city's clock
    assert "districts.Bessungen.district.population" in rows
    shown = CliRunner().invoke(app, ["params", str(DARMSTADT), "districts.Bessungen.office"])
    assert shown.exit_code == 0 and "districts.Bessungen.office.handover_month" in shown.output


def test_under_weakest_first_a_district_the_pool_leaves_without_hours_waits(tmp_path):
    """A pool of one moderation: weakest_first serves one due district at a time, the weakest by
    last month's migrant participation; the others wait, not started, so their fixed months do not
    run down unserved; once Kranichstein-Süd is ahead, the weakest waiting district takes its hours."""
    path = city_file(tmp_path, """\
        office: {staff_pool_hours: 80, allocation: weakest_first}
        districts: [SCEN/kranichstein_sued.yaml, SCEN/darmstadt/bessungen.yaml, SCEN/darmstadt/darmstadt_west.yaml]
        run: {scale: 0.02, months: 24}
        """)
    result = run_city(path)
    table = result.districts.set_index("district")
    assert table.loc["Kranichstein-Süd", "office_started_month"] == 0  # all at 0 at first: the file's order
    started = table.loc["Bessungen", "office_started_month"]
    assert 0 < started <= 24 and table.loc["Bessungen", "months_waited"] == started
    assert table.loc["Darmstadt-West", "months_waited"] == 25  # never any hours: never started
    long = result.timeseries.set_index(["district", "month"])
    assert long.loc[("Kranichstein-Süd", int(started)), "hours_granted"] == 0.0  # the weaker one took them
    assert (result.city["staff_hours_granted"] <= 80 + 1e-9).all()

"""Everything downstream of one run takes a city (issue: the city downstream): batches store one
row per (run, district) and series long by (district, month); the analysis judges a city as a
whole and each of its districts; calibration targets name a district of a city; sensitivity
specs take city files; folders of the old one-row-per-run format are refused.

The city here is Darmstadt at 2 % for 24 months (seven districts, the bundled scarce pool), so
a run takes about a second.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from samples import write
from stadtteil_sim.calibration.targets import load_targets
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.experiments.analysis import analyse
from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.design import load_experiment
from stadtteil_sim.experiments.executors import ExecutorSpec
from stadtteil_sim.experiments.report import write_report
from stadtteil_sim.experiments.store import MANIFEST, StoreError, load_results
from stadtteil_sim.model.runner import run_city

ROOT = Path(__file__).resolve().parents[1]
DARMSTADT = ROOT / "scenarios" / "darmstadt.yaml"
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
SMALL = {"run.scale": 0.02, "run.months": 24}




def city_experiment(folder: Path) -> Path:
    return write(folder / "city.yaml", f"""\
        name: city
        scenarios: [{DARMSTADT}, {KS}]
        overrides: {{run.scale: 0.02, run.months: 24}}
        grid:
          pool: {{small: {{office.staff_pool_hours: 120}}, large: {{office.staff_pool_hours: 400}}}}
          handover:
            "12": {{office.handover_month: 12}}
            ks_late: {{office.handover_month: 12, districts.Kranichstein-Süd.office.handover_month: 20}}
        replicates: 2
        seed: 5
        objectives: {{migrant_participation_min@24: maximise, migrant_participation_rate@24: maximise}}
        budget: {{staff_hours_granted_total: 100000}}
        metrics: [months_waited, migrant_participation_city@24]
        """)


@pytest.fixture(scope="module")
def city_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("city")
    summary = run_batch(city_experiment(folder), folder / "out", ExecutorSpec("serial"), progress=False)
    assert summary.completed == 16 and not summary.failures
    return folder, load_results(folder / "out")


def test_a_city_run_is_stored_one_row_per_district_and_long_by_district_and_month(city_batch):
    _, results = city_batch
    runs, series = results.runs, results.series
    city = runs[runs["base"] == "darmstadt"]
    assert city.groupby("run_id").size().eq(7).all()
    assert list(city[city["run_id"] == city["run_id"].iloc[0]]["district"])[:2] == ["Kranichstein-Süd", "Eberstadt-Süd"]
    assert runs[runs["base"] == "kranichstein_sued"].groupby("run_id").size().eq(1).all()  # a city of one
    # The city's metric is one value per run, on every district's row; the district's is its own.
    per_run = city.groupby("run_id")
    assert per_run["migrant_participation_min@24"].nunique().eq(1).all()
    assert (per_run["migrant_participation_rate@24"].min() == per_run["migrant_participation_min@24"].first()).all()
    assert per_run["migrant_participation_rate@24"].nunique().gt(1).any()
    # Series: every district's month, with the city's indicators beside it in a city of several.
    one = series[series["run_id"] == city["run_id"].iloc[0]]
    assert len(one) == 7 * 25 and one.groupby("district").size().eq(25).all()
    assert "migrant_participation_min" in one and one.groupby("month")["migrant_participation_min"].nunique().eq(1).all()
    alone = series[series["run_id"].str.startswith("kranichstein_sued")]
    assert alone["migrant_participation_min"].isna().all()  # a city of one keeps no city columns


def test_a_stored_city_run_is_the_plain_run(city_batch):
    folder, results = city_batch
    design = load_experiment(folder / "city.yaml")
    task = next(t for t in design.tasks if t.base == "darmstadt" and t.variant == "pool=small handover=ks_late")
    result = run_city(task.scenario, seed=task.seed)
    stored = results.runs[results.runs["run_id"] == task.run_id].set_index("district")
    table = result.districts.set_index("district")
    assert np.allclose(stored["months_waited"], table["months_waited"])
    assert stored["migrant_participation_city@24"].iloc[0] == result.city["migrant_participation_city"].iloc[24]
    assert stored["staff_hours_granted_total"].iloc[0] == result.summary["staff_hours_granted_total"]


def test_the_analysis_judges_the_city_as_a_whole_and_each_district(city_batch):
    _, results = city_batch
    analysis = analyse(results.runs, results.manifest)
    assert analysis.bases[:2] == ["darmstadt", "darmstadt/Kranichstein-Süd"]
    assert "kranichstein_sued" in analysis.bases and len(analysis.bases) == 1 + 7 + 1
    plan = analysis.plan
    assert plan.district("darmstadt") == "Darmstadt" and plan.district("darmstadt/Bessungen") == "Bessungen (Darmstadt)"
    # The city by the city's metrics, its districts by theirs; a district file by every one.
    assert list(analysis.best_by_objective["darmstadt"]) == ["migrant_participation_min@24"]
    assert list(analysis.best_by_objective["darmstadt/Bessungen"]) == ["migrant_participation_rate@24"]
    assert len(analysis.best_by_objective["kranichstein_sued"]) == 2
    stats = analysis.statistics
    city_metrics = set(stats.loc[stats["base"] == "darmstadt", "metric"])
    assert city_metrics == {"migrant_participation_min@24", "staff_hours_granted_total"}
    # The city's paired difference is over runs (one row each), not over district rows.
    row = stats[(stats["base"] == "darmstadt") & (stats["variant"] == "pool=large handover=12")
                & (stats["metric"] == "migrant_participation_min@24")].iloc[0]
    assert row["n"] == 2 and row["diff_n"] == 2


def test_the_report_has_the_city_and_its_districts(city_batch):
    folder, _ = city_batch
    report, _ = write_report(folder / "out", lang="en")
    text = report.read_text(encoding="utf-8")
    assert "### Darmstadt\n" in text and "### Bessungen (Darmstadt)" in text
    assert "## The city: Darmstadt" in text and "### Who waits for staff" in text
    assert "### What a late handover in Kranichstein-Süd costs the others" in text
    assert "A late handover in Kranichstein-Süd (handover ks_late instead of 12)" in section(text, "## Summary")
    # In German, the answer names the city's best plan per staff pool.
    _, answer = write_report(folder / "out", folder / "bericht", lang="de")
    city = next(p for p in answer if p.startswith("**Die Antwort in Kürze**"))
    assert "**Für die Stadt Darmstadt**" in city and "Mit dem Personalpool „small“" in city


def section(text: str, heading: str) -> str:
    start = text.index(heading + "\n") + len(heading) + 1
    end = text.find("\n## ", start)
    return text[start:] if end < 0 else text[start:end]


def test_the_late_handover_is_paired_per_district_and_setting(city_batch):
    from stadtteil_sim.experiments.analysis import paired_difference, replicate_table
    from stadtteil_sim.experiments.city_analysis import city_findings

    _, results = city_batch
    analysis = analyse(results.runs, results.manifest)
    (findings,) = city_findings(analysis, results.manifest)
    (late,) = findings.late
    assert (late.district, late.level, late.reference_level) == ("Kranichstein-Süd", "ks_late", "12")
    assert set(late.effects["setting"]) == {"pool=small", "pool=large"} and len(late.effects) == 2 * 7
    row = late.effects[(late.effects["setting"] == "pool=small") & (late.effects["district"] == "Bessungen")].iloc[0]
    wide = replicate_table(analysis.runs, "darmstadt/Bessungen", late.metric,
                           ["pool=small handover=ks_late", "pool=small handover=12"])
    assert row["diff"] == paired_difference(wide.iloc[:, 0], wide.iloc[:, 1]).estimate
    # Kranichstein-Süd hands over later, so the next district in the roll-out waits longer.
    waits = findings.waits
    assert waits.loc["pool=small handover=ks_late", "Darmstadt-Mitte"] > waits.loc["pool=small handover=12", "Darmstadt-Mitte"]


def test_a_folder_of_the_old_format_is_refused_by_its_fingerprint(city_batch, tmp_path):
    folder, _ = city_batch
    old = tmp_path / "old"
    old.mkdir()
    manifest = json.loads((folder / "out" / MANIFEST).read_text(encoding="utf-8"))
    manifest.pop("store_format")
    manifest["code_fingerprint"] = "0" * 64
    (old / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StoreError, match="older format.*without the district column"):
        run_batch(city_experiment(folder), old, ExecutorSpec("serial"), progress=False)


def test_a_sample_may_not_move_office_months_in_a_city_of_several(tmp_path):
    (tmp_path / "sample.csv").write_text("office.handover_month\n30\n", encoding="utf-8")
    path = write(tmp_path / "exp.yaml", f"""\
        name: x
        scenarios: [{DARMSTADT}]
        parameters: {{sample: sample.csv}}
        """)
    with pytest.raises(ScenarioError, match="office months as grid factors"):
        load_experiment(path)


def test_a_city_variants_office_month_counts_from_each_districts_own_start(tmp_path):
    """Eberstadt-Süd starts in 2001: handing over at its month 24 is the city's month 36."""
    path = write(tmp_path / "exp.yaml", f"""\
        name: x
        scenarios: [{DARMSTADT}]
        grid: {{office.handover_month: [24]}}
        """)
    city = load_experiment(path).tasks[0].scenario
    months = {d["district"]["name"]: d["office"]["handover_month"] for d in city["districts"]}
    assert months["Kranichstein-Süd"] == 24 and months["Eberstadt-Süd"] == 36


# ------------------------------------------------------------------ calibration targets
def targets(tmp_path: Path, target: str) -> Path:
    return write(tmp_path / "targets.yaml", f"""\
        name: t
        conditions:
          city: {{scenario: {DARMSTADT}, overrides: {{run.scale: 0.02, run.months: 24}}}}
          alone: {{scenario: {KS}, overrides: {{run.scale: 0.02, run.months: 24}}}}
        targets:
          - {target}
          - {{name: alone, condition: alone, metric: migrant_participation_rate@24, observed: 0.1, tolerance: 0.1}}
        parameters:
          behaviour.activation.weight_office: {{low: 0.5, high: 1.5}}
        """)


@pytest.mark.parametrize(("target", "message"), [
    ("{name: a, condition: city, metric: migrant_participation_rate@24, observed: 0.1, tolerance: 0.1}",
     "district: missing.*city of 7 districts"),
    ("{name: a, condition: city, district: Nowhere, metric: migrant_participation_rate@24, observed: 0.1, tolerance: 0.1}",
     "district = 'Nowhere': not a district"),
    ("{name: a, condition: city, district: Bessungen, metric: migrant_participation_min@24, observed: 0.1, tolerance: 0.1}",
     "the city's own metric"),
])
def test_a_target_in_a_city_names_its_district(tmp_path, target, message):
    with pytest.raises(ScenarioError, match=message):
        load_targets(targets(tmp_path, target))


def test_targets_read_the_named_district_or_the_city(tmp_path):
    from stadtteil_sim.calibration.abc import simulate_conditions
    from stadtteil_sim.calibration.targets import statistics

    spec = load_targets(targets(tmp_path, "{name: a, condition: city, district: kranichstein_sued, "
                                          "metric: months_waited, observed: 0, tolerance: 1}"))
    spec.targets_file.targets.append(spec.targets[0].model_copy(update={
        "name": "b", "district": None, "metric": "migrant_participation_min@24"}))
    spec.target_districts["b"] = "Darmstadt"
    assert spec.district_of(spec.targets[0]) == "Kranichstein-Süd"
    assert [t.name for t in spec.fitted(["Kranichstein-Süd"])] == ["a", "alone"]
    outputs = simulate_conditions(spec.scenarios, ["city", "alone"], {}, seed=3)
    values = statistics(spec.targets, outputs, spec.target_districts)
    city = run_city(spec.scenarios["city"], seed=3)
    assert values["a"] == city.districts.set_index("district").loc["Kranichstein-Süd", "months_waited"] == 0
    assert values["b"] == city.city["migrant_participation_min"].iloc[24]
    assert not math.isnan(values["alone"])

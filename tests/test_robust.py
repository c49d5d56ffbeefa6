"""Uncertainties, robust timing, scenario discovery and the EMA Workbench model
(uncertainty.py, robust.py, discovery.py, robust_report.py, ema.py): a seeded, stratified
Latin hypercube crossed with the variants and paired; regret and satisficing on hand-made
tables; PRIM finding a box planted in synthetic data; clear errors for impossible sections; a
report with both sections (and, without the extra, one line naming it); EMA's own
``perform_experiments`` on our model.

The batch runs both districts at 5 % scale for 24 months (96 runs of a fraction of a second).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samples import write
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.experiments import discovery
from stadtteil_sim.experiments.analysis import Plan, analyse
from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.design import load_experiment
from stadtteil_sim.experiments.executors import ExecutorSpec
from stadtteil_sim.experiments.report import write_report
from stadtteil_sim.experiments.robust import regret, robustness
from stadtteil_sim.experiments.store import load_results
from stadtteil_sim.experiments.words import code_names

ROOT = Path(__file__).resolve().parents[1]
DEPENDENCY = "behaviour.dependency.strength"
STAGE = "behaviour.linking.stage_rate"
MIN_MONTHS = "behaviour.associations.founding_min_months"  # a whole-number parameter
EXPERIMENT = f"""\
name: robust_tiny
scenarios:
  - {ROOT / "scenarios/kranichstein_sued.yaml"}
  - {ROOT / "scenarios/eberstadt_sued.yaml"}
overrides: {{run.scale: 0.05, run.months: 24}}
grid:
  office.handover_month: [6, 12, 18]
replicates: 1
seed: 11
keep: {{indicators: [migrant_participation_rate], months: [0, 24]}}
objectives: {{migrant_participation_rate@24: maximise}}
satisficing:
  migrant_participation_rate@24: {{at_least: 0.05}}
  office_staff_hours_total: {{at_most: 900}}
uncertainties:
  conditions: 16
  ranges:
    {DEPENDENCY}: plausible
    {STAGE}: [0.1, 0.3]
    {MIN_MONTHS}: [2, 9]
discovery:
  early_fails:
    question: Wann scheitert eine frühe Übergabe?
    plan: handover_month=6
    fails: {{migrant_participation_rate@24: {{at_least: 0.04}}}}
  late_beats_early:
    question: Wann schlägt eine späte Übergabe die frühe?
    plan: handover_month=18
    beats: handover_month=6
"""


def experiment(folder: Path, text: str = EXPERIMENT) -> Path:
    return write(folder / "exp.yaml", text)


# ---------------------------------------------------------------- the hypercube
def test_conditions_are_a_seeded_stratified_hypercube_crossed_with_the_variants(tmp_path):
    design = load_experiment(experiment(tmp_path))
    values = design.sample.values
    assert len(values) == 16 and len(design.tasks) == 2 * 3 * 16
    for path, (low, high) in ((DEPENDENCY, (0.0, 1.0)), (STAGE, (0.1, 0.3))):
        strata = np.floor((values[path] - low) / (high - low) * 16).astype(int)
        assert sorted(strata) == list(range(16)), path  # one point in each of the 16 strata
    assert values[MIN_MONTHS].between(2, 9).all() and values[MIN_MONTHS].dtype.kind == "i"
    assert set(values[MIN_MONTHS]) == set(range(2, 10))  # every whole number, twice each
    again = load_experiment(experiment(tmp_path / "again")).sample.values
    pd.testing.assert_frame_equal(values, again)
    other = load_experiment(experiment(tmp_path / "other", EXPERIMENT.replace("seed: 11", "seed: 12"))).sample.values
    assert not np.allclose(values[DEPENDENCY], other[DEPENDENCY])
    # Paired: condition r has the same seed and values in every variant and district.
    by_replicate = {}
    for task in design.tasks:
        key = (task.seed, tuple(sorted(task.parameters.items())))
        assert by_replicate.setdefault(task.replicate, key) == key
        assert task.parameter_draw == task.replicate
    assert len({seed for seed, _ in by_replicate.values()}) == 16


def test_replicates_per_condition_sit_side_by_side(tmp_path):
    design = load_experiment(experiment(tmp_path, EXPERIMENT.replace("replicates: 1", "replicates: 2")))
    assert len(design.tasks) == 2 * 3 * 32
    draws = [t.parameter_draw for t in design.tasks if t.base == "kranichstein_sued" and t.variant == design.variants[0].name]
    assert draws == [r // 2 for r in range(32)]
    assert len({t.seed for t in design.tasks}) == 32


@pytest.mark.parametrize("change, expected", [
    (("committees.openness: [0.3, 0.7]", "committees.openness: [0.3, 1.7]"), "uncertainties.ranges.committees.openness"),
    ((f"{STAGE}: [0.1, 0.3]", "behaviour.linking.stage_rat: [0.1, 0.3]"), "did you mean 'behaviour.linking.stage_rate'"),
    ((f"{STAGE}: [0.1, 0.3]", f"{STAGE}: [0.3, 0.1]"), "low is not below high"),
    ((f"{MIN_MONTHS}: [2, 9]", f"{MIN_MONTHS}: [2.5, 9]"), "whole numbers"),
    (("replicates: 1", "replicates: 1\nparameters: {sample: s.csv}"), "one source of conditions"),
    (("plan: handover_month=18", "plan: handover_month=99"), "discovery.late_beats_early.plan"),
    (("{at_least: 0.05}", "{at_least: 0.05, at_most: 0.5}"), "exactly one of at_least or at_most"),
    (("overrides: {run.scale: 0.05, run.months: 24}", f"overrides: {{run.scale: 0.05, run.months: 24, {STAGE}: 0.2}}"),
     "also set in overrides"),
])
def test_an_impossible_section_is_refused_naming_file_and_key(tmp_path, change, expected):
    text = EXPERIMENT.replace(f"    {STAGE}: [0.1, 0.3]\n", f"    {STAGE}: [0.1, 0.3]\n    committees.openness: [0.3, 0.7]\n")
    old, new = change
    assert old in text
    path = experiment(tmp_path, text.replace(old, new, 1))
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert str(path) in message or "exp.yaml" in message
    assert expected in message, message


def test_discovery_needs_conditions(tmp_path):
    text = EXPERIMENT.split("uncertainties:")[0] + "discovery:" + EXPERIMENT.split("discovery:")[1]
    with pytest.raises(ScenarioError, match="'discovery' needs conditions"):
        load_experiment(experiment(tmp_path, text))


# ---------------------------------------------------------------- regret and satisficing
def _plan(variants: list[str]) -> Plan:
    return Plan("p", "", variants[0], variants, {v: {} for v in variants}, {}, {"x": "maximise"}, {}, ["d"],
                parameters={"kind": "latin_hypercube"})


def test_regret_is_the_best_minus_the_plan_in_each_condition():
    wide = pd.DataFrame({"a": [1.0, 5.0, 2.0], "b": [3.0, 3.0, 3.0]})
    assert regret(wide, "maximise").to_dict("list") == {"a": [2.0, 0.0, 1.0], "b": [0.0, 2.0, 0.0]}
    assert regret(wide, "minimise").to_dict("list") == {"a": [0.0, 2.0, 0.0], "b": [2.0, 0.0, 1.0]}


def test_the_most_robust_plan_can_differ_from_the_best_on_average():
    # 'gamble' is best on average but fails badly in one condition; 'steady' never loses much.
    values = {"gamble": [10.0, 10.0, 10.0, 2.0], "steady": [8.0, 8.0, 8.0, 7.0]}
    hours = {"gamble": [1.0, 1.0, 1.0, 1.0], "steady": [1.0, 1.0, 5.0, 1.0]}
    runs = pd.DataFrame([{"base": "d", "variant": v, "replicate": r, "x": values[v][r], "h": hours[v][r]}
                         for v in values for r in range(4)])
    found = robustness(runs, _plan(list(values)), "d", {"x": {"at_least": 5.0}, "h": {"at_most": 2.0}})
    table = found.table.set_index("variant")
    assert found.best_on_average == "gamble" and found.most_robust == "steady"
    assert table.loc["gamble", "max_regret"] == 5.0 and table.loc["steady", "max_regret"] == 2.0
    assert table.loc["gamble", "mean_regret"] == pytest.approx(5 / 4)
    assert table.loc["gamble", "best_share"] == 0.75
    assert table.loc["gamble", "satisficing_share"] == 0.75  # fails x in condition 3
    assert table.loc["steady", "satisficing_share"] == 0.75  # fails h in condition 2


# ---------------------------------------------------------------- PRIM
def test_prim_finds_the_box_planted_in_the_conditions():
    pytest.importorskip("ema_workbench")
    generator = np.random.default_rng(3)
    x = pd.DataFrame({"a": generator.uniform(0, 1, 400), "b": generator.uniform(0, 1, 400)})
    y = ((x["a"] > 0.7) & (generator.uniform(size=400) < 0.9)).to_numpy()
    trajectory, chosen, box = discovery.prim_box(x, y)
    step = trajectory.iloc[chosen]
    assert step["coverage"] >= discovery.MIN_COVERAGE and step["density"] > 0.8
    limits = box.set_index("parameter")
    assert 0.6 < limits.loc["a", "box_low"] < 0.8 and bool(limits.loc["a", "restricted"])
    assert not bool(limits.loc["b", "restricted"]) or limits.loc["b", "box_high"] - limits.loc["b", "box_low"] > 0.8
    assert discovery.prim_box(x, np.zeros(400, bool))[1] is None  # no case: no box


# ---------------------------------------------------------------- batch and report
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("robust")
    summary = run_batch(experiment(folder), folder / "out", ExecutorSpec("serial"), progress=False)
    assert summary.completed == 96 and not summary.failures
    return folder / "out"


def test_the_runs_carry_their_condition_and_the_folder_its_table(batch):
    results = load_results(batch)
    runs = results.runs
    assert runs.groupby("replicate")[f"param.{DEPENDENCY}"].nunique().eq(1).all()
    conditions = pd.read_csv(batch / "conditions.csv")
    assert list(conditions.columns) == ["condition", DEPENDENCY, STAGE, MIN_MONTHS] and len(conditions) == 16
    merged = runs.merge(conditions, left_on="parameter_draw", right_on="condition")
    assert np.allclose(merged[f"param.{STAGE}"], merged[STAGE])
    assert results.manifest["parameters"]["kind"] == "latin_hypercube"


def test_the_report_names_the_most_robust_plan_and_the_boxes(batch, tmp_path):
    path, answer = write_report(batch, tmp_path / "de")
    text = path.read_text(encoding="utf-8")
    assert "## Robuste Zeitwahl" in text and "größtes Bedauern" in text
    robust_line = next(p for p in answer if p.startswith("**Robustheit:**"))
    assert "am robustesten" in robust_line and not code_names(robust_line)
    assert "Latin Hypercube über 3 unsichere Parameter" in text
    table = pd.read_csv(tmp_path / "de" / "robust.csv")
    assert set(table["base"]) == {"kranichstein_sued", "eberstadt_sued"} and table["most_robust"].sum() == 2
    assert (table["max_regret"] >= table["mean_regret"] - 1e-12).all() and (table["mean_regret"] >= 0).all()
    assert "## Unter welchen Bedingungen? (Szenario-Entdeckung)" in text
    assert text.count("**Wann scheitert eine frühe Übergabe?**") == 2
    runs = analyse(load_results(batch).runs, load_results(batch).manifest).runs
    early = runs[(runs["variant"] == "handover_month=6") & (runs["base"] == "kranichstein_sued")]
    cases = int((early["migrant_participation_rate@24"] < 0.04).sum())
    assert f"Kranichstein-Süd: in {cases} von 16 Bedingungen" in text
    if 0 < cases < 16:
        assert (tmp_path / "de" / "discovery_trajectories.csv").is_file()


def test_without_the_extra_one_line_names_it(batch, tmp_path, monkeypatch):
    monkeypatch.setattr(discovery, "available", lambda: False)
    path, _ = write_report(batch, tmp_path / "en", lang="en")
    section = path.read_text(encoding="utf-8").split("## Under which conditions? (scenario discovery)")[1].split("\n## ")[0]
    lines = [line for line in section.strip().splitlines() if line.strip()]
    assert lines == ["The `ema` extra adds this section (EMA Workbench: pip install 'stadtteil_sim[ema]')."]


# ---------------------------------------------------------------- EMA Workbench
def test_ema_runs_our_model_with_its_own_perform_experiments(tmp_path):
    ema_workbench = pytest.importorskip("ema_workbench")
    from stadtteil_sim.ema import ema_model

    path = experiment(tmp_path, EXPERIMENT.replace("run.months: 24", "run.months: 12").replace("@24", "@12").replace("months: [0, 24]", "months: [0, 12]"))
    model = ema_model(path)
    assert [p.name for p in model.levers] == ["office__handover_month"]
    assert [p.name for p in model.uncertainties] == [
        "behaviour__dependency__strength", "behaviour__linking__stage_rate", "behaviour__associations__founding_min_months"]
    assert [o.name for o in model.outcomes] == ["migrant_participation_rate_at_12", "office_staff_hours_total"]  # objective, satisficing
    experiments, outcomes = ema_workbench.perform_experiments(model, scenarios=2, policies=2)
    assert len(experiments) == 4 and np.isfinite(outcomes["office_staff_hours_total"]).all()
    # The same scenario and policy give the same outcome (its seed follows from the scenario).
    point = experiments.iloc[0]
    kwargs = {p.name: point[p.name] for p in [*model.levers, *model.uncertainties]}
    first, again = model.function(**kwargs), model.function(**kwargs)
    assert first == again
    assert first["office_staff_hours_total"] == pytest.approx(outcomes["office_staff_hours_total"][0])

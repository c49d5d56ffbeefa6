"""ABC calibration: recovery of known parameters, reproducibility, resume, outputs and bad target
files. Small populations and short runs; the recovery test is the slow one."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import stadtteil_sim
from stadtteil_sim.calibration.abc import CalibrationError, _generations_done, calibrate
from stadtteil_sim.calibration.posterior import write_outputs
from stadtteil_sim.calibration.targets import Target, distance, load_targets
from stadtteil_sim.cli import app
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.experiments.executors import ExecutorSpec

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
SERIAL = ExecutorSpec("serial")


def target_file(tmp_path: Path, **changes) -> Path:
    """A small target file: Kranichstein-Süd at scale 0.05 for 12 months, one parameter."""
    data = {
        "name": "tiny",
        "conditions": {"ks": {"scenario": str(KS), "overrides": {"run.months": 12, "run.scale": 0.05}}},
        "targets": [
            {"name": "participation", "condition": "ks", "metric": "migrant_participation_rate@12", "observed": 0.02, "tolerance": 0.01},
        ],
        "parameters": {"behaviour.activation.weight_office": {"low": 0.2, "high": 0.8}},
        "settings": {"population_size": 10, "max_generations": 1, "seed": 7, "predictive_draws": 3},
    }
    for key, value in changes.items():
        data[key] = value
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# --------------------------------------------------------------------------- distance


def test_errors_are_in_tolerances_one_sided_bounds_count_only_the_wrong_side_and_are_capped():
    equal = Target(name="a", condition="c", metric="associations_founded", observed=4, tolerance=2)
    at_least = Target(name="b", condition="c", metric="associations_founded", observed=4, tolerance=2, direction="at_least")
    at_most = Target(name="d", condition="c", metric="associations_founded", observed=4, tolerance=2, direction="at_most")
    ratio = Target(name="e", condition="c", metric="associations_founded", per="womens_associations_founded", observed=1, tolerance=1)
    assert equal.error(5) == 0.5 and equal.error(3) == -0.5
    assert at_least.error(10) == 0 and at_least.error(2) == -1
    assert at_most.error(0) == 0 and at_most.error(6) == 1
    assert equal.error(100) == 3 and equal.error(math.nan) == 3
    assert ratio.error(math.nan) == 0  # 0/0: no evidence either way
    weighted = [equal, Target(name="f", condition="c", metric="associations_founded", observed=0, tolerance=1, weight=3)]
    assert distance(weighted, {"a": 6, "f": 0}) == pytest.approx(math.sqrt(1 / 4))


# --------------------------------------------------------------------------- the bundled targets


def test_bundled_targets_cover_the_six_patterns_of_both_districts():
    spec = load_targets(ROOT / "calibration" / "targets.yaml")
    sources = {t.source.split(":")[0] for t in spec.targets}
    assert sources == {f"pattern {i}" for i in range(1, 7)}
    assert set(spec.target_districts.values()) == {"Kranichstein-Süd", "Eberstadt-Süd"}
    by_district = {d: {t.source for t in spec.fitted([d])} for d in set(spec.target_districts.values())}
    for district, patterns in by_district.items():
        assert {"pattern 2", "pattern 3", "pattern 5", "pattern 6"} <= patterns, district
    # the install target is the shared behaviour file every bundled scenario includes
    assert (ROOT / "calibration" / spec.settings.install).resolve() == (ROOT / "scenarios" / "shared" / "behaviour.yaml")


def test_bundled_scenarios_use_the_installed_calibration():
    text = (ROOT / "scenarios" / "shared" / "behaviour.yaml").read_text()
    spec = load_targets(ROOT / "calibration" / "targets.yaml")
    behaviour = load_scenario(KS).behaviour
    for path in spec.parameters:
        value = behaviour
        for part in path.split(".")[1:]:
            value = getattr(value, part)
        prior = spec.parameters[path]
        assert prior.low <= value <= prior.high, path
        assert f"{path.rsplit('.', 1)[1]}: {value}  # [calibrated] ABC posterior median" in text, path


# --------------------------------------------------------------------------- the calibration


@pytest.mark.slow
def test_recovers_known_parameters_from_synthetic_targets(tmp_path):
    # Two parameters, two statistics made by the model itself at known values: the share reached
    # after the burn-in speaks to the district management's information rate, the natives'
    # participation a year later to it and to the mean activation threshold.
    truth = {"behaviour.activation.threshold_mean": 0.4, "behaviour.outreach.inform_management": 0.012}
    overrides = {"run.months": 12, "run.scale": 0.2}
    runs = [stadtteil_sim.run(KS, seed=s, overrides={**overrides, **truth}).timeseries.set_index("month") for s in range(1, 5)]
    natives = float(np.mean([r.at[12, "native_participation_rate"] for r in runs]))
    reached = float(np.mean([r.at[0, "migrants_reached_share"] for r in runs]))
    priors = {"behaviour.activation.threshold_mean": (0.1, 0.9), "behaviour.outreach.inform_management": (0.001, 0.06)}
    path = target_file(
        tmp_path,
        conditions={"ks": {"scenario": str(KS), "overrides": overrides}},
        targets=[
            {"name": "natives", "condition": "ks", "metric": "native_participation_rate@12", "observed": natives, "tolerance": 0.03},
            {"name": "reached", "condition": "ks", "metric": "migrants_reached_share@0", "observed": reached, "tolerance": 0.03},
        ],
        parameters={p: {"low": lo, "high": hi} for p, (lo, hi) in priors.items()},
        settings={"population_size": 40, "max_generations": 6, "min_epsilon": 0.1, "seed": 3, "predictive_draws": 4},
    )
    spec = load_targets(path)
    result = calibrate(spec, tmp_path / "out", SERIAL, log=lambda *_: None)  # one worker: the same posterior every time
    write_outputs(spec, result, SERIAL, [t.name for t in spec.targets])
    table = pd.read_csv(tmp_path / "out" / "posterior_summary.csv").set_index("parameter")
    for parameter, value in truth.items():
        row = table.loc[parameter]
        assert row.q05 <= value <= row.q95, (parameter, value, row.q05, row.q95)
        low, high = priors[parameter]
        assert row.q95 - row.q05 < 0.5 * (high - low), (parameter, row.q05, row.q95)


def test_single_worker_calibration_is_reproducible_by_seed(tmp_path):
    spec = load_targets(target_file(tmp_path))
    outputs = []
    for name in ("a", "b"):
        result = calibrate(spec, tmp_path / name, SERIAL, log=lambda *_: None)
        write_outputs(spec, result, SERIAL, ["participation"])
        outputs.append(pd.read_csv(tmp_path / name / "posterior.csv"))
    pd.testing.assert_frame_equal(outputs[0], outputs[1])
    assert outputs[0]["behaviour.activation.weight_office"].nunique() > 1  # a sample, not a point
    other = load_targets(target_file(tmp_path, settings={"population_size": 10, "max_generations": 1, "seed": 8}))
    calibrate(other, tmp_path / "c", SERIAL, log=lambda *_: None)
    assert not pd.read_csv(tmp_path / "a" / "posterior.csv").equals(_posterior(tmp_path / "c"))


def _posterior(folder: Path) -> pd.DataFrame:
    from stadtteil_sim.calibration.posterior import posterior_sample

    return posterior_sample(folder)


def test_outputs_posterior_table_figures_predictive_check_and_behaviour_file(tmp_path):
    spec = load_targets(target_file(tmp_path))
    result = calibrate(spec, tmp_path / "out", SERIAL, log=lambda *_: None)
    report, lines = write_outputs(spec, result, SERIAL, ["participation"])
    folder = tmp_path / "out"
    for name in ("posterior.csv", "posterior_summary.csv", "pair_plot.png", "predictive_check.png",
                 "predictive_check.csv", "predictive_draws.csv", "behaviour.yaml", "report.md"):
        assert (folder / name).stat().st_size > 0, name
    sample = pd.read_csv(folder / "posterior.csv")
    assert sample["weight"].sum() == pytest.approx(1.0)
    summary = pd.read_csv(folder / "posterior_summary.csv").iloc[0]
    assert summary.q05 <= summary["median"] <= summary.q95
    assert len(pd.read_csv(folder / "predictive_draws.csv")) == spec.settings.predictive_draws
    # the behaviour file is a valid include with the median in place
    shared = tmp_path / "shared.yaml"
    shared.write_text((folder / "behaviour.yaml").read_text())
    scenario_file = tmp_path / "scenario.yaml"
    scenario_file.write_text(f"include: {shared}\nname: check\n")
    loaded = load_scenario(scenario_file)
    assert loaded.behaviour.activation.weight_office == pytest.approx(summary["median"], rel=1e-3)
    assert "weight_office" in report.read_text() and lines[0].startswith("1 generations")


def test_interrupted_calibration_resumes_from_its_last_generation(tmp_path):
    path = target_file(tmp_path, settings={"population_size": 10, "max_generations": 3, "min_epsilon": 0, "seed": 7,
                                                "predictive_draws": 2})
    folder = tmp_path / "out"
    cli = [sys.executable, "-m", "stadtteil_sim", "calibrate", str(path), "--workers", "1", "--out", str(folder)]
    process = subprocess.Popen(cli, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while _generations_done(folder / "history.db") < 1 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, "finished before it could be interrupted"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    done_before = _generations_done(folder / "history.db")
    assert 1 <= done_before < 3
    messages = []
    result = calibrate(load_targets(path), folder, SERIAL, log=messages.append)
    assert result.resumed and any("resuming" in m for m in messages)
    assert result.generations == 3
    # the generations stored before the interruption are kept, not redone
    again = calibrate(load_targets(path), folder, SERIAL, log=messages.append)
    assert again.generations == 3 and again.total_simulations == result.total_simulations


def test_ctrl_c_ends_a_parallel_calibration_promptly_without_tracebacks(tmp_path):
    path = target_file(tmp_path, settings={"population_size": 10, "max_generations": 20, "min_epsilon": 0, "seed": 7})
    folder = tmp_path / "out"
    cli = [sys.executable, "-m", "stadtteil_sim", "calibrate", str(path), "--workers", "2", "--out", str(folder)]
    process = subprocess.Popen(cli, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while _generations_done(folder / "history.db") < 1 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, "finished before it could be interrupted"
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, output
    assert "run the same command again to resume" in output
    assert "Traceback" not in output, output


def test_a_folder_of_another_calibration_is_refused(tmp_path):
    calibrate(load_targets(target_file(tmp_path)), tmp_path / "out", SERIAL, log=lambda *_: None)
    changed = target_file(tmp_path, parameters={"behaviour.activation.weight_office": {"low": 0.3, "high": 0.8}})
    with pytest.raises(CalibrationError, match="calibration of other targets"):
        calibrate(load_targets(changed), tmp_path / "out", SERIAL, log=lambda *_: None)


def test_fitting_one_district_predicts_the_other_out_of_sample(tmp_path):
    es = ROOT / "scenarios" / "eberstadt_sued.yaml"
    path = target_file(
        tmp_path,
        conditions={
            "ks": {"scenario": str(KS), "overrides": {"run.months": 12, "run.scale": 0.05}},
            "es": {"scenario": str(es), "overrides": {"run.months": 12, "run.scale": 0.05}},
        },
        targets=[
            {"name": "ks_participation", "condition": "ks", "metric": "migrant_participation_rate@12", "observed": 0.02, "tolerance": 0.01},
            {"name": "es_participation", "condition": "es", "metric": "migrant_participation_rate@12", "observed": 0.02, "tolerance": 0.01},
        ],
    )
    spec = load_targets(path)
    assert [t.name for t in spec.fitted(["Kranichstein-Süd"])] == ["ks_participation"]
    result = calibrate(spec, tmp_path / "out", SERIAL, districts=["kranichstein_sued"], log=lambda *_: None)
    assert result.districts == ["Kranichstein-Süd"]
    write_outputs(spec, result, SERIAL, ["ks_participation"])
    table = pd.read_csv(tmp_path / "out" / "predictive_check.csv").set_index("target")
    assert table.loc["ks_participation", "role"] == "fitted"
    assert table.loc["es_participation", "role"] == "held out"
    assert np.isfinite(table.loc["es_participation", "median"])
    with pytest.raises(CalibrationError, match="allowed: Eberstadt-Süd, Kranichstein-Süd, eberstadt_sued, kranichstein_sued"):
        calibrate(spec, tmp_path / "x", SERIAL, districts=["Kranichstein"], log=lambda *_: None)


# --------------------------------------------------------------------------- bad target files


BAD = [
    ({"targets": [{"name": "x", "condition": "nowhere", "metric": "associations_founded", "observed": 1, "tolerance": 1}]},
     "condition 'nowhere' is not defined"),
    ({"targets": [{"name": "x", "condition": "ks", "metric": "associations_found", "observed": 1, "tolerance": 1}]},
     "unknown metric 'associations_found'"),
    ({"targets": [{"name": "x", "condition": "ks", "metric": "associations_founded", "observed": 1, "tolerance": 0}]},
     "tolerance"),
    ({"targets": [{"name": "x", "condition": "ks", "metric": "token_index@40", "observed": 1, "tolerance": 1}]},
     "month 40 is past the condition's end"),
    ({"parameters": {"district.population": {"low": 100, "high": 200}}}, "allowed: behaviour.* paths"),
    ({"parameters": {"behaviour.activation.weight_office": {"low": 0.8, "high": 0.2}}}, "must be below high"),
    ({"parameters": {"behaviour.activation.weight_ofice": {"low": 0.1, "high": 0.2}}}, "weight_office"),
    ({"parameters": {"behaviour.activation.weight_office": {"low": 0.1, "high": 7}}}, "parameters.behaviour.activation.weight_office.high"),
    ({"parameters": {"behaviour.working_group.max_reps": {"low": 1, "high": 5}}}, "allowed: real-valued parameters"),
    ({"parameters": {"behaviour.activation.weight_office.x": {"low": 0.1, "high": 0.2}}},
     "parameters.behaviour.activation.weight_office.x.low: behaviour.activation.weight_office.x: "
     "'behaviour.activation.weight_office' is a value, not a section"),
    ({"conditions": {"ks": {"scenario": "missing.yaml"}}}, "conditions.ks.scenario: 'missing.yaml' not found"),
    ({"settings": {"population_size": "many"}}, "settings.population_size"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_target_files_give_one_clear_message_naming_file_and_key(tmp_path, change, message):
    path = target_file(tmp_path, **change)
    with pytest.raises(ScenarioError) as caught:
        load_targets(path)
    assert message in str(caught.value)
    assert "targets.yaml" in str(caught.value)


def test_cli_rejects_a_broken_target_file_with_exit_2_and_no_traceback(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text("name: x\nconditions: {ks: {scenario: a.yaml}\n")
    result = CliRunner().invoke(app, ["calibrate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "targets.yaml" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    bad_district = CliRunner().invoke(app, ["calibrate", str(target_file(tmp_path)), "--district", "Nowhere", "--out", str(tmp_path / "o2")])
    assert bad_district.exit_code == 2 and "allowed: Kranichstein-Süd" in bad_district.output
    assert "Traceback" not in bad_district.output

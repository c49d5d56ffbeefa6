"""Sensitivity analysis (sensitivity.py, `stadtteil-sim sensitivity`): the wrapper reproduces the
published Sobol indices of the Ishigami function and ranks an inert parameter last in Morris
screening; the bundled spec validates; a tiny real analysis runs through the batch engine, writes
its tables and charts and resumes; broken specs are refused naming the file and the key; specs,
params and the dashboard read one declaration of the uncertainties and levers (config/schema.py).

The only model runs are a few 24-month runs of Kranichstein-Süd at 1:20: six for the tiny
analysis (module-scoped), one measured for its budget and one redone on resume.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from samples import write
from stadtteil_sim.app.workshop import LEVERS
from stadtteil_sim.calibration.sensitivity import (
    MorrisSettings,
    SobolSettings,
    design_points,
    indices,
    load_spec,
    prepare,
    run_sensitivity,
    second_order_indices,
)
from stadtteil_sim.cli import app
from stadtteil_sim.config import paths
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import declared, iter_parameters
from stadtteil_sim.experiments.executors import ExecutorSpec

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"

# ---------------------------------------------------------------- the numerics, on Ishigami
# Ishigami (a = 7, b = 0.1, x_i ~ U(-pi, pi)) with an inert fourth input. Published values
# (Saltelli et al. 2008, "Global Sensitivity Analysis: The Primer", §4.7; Homma & Saltelli 1996).
ISHIGAMI = {"num_vars": 4, "names": ["x1", "x2", "x3", "inert"], "bounds": [[-np.pi, np.pi]] * 4}
S1 = {"x1": 0.314, "x2": 0.442, "x3": 0.0, "inert": 0.0}
ST = {"x1": 0.558, "x2": 0.442, "x3": 0.244, "inert": 0.0}


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0])


def test_sobol_indices_of_ishigami_match_the_published_values():
    settings = SobolSettings(base_samples=1024)
    X = design_points(ISHIGAMI, settings, seed=3)
    assert X.shape == (1024 * (4 + 2), 4)
    assert (X >= -np.pi).all() and (X <= np.pi).all()
    table = indices(ISHIGAMI, settings, X, {"y": ishigami(X)}, seed=3).set_index("parameter")
    for name in ISHIGAMI["names"]:
        row = table.loc[name]
        # With N = 1024 the estimates scatter by about 0.01-0.02 over seeds; 0.03 leaves room.
        assert row["S1"] == pytest.approx(S1[name], abs=0.03), name
        assert row["ST"] == pytest.approx(ST[name], abs=0.03), name
        assert abs(row["S1"] - S1[name]) <= row["S1_conf"] + 1e-12, name  # inside the 95 % interval
        assert abs(row["ST"] - ST[name]) <= row["ST_conf"] + 1e-12, name
    assert abs(table.loc["inert", "S1"]) < 0.02 and abs(table.loc["inert", "ST"]) < 0.02
    assert (table["note"] == "").all()


def test_second_order_index_of_ishigami_is_the_x1_x3_interaction():
    settings = SobolSettings(base_samples=1024, second_order=True)
    X = design_points(ISHIGAMI, settings, seed=3)
    assert X.shape == (1024 * (2 * 4 + 2), 4)
    pairs = second_order_indices(ISHIGAMI, settings, {"y": ishigami(X)}, seed=3).set_index(["parameter", "other"])
    assert pairs.loc[("x1", "x3"), "S2"] == pytest.approx(0.244, abs=0.05)  # = ST1 - S1_1 (Primer)
    others = pairs.drop(index=("x1", "x3"))
    assert (others["S2"].abs() < 0.05).all(), others


def test_morris_ranks_the_inert_parameter_last():
    settings = MorrisSettings(trajectories=20, levels=4)
    X = design_points(ISHIGAMI, settings, seed=5)
    assert X.shape == (20 * (4 + 1), 4)
    table = indices(ISHIGAMI, settings, X, {"y": ishigami(X)}, seed=5)
    ranking = table.sort_values("mu_star", ascending=False)["parameter"].tolist()
    assert ranking[-1] == "inert"
    inert = table.set_index("parameter").loc["inert"]
    assert inert["mu_star"] == pytest.approx(0.0, abs=1e-12) and inert["sigma"] == pytest.approx(0.0, abs=1e-12)
    assert (table.set_index("parameter").drop(index="inert")["mu_star"] > 1.0).all()


def test_design_points_are_reproducible_from_the_seed():
    settings = SobolSettings(base_samples=8)
    assert np.array_equal(design_points(ISHIGAMI, settings, 1), design_points(ISHIGAMI, settings, 1))
    assert not np.array_equal(design_points(ISHIGAMI, settings, 1), design_points(ISHIGAMI, settings, 2))


def test_an_output_without_a_value_somewhere_gets_no_indices_and_says_why():
    settings = MorrisSettings(trajectories=4)
    X = design_points(ISHIGAMI, settings, seed=1)
    y = ishigami(X)
    y[3] = np.nan
    table = indices(ISHIGAMI, settings, X, {"y": y, "constant": np.ones(len(X))}, seed=1).set_index("output")
    assert table.loc["y", "mu_star"].isna().all()
    assert (table.loc["y", "note"] == f"1 of {len(X)} design points without a value: indices not computed").all()
    assert (table.loc["constant", "mu_star"] == 0).all()  # Morris: a flat output has no effects
    sobol = SobolSettings(base_samples=4)
    Xs = design_points(ISHIGAMI, sobol, seed=1)
    flat = indices(ISHIGAMI, sobol, Xs, {"constant": np.ones(len(Xs))}, seed=1)
    assert flat["ST"].isna().all() and flat["note"].str.contains("no variance").all()


# ---------------------------------------------------------------- the bundled spec
def test_bundled_spec_validates_and_varies_the_dependency_strength():
    spec = load_spec(ROOT / "calibration" / "sensitivity.yaml")
    assert spec.parameters["behaviour.dependency.strength"] == [0.0, 1.0]
    assert {"sustainability_ratio_24m", "token_index_mean", "detachment_index_mean"} <= set(spec.outputs)
    assert spec.overrides["run.months"] >= 36 + 24  # sustainability 24 months after the handover
    analysis = prepare(ROOT / "calibration" / "sensitivity.yaml")
    d = len(spec.parameters)
    morris, sobol = analysis.plans["morris"], analysis.plans["sobol"]
    assert len(morris.points) == spec.morris.trajectories * (d + 1)
    assert len(sobol.points) == spec.sobol.base_samples * (d + 2)
    scenario = next(iter(sobol.design.scenarios.values()))["districts"][0]
    assert scenario["office"]["handover_month"] == 36 and scenario["office"]["link_month"] == 18
    assert sobol.runs == len(sobol.design.variants) * spec.replicates * len(spec.scenarios)


def test_the_bundled_ranges_are_the_declared_plausible_ranges():
    """The spec's comment says so: `plausible` in its place would give the same design."""
    spec = load_spec(ROOT / "calibration" / "sensitivity.yaml")
    declared_ranges = {item.path: list(item.plausible) for item in declared() if item.plausible}
    assert spec.parameters == {path: declared_ranges[path] for path in spec.parameters}


# ---------------------------------------------------------------- the declaration, read everywhere
ALL = f"""\
name: all
scenarios: ["{KS}"]
overrides: {{run.months: 24, behaviour.dependency.strength: 0.4}}
parameters: all uncertainties
outputs: [native_recognition@24]
"""


def test_params_the_dashboard_and_specs_read_one_declaration(tmp_path, monkeypatch):
    roles = {item.path: item.role for item in declared()}
    rows = json.loads(CliRunner().invoke(app, ["params", str(KS), "--json"]).output)
    assert {r["path"]: r["role"] for r in rows if r["path"] in roles} == roles
    assert {lever.path for lever in LEVERS} == {item.path for item in declared() if item.control}
    uncertain = {item.path: list(item.plausible) for item in declared() if item.role == "uncertainty" and item.plausible}
    every = load_spec(write(tmp_path / "all.yaml", ALL))
    assert every.parameters == {p: r for p, r in uncertain.items() if p != "behaviour.dependency.strength"}  # fixed: an override
    assert len(every.parameters) > 70 and "district.migrant_strain_factor" in every.parameters
    named = write(tmp_path / "named.yaml", TINY.replace("behaviour.dependency.strength: [0.0, 1.0]",
                                                        "behaviour.linking.stage_rate: plausible\n  office.staff_hours_support: [6, 24]"))
    assert load_spec(named).parameters == {"behaviour.recognition.contact_gain": [0.0, 0.5],
                                           "behaviour.linking.stage_rate": [0.075, 0.3], "office.staff_hours_support": [6, 24]}
    # Declaring an input an uncertainty, in the schema only, lets params and every spec follow.
    city = write(tmp_path / "city.yaml", CASES["a declared input"][0])
    with pytest.raises(ScenarioError, match="is an input"):
        load_spec(city)
    field = paths.field_at("district.city_welfare_density")
    monkeypatch.setattr(field, "json_schema_extra", {"source": "text", "role": "uncertainty"})
    assert load_spec(city).parameters["district.city_welfare_density"] == [4.0, 8.0]
    assert load_spec(tmp_path / "all.yaml").parameters["district.city_welfare_density"] == [2.75, 11.0]
    row = next(r for r in iter_parameters(load_scenario(KS)) if r["path"] == "district.city_welfare_density")
    assert (row["role"], row["plausible"]) == ("uncertainty", [2.75, 11.0])


# ---------------------------------------------------------------- a tiny real analysis
TINY = f"""\
name: tiny
scenarios: ["{KS}"]
overrides: {{run.months: 24, run.scale: 0.05}}
parameters:
  behaviour.recognition.contact_gain: [0.0, 0.5]
  behaviour.dependency.strength: [0.0, 1.0]
outputs: [native_recognition@24, sustainability_ratio_24m]
replicates: 1
seed: 4
morris: {{trajectories: 2, levels: 4}}
"""




@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny analysis through the command line (serial): 2 trajectories x 3 points = 6 runs."""
    folder = tmp_path_factory.mktemp("sens")
    spec = write(folder / "tiny.yaml", TINY)
    result = CliRunner().invoke(app, ["sensitivity", str(spec), "--method", "morris", "--workers", "1", "--out", str(folder / "out")])
    return folder, spec, result


def test_tiny_analysis_prints_its_budget_and_writes_tables_and_charts(tiny):
    folder, _, result = tiny
    assert result.exit_code == 0, result.output
    assert "morris: 6 design points x 1 replicates x 1 scenarios = 6 runs; about" in result.output
    assert "mu_star" in result.output and "recognition.contact_gain" in result.output
    out = folder / "out"
    for name in ("indices_morris.csv", "indices_morris.png", "points_morris.csv"):
        assert f"written: {(out / name).resolve()}" in result.output, name
    assert (out / "morris" / "manifest.json").is_file()  # the batch folder
    assert (out / "indices_morris.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list((out / "morris" / "runs").glob("*.parquet"))) == 6
    table = pd.read_csv(out / "indices_morris.csv", keep_default_na=False, na_values=[""])
    assert list(table.columns) == ["scenario", "output", "parameter", "mu", "mu_star", "mu_star_conf", "sigma", "note", "nan_runs"]
    assert len(table) == 2 * 2  # parameters x outputs, one scenario
    recognition = table[table["output"] == "native_recognition@24"].set_index("parameter")
    assert recognition[["mu", "mu_star", "mu_star_conf", "sigma"]].notna().all().all()
    assert recognition.loc["behaviour.recognition.contact_gain", "mu_star"] > 0  # acceptance grows with contact
    # 24 months end before the handover's 24 months after: every run's ratio is NaN, said so.
    sustainability = table[table["output"] == "sustainability_ratio_24m"]
    assert sustainability["mu_star"].isna().all() and (sustainability["nan_runs"] == 6).all()
    assert sustainability["note"].str.startswith("6 of 6 design points without a value").all()
    points = pd.read_csv(out / "points_morris.csv")
    assert len(points) == 6 and points["native_recognition@24"].notna().all()


def test_rerun_redoes_only_a_lost_run_and_gives_the_same_indices(tiny):
    folder, spec, _ = tiny
    out = folder / "out"
    before = pd.read_csv(out / "indices_morris.csv")
    lost = sorted((out / "morris" / "runs").glob("*.parquet"))[2]
    lost.unlink()
    result = run_sensitivity(spec, out, methods=("morris",), executor=ExecutorSpec("serial"), progress=False)
    summary = result.batches["morris"]
    assert (summary.completed, summary.skipped, summary.failures) == (1, 5, [])
    assert lost.is_file()
    pd.testing.assert_frame_equal(pd.read_csv(out / "indices_morris.csv"), before)


# ---------------------------------------------------------------- broken specs
CASES = {
    "unknown parameter path": (
        TINY.replace("behaviour.dependency.strength", "behaviour.dependency.strenght"),
        ["tiny.yaml: parameters.behaviour.dependency.strenght", "not a parameter", "did you mean 'behaviour.dependency.strength'"],
    ),
    "not a float parameter": (
        TINY.replace("behaviour.dependency.strength: [0.0, 1.0]", "behaviour.working_group.max_reps: [1.0, 4.0]"),
        ["parameters.behaviour.working_group.max_reps", "type int", "allowed: float parameters"],
    ),
    "low not below high": (
        TINY.replace("[0.0, 1.0]", "[0.6, 0.4]"),
        ["tiny.yaml: parameters: behaviour.dependency.strength = [0.6, 0.4]", "low is not below high"],
    ),
    "range outside the allowed range": (
        TINY.replace("[0.0, 1.0]", "[0.5, 1.5]"),
        ["tiny.yaml: parameters: behaviour.dependency.strength = 1.5", "less than or equal to 1", "allowed: float in [0, 1]"],
    ),
    "unknown output": (
        TINY.replace("native_recognition@24", "happiness"),
        ["tiny.yaml: outputs", "unknown metric 'happiness'", "sustainability_ratio_24m"],
    ),
    "output past the runs' end": (
        TINY.replace("native_recognition@24", "native_recognition@36"),
        ["tiny.yaml: outputs: native_recognition@36", "past the end", "0..24"],
    ),
    "base_samples not a power of 2": (
        TINY + "sobol: {base_samples: 100}\n",
        ["tiny.yaml: sobol.base_samples", "100 is not a power of 2", "64 or 128"],
    ),
    "odd Morris levels": (TINY.replace("levels: 4", "levels: 5"), ["tiny.yaml: morris.levels", "5 is odd"]),
    "parameter also an override": (
        TINY.replace("run.scale: 0.05", "run.scale: 0.05, behaviour.dependency.strength: 0.5"),
        ["parameters.behaviour.dependency.strength", "also set in overrides"],
    ),
    "unknown key": (TINY + "replicate: 3\n", ["tiny.yaml", "replicate", "did you mean 'replicates'"]),
    "a path past a value": (
        TINY.replace("behaviour.dependency.strength: [0.0, 1.0]", "behaviour.dependency.strength.x: [0.0, 1.0]"),
        ["tiny.yaml: parameters.behaviour.dependency.strength.x: not a parameter"],
    ),
    "an override past a value": (
        TINY.replace("run.scale: 0.05", "run.scale.x: 0.05"),
        ["tiny.yaml: overrides: run.scale.x: 'run.scale' is a value, not a section"],
    ),
    "a declared input": (
        TINY.replace("behaviour.dependency.strength: [0.0, 1.0]", "district.city_welfare_density: [4.0, 8.0]"),
        ["tiny.yaml: parameters.district.city_welfare_density: is an input, not an uncertainty or a lever",
         "allowed: the uncertainties and levers the schema declares"],
    ),
    "a community's figure": (
        TINY.replace("behaviour.dependency.strength: [0.0, 1.0]", "district.communities.Turkish.closure: [0.2, 0.8]"),
        ["tiny.yaml: parameters.district.communities.Turkish.closure: is an input"],
    ),
    "plausible for a lever": (
        TINY.replace("[0.0, 1.0]", "plausible").replace("behaviour.dependency.strength", "office.staff_hours_support"),
        ["tiny.yaml: parameters: office.staff_hours_support = plausible: declares no plausible range",
         "allowed: 'plausible' for a real-valued uncertainty"],
    ),
    "plausible for an unknown path": (
        TINY.replace("behaviour.dependency.strength: [0.0, 1.0]", "behaviour.dependency.strenght: plausible"),
        ["tiny.yaml: parameters: behaviour.dependency.strenght = plausible: is not a parameter of the schema "
         "(did you mean 'behaviour.dependency.strength'?)"],
    ),
    "a word instead of the parameters": (
        re.sub(r"parameters:\n(  .*\n)+", "parameters: everything\n", TINY),
        ["tiny.yaml: parameters: 'everything': allowed: 'all uncertainties', or a mapping of dotted paths"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_spec_is_refused_clearly(tmp_path, case):
    text, expected = CASES[case]
    spec = write(tmp_path / "tiny.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_spec(spec)
    for part in expected:
        assert part in str(info.value), (part, str(info.value))


@pytest.mark.parametrize("case", ["unknown parameter path", "range outside the allowed range", "base_samples not a power of 2"])
def test_cli_refuses_a_broken_spec_with_status_2_and_no_traceback(tmp_path, case):
    text, expected = CASES[case]
    spec = write(tmp_path / "tiny.yaml", text)
    result = CliRunner().invoke(app, ["sensitivity", str(spec), "--workers", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ") and expected[0] in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()  # refused before any run


def test_cli_refuses_an_unknown_method(tmp_path):
    spec = write(tmp_path / "tiny.yaml", TINY)
    result = CliRunner().invoke(app, ["sensitivity", str(spec), "--method", "fast"])
    assert result.exit_code == 2
    shown = " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())  # typer's error box, unwrapped
    assert "Invalid value for '--method'" in shown and "'morris', 'sobol', 'both'" in shown

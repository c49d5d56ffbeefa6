"""Parameter uncertainty in batches (param_sample.py, experiment.py, batch.py, store.py,
report.py): weighted draws that are reproducible, the same draw for a replicate in every
variant and district, the drawn values in the runs, a changed sample refused on resume, clear
errors for a broken sample, and a report that says its intervals include parameter uncertainty.

The batches run both districts at 5% scale for 12 months (18 runs of a fraction of a second).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from stadtteil_sim.cli import app
from stadtteil_sim.config import paths
from stadtteil_sim.config.errors import validate_model
from stadtteil_sim.config.loading import display_path, read_yaml
from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.design import Experiment, load_experiment, make_design
from stadtteil_sim.experiments.executors import ExecutorSpec
from stadtteil_sim.experiments.param_sample import draw_rows
from stadtteil_sim.experiments.store import StoreError, load_results

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "posterior_sample.csv"
OFFICE = "behaviour.activation.weight_office"
FOUNDING = "behaviour.associations.founding_rate"
MIN_MONTHS = "behaviour.associations.founding_min_months"
STRONG = 1.5  # the weight_office the variant 'strong_office' sets itself


def experiment(folder: Path, sample: str = "sample.csv", replicates: int = 3, extra: str = "") -> Path:
    """Both districts, handover at 6 or 12, and a variant that sets a sampled path itself."""
    path = folder / "exp.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: posterior_tiny
        scenarios:
          - {ROOT / "scenarios/kranichstein_sued.yaml"}
          - {ROOT / "scenarios/eberstadt_sued.yaml"}
        overrides: {{run.scale: 0.05, run.months: 12}}
        grid:
          office.handover_month: [6, 12]
        variants:
          strong_office: {{{OFFICE}: {STRONG}}}
        replicates: {replicates}
        seed: 7
        keep: {{indicators: [migrant_participation_rate], months: all}}
        objectives: {{migrant_participation_rate@12: maximise}}
        parameters: {{sample: {sample}}}
        """) + textwrap.dedent(extra), encoding="utf-8")
    return path


def sample_rows() -> pd.DataFrame:
    return pd.read_csv(SAMPLE)


# ---------------------------------------------------------------- draws
def test_draws_are_reproducible_for_a_seed_and_follow_the_weights():
    weights = np.array([0.0, 1.0, 2.0, 0.0, 1.0])
    draws = draw_rows(weights, 5, 2000, seed=3)
    assert np.array_equal(draws, draw_rows(weights, 5, 2000, seed=3))
    assert not np.array_equal(draws, draw_rows(weights, 5, 2000, seed=4))
    assert set(draws) == {1, 2, 4}  # rows of weight 0 are never drawn
    assert np.mean(draws == 2) == pytest.approx(0.5, abs=0.05)  # half of the weight
    dominant = draw_rows(np.array([1.0, 1.0, 100.0, 1.0]), 4, 1000, seed=3)
    assert np.mean(dominant == 2) > 0.9
    equal = draw_rows(None, 5, 1000, seed=3)  # no weight column: every row alike
    assert set(equal) == set(range(5)) and np.bincount(equal).min() > 150


def test_a_replicate_has_the_same_draw_in_every_variant_and_district(tmp_path):
    shutil.copy(SAMPLE, tmp_path / "sample.csv")
    design = load_experiment(experiment(tmp_path, replicates=8))
    sample = sample_rows()
    assert design.draws == tuple(draw_rows(sample["weight"].to_numpy(), len(sample), 8, 7))
    assert design.draws == load_experiment(tmp_path / "exp.yaml").draws  # the same file, the same draws
    assert len(set(design.draws)) > 1  # replicates differ in their parameters
    by_replicate: dict[int, set] = {}
    for task in design.tasks:
        by_replicate.setdefault(task.replicate, set()).add(task.parameter_draw)
        row = sample.iloc[task.parameter_draw]
        assert task.parameters[FOUNDING] == row[FOUNDING] and task.parameters[MIN_MONTHS] == row[MIN_MONTHS]
        # The variant's own setting wins: its tasks leave weight_office to the variant.
        assert (OFFICE in task.parameters) == (task.variant != "strong_office")
    assert all(len(d) == 1 for d in by_replicate.values())
    assert {r: d.pop() for r, d in by_replicate.items()} == dict(enumerate(design.draws))
    assert {t.base for t in design.tasks} == {"kranichstein_sued", "eberstadt_sued"}
    assert design.set_by_experiment == {"strong_office": [OFFICE]}


def test_a_parquet_sample_gives_what_the_csv_gives(tmp_path):
    sample_rows().to_parquet(tmp_path / "sample.parquet", index=False)
    shutil.copy(SAMPLE, tmp_path / "sample.csv")
    from_csv = load_experiment(experiment(tmp_path))
    from_parquet = load_experiment(experiment(tmp_path, sample="sample.parquet"))
    assert from_csv.draws == from_parquet.draws
    assert [t.parameters for t in from_csv.tasks] == [t.parameters for t in from_parquet.tasks]
    assert type(from_parquet.tasks[0].parameters[MIN_MONTHS]) is int  # an int parameter stays an int


def test_the_example_experiment_is_valid_with_a_sample():
    path = ROOT / "experiments" / "handover_timing_posterior.yaml"
    data = read_yaml(path)
    assert data["parameters"]["sample"] == "../calibration/posterior.csv"
    data["parameters"]["sample"] = str(SAMPLE)  # until the calibration's posterior is there
    design = make_design(validate_model(Experiment, data, str(path)), path)
    assert len(design.tasks) == 2 * 12 * 20 and len(design.draws) == 20


# ---------------------------------------------------------------- runs
@pytest.fixture(scope="module")
def batch(tmp_path_factory, monkeypatch_module):
    """The tiny experiment run serially; the scenarios the runs actually used are recorded."""
    import stadtteil_sim.model.runner as runner

    folder = tmp_path_factory.mktemp("posterior")
    shutil.copy(SAMPLE, folder / "sample.csv")
    used = []
    real_run = runner.run_city

    def recording(scenario, seed=None, **kwargs):
        result = real_run(scenario, seed=seed, **kwargs)
        used.append((scenario["districts"][0], result.scenario.districts[0]))  # each a city of one
        return result

    monkeypatch_module.setattr(runner, "run_city", recording)
    summary = run_batch(experiment(folder), folder / "out", ExecutorSpec("serial"), progress=False)
    monkeypatch_module.setattr(runner, "run_city", real_run)
    assert summary.completed == 18 and not summary.failures
    return folder, used


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_drawn_values_reach_the_runs(batch):
    folder, used = batch
    runs = load_results(folder / "out").runs
    sample = sample_rows()
    drawn = sample.iloc[runs["parameter_draw"]].reset_index(drop=True)
    for path in (OFFICE, FOUNDING, MIN_MONTHS):
        expected = drawn[path].where(runs["variant"] != "strong_office", STRONG) if path == OFFICE else drawn[path]
        assert runs[f"param.{path}"].tolist() == expected.tolist(), path
    assert runs.groupby("replicate")["parameter_draw"].nunique().eq(1).all()  # paired
    # The scenario each run used is its (district, variant) scenario with the draw on top.
    assert len(used) == 18
    rows = {tuple(r) for r in sample[[FOUNDING, MIN_MONTHS]].itertuples(index=False)}
    for given, scenario in used:
        assert (paths.get(scenario, FOUNDING), paths.get(scenario, MIN_MONTHS)) in rows
        assert scenario.to_dict() != given
        assert paths.get(scenario, "office.handover_month") == given["office"]["handover_month"]


def test_the_manifest_and_folder_keep_the_sample(batch):
    folder, _ = batch
    manifest = load_results(folder / "out").manifest
    parameters = manifest["parameters"]
    assert parameters["rows"] == 30 and parameters["weighted"] and len(parameters["draws"]) == 3
    assert parameters["columns"] == [OFFICE, FOUNDING, MIN_MONTHS]
    assert (folder / "out" / "parameter_sample.csv").read_bytes() == SAMPLE.read_bytes()


def test_resume_refuses_a_changed_sample(tmp_path):
    shutil.copy(SAMPLE, tmp_path / "sample.csv")
    exp = experiment(tmp_path, replicates=1)
    first = run_batch(exp, tmp_path / "out", ExecutorSpec("serial"), progress=False)
    again = run_batch(exp, tmp_path / "out", ExecutorSpec("serial"), progress=False)
    assert again.skipped == first.completed == 6 and again.completed == 0
    changed = sample_rows()
    changed.loc[:, FOUNDING] = changed[FOUNDING] * 1.1  # a recalibrated posterior, same shape
    changed.to_csv(tmp_path / "sample.csv", index=False)
    with pytest.raises(StoreError, match="another version of the parameter sample"):
        run_batch(exp, tmp_path / "out", ExecutorSpec("serial"), progress=False)
    assert len(list((tmp_path / "out" / "runs").glob("*.parquet"))) == 6


# ---------------------------------------------------------------- broken samples
HEADER = f"{OFFICE},{FOUNDING},weight\n"
CASES = {
    "missing": ("nowhere.csv", None, ["exp.yaml: parameters.sample", "nowhere.csv", "not found"]),
    "not csv or parquet": ("sample.txt", HEADER + "0.5,0.03,1\n", ["sample.txt", "not a CSV or Parquet file"]),
    "empty file": ("sample.csv", "", ["sample.csv", "the file is empty"]),
    "no rows": ("sample.csv", HEADER, ["sample.csv", "no rows"]),
    "unknown column": ("sample.csv", "behaviour.activation.weight_ofice\n0.5\n",
                       ["sample.csv", "column 'behaviour.activation.weight_ofice'", f"did you mean '{OFFICE}'"]),
    "run setting": ("sample.csv", "run.months\n24\n", ["sample.csv", "column 'run.months'", "run setting"]),
    "out of range": ("sample.csv", HEADER + "0.5,0.03,1\n7.5,0.03,1\n",
                     ["sample.csv", f"row 1 (line 3), column '{OFFICE}' = 7.5", "float in [0, 3]"]),
    "not whole": ("sample.csv", f"{MIN_MONTHS}\n9\n9.5\n",
                  ["sample.csv", f"row 1 (line 3), column '{MIN_MONTHS}' = 9.5", "not a whole number"]),
    "not a number": ("sample.csv", HEADER + "0.5,0.03,1\n0.5,lots,1\n",
                     ["sample.csv", f"row 1 (line 3), column '{FOUNDING}' = 'lots'", "not a number"]),
    "empty cell": ("sample.csv", HEADER + "0.5,,1\n", ["sample.csv", f"row 0 (line 2), column '{FOUNDING}' is empty"]),
    "negative weight": ("sample.csv", HEADER + "0.5,0.03,1\n0.5,0.03,-0.5\n",
                        ["sample.csv", "row 1 (line 3), column 'weight' = -0.5", "negative"]),
    "zero weights": ("sample.csv", HEADER + "0.5,0.03,0\n0.6,0.03,0\n", ["sample.csv", "column 'weight'", "every weight is 0"]),
    "weight not a number": ("sample.csv", HEADER + "0.5,0.03,heavy\n", ["sample.csv", "column 'weight' = 'heavy'"]),
    "parquet out of range": ("sample.parquet", None, ["sample.parquet", f"row 1, column '{FOUNDING}' = 2.0", "float in [0, 1]"]),
    "impossible with a variant": (
        "sample.csv", "office.handover_month\n3\n",
        ["sample.csv: row 0, column 'office.handover_month'", "before start_month=6", "variant 'late_start'"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_sample_is_refused_clearly_and_nothing_is_written(tmp_path, monkeypatch, case):
    name, text, expected = CASES[case]
    if text is not None:
        (tmp_path / name).write_text(text, encoding="utf-8")
    elif name.endswith(".parquet"):
        pd.DataFrame({FOUNDING: [0.03, 2.0]}).to_parquet(tmp_path / name, index=False)
    extra = "" if case != "impossible with a variant" else "variants:\n  late_start: {office.start_month: 6}\n"
    exp = experiment(tmp_path, sample=name)
    if extra:  # replace the variants section by one that starts the office late
        exp.write_text(exp.read_text().replace(f"variants:\n  strong_office: {{{OFFICE}: {STRONG}}}\n", extra))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["batch", "exp.yaml", "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    for part in expected:
        assert part in result.stderr, (part, result.stderr)
    assert not (tmp_path / "results").exists()


# ---------------------------------------------------------------- report
def test_the_report_says_its_intervals_include_parameter_uncertainty(batch):
    folder, _ = batch
    result = CliRunner().invoke(app, ["report", str(folder / "out"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    sentence = ("Intervals include parameter uncertainty: each of the 3 replicates uses one draw from "
                f"{display_path(folder / 'sample.csv')} (30 rows, resampled with replacement weighted by its weight "
                "column; 3 different rows drawn), the same draw in every variant and district")
    text = (folder / "out" / "report" / "report.md").read_text(encoding="utf-8")
    summary = text.split("## Summary\n", 1)[1].split("\n## ", 1)[0]
    assert sentence in summary
    assert f"({OFFICE}, in 1 variant), its own value is used instead of the draw" in summary
    assert "same seed and parameter draw in every variant and district" in text
    assert "do not include parameter uncertainty" not in text
    unwrapped = "".join(result.stdout.split())  # the terminal wraps lines, also at hyphens of the path
    assert "".join(sentence.split()) in unwrapped

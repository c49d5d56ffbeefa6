"""A good citizen in Jupyter: importing the package leaves matplotlib's backend alone (no module
calls matplotlib.use, so plt.show() keeps working), figures are Figure objects of their own,
and results show themselves in a few lines (repr) or as a small HTML table (_repr_html_).

The runs here are tiny (5 % of Kranichstein-Süd for six months; a two-variant batch on a
1,000-inhabitant district for three months), so the module takes seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from matplotlib.figure import Figure

import stadtteil_sim
from samples import SMALL
from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.executors import ExecutorSpec
from stadtteil_sim.experiments.store import load_results

ROOT = Path(__file__).resolve().parents[1]

# Imports every module of the package in a fresh interpreter whose backend was chosen first,
# as a notebook does (%matplotlib inline, or a GUI backend); prints what it found as JSON.
IMPORT_ALL = """\
import importlib, json, pkgutil, sys
import matplotlib
matplotlib.use("svg")
import stadtteil_sim

imported, skipped, pyplot_by = [], {}, None
modules = pkgutil.walk_packages(stadtteil_sim.__path__, "stadtteil_sim.", onerror=lambda name: None)
for name in sorted(info.name for info in modules):
    if name == "stadtteil_sim.__main__":  # runs the command line
        continue
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:  # the dashboard's optional extras, and nothing else
        if not name.startswith("stadtteil_sim.app.") or (exc.name or "").startswith("stadtteil_sim"):
            raise
        skipped[name] = exc.name
        continue
    imported.append(name)
    if pyplot_by is None and "matplotlib.pyplot" in sys.modules:
        pyplot_by = name
print(json.dumps({"backend": matplotlib.get_backend(), "imported": imported, "skipped": skipped,
                  "pyplot_by": pyplot_by}))
"""


@pytest.fixture(scope="module")
def imported_all() -> dict:
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_every_module_keeps_the_chosen_backend(imported_all):
    assert imported_all["backend"] == "svg"
    names = set(imported_all["imported"])
    for module in ("experiments.report", "experiments.run_folder", "calibration.posterior", "calibration.sensitivity",
                   "model.runner", "experiments.store", "cli", "app.animate"):
        assert f"stadtteil_sim.{module}" in names
    assert len(names) + len(imported_all["skipped"]) > 30  # the walk found the whole package


def test_no_module_outside_the_dashboard_imports_pyplot(imported_all):
    """pyplot's global figures are not ours to use; Mesa's visualisation (imported by the
    dashboard, stadtteil_sim.app) does import it, so the walk must reach app before pyplot."""
    first = imported_all["pyplot_by"]
    assert first is None or first.startswith("stadtteil_sim.app"), f"{first} imported matplotlib.pyplot"


def test_sources_do_not_touch_pyplot_or_the_backend():
    package = ROOT / "src" / "stadtteil_sim"
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "matplotlib.use(" not in text, path
        assert "plt." not in text, path


# ------------------------------------------------------------------ one run
@pytest.fixture(scope="module")
def result():
    return stadtteil_sim.run(ROOT / "scenarios/kranichstein_sued.yaml", seed=1, overrides={"run.scale": 0.05, "run.months": 6})


def test_plot_returns_the_main_indicators_figure(result):
    fig = result.plot()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 9
    assert [ax.get_title() for ax in fig.axes][:2] == ["migrant participation", "native participation"]
    assert fig.get_suptitle() == "Kranichstein-Süd (seed 1)"
    assert result.plot() is not fig  # a new figure each time, not pyplot's current one


def test_run_result_repr_is_short(result):
    text = repr(result)
    assert len(text) < 400, text
    assert text.startswith("RunResult(") and "Kranichstein-Süd" in text and "seed 1" in text
    assert "6 months" in text and f"summary: {len(result.summary)} values" in text
    rows, cols = result.timeseries.shape
    assert f"timeseries {rows} x {cols}" in text
    assert str(result) == text  # print(result) too


def test_run_result_html_shows_the_summary(result):
    page = result._repr_html_()
    assert "<table" in page and "Kranichstein-Süd" in page and "seed 1" in page and "6 months" in page
    for key in result.summary:
        assert f">{key}<" in page
    assert "<th style='text-align:left'>office_staff_hours_total</th><td>480</td>" in page
    assert len(page) < 10_000


# ------------------------------------------------------------------ one batch
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebook_batch")
    (folder / "small.yaml").write_text(SMALL, encoding="utf-8")
    experiment = folder / "exp.yaml"
    experiment.write_text(textwrap.dedent("""\
        name: notebook
        scenarios: [small.yaml]
        overrides: {run.months: 3}
        grid:
          office.handover_month: [1, 2]
        replicates: 2
        seed: 5
        keep: {indicators: [migrant_participation_rate], months: all}
        """), encoding="utf-8")  # fmt: skip
    run_batch(experiment, folder / "out", ExecutorSpec("serial"), progress=False)
    return load_results(folder / "out")


def test_batch_results_repr_is_short(batch):
    text = repr(batch)
    assert len(text) < 400, text
    assert text.startswith("BatchResults(") and str(batch.folder) in text
    assert "'notebook'" in text and "runs 4/4 finished" in text and "0 failed" in text
    assert str(batch) == text


def test_batch_results_html_lists_the_variants(batch):
    page = batch._repr_html_()
    assert "<table" in page and "notebook" in page and "4 of 4 runs finished" in page and "0 failed" in page
    for variant in batch.manifest["variants"]:
        assert f"<td>{variant['name']}</td>" in page
    assert len(page) < 10_000

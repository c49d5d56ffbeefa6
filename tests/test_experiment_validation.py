"""Broken experiment files: a clear message naming the file, the key and what is allowed, exit
status 2, no traceback, and nothing written (the checks all run before the first model run)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from samples import SMALL, write
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.experiments.design import load_experiment

GOOD = """\
name: tiny
scenarios: [small.yaml]
grid:
  office.handover_month: [6, 12]
replicates: 2
"""




@pytest.fixture
def folder(tmp_path):
    write(tmp_path / "small.yaml", SMALL)
    return tmp_path


CASES = {
    "not yaml": ("name: [tiny\n", ["exp.yaml", "not valid YAML"]),
    "unknown key": (GOOD + "replicate: 3\n", ["exp.yaml", "replicate", "did you mean 'replicates'"]),
    "wrong type": (GOOD.replace("replicates: 2", "replicates: many"), ["exp.yaml", "replicates", "many"]),
    "zero replicates": (GOOD.replace("replicates: 2", "replicates: 0"), ["replicates", "greater than or equal to 1"]),
    "bad name": (GOOD.replace("name: tiny", "name: ../up"), ["exp.yaml: name", "allowed: letters, digits"]),
    "missing scenario": (GOOD.replace("small.yaml", "nowhere.yaml"), ["exp.yaml", "nowhere.yaml", "not found"]),
    "unknown path in grid": (
        GOOD.replace("office.handover_month", "office.handover_moth"),
        ["exp.yaml: grid", "handover_moth", "did you mean 'handover_month'"],
    ),
    "value out of range in grid": (
        GOOD.replace("[6, 12]", "[6, 9999]"),
        ["exp.yaml: grid", "office.handover_month = 9999", "handover_month=9999"],
    ),
    "impossible combination": (
        GOOD + "overrides: {office.start_month: 10}\n",
        ["handover_month=6 is before start_month=10", "handover_month=6"],
    ),
    "unknown objective": (GOOD + "objectives: {happiness: maximise}\n", ["objectives", "unknown metric 'happiness'"]),
    "bad goal": (GOOD + "objectives: {participation_month_84: maximize}\n", ["objectives", "maximise", "minimise"]),
    "metric past the end": (
        GOOD + "overrides: {run.months: 24}\nobjectives: {token_index@36: minimise}\n",
        ["objectives.token_index@36", "past the runs' end", "0..24"],
    ),
    "keep unknown indicator": (GOOD + "keep: {indicators: [token]}\n", ["keep.indicators", "unknown indicator", "token_index"]),
    "reference not a variant": (GOOD + "reference: h99\n", ["reference 'h99' is not a variant", "handover_month=6"]),
    "empty factor": (GOOD.replace("[6, 12]", "[]"), ["no levels"]),
    "repeated level": (GOOD.replace("[6, 12]", "[6, 6]"), ["lists a value twice"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_experiment_is_refused_clearly(folder, case):
    text, expected = CASES[case]
    path = write(folder / "exp.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    message = str(info.value)
    for part in expected:
        assert part in message, (part, message)


def test_cli_batch_fails_cleanly_and_writes_nothing(folder):
    write(folder / "exp.yaml", GOOD.replace("replicates: 2", "replicates: -1"))
    proc = subprocess.run(
        [sys.executable, "-m", "stadtteil_sim", "batch", "exp.yaml", "--workers", "1"],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "error: exp.yaml: replicates" in proc.stderr
    assert not (folder / "results").exists()


def test_cli_batch_refuses_two_executors(folder):
    write(folder / "exp.yaml", GOOD)
    proc = subprocess.run(
        [sys.executable, "-m", "stadtteil_sim", "batch", "exp.yaml", "--workers", "2", "--dask-workers", "2"],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "allowed: one of --workers, --scheduler, --dask-workers" in proc.stderr
    assert not (folder / "results").exists()

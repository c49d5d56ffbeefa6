"""Batches (experiment.py, batch.py, executors.py, store.py): the paired design, a store that
resumes after SIGKILL and refuses a changed experiment, failures recorded, and the same results
from every executor (serial, spawn process pool, Dask with two workers).

Every batch here runs a 1,000-inhabitant district for a few months, so runs take a fraction of
a second; the executor tests pay mostly for starting worker processes.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from samples import SMALL, write
from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.design import load_experiment, replicate_seed
from stadtteil_sim.experiments.executors import ExecutorError, ExecutorSpec, _Groups, execute
from stadtteil_sim.experiments.ownership import OutputError
from stadtteil_sim.experiments.store import StoreError, load_results

# Columns that describe how a run was executed, not what it computed.
BOOKKEEPING = ["duration_s", "worker"]




def experiment(folder: Path, *, replicates: int = 3, months: int = 24, extra: str = "") -> Path:
    """A 2 x 2 grid on the small district (12 runs for 3 replicates)."""
    write(folder / "small.yaml", SMALL)
    return write(
        folder / "exp.yaml",
        f"""\
        name: tiny
        scenarios: [small.yaml]
        overrides: {{run.months: {months}}}
        grid:
          office.handover_month: [6, 12]
          office.link_month: [0, 6]
        replicates: {replicates}
        seed: 11
        keep: {{indicators: [migrant_participation_rate, token_index], months: all}}
        objectives: {{participation_24m_after_handover: maximise, token_index@12: minimise}}
        budget: {{office_staff_hours_total: 900}}
        """
        + textwrap.dedent(extra),
    )


def model_columns(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.drop(columns=BOOKKEEPING).sort_values("run_id", ignore_index=True)


@pytest.fixture(scope="module")
def serial_batch(tmp_path_factory):
    """The reference: the tiny experiment run serially, uninterrupted."""
    folder = tmp_path_factory.mktemp("serial")
    summary = run_batch(experiment(folder), folder / "out", ExecutorSpec("serial"), progress=False)
    return folder, summary, load_results(folder / "out")


# ---------------------------------------------------------------- design
def test_grid_expands_in_full_with_paired_seeds(tmp_path):
    design = load_experiment(experiment(tmp_path))
    assert [v.name for v in design.variants] == [
        "handover_month=6 link_month=0", "handover_month=6 link_month=6",
        "handover_month=12 link_month=0", "handover_month=12 link_month=6",
    ]  # fmt: skip
    assert design.reference == "handover_month=6 link_month=0"  # the first variant by default
    assert len(design.tasks) == 4 * 3
    seeds = {}
    for task in design.tasks:
        seeds.setdefault(task.replicate, set()).add(task.seed)
        assert task.scenario["districts"][0]["office"]["handover_month"] == int(task.variant.split()[0].split("=")[1])
    # Common random numbers: one seed per replicate, shared by every variant; replicates differ.
    assert all(len(s) == 1 for s in seeds.values())
    assert len({next(iter(s)) for s in seeds.values()}) == 3
    assert replicate_seed(11, 0) == next(iter(seeds[0]))


def test_named_levels_and_variants(tmp_path):
    write(tmp_path / "small.yaml", SMALL)
    path = write(
        tmp_path / "exp.yaml",
        """\
        name: named
        scenarios: [small.yaml]
        grid:
          handover:
            early: {office.handover_month: 6}
            stable: {office.handover_rule: stable}
        variants:
          no_office: {office.enabled: false}
        reference: no_office
        replicates: 2
        """,
    )
    design = load_experiment(path)
    assert [v.name for v in design.variants] == ["handover=early", "handover=stable", "no_office"]
    assert design.scenarios[("small", "handover=stable")]["districts"][0]["office"]["handover_rule"] == "stable"
    assert design.scenarios[("small", "no_office")]["districts"][0]["office"]["enabled"] is False
    assert design.variants[2].levels == {}
    assert design.reference == "no_office"


# ---------------------------------------------------------------- store
def test_batch_stores_every_run_once_with_its_series(serial_batch):
    folder, summary, results = serial_batch
    assert summary.completed == 12 and summary.skipped == 0 and not summary.failures
    assert sorted(results.runs["run_id"]) == sorted(t.run_id for t in load_experiment(folder / "exp.yaml").tasks)
    assert set(results.series.columns) == {"run_id", "district", "month", "migrant_participation_rate", "token_index"}
    assert (results.series.groupby("run_id").size() == 25).all()  # months 0..24
    assert {"factor.handover_month", "factor.link_month", "token_index@12"} <= set(results.runs.columns)
    # A metric column holds the indicator at that month of the stored series.
    row = results.runs.iloc[0]
    series = results.series[results.series["run_id"] == row["run_id"]].set_index("month")
    assert row["token_index@12"] == series.at[12, "token_index"]
    manifest = results.manifest
    assert manifest["runs_total"] == 12 and manifest["reference"] == "handover_month=6 link_month=0"
    assert {"stadtteil_sim", "mesa", "numpy"} <= set(manifest["versions"])
    assert len(manifest["scenarios"]) == 4 and manifest["sessions"][-1]["ended"]


def test_rerun_skips_finished_runs(serial_batch, tmp_path):
    folder, _, results = serial_batch
    again = run_batch(folder / "exp.yaml", folder / "out", ExecutorSpec("serial"), progress=False)
    assert again.completed == 0 and again.skipped == 12
    assert len(load_results(folder / "out").runs) == 12


def test_changed_experiment_is_refused(serial_batch):
    folder, _, _ = serial_batch
    changed = experiment(folder / "changed", replicates=4)
    before = sorted(p.name for p in (folder / "out" / "runs").iterdir())
    with pytest.raises(StoreError, match="different experiment"):
        run_batch(changed, folder / "out", ExecutorSpec("serial"), progress=False)
    assert sorted(p.name for p in (folder / "out" / "runs").iterdir()) == before


def test_runs_of_other_model_code_are_not_mixed_in(tmp_path, monkeypatch):
    import stadtteil_sim.experiments.store as store

    exp = experiment(tmp_path, replicates=1)
    run_batch(exp, tmp_path / "out", ExecutorSpec("serial"), progress=False)
    monkeypatch.setattr(store, "code_fingerprint", lambda: "another version")
    with pytest.raises(StoreError, match="different version of stadtteil_sim's model code"):
        run_batch(exp, tmp_path / "out", ExecutorSpec("serial"), progress=False)


def test_a_folder_that_is_not_a_batch_is_refused_unless_forced(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="did not write .*--force"):
        run_batch(experiment(tmp_path), tmp_path / "out", ExecutorSpec("serial"), progress=False)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notes.txt"]
    summary = run_batch(experiment(tmp_path), tmp_path / "out", ExecutorSpec("serial"), progress=False, force=True)
    assert summary.completed == 12
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
    again = run_batch(experiment(tmp_path), tmp_path / "out", ExecutorSpec("serial"), progress=False)  # now ours
    assert again.skipped == 12


def test_a_failing_run_is_recorded_and_the_batch_goes_on(tmp_path, monkeypatch):
    import stadtteil_sim.model.runner as runner

    real_run = runner.run_city

    def flaky(scenario, seed=None, **kwargs):
        if scenario["districts"][0]["office"]["link_month"] == 6 and seed == replicate_seed(11, 1):
            raise RuntimeError("boom in the model")
        return real_run(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(runner, "run_city", flaky)
    summary = run_batch(experiment(tmp_path), tmp_path / "out", ExecutorSpec("serial"), progress=False)
    assert summary.completed == 10 and len(summary.failures) == 2
    results = load_results(tmp_path / "out")
    assert len(results.runs) == 10 and len(results.failures) == 2
    assert all("boom in the model" in tb for tb in results.failures["traceback"])
    assert set(results.failures["replicate"]) == {1}
    # A rerun retries the failed runs (here they succeed) and clears their failure records.
    monkeypatch.setattr(runner, "run_city", real_run)
    again = run_batch(experiment(tmp_path), tmp_path / "out", ExecutorSpec("serial"), progress=False)
    assert again.completed == 2 and not again.failures
    assert load_results(tmp_path / "out").failures.empty


def test_progress_logs_lines_when_not_on_a_terminal(tmp_path, capsys):
    run_batch(experiment(tmp_path, replicates=1), tmp_path / "out", ExecutorSpec("serial"), progress=True)
    err = capsys.readouterr().err
    assert "tiny: 4/4 runs" in err and "runs/min" in err and "failures 0" in err
    assert "\r" not in err  # no progress bar redraws in a log


# ---------------------------------------------------------------- kill -9 and resume
def test_sigkill_then_rerun_gives_every_run_exactly_once(serial_batch, tmp_path):
    exp = experiment(tmp_path, months=60)  # longer runs, so the kill lands mid-batch
    reference = run_batch(exp, tmp_path / "uninterrupted", ExecutorSpec("serial"), progress=False)
    assert reference.completed == 12
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "stadtteil_sim", "batch", str(exp), "--workers", "1", "--out", str(out)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        stored = len(list((out / "runs").glob("*.parquet"))) if (out / "runs").exists() else 0
        if stored >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    after_kill = len(list((out / "runs").glob("*.parquet")))
    assert 3 <= after_kill < 12
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{after_kill} were already there" in rerun.stdout
    resumed, uninterrupted = load_results(out), load_results(tmp_path / "uninterrupted")
    assert resumed.runs["run_id"].is_unique and len(resumed.runs) == 12
    pd.testing.assert_frame_equal(model_columns(resumed.runs), model_columns(uninterrupted.runs))
    pd.testing.assert_frame_equal(resumed.series, uninterrupted.series)
    assert len(resumed.manifest["sessions"]) == 2


# ---------------------------------------------------------------- executors
def test_spawn_process_pool_gives_the_serial_results(serial_batch, tmp_path):
    folder, _, serial = serial_batch
    run_batch(folder / "exp.yaml", tmp_path / "pool", ExecutorSpec("pool", workers=2, start_method="spawn"), progress=False)
    pooled = load_results(tmp_path / "pool")
    pd.testing.assert_frame_equal(model_columns(pooled.runs), model_columns(serial.runs))
    pd.testing.assert_frame_equal(pooled.series, serial.series)
    # The runs happened in worker processes, not in this one.
    assert os.getpid() not in {int(w.split(":")[-1]) for w in pooled.runs["worker"]}


def which_worker(folder: str, task: tuple[int, int]) -> tuple[tuple[int, int], int]:
    """Note this process, wait until both workers have begun (so that neither races through the
    others' groups while the other still starts), then take a moment."""
    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + 120
    while len(os.listdir(folder)) < 2:
        assert time.monotonic() < deadline, "the second worker never started"
        time.sleep(0.01)
    time.sleep(0.05)
    return task, os.getpid()


def test_the_pool_keeps_a_group_on_the_worker_that_began_it(tmp_path):
    """The batch's runs of one seed share a burned-in district only within one process."""
    tasks = [(g, i) for g in range(4) for i in range(3)]
    fn = functools.partial(which_worker, str(tmp_path))
    ran = dict(execute(fn, tasks, ExecutorSpec("pool", workers=2), group=lambda t: t[0]))
    assert sorted(ran) == tasks  # every task once
    # The first two groups begin on the two workers and nobody else reaches them before they end.
    assert len({ran[(0, i)] for i in range(3)}) == 1 and len({ran[(1, i)] for i in range(3)}) == 1
    assert ran[(0, 0)] != ran[(1, 0)]


def test_groups_hand_out_every_task_once_keeping_to_a_group_then_taking_from_the_fullest():
    groups = _Groups([("a", 1), ("a", 2), ("b", 1), ("b", 2), ("b", 3)], group=lambda t: t[0])
    assert groups.next_for(None) == ("a", ("a", 1))
    assert groups.next_for(None) == ("b", ("b", 1))
    assert groups.next_for("a") == ("a", ("a", 2))
    # "a" is done and no group is untouched: the last task of the fullest group ("b")
    assert groups.next_for("a") == ("b", ("b", 3))
    assert groups.next_for("b") == ("b", ("b", 2))
    assert groups.next_for("b") == (None, None)


def test_dask_local_cluster_with_two_workers_gives_the_serial_results(serial_batch, tmp_path):
    folder, _, serial = serial_batch
    run_batch(folder / "exp.yaml", tmp_path / "dask", ExecutorSpec("dask", dask_workers=2), progress=False)
    dasked = load_results(tmp_path / "dask")
    pd.testing.assert_frame_equal(model_columns(dasked.runs), model_columns(serial.runs))
    pd.testing.assert_frame_equal(dasked.series, serial.series)
    assert dasked.runs["worker"].nunique() >= 2, dasked.runs["worker"].value_counts()


def test_cli_batch_on_an_existing_dask_cluster(serial_batch, tmp_path):
    """--scheduler ADDRESS: the engine for more than one machine, here a cluster on this one."""
    from dask.distributed import LocalCluster

    folder, _, serial = serial_batch
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        proc = subprocess.run(
            [sys.executable, "-m", "stadtteil_sim", "batch", str(folder / "exp.yaml"),
             "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "cluster")],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Dask cluster at tcp://" in proc.stdout and "12 runs stored" in proc.stdout
    remote = load_results(tmp_path / "cluster")
    pd.testing.assert_frame_equal(model_columns(remote.runs), model_columns(serial.runs))


# ---------------------------------------------------------------- executor failures
def exit_on_three(x: int) -> int:
    """A task whose worker process dies (as if killed or out of memory) on input 3."""
    if x == 3:
        os._exit(9)
    return x


def test_a_dying_pool_worker_is_an_executor_error_not_a_crash():
    with pytest.raises(ExecutorError, match="worker process died"):
        list(execute(exit_on_three, range(6), ExecutorSpec("pool", workers=2)))


def test_an_unreachable_scheduler_is_named():
    spec = ExecutorSpec("dask", scheduler="tcp://127.0.0.1:9", connect_timeout=1.0)
    with pytest.raises(ExecutorError, match="--scheduler tcp://127.0.0.1:9: cannot reach a Dask scheduler"):
        list(execute(exit_on_three, range(2), spec))

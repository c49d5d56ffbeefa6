"""SIGTERM, as a job scheduler sends it to the main process only, is handled like Ctrl-C: the
worker processes end too, finished runs stay stored, the exit status is 143 with a line on how
to resume, and the same command resumes. Real subprocesses on a small district (run.scale 0.05).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from samples import write
from stadtteil_sim.calibration.abc import _generations_done
from stadtteil_sim.experiments.store import load_results

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
EXIT_TERMINATED = 143




def experiment(folder: Path) -> Path:
    """24 runs of about 0.7 s each: long enough to be stopped midway on two workers."""
    return write(folder / "exp.yaml", f"""\
        name: stoppable
        scenarios: ["{KS}"]
        overrides: {{run.months: 120, run.scale: 0.05}}
        grid:
          office.handover_month: [12, 36]
          office.link_month: [0, 18]
        replicates: 6
        seed: 3
        keep: {{indicators: [migrant_participation_rate], months: [60, 120]}}
        """)


def alive_in_group(group: int) -> list[int]:
    """Processes of a process group that still run (zombies left to init do not count)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()  # after "pid (name) "
        if int(fields[2]) == group and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def terminate_when(command: list[str], ready, timeout: float = 240) -> tuple[subprocess.Popen, str]:
    """Start ``command`` in its own process group, send SIGTERM to its main process once
    ``ready()`` holds, and return the process and its output; fails if it ended before."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, cwd=ROOT)  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while not ready() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, f"finished before it could be stopped: {process.communicate()[0]}"
        assert ready(), "not ready in time"
        process.send_signal(signal.SIGTERM)  # to the main process only, as a job scheduler does
        output, _ = process.communicate(timeout=60)
        deadline = time.monotonic() + 5
        while alive_in_group(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive_in_group(process.pid), "worker processes outlived the main process by 5 s"
    finally:
        if process.poll() is None or alive_in_group(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process, output


def assert_terminated_cleanly(process: subprocess.Popen, output: str) -> None:
    assert process.returncode == EXIT_TERMINATED, output
    assert "terminated (SIGTERM)" in output and "run the same command again to resume" in output, output
    assert "Traceback" not in output, output


def stored(folder: Path) -> int:
    runs = folder / "runs"
    return len([p for p in runs.glob("*.parquet") if not p.name.startswith(".")]) if runs.is_dir() else 0


def test_sigterm_stops_a_batch_and_its_workers_and_the_same_command_resumes(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "stadtteil_sim", "batch", str(experiment(tmp_path)), "--workers", "2", "--out", str(out)]
    process, output = terminate_when(command, lambda: stored(out) >= 2)
    assert_terminated_cleanly(process, output)
    kept = stored(out)
    assert 2 <= kept < 24
    assert load_results(out).runs["run_id"].is_unique  # what is stored reads back intact
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{24 - kept} runs stored, {kept} were already there" in resumed.stdout
    runs = load_results(out).runs
    assert len(runs) == 24 and runs["run_id"].is_unique


def test_sigterm_stops_a_sensitivity_analysis_and_it_resumes(tmp_path):
    spec = write(tmp_path / "spec.yaml", f"""\
        name: stoppable
        scenarios: ["{KS}"]
        overrides: {{run.months: 120, run.scale: 0.05}}
        parameters:
          behaviour.recognition.contact_gain: [0.0, 0.5]
          behaviour.dependency.strength: [0.0, 1.0]
        outputs: [native_recognition@24]
        replicates: 2
        seed: 4
        morris: {{trajectories: 4, levels: 4}}
        """)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "stadtteil_sim", "sensitivity", str(spec), "--method", "morris",
               "--workers", "2", "--out", str(out)]  # fmt: skip
    process, output = terminate_when(command, lambda: stored(out / "morris") >= 2)
    assert_terminated_cleanly(process, output)
    total = int(re.search(r"= (\d+) runs", output).group(1))
    kept = stored(out / "morris")
    assert 2 <= kept < total
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"{total - kept} runs stored, {kept} were already there" in resumed.stdout
    assert (out / "indices_morris.csv").is_file() and stored(out / "morris") == total


def test_sigterm_stops_a_parallel_calibration_and_its_forked_workers_and_it_resumes(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({
        "name": "stoppable",
        "conditions": {"ks": {"scenario": str(KS), "overrides": {"run.months": 12, "run.scale": 0.05}}},
        "targets": [{"name": "participation", "condition": "ks", "metric": "migrant_participation_rate@12",
                     "observed": 0.02, "tolerance": 0.01}],
        "parameters": {"behaviour.activation.weight_office": {"low": 0.2, "high": 0.8}},
        "settings": {"population_size": 10, "max_generations": 3, "min_epsilon": 0, "seed": 7, "predictive_draws": 2},
    }))  # fmt: skip
    out = tmp_path / "out"
    command = [sys.executable, "-m", "stadtteil_sim", "calibrate", str(targets), "--workers", "2", "--out", str(out)]
    process, output = terminate_when(command, lambda: _generations_done(out / "history.db") >= 1)
    assert_terminated_cleanly(process, output)
    kept = _generations_done(out / "history.db")
    assert 1 <= kept < 3
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"resuming {out / 'history.db'}" in resumed.stdout
    assert _generations_done(out / "history.db") == 3


def test_sigterm_with_a_scheduler_cancels_the_runs_and_leaves_the_cluster_up(tmp_path):
    from dask.distributed import Client, LocalCluster

    out = tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        command = [sys.executable, "-m", "stadtteil_sim", "batch", str(experiment(tmp_path)),
                   "--scheduler", cluster.scheduler_address, "--out", str(out)]  # fmt: skip
        process, output = terminate_when(command, lambda: stored(out) >= 2)
        assert_terminated_cleanly(process, output)
        with Client(cluster.scheduler_address, timeout="20s") as client:
            assert len(client.scheduler_info()["workers"]) == 2  # the cluster was not shut down
            deadline = time.monotonic() + 10
            while client.processing() and any(client.processing().values()) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not any(client.processing().values()), "runs of the stopped batch still computing"
    assert 2 <= stored(out) < 24

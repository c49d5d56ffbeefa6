"""Runs per minute of the bundled experiment: 1 worker, a 2-worker process pool, and a 2-worker
Dask LocalCluster, on the same slice of tasks in one sitting (compare the ratios, not the
absolute numbers, on a shared machine).

    .venv/bin/python benchmarks/batch_throughput.py [--runs 80] [--experiment experiments/handover_timing.yaml]

Each configuration writes into a fresh temporary folder, so the store's cost is included.
Worker start-up (spawning processes, starting the Dask cluster) is included as well: it is what
an analyst waits for.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.design import load_experiment
from stadtteil_sim.experiments.executors import ExecutorSpec

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default=str(ROOT / "experiments" / "handover_timing.yaml"))
    parser.add_argument("--runs", type=int, default=80, help="tasks taken evenly from the experiment")
    args = parser.parse_args()
    design = load_experiment(args.experiment)
    step = max(1, len(design.tasks) // args.runs)
    design.tasks = design.tasks[::step][: args.runs]  # a mix of districts, variants and replicates
    configs = [
        ("1 worker (serial)", ExecutorSpec("serial")),
        ("process pool, 2 workers", ExecutorSpec("pool", workers=2)),
        ("Dask LocalCluster, 2 workers", ExecutorSpec("dask", dask_workers=2)),
    ]
    rates = {}
    print(f"{len(design.tasks)} runs of {design.experiment.name} per configuration")
    for label, spec in configs:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            summary = run_batch(design, Path(tmp) / "out", spec, progress=False)
            seconds = time.perf_counter() - started
        assert summary.completed == len(design.tasks) and not summary.failures
        rates[label] = summary.completed / seconds * 60
        print(f"  {label:<30} {rates[label]:7.1f} runs/min  ({seconds:.1f} s)")
    serial = rates["1 worker (serial)"]
    pool = rates["process pool, 2 workers"]
    dask = rates["Dask LocalCluster, 2 workers"]
    print(f"speed-up 1 -> 2 workers (pool): {pool / serial:.2f}x  (aim: >= 1.8x)")
    print(f"Dask LocalCluster / process pool: {dask / pool:.2f}")


if __name__ == "__main__":
    main()

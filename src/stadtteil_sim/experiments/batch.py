"""Running an experiment: every task once, on any executor, into a store that resumes.

``run_batch`` is what ``stadtteil-sim batch`` calls. Each run goes through
:func:`stadtteil_sim.experiments.record.run_task`, which calls the plain ``run_city`` function
(a district file is a city of one; with the replicate's parameter draw, if the experiment has a
sample); a run that raises is recorded with its traceback and the batch goes on.
"""

from __future__ import annotations

import math
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stadtteil_sim.experiments.design import Design, load_experiment
from stadtteil_sim.experiments.executors import ExecutorSpec, execute
from stadtteil_sim.experiments.ownership import claim_folder
from stadtteil_sim.experiments.record import run_task
from stadtteil_sim.experiments.store import BatchStore, is_batch_folder


@dataclass
class BatchSummary:
    folder: Path
    total: int
    skipped: int  # already stored before this call
    completed: int  # stored by this call
    failures: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


class Progress:
    """A progress bar on a terminal; a log line every ``every`` seconds (and at the end) otherwise."""

    def __init__(self, total: int, initial: int, label: str, stream=None, every: float = 15.0):
        self.total, self.done, self.failures = total, initial, 0
        self.initial = initial
        self.label, self.every = label, every
        self.stream = stream or sys.stderr
        self.started = self.last_log = time.monotonic()
        self.bar = None
        if getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, desc=label, unit="run", file=self.stream, dynamic_ncols=True)

    def update(self, failed: bool) -> None:
        self.done += 1
        self.failures += failed
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(failures=self.failures)
        elif time.monotonic() - self.last_log >= self.every:
            self._log()

    def _log(self) -> None:
        self.last_log = time.monotonic()
        elapsed = self.last_log - self.started
        new = self.done - self.initial
        rate = new / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else math.inf
        eta_text = "?" if math.isinf(eta) else f"{eta / 60:.1f} min"
        print(
            f"{self.label}: {self.done}/{self.total} runs, {rate * 60:.0f} runs/min, ETA {eta_text}, failures {self.failures}",
            file=self.stream, flush=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        else:
            self._log()


def burn_in_group(task) -> tuple[str, int]:
    """The runs that share a seed and a scenario: the variants of one base's replicate."""
    return task.base, task.replicate


def run_batch(
    experiment: str | Path | Design,
    out: str | Path | None = None,
    executor: ExecutorSpec | None = None,
    progress: bool = True,
    *,
    force: bool = False,
) -> BatchSummary:
    """Run every task of the experiment not yet in ``out`` (default ``results/<name>``).

    Raises ``ScenarioError`` for a broken experiment, ``StoreError`` for a folder that holds
    another experiment's results and ``OutputError`` for a folder of files the program did not
    write (unless ``force``: then they stay beside the batch's own), all before any run.
    """
    design = experiment if isinstance(experiment, Design) else load_experiment(experiment)
    folder = Path(out) if out is not None else Path("results") / design.experiment.name
    claim_folder(folder, "batch", force=force, recognise=is_batch_folder)
    store = BatchStore(folder, design)
    done = store.done()
    # Runs of one base and replicate side by side, and on one worker: it then starts all but the
    # first from the burned-in district it keeps (model/burn_in.py); the results depend on neither.
    todo = sorted((t for t in design.tasks if t.run_id not in done), key=burn_in_group)
    summary = BatchSummary(folder, len(design.tasks), len(design.tasks) - len(todo), 0)
    variant_index = {v.name: i for i, v in enumerate(design.variants)}
    levels = {v.name: v.levels for v in design.variants}
    factors = list(dict.fromkeys(k for v in design.variants for k in v.levels))
    bar = Progress(len(design.tasks), summary.skipped, design.experiment.name) if progress else None
    started = time.perf_counter()
    try:
        # closed at once on an interrupt, so the executor stops its workers before we report
        with closing(execute(run_task, todo, executor or ExecutorSpec(), group=burn_in_group)) as outcomes:
            for outcome in outcomes:
                if outcome.failure is not None:
                    store.record_failure(outcome.failure)
                    summary.failures.append(outcome.failure)
                else:
                    for row in outcome.rows:
                        row["variant_index"] = variant_index[row["variant"]]
                        for factor in factors:  # grid levels as columns; "" for named variants
                            row[f"factor.{factor}"] = levels[row["variant"]].get(factor, "")
                    store.commit(outcome.run_id, outcome.rows, outcome.series)
                    summary.completed += 1
                if bar is not None:
                    bar.update(outcome.failure is not None)
    finally:
        summary.seconds = time.perf_counter() - started
        if bar is not None:
            bar.close()
        store.close(len(summary.failures))
    return summary

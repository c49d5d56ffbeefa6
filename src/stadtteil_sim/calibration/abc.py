"""ABC-SMC calibration of the shared behavioural parameters against the observed patterns.

pyabc does the inference and keeps its history in SQLite (``history.db`` in the output folder),
so an interrupted calibration resumes from its last finished generation. Every parameter set is
run in every condition the fitted targets read (both districts, with and without the office),
so the districts are fitted jointly with shared behaviour and their own district inputs.

Reproducibility: with one worker the sampler draws from numpy's global generator seeded with
``settings.seed`` and every run's seed is drawn from it, so the same target file and seed give
the same posterior. pyabc's parallel samplers (several processes, Dask) re-seed their workers
from the operating system and accept particles in completion order: their posterior is a valid
sample but not reproducible draw for draw. That is the one documented exception to "same seed,
same results".
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import os
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stadtteil_sim.calibration.targets import (
    CalibrationSpec,
    ConditionOutput,
    Target,
    distance,
    parameter_key,
    parameter_path,
    statistics,
)
from stadtteil_sim.experiments.atomic import write_bytes
from stadtteil_sim.experiments.executors import ExecutorSpec, dask_client
from stadtteil_sim.experiments.ownership import claim_folder

MANIFEST = "calibration.json"


class CalibrationError(RuntimeError):
    """The output folder holds another calibration, or the history cannot be used."""


def simulate_conditions(
    spec_scenarios: dict[str, dict], conditions: list[str], parameters: dict[str, float], seed: int
) -> dict[str, ConditionOutput]:
    """Run every condition with the same parameters and seed (common random numbers across the
    conditions, so a ratio between two of them compares like with like)."""
    from stadtteil_sim.model.runner import run_city

    outputs = {}
    for condition in conditions:
        result = run_city(spec_scenarios[condition], seed=seed, overrides=parameters)
        long = result.timeseries
        districts = {row["district"]: (long[long["district"] == row["district"]], row)
                     for row in result.districts.to_dict("records")}
        outputs[condition] = ConditionOutput((result.city, result.summary), districts)
    return outputs


@dataclass
class PatternModel:
    """The model as pyabc sees it: parameters in, target statistics out (picklable for workers)."""

    scenarios: dict[str, dict]
    conditions: list[str]
    targets: list[Target]
    read: dict[str, str]  # target -> the district it reads

    def __call__(self, parameters) -> dict[str, float]:
        # Drawn from numpy's global generator, which pyabc seeds (single worker: from settings.seed).
        seed = int(np.random.randint(0, 2**62))
        values = {parameter_path(k): float(v) for k, v in dict(parameters).items()}
        return statistics(self.targets, simulate_conditions(self.scenarios, self.conditions, values, seed), self.read)


@dataclass
class PatternDistance:
    """Weighted RMS of the target errors in tolerances (see :func:`stadtteil_sim.calibration.targets.distance`)."""

    targets: list[Target]

    def __call__(self, simulated: dict, observed: dict) -> float:
        return distance(self.targets, simulated)


def prior_distribution(spec: CalibrationSpec):
    import pyabc

    rvs = {}
    for path, prior in spec.parameters.items():
        if prior.distribution == "uniform":
            rvs[parameter_key(path)] = pyabc.RV("uniform", prior.low, prior.high - prior.low)
        else:
            rvs[parameter_key(path)] = pyabc.RV("loguniform", prior.low, prior.high)
    return pyabc.Distribution(**rvs)


@dataclass
class CalibrationRun:
    """What a calibration produced: where, how far it got, and the final generation."""

    folder: Path
    districts: list[str]
    generations: int
    total_simulations: int
    epsilons: list[float]
    acceptance_rates: list[float]
    seconds: float
    resumed: bool


def default_folder(spec: CalibrationSpec, districts: list[str] | None) -> Path:
    """``results/calibration/<name>``, with the fitted districts' scenario names for a partial fit."""
    chosen = set(district_names(spec, districts) or [])
    names = sorted({spec.scenarios[c]["name"] for c, ds in spec.condition_districts.items() if set(ds) & chosen})
    suffix = "".join(f"_{n}" for n in names)
    return Path("results") / "calibration" / f"{spec.targets_file.name}{suffix}"


def calibrate(
    spec: CalibrationSpec,
    out: Path | None = None,
    executor: ExecutorSpec | None = None,
    budget: int | None = None,
    districts: list[str] | None = None,
    log=print,
    *,
    force: bool = False,
) -> CalibrationRun:
    """Run (or resume) ABC-SMC until the budget, the generation limit or the epsilon is reached.

    ``districts`` fits only the targets of those districts' conditions (out-of-sample checks).
    A folder holding files the program did not write is refused (``OutputError``) unless
    ``force``; a ``history.db`` there that this calibration did not start is never removed.
    """
    import pyabc

    districts = district_names(spec, districts)
    folder = Path(out) if out is not None else default_folder(spec, districts)
    claim_folder(folder, "calibrate", force=force, recognise=is_calibration_folder)
    settings = spec.settings
    budget = budget or settings.budget
    fitted = spec.fitted(districts)
    if not fitted:
        raise CalibrationError(f"no target is left to fit for districts {districts}")
    model = PatternModel(spec.scenarios, spec.conditions_for(fitted), fitted, spec.target_districts)
    executor = executor or ExecutorSpec("serial")
    database = folder / "history.db"
    manifest_path = folder / MANIFEST
    fingerprint = spec.fingerprint(districts)
    manifest = _read_manifest(manifest_path, fingerprint, folder)
    if manifest is None and database.exists():
        raise CalibrationError(
            f"{database}: a history that this calibration did not start (no {manifest_path.name} beside it); "
            "allowed: move it away, or choose another --out"
        )
    resumed = manifest is not None and database.exists() and _generations_done(database) > 0
    if not resumed and database.exists():
        database.unlink()  # ours, killed before its first generation finished: nothing to keep
    np.random.seed(settings.seed)  # pyabc's single-core sampler draws from numpy's global generator
    sampler, close = _sampler(executor)
    started = time.perf_counter()
    try:
        with _interrupts_outside_the_history():
            abc = pyabc.ABCSMC(
                model,
                prior_distribution(spec),
                PatternDistance(fitted),
                population_size=settings.population_size,
                sampler=sampler,
            )
            if resumed:
                abc.load(f"sqlite:///{database.resolve()}", 1)
                done = _generations_done(database)
                log(f"resuming {database} after generation {done - 1}")
            else:
                manifest = {
                    "targets": str(spec.source),
                    "fingerprint": fingerprint,
                    "districts": districts or sorted(set(spec.target_districts.values())),
                    "fitted_targets": [t.name for t in fitted],
                    "conditions": model.conditions,
                    "seed": settings.seed,
                    "executor": executor.describe(),
                    "sessions": [],
                }
            manifest["sessions"].append({"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "executor": executor.describe()})
            # Written before pyabc creates the history: a history.db beside a manifest is ours.
            write_bytes(manifest_path, json.dumps(manifest, indent=2).encode())
            if not resumed:
                abc.new(f"sqlite:///{database.resolve()}", {t.name: t.observed for t in fitted})
                done = 0
            history = abc.history
            remaining = settings.max_generations - done
            if remaining > 0 and history.total_nr_simulations < budget and not _converged(history, settings.min_epsilon):
                history = abc.run(
                    minimum_epsilon=settings.min_epsilon,
                    max_nr_populations=remaining,
                    max_total_nr_simulations=budget,
                )
            else:
                log("nothing left to do: generation limit, budget or epsilon already reached")
    except KeyboardInterrupt:
        # pyabc's process sampler waits for its workers; stop them so Ctrl-C ends the run now
        # (the finished generations are in the history, the unfinished one is redone on resume).
        for child in multiprocessing.active_children():
            child.terminate()
        raise
    finally:
        close()
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    seconds = time.perf_counter() - started
    return CalibrationRun(
        folder=folder,
        districts=manifest["districts"],
        generations=len(populations),
        total_simulations=int(history.total_nr_simulations),
        epsilons=[float(e) for e in populations["epsilon"]],
        acceptance_rates=_acceptance_rates(history),
        seconds=seconds,
        resumed=resumed,
    )


def district_names(spec: CalibrationSpec, requested: list[str] | None) -> list[str] | None:
    """District names for ``--district`` values (a district's name or its scenario's name)."""
    if not requested:
        return None
    unknown = [d for d in requested if d not in spec.aliases]
    if unknown:
        raise CalibrationError(
            f"--district {unknown[0]}: not a district of {spec.source}; allowed: {', '.join(sorted(spec.aliases))}"
        )
    return sorted({spec.aliases[d] for d in requested})


# Where an interrupt must not land: pyabc writes its history through SQLAlchemy to SQLite, and
# an exception raised inside that code can leave a connection holding the database's lock, so
# pyabc's own clean-up then waits for it (up to its 120 s timeout) instead of ending; and inside
# os.fork() the at-fork handlers swallow it, printing a traceback.
_UNINTERRUPTIBLE_CODE = tuple(
    os.sep + os.path.join(*parts)
    for parts in (("pyabc", "storage", ""), ("sqlalchemy", ""), ("sqlite3", ""), ("multiprocessing", "popen_fork.py"))
)
_RETRY_SECONDS = 0.05


def _in_uninterruptible_code(frame) -> bool:
    while frame is not None:
        if any(part in frame.f_code.co_filename for part in _UNINTERRUPTIBLE_CODE):
            return True
        frame = frame.f_back
    return False


@contextmanager
def _interrupts_outside_the_history():
    """Ctrl-C (SIGINT) and, where the caller handles it, SIGTERM act in this process as before,
    but never inside pyabc's database code or a fork: there they wait, rechecked every 50 ms. Once raised,
    the interrupt is raised again every 50 ms until the block is left, because code such as an
    at-fork handler swallows it. pyabc's forked workers, which inherit the handlers, leave at
    once without a traceback."""
    main = os.getpid()
    previous = {signal.SIGINT: signal.getsignal(signal.SIGINT), signal.SIGTERM: signal.getsignal(signal.SIGTERM)}
    previous_alarm = signal.getsignal(signal.SIGALRM)
    handled = [s for s, handler in previous.items() if callable(handler) or s == signal.SIGINT]
    pending: list[int] = []

    def interrupt(signum, frame):
        handler = previous[signum]
        if callable(handler):
            handler(signum, frame)
        raise KeyboardInterrupt  # SIGINT without a Python handler: what Python does by default

    def deliver(signum, frame):
        if signum not in pending:
            pending.append(signum)
        signal.setitimer(signal.ITIMER_REAL, _RETRY_SECONDS)
        if not _in_uninterruptible_code(frame):
            interrupt(signum, frame)

    def on_signal(signum, frame):
        if os.getpid() != main:
            os._exit(128 + signum)
        deliver(signum, frame)

    def on_alarm(signum, frame):
        if pending:
            deliver(pending[0], frame)

    for signum in handled:
        signal.signal(signum, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_alarm)
        for signum in handled:
            signal.signal(signum, previous[signum])
    if pending:  # the block ended before the interrupt could be raised in it
        interrupt(pending[0], None)


def is_calibration_folder(folder: Path) -> bool:
    """A calibration folder written before folders carried a marker."""
    return (folder / MANIFEST).is_file()


def _read_manifest(path: Path, fingerprint: str, folder: Path) -> dict | None:
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    if manifest.get("fingerprint") != fingerprint:
        raise CalibrationError(
            f"{folder} holds a calibration of other targets, priors, settings or districts "
            f"(from {manifest.get('targets')}); allowed: the same target file to resume, or another --out"
        )
    return manifest


def _generations_done(database: Path) -> int:
    """Finished generations in a history (0 when there is none yet, or it was killed before the
    first one finished). Opened read-only: asking must not create the file."""
    import sqlite3

    if not Path(database).is_file():
        return 0
    try:
        connection = sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True)
        try:
            (count,) = connection.execute("SELECT COUNT(*) FROM populations WHERE t >= 0").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return 0
    return int(count)


def _converged(history, min_epsilon: float) -> bool:
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    return len(populations) > 0 and float(populations["epsilon"].iloc[-1]) <= min_epsilon


def _acceptance_rates(history) -> list[float]:
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    sizes = history.get_nr_particles_per_population()
    rates = []
    for t, samples in zip(populations["t"], populations["samples"], strict=True):
        rates.append(float(sizes.get(t, 0)) / samples if samples else math.nan)
    return rates


def _sampler(executor: ExecutorSpec):
    """pyabc's sampler for our executor choice, and how to release it."""
    import pyabc.sampler

    if executor.kind == "serial" or (executor.kind == "pool" and executor.pool_size() == 1):
        return pyabc.sampler.SingleCoreSampler(), lambda: None
    if executor.kind == "pool":
        return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=executor.pool_size()), lambda: None
    client, close = dask_client(executor)
    return pyabc.sampler.DaskDistributedSampler(dask_client=client), close


def describe_sampler(executor: ExecutorSpec) -> str:
    if executor.kind == "serial" or (executor.kind == "pool" and executor.pool_size() == 1):
        return "one worker (reproducible by settings.seed)"
    if executor.kind == "pool":
        return f"{executor.pool_size()} worker processes (parallel: not reproducible draw for draw; --workers 1 is)"
    return executor.describe() + " (parallel: not reproducible draw for draw; --workers 1 is)"


def quiet_pyabc_details() -> None:
    """Keep pyabc's one line per generation, drop its per-generation timing and sampler chatter."""
    for name in ("ABC.Sampler", "ABC.Adaptation", "ABC.Distance", "ABC.Epsilon", "ABC.Population"):
        logging.getLogger(name).setLevel(logging.WARNING)

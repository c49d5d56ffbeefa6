"""An experiment as an EMA Workbench ``Model`` (the ``ema`` extra), so an analyst can use EMA's own
sampling, optimisation and analysis on our model.

Levers are the experiment's grid factors, uncertainties its ``uncertainties.ranges``, outcomes
its objectives, budget metrics and further metrics; each named by an identifier EMA accepts,
the dotted path with ``__`` for ``.`` (``office__handover_month``), ``_at_`` for ``@``. A factor
of whole numbers becomes an ``IntegerParameter`` over its range, one of other numbers a
``RealParameter``, one with named levels (``handover: {"36": ..., stable: ...}``) a
``CategoricalParameter``. One evaluation is one run of one base scenario with the levers'
overrides and the uncertainties' values; its seed follows from the uncertainties' values, so
every policy meets the same random numbers in a scenario (common random numbers, as in a batch).

    from ema_workbench import perform_experiments
    from stadtteil_sim.ema import ema_model
    model = ema_model("experiments/handover_robust.yaml")
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=4)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.experiments.design import Design, load_experiment, make_design, replicate_seed
from stadtteil_sim.experiments.record import run_task


def identifier(path: str) -> str:
    """``office.handover_month`` -> ``office__handover_month``; ``token_index@36`` -> ``token_index_at_36``."""
    return path.replace(".", "__").replace("@", "_at_")


def _lever(factor: str, levels: list | dict):
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    name = identifier(factor)
    if isinstance(levels, dict):
        return CategoricalParameter(name, [str(label) for label in levels])
    if all(isinstance(v, int) and not isinstance(v, bool) for v in levels) and len(set(levels)) > 1:
        return IntegerParameter(name, min(levels), max(levels))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in levels) and len(set(levels)) > 1:
        return RealParameter(name, float(min(levels)), float(max(levels)))
    return CategoricalParameter(name, list(levels))


class _Runner:
    """The function EMA calls: keyword arguments by identifier -> outcomes by identifier. A plain
    object (not a closure), so EMA's multiprocessing evaluator can send it to its workers."""

    def __init__(self, design: Design, base: str, outcomes: dict[str, str]):
        self.experiment = design.experiment
        self.source = design.source
        self.base_file = str(design.bases[base])
        self.base = base
        self.outcomes = outcomes  # identifier -> metric
        self.levers = {identifier(f): (f, levels) for f, levels in design.experiment.grid.items()}
        ranges = design.experiment.uncertainties.ranges if design.experiment.uncertainties else {}
        self.uncertain = {identifier(p): p for p in ranges}

    def __call__(self, **kwargs: Any) -> dict[str, float]:
        overrides: dict[str, Any] = {}
        for name, (factor, levels) in self.levers.items():
            if name in kwargs:
                chosen = kwargs[name]
                overrides.update(levels[str(chosen)] if isinstance(levels, dict) else {factor: _plain(chosen)})
        values = {path: _plain(kwargs[name]) for name, path in self.uncertain.items() if name in kwargs}
        one = self.experiment.model_copy(update={
            "scenarios": [self.base_file], "grid": {}, "variants": {"ema": overrides}, "reference": None,
            "uncertainties": None, "parameters": None, "discovery": {}, "satisficing": {}, "replicates": 1,
            "metrics": list(dict.fromkeys(self.outcomes.values())),
        })
        task = make_design(one, self.source).tasks[0]
        digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).digest()
        seed = replicate_seed(self.experiment.seed, int.from_bytes(digest[:7], "big"))
        task = type(task)(**{**task.__dict__, "seed": seed, "parameters": values, "parameter_draw": 0,
                             "parameter_paths": tuple(values)})
        outcome = run_task(task)
        if outcome.failure is not None:
            raise RuntimeError(f"stadtteil_sim run failed:\n{outcome.failure['traceback']}")
        row = outcome.rows[0]  # a district file: its district; a city: the city's metrics are on every row
        return {name: float(row[metric]) for name, metric in self.outcomes.items()}


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers (scenario validation wants ints and floats)."""
    return value.item() if hasattr(value, "item") else value


def ema_model(experiment: str | Path, base: str | None = None, name: str | None = None):
    """An EMA Workbench ``Model`` of one base scenario of the experiment (default: the first)."""
    from ema_workbench import IntegerParameter, Model, RealParameter, ScalarOutcome

    design = load_experiment(experiment)
    base = base or next(iter(design.bases))
    if base not in design.bases:
        raise ScenarioError(f"{experiment}: base '{base}' is not a scenario of the experiment; allowed: {', '.join(design.bases)}")
    exp = design.experiment
    kinds = {"maximise": ScalarOutcome.MAXIMIZE, "minimise": ScalarOutcome.MINIMIZE}
    metrics = exp.all_metrics
    outcomes = {identifier(m): m for m in metrics}
    model = Model(name or identifier(f"{exp.name}_{base}").replace("-", "_"), function=_Runner(design, base, outcomes))
    model.levers = [_lever(f, levels) for f, levels in exp.grid.items()]
    integer = set(design.sample.values.select_dtypes("integer").columns) if design.sample is not None else set()
    model.uncertainties = [
        (IntegerParameter(identifier(p), int(low), int(high)) if p in integer else RealParameter(identifier(p), low, high))
        for p, (low, high) in (exp.uncertainties.ranges.items() if exp.uncertainties else [])
    ]
    model.outcomes = [ScalarOutcome(identifier(m), kind=kinds.get(exp.objectives.get(m, ""), ScalarOutcome.INFO))
                      for m in metrics]
    return model

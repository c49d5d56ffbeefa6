"""The burned-in district, reused (model/burn_in.py): every path declared to act only from month 0
on leaves the burn-in bit for bit as it was (and a behavioural parameter does not, so the check
can fail); a run started from a kept burn-in equals one that burned in itself, for a district,
a city and a whole batch, serially and on a process pool; the cache stays bounded."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samples import write
from stadtteil_sim.config.city import load_city
from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.experiments.batch import run_batch
from stadtteil_sim.experiments.executors import ExecutorSpec
from stadtteil_sim.experiments.store import load_results
from stadtteil_sim.model import burn_in
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.runner import run_city

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "scenarios" / "kranichstein_sued.yaml"
SMALL = {"run.scale": 0.1, "run.months": 24}
# Another allowed value for every declared path (the bundled district's values are the first).
OTHER = {
    "office.start_month": 6, "office.handover_rule": "stable", "office.handover_month": 12,
    "office.handover_stable_months": 3, "office.handover_max_month": 30, "office.link_rule": "stable",
    "office.link_month": 0, "office.withdraw_quiet_months": 6,
    "office.link_stable_months": 2, "office.withdraw_month": 48, "office.staff_hours_moderation": 40.0,
    "office.staff_hours_support": 30.0, "office.staff_hours_intervention": 3.0,
    "run.months": 12, "run.participation_months": [0, 12],
}


def arrays(value, prefix: str = "state") -> dict[str, object]:
    """Every field of a district's state, flattened (arrays compared exactly)."""
    if dataclasses.is_dataclass(value):
        out = {}
        for f in dataclasses.fields(value):
            out.update(arrays(getattr(value, f.name), f"{prefix}.{f.name}"))
        return out
    return {prefix: value}


def assert_same_state(a, b) -> None:
    left, right = arrays(a), arrays(b)
    assert left.keys() == right.keys()
    for name in left:
        x, y = left[name], right[name]
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
        else:
            assert x == y, name


def burned_in(overrides: dict) -> StadtteilModel:
    """The district at month 0, before the office's first decision (a city's district stops there)."""
    return StadtteilModel(load_scenario(DISTRICT, {**SMALL, **overrides}), seed=5, in_city=True)


def test_every_declared_path_has_another_value_here():
    assert set(OTHER) == set(burn_in.ACTS_FROM_MONTH_0)


@pytest.mark.parametrize("path", burn_in.ACTS_FROM_MONTH_0)
def test_a_declared_path_leaves_the_burn_in_as_it_was(path):
    with burn_in.reuse(False):
        base, other = burned_in({}), burned_in({path: OTHER[path]})
    assert base.config != other.config
    assert_same_state(base.state, other.state)
    assert_same_state(base._month_ties, other._month_ties)
    same = burn_in.key(base.config, 5, None, base.office_languages) == burn_in.key(other.config, 5, None, other.office_languages)
    assert same


def test_a_behavioural_parameter_changes_the_burn_in_and_its_key():
    with burn_in.reuse(False):
        base, other = burned_in({}), burned_in({"behaviour.activation.threshold_mean": 0.7})
    with pytest.raises(AssertionError):
        assert_same_state(base.state, other.state)
    assert burn_in.key(base.config, 5, None, base.office_languages) != burn_in.key(other.config, 5, None, other.office_languages)
    assert burn_in.key(base.config, 5, None, base.office_languages) != burn_in.key(base.config, 6, None, base.office_languages)


def test_a_run_from_a_kept_burn_in_equals_one_that_burned_in_itself():
    scenarios = [load_city(DISTRICT, {**SMALL, "office.handover_month": m, "office.link_month": k}).to_dict()
                 for m, k in ((12, 0), (24, 18), (36, 6))]
    with burn_in.reuse(False):
        fresh = [run_city(s, seed=9) for s in scenarios]
    with burn_in.reuse(True):
        reused = [run_city(s, seed=9) for s in scenarios]
        assert len(burn_in._cache) == 1  # one burn-in served all three
    for a, b in zip(fresh, reused, strict=True):
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
        assert a.summary == b.summary and a.events == b.events


def test_a_city_reuses_each_district_and_keeps_its_agents_in_order():
    city = ROOT / "scenarios" / "darmstadt.yaml"
    with burn_in.reuse(False):
        fresh = run_city(city, seed=4, overrides={"run.scale": 0.05, "run.months": 12})
    with burn_in.reuse(True):
        run_city(city, seed=4, overrides={"run.scale": 0.05, "run.months": 12, "office.handover_month": 6})
        reused = run_city(city, seed=4, overrides={"run.scale": 0.05, "run.months": 12})
        assert len(burn_in._cache) == len(fresh.districts)
        first = StadtteilModel(load_scenario(DISTRICT, SMALL), seed=5)
        again = StadtteilModel(load_scenario(DISTRICT, SMALL), seed=5)
    pd.testing.assert_frame_equal(fresh.timeseries, reused.timeseries)
    pd.testing.assert_frame_equal(fresh.city, reused.city)
    kinds = [[type(a).__name__ for a in sorted(m.agents, key=lambda a: a.unique_id) if type(a).__name__ != "Resident"]
             for m in (first, again)]
    assert kinds[0] == kinds[1]


def test_the_cache_stays_bounded():
    with burn_in.reuse(True):
        for seed in range(burn_in.CACHE_SIZE + 3):
            StadtteilModel(load_scenario(DISTRICT, {"run.scale": 0.02, "run.months": 1}), seed=seed, in_city=True)
        assert len(burn_in._cache) == burn_in.CACHE_SIZE


EXPERIMENT = f"""\
name: reuse_tiny
scenarios: [{DISTRICT}, {ROOT / "scenarios/eberstadt_sued.yaml"}]
overrides: {{run.scale: 0.05, run.months: 24}}
grid:
  office.handover_month: [6, 12]
  office.link_month: [0, 12]
replicates: 2
seed: 3
keep: {{indicators: [migrant_participation_rate], months: all}}
objectives: {{migrant_participation_rate@24: maximise}}
"""


def test_a_batch_gives_the_same_runs_with_and_without_reuse_serial_and_pooled(tmp_path):
    path = write(tmp_path / "exp.yaml", EXPERIMENT)
    tables = {}
    for label, enabled, executor in (("none", False, "serial"), ("serial", True, "serial"), ("pool", True, "pool")):
        with burn_in.reuse(enabled):
            summary = run_batch(path, tmp_path / label, ExecutorSpec(executor, workers=2) if executor == "pool"
                                else ExecutorSpec(executor), progress=False)
        assert summary.completed == 16 and not summary.failures
        results = load_results(tmp_path / label)
        runs = results.runs.drop(columns=["duration_s", "worker"]).sort_values(["run_id", "district"]).reset_index(drop=True)
        series = results.series.sort_values(["run_id", "district", "month"]).reset_index(drop=True)
        tables[label] = (runs, series)
    for label in ("serial", "pool"):
        pd.testing.assert_frame_equal(tables["none"][0], tables[label][0])
        pd.testing.assert_frame_equal(tables["none"][1], tables[label][1])

"""Determinism and common random numbers (CRN).

* The same scenario and seed give identical results: time series, summary, participation table
  and event log -- within one process and across processes with different hash seeds.
* Different seeds give different results.
* CRN: two runs that differ only in a lever that acts from month m are identical in every
  column before m (each process draws from its own stream per month, see ``rng.py``).
* ``stadtteil_sim.run`` and stepping ``StadtteilModel`` by hand give the same time series.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import stadtteil_sim
from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.rng import Streams

ROOT = Path(__file__).resolve().parent.parent
KS = ROOT / "scenarios" / "kranichstein_sued.yaml"
MONTHS = 24
SMALL = {"run.scale": 0.2}


def _summaries_equal(a: dict, b: dict) -> bool:
    """Equal keys and values, NaN equal to NaN."""
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if type(x) is not type(y) or x != y:
            return False
    return True


def _assert_same_result(a: stadtteil_sim.RunResult, b: stadtteil_sim.RunResult) -> None:
    assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    assert _summaries_equal(a.summary, b.summary), (a.summary, b.summary)
    assert_frame_equal(a.participation, b.participation, check_exact=True)
    assert a.events == b.events


@pytest.fixture(scope="module")
def ks():
    return load_scenario(KS)


@pytest.mark.parametrize("overrides", [SMALL, {}], ids=["scale 0.2", "full scale"])
def test_same_seed_same_result(ks, overrides):
    a = stadtteil_sim.run(ks, seed=11, overrides=overrides, months=MONTHS)
    b = stadtteil_sim.run(ks, seed=11, overrides=overrides, months=MONTHS)
    assert len(a.timeseries) == MONTHS + 1
    assert not a.participation.empty
    _assert_same_result(a, b)


def test_same_seed_same_result_from_path_and_from_loaded_scenario(ks):
    from_path = stadtteil_sim.run(KS, seed=5, overrides=SMALL, months=MONTHS)
    from_loaded = stadtteil_sim.run(ks, seed=5, overrides=SMALL, months=MONTHS)
    _assert_same_result(from_path, from_loaded)


def test_seed_none_uses_the_scenarios_run_seed(ks):
    implicit = stadtteil_sim.run(ks, seed=None, overrides={**SMALL, "run.seed": 17}, months=MONTHS)
    explicit = stadtteil_sim.run(ks, seed=17, overrides=SMALL, months=MONTHS)
    assert implicit.seed == 17
    _assert_same_result(implicit, explicit)


def test_different_seeds_give_different_results(ks):
    a = stadtteil_sim.run(ks, seed=1, overrides=SMALL, months=MONTHS)
    b = stadtteil_sim.run(ks, seed=2, overrides=SMALL, months=MONTHS)
    assert a.summary["seed"] != b.summary["seed"]
    assert not a.timeseries.equals(b.timeseries), "seeds 1 and 2 gave identical time series"
    assert not a.participation.equals(b.participation), "seeds 1 and 2 gave identical participation tables"


_CHILD = """
import sys
import stadtteil_sim
r = stadtteil_sim.run(sys.argv[1], seed=3, overrides={"run.scale": 0.2}, months=int(sys.argv[2]))
sys.stdout.write(r.timeseries.to_csv(index=False, float_format="%.17g"))
sys.stdout.write(r.participation.to_csv(index=False))
sys.stdout.write("\\n".join(r.events))
"""


def test_same_result_across_processes_with_different_hash_seeds(ks):
    """Python randomises str hashes per process: nothing may depend on set/dict order of names."""
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(KS), str(MONTHS)], env=env, capture_output=True, text=True, check=True
        )
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1], "the same seed gave different results under PYTHONHASHSEED=1 and =2"
    here = stadtteil_sim.run(ks, seed=3, overrides=SMALL, months=MONTHS)
    expected = (
        here.timeseries.to_csv(index=False, float_format="%.17g")
        + here.participation.to_csv(index=False)
        + "\n".join(here.events)
    )
    assert outputs[0] == expected


# --------------------------------------------------------------------------- common random numbers
def test_handover_lever_leaves_earlier_months_untouched(ks):
    """The issue's test: handover at 24 vs 48, full scale. Every column is identical for all
    months before 24 and the runs differ afterwards."""
    months = 60
    early = stadtteil_sim.run(ks, seed=4, overrides={"office.handover_month": 24}, months=months)
    late = stadtteil_sim.run(ks, seed=4, overrides={"office.handover_month": 48}, months=months)
    a, b = early.timeseries, late.timeseries
    assert list(a.columns) == list(b.columns)
    before_a = a[a["month"] < 24].reset_index(drop=True)
    before_b = b[b["month"] < 24].reset_index(drop=True)
    assert len(before_a) == 24
    assert_frame_equal(before_a, before_b, check_exact=True)
    after_a = a[a["month"] >= 24].reset_index(drop=True)
    after_b = b[b["month"] >= 24].reset_index(drop=True)
    assert not after_a.equals(after_b), "handover at 24 and at 48 gave identical months 24..60"
    # The lever itself shows where it should: support from 24 in one run, from 48 in the other.
    assert a.loc[a["month"] == 24, "office_mode"].item() == "support"
    assert b.loc[b["month"] == 24, "office_mode"].item() == "moderation"
    # Participation tables at months before the handover are identical too.
    pa, pb = early.participation, late.participation
    assert_frame_equal(
        pa[pa["month"] < 24].reset_index(drop=True), pb[pb["month"] < 24].reset_index(drop=True), check_exact=True
    )


def test_a_shorter_run_is_the_start_of_a_longer_one(ks):
    """The horizon is not an input to any month before it."""
    short = stadtteil_sim.run(ks, seed=6, overrides=SMALL, months=12)
    long = stadtteil_sim.run(ks, seed=6, overrides=SMALL, months=MONTHS)
    assert_frame_equal(short.timeseries, long.timeseries.iloc[:13], check_exact=True)
    early = long.participation[long.participation["month"] <= 12].reset_index(drop=True)
    assert_frame_equal(short.participation, early, check_exact=True)


def test_streams_depend_only_on_seed_name_and_month():
    """A stream's draws do not depend on which other streams were used before (CRN)."""
    a, b = Streams(42), Streams(42)
    b("outreach", 3).random(1000)  # another process draws first, and a lot
    b.setup("population").random(10)
    np.testing.assert_array_equal(a("activation", 3).random(5), b("activation", 3).random(5))
    np.testing.assert_array_equal(a("activation", -12).random(5), b("activation", -12).random(5))
    np.testing.assert_array_equal(a.setup("ties").random(5), b.setup("ties").random(5))
    draws = {
        "other month": a("activation", 4).random(5),
        "other name": a("outreach", 3).random(5),
        "other seed": Streams(43)("activation", 3).random(5),
        "burn-in month": a("activation", -3).random(5),
        "setup": a.setup("activation").random(5),
    }
    reference = a("activation", 3).random(5)
    for label, values in draws.items():
        assert not np.array_equal(values, reference), label


def test_run_equals_stepping_the_model_by_hand(ks):
    seed = 9
    result = stadtteil_sim.run(ks, seed=seed, overrides=SMALL, months=MONTHS)
    model = StadtteilModel(ks, seed=seed, overrides={**SMALL, "run.months": MONTHS})
    while model.running:
        model.step()
    assert model.month == MONTHS
    frame = model.datacollector.get_model_vars_dataframe().drop(columns="seed").reset_index(drop=True)
    expected = result.timeseries.drop(columns=["month", "year"])
    assert_frame_equal(frame, expected, check_exact=True)
    assert model.seed == result.seed == seed


def test_results_do_not_depend_on_what_ran_before(ks):
    """No hidden global state: a run after other runs equals a run done first (here: repeated
    after runs with another seed and another scenario)."""
    first = stadtteil_sim.run(ks, seed=21, overrides=SMALL, months=12)
    stadtteil_sim.run(ROOT / "scenarios" / "eberstadt_sued.yaml", seed=22, overrides=SMALL, months=12)
    stadtteil_sim.run(ks, seed=23, overrides=SMALL, months=12)
    again = stadtteil_sim.run(ks, seed=21, overrides=SMALL, months=12)
    _assert_same_result(first, again)


def test_participation_table_has_the_requested_months(ks):
    result = stadtteil_sim.run(ks, seed=1, overrides=SMALL, months=MONTHS)
    wanted = [m for m in ks.run.participation_months if m <= MONTHS]
    assert sorted(pd.unique(result.participation["month"])) == wanted

"""Regression: the summary numbers of the bundled scenarios do not move unnoticed.

``tests/baseline/summary_baseline.yaml`` holds ``RunResult.summary`` for both bundled scenarios
at 1:1 scale, 120 months, seeds 1-3 (rounded to 6 decimals, NaN as null). This test recomputes
each run and compares every metric (abs tolerance 1e-9 after rounding). When a change is
intended, refresh the baseline on purpose and commit it with the change:

    .venv/bin/python benchmarks/refresh_baseline.py
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "refresh_baseline.py"


def _load_refresh_module():
    spec = importlib.util.spec_from_file_location("refresh_baseline", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


refresh = _load_refresh_module()
REFRESH_HINT = (
    "If this change is intended, refresh the baseline with "
    "`.venv/bin/python benchmarks/refresh_baseline.py` and commit tests/baseline/summary_baseline.yaml."
)


@pytest.fixture(scope="module")
def baseline():
    assert refresh.BASELINE.exists(), f"{refresh.BASELINE} is missing. {REFRESH_HINT}"
    return refresh.load_baseline()


def test_baseline_covers_the_bundled_runs(baseline):
    meta = baseline["meta"]
    assert (meta["months"], meta["scale"], meta["seeds"]) == (refresh.MONTHS, refresh.SCALE, list(refresh.SEEDS)), (
        f"baseline was made with other settings ({meta}). {REFRESH_HINT}"
    )
    assert set(baseline["runs"]) == set(refresh.SCENARIOS)
    for name in refresh.SCENARIOS:
        assert set(baseline["runs"][name]) == {refresh.run_key(s) for s in refresh.SEEDS}
        assert (ROOT / "scenarios" / f"{name}.yaml").exists()


def test_comparison_notices_a_change():
    """The comparison itself: equal after rounding passes, a moved metric is named."""
    old = {"a": 0.5, "b": None, "c": 3, "d": True}
    assert refresh.differences(old, {"a": refresh.normalise(0.5000000001), "b": refresh.normalise(float("nan")), "c": 3, "d": True}) == []
    lines = refresh.differences(old, {"a": 0.500001, "b": 0.0, "c": 3, "e": 1.0})
    assert [line.split(":")[0] for line in lines] == ["a", "b", "d", "e"]


@pytest.mark.parametrize("seed", refresh.SEEDS)
@pytest.mark.parametrize("scenario", refresh.SCENARIOS)
def test_summary_matches_baseline(baseline, scenario, seed):
    stored = baseline["runs"][scenario][refresh.run_key(seed)]
    now = refresh.compute_one(scenario, seed)
    lines = refresh.differences(stored, now)
    assert not lines, (
        f"{scenario} seed {seed} ({refresh.MONTHS} months, scale {refresh.SCALE}): "
        f"{len(lines)} summary metric(s) differ from tests/baseline/summary_baseline.yaml:\n  "
        + "\n  ".join(lines)
        + f"\n{REFRESH_HINT}"
    )

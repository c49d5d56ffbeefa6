"""The statistics of the batch report on hand-made tables, checked against numbers worked out
by hand: paired differences and their t intervals, NaN handling, the Pareto set, the best
variant within a budget, and the plain-language paragraph."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stadtteil_sim.experiments.analysis import (
    Plan,
    analyse,
    choose_best,
    describe_variant,
    district_table,
    fmt,
    mean_interval,
    paired_difference,
    paired_wins,
    pareto_mask,
    variant_statistics,
    within_budget,
)

T_975_DF2 = 4.302652729911275  # t quantile 0.975, 2 degrees of freedom (tables)
T_975_DF3 = 3.182446305284263  # ... 3 degrees of freedom


def series(*values: float) -> pd.Series:
    return pd.Series(values, index=pd.RangeIndex(len(values), name="replicate"), dtype=float)


# --- intervals --------------------------------------------------------------------------------


def test_mean_interval_matches_a_hand_computed_t_interval():
    interval = mean_interval([1.0, 2.0, 3.0, 4.0])
    sd = math.sqrt(((1.5**2) * 2 + (0.5**2) * 2) / 3)  # 1.2910
    half = T_975_DF3 * sd / 2
    assert interval.n == 4
    assert interval.estimate == pytest.approx(2.5)
    assert (interval.low, interval.high) == pytest.approx((2.5 - half, 2.5 + half))


def test_paired_difference_drops_pairs_with_a_missing_value():
    a = series(1.0, 2.0, 3.0, np.nan)
    b = series(0.5, 1.0, 2.5, 1.0)
    diff = paired_difference(a, b)  # pairs 0..2: differences 0.5, 1.0, 0.5
    half = T_975_DF2 * (math.sqrt(1 / 12) / math.sqrt(3))  # sd of (0.5, 1, 0.5) = sqrt(1/12)
    assert diff.n == 3
    assert diff.estimate == pytest.approx(2 / 3)
    assert (diff.low, diff.high) == pytest.approx((2 / 3 - half, 2 / 3 + half))
    assert not diff.excludes_zero  # -0.05 to 1.38


def test_paired_difference_pairs_by_replicate_not_by_position():
    a = pd.Series([10.0, 20.0, 30.0], index=[0, 1, 2])
    b = pd.Series([19.0, 29.0, 0.0], index=[1, 2, 5])  # only replicates 1 and 2 are in both
    diff = paired_difference(a, b)
    assert diff.n == 2
    assert diff.estimate == pytest.approx(1.0)
    assert diff.low == pytest.approx(1.0) and diff.high == pytest.approx(1.0)  # no spread
    assert diff.excludes_zero


@pytest.mark.parametrize("a, b, n", [((1.0,), (0.0,), 1), ((np.nan, 1.0), (1.0, np.nan), 0)])
def test_too_few_pairs_give_no_interval(a, b, n):
    diff = paired_difference(series(*a), series(*b))
    assert diff.n == n
    assert math.isnan(diff.low) and math.isnan(diff.high)
    assert not diff.excludes_zero


def test_paired_wins_respects_the_direction():
    a, b = series(1.0, 2.0, 3.0, 4.0), series(0.0, 2.0, 4.0, np.nan)
    up, down = paired_wins(a, b, "maximise"), paired_wins(a, b, "minimise")
    assert (up.better, up.equal, up.n) == (1, 1, 3)
    assert (down.better, down.equal, down.n) == (1, 1, 3)


# --- Pareto set and budget ----------------------------------------------------------------------


def test_pareto_set_of_a_small_table():
    table = pd.DataFrame(
        {"gain": [1.0, 2.0, 0.5, 2.0, np.nan, 0.2], "risk": [0.1, 0.5, 0.4, 0.5, 0.0, 0.1]},
        index=["A", "B", "C", "D", "E", "F"],
    )
    front = pareto_mask(table, {"gain": "maximise", "risk": "minimise"})
    # C is beaten by A on both; F ties A on risk and loses on gain; B and D are equal: both stay;
    # E has no gain value and cannot be compared.
    assert front.to_dict() == {"A": True, "B": True, "C": False, "D": True, "E": False, "F": False}
    flipped = pareto_mask(table, {"gain": "minimise", "risk": "maximise"})
    assert flipped["C"] and flipped["F"] and not flipped["A"]


def test_within_budget_is_inclusive_and_unknown_costs_are_not_within():
    table = pd.DataFrame({"hours": [100.0, 200.0, np.nan, 201.0]}, index=list("abcd"))
    assert within_budget(table, {"hours": 200}).tolist() == [True, True, False, False]
    assert within_budget(table, {"missing_metric": 1}).tolist() == [False] * 4


# --- a hand-made batch ---------------------------------------------------------------------------

VARIANTS = ["ref", "cheap", "dear", "broken"]


def manifest(reference: str = "ref") -> dict:
    return {
        "experiment": {"name": "toy", "replicates": 4, "objectives": {"score": "maximise", "harm": "minimise"},
                       "budget": {"hours": 150}},
        "reference": reference,
        "variants": [{"name": v, "overrides": {}, "levels": {}} for v in VARIANTS],
        "factors": {},
        "bases": {"town": "town.yaml"},
        "scenarios": {f"town|{v}": {"districts": [{"district": {"name": "Toytown"}}]} for v in VARIANTS},
    }


def runs_table() -> pd.DataFrame:
    """Four variants x four replicates; 'dear' is best but over budget, 'cheap' best within it,
    'broken' has no score, and 'cheap' misses its harm value in replicate 3."""
    values = {
        "ref": ([1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5], 100.0),
        "cheap": ([1.5, 2.5, 3.0, 4.5], [0.4, 0.6, 0.5, np.nan], 120.0),
        "dear": ([3.0, 4.0, 5.0, 6.0], [0.5, 0.5, 0.5, 0.5], 300.0),
        "broken": ([np.nan] * 4, [0.1] * 4, 50.0),
    }
    rows = []
    for index, (variant, (score, harm, hours)) in enumerate(values.items()):
        for r in range(4):
            rows.append({"run_id": f"town_{index}_{r}", "base": "town", "variant": variant, "variant_index": index,
                         "replicate": r, "seed": 100 + r, "score": score[r], "harm": harm[r], "hours": hours})
    return pd.DataFrame(rows)


def test_statistics_table_pairs_each_variant_with_the_reference():
    plan = Plan.from_manifest(manifest())
    stats = variant_statistics(runs_table(), plan).set_index(["variant", "metric"])
    assert plan.district("town") == "Toytown"
    ref = stats.loc[("ref", "score")]
    assert (ref["diff"], ref["diff_low"], ref["diff_high"], ref["diff_n"]) == (0, 0, 0, 4)
    cheap = stats.loc[("cheap", "score")]  # differences 0.5, 0.5, 0, 0.5
    half = T_975_DF3 * 0.25 / 2
    assert cheap["diff"] == pytest.approx(0.375)
    assert (cheap["diff_low"], cheap["diff_high"]) == pytest.approx((0.375 - half, 0.375 + half))
    assert not cheap["better"] and not cheap["worse"]  # the interval (-0.02 to 0.77) includes 0
    assert stats.loc[("dear", "score"), "better"]  # +2 in every replicate
    assert stats.loc[("dear", "hours"), "worse"]  # a budget metric counts lower as better
    assert stats.loc[("cheap", "harm"), "diff_n"] == 3  # the NaN replicate is dropped
    assert stats.loc[("cheap", "harm"), "n"] == 3
    assert stats.loc[("dear", "score"), "median"] == pytest.approx(4.5)
    assert math.isnan(stats.loc[("broken", "score"), "mean"])
    assert stats.loc[("broken", "score"), "diff_n"] == 0


def test_district_table_has_a_row_per_variant_with_mean_difference_and_ci():
    plan = Plan.from_manifest(manifest())
    table = district_table(variant_statistics(runs_table(), plan), "town")
    assert table["variant"].tolist() == VARIANTS
    for column in ("score mean", "score diff", "score diff_low", "score diff_high", "hours mean"):
        assert column in table
    assert table.set_index("variant").loc["ref", "score diff"] == 0


def test_best_overall_and_best_within_budget():
    runs, plan = runs_table(), Plan.from_manifest(manifest())
    result = analyse(runs, manifest())
    best, in_budget = result.best["town"], result.best_in_budget["town"]
    assert best.variant == "dear" and best.runner_up == "cheap"
    assert best.vs_runner_up.estimate == pytest.approx(1.625)  # 1.5, 1.5, 2, 1.5
    assert best.clear and (best.wins.better, best.wins.n) == (4, 4)
    assert best.excluded == ["broken"]
    assert in_budget.variant == "cheap" and in_budget.runner_up == "ref"  # 'dear' costs 300 > 150
    assert in_budget.vs_reference.estimate == pytest.approx(0.375)
    pareto = result.pareto.set_index("variant")
    assert pareto["within_budget"].to_dict() == {"ref": True, "cheap": True, "dear": False, "broken": True}
    assert not pareto.loc["broken", "pareto"]  # no score: cannot be weighed
    assert pareto["pareto"].to_dict() == {"ref": False, "cheap": False, "dear": True, "broken": False}  # same harm
    assert choose_best(runs, plan, "town", "score", candidates=["broken"]) is None


def test_a_tie_goes_to_the_reference_and_is_called_noise():
    runs = runs_table()
    runs.loc[runs["variant"] == "cheap", "score"] = runs.loc[runs["variant"] == "ref", "score"].to_numpy()
    plan = Plan.from_manifest(manifest())
    choice = choose_best(runs, plan, "town", "score", candidates=["ref", "cheap"])
    assert choice.variant == "ref" and not choice.clear
    assert choice.indistinguishable == ["cheap"]


def test_paragraph_names_the_best_timing_and_how_sure_with_numbers_from_the_data():
    result = analyse(runs_table(), manifest())
    text = result.paragraphs["town"]
    assert text.startswith("In Toytown")
    assert "'dear' gives the highest score (4.500; against the reference +2.000, 95% CI" in text
    assert "higher in 4 of 4 replicates" in text
    assert "beyond the noise" in text
    assert "budget of 150 hours" in text and "Within the budget, 'cheap'" in text
    assert "cannot be told apart" in text  # cheap vs ref: 0.5, 0.5, 0, 0.5; CI -0.02 to +0.77


def test_grid_variants_are_described_in_words():
    plan = Plan.from_manifest({**manifest(), "variants": [
        {"name": "handover=48 link_month=18", "overrides": {}, "levels": {"handover": "48", "link_month": "18"}},
        {"name": "handover=stable link_month=0", "overrides": {}, "levels": {"handover": "stable", "link_month": "0"}},
    ]})
    assert describe_variant(plan, "handover=48 link_month=18") == "handing over at month 48 with linking from month 18"
    words = describe_variant(plan, "handover=stable link_month=0", {"handover=stable link_month=0": "on average at month 35"})
    assert words == "handing over by the stability rule (on average at month 35) with linking as soon as the group has formed"


@pytest.mark.parametrize("value, signed, expected", [
    (0.30123, False, "0.301"), (-0.00001, True, "+0.000"), (3393.4, False, "3,393"), (-21.0, True, "-21.0"),
    (float("nan"), False, "n/a"),
])
def test_numbers_are_formatted_for_people(value, signed, expected):
    assert fmt(value, signed) == expected

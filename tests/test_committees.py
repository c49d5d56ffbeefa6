"""Both committees (M4, docs/ODD.md §7.4): the working group's proposals go to the Stadtteilrunde
and to the citizens' working groups (Bürgerarbeitsgruppen), each linked step by step with its own
formality and openness, each with its own link indicators beside the combined ones. Paired seeds
(the same seed under each setting), 10 seeds, 1:1, both districts."""

import numpy as np
import pytest

from run_cache import ES, KS, paired_ci, runs, series
from stadtteil_sim.model.state import COMMITTEE_KEYS

pytestmark = pytest.mark.slow

DISTRICTS = pytest.mark.parametrize("path", [KS, ES], ids=["Kranichstein-Süd", "Eberstadt-Süd"])
LINKED = 60  # the documented link at 18 has reached both committees


@DISTRICTS
def test_each_committee_is_linked_step_by_step(path):
    results = runs(path)
    stages = {key: series(results, f"link_stage_{key}") for key in COMMITTEE_KEYS}
    for key, stage in stages.items():
        assert (np.diff(stage, axis=1) >= 0).all(), key  # one stage after the other, never back
        assert (np.diff(stage, axis=1) <= 1).all(), key
        assert np.median(stage[:, LINKED]) >= 2, (key, stage[:, LINKED])  # a voice in each
    assert (series(results, "link_stage") == np.maximum(*stages.values())).all()


# A different formality or openness also seats other delegates, and a seed's run can take another
# course: 20 seeds (2026-12-08, 10 seeds in Eberstadt-Süd: formality 0.7 -0.032 mean, one seed +0.09).
UPTAKE_SEEDS = range(1, 21)


def uptake(path, overrides=None) -> np.ndarray:
    """Per seed, the citizens' working groups' share of proposals taken up, averaged over months
    36-120 (a share over 24 months of a few proposals: one month's reading is noisy)."""
    results = runs(path, overrides, UPTAKE_SEEDS)
    return series(results, "proposals_adopted_share_buergerarbeitsgruppen")[:, 36:121].mean(axis=1)


@DISTRICTS
def test_formal_procedures_take_up_fewer_proposals(path):
    """The citizens' working groups as formal as the Stadtteilrunde (0.7): less of what delegates
    without committee experience propose is taken up there (paired)."""
    gap = uptake(path, {"committees.buergerarbeitsgruppen.formality": 0.7}) - uptake(path)
    assert paired_ci(gap)[1] < 0, gap.round(3)


@DISTRICTS
def test_an_open_committee_takes_up_more_proposals(path):
    gap = uptake(path, {"committees.buergerarbeitsgruppen.openness": 1.0}) - uptake(path)
    assert paired_ci(gap)[0] > 0, gap.round(3)

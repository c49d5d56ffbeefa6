"""Migrants can join the native neighbourhood association (M2, docs/ODD.md §7.7): its formal
meetings and missing translation put them off, so translation and less formality make it more
likely. Paired seeds (the same seed under each lever), 10 seeds, 1:1, both districts."""

import pytest

from run_cache import ES, KS, paired_ci, runs, series

pytestmark = pytest.mark.slow

DISTRICTS = pytest.mark.parametrize("path", [KS, ES], ids=["Kranichstein-Süd", "Eberstadt-Süd"])
SHARE, MONTH = "migrants_in_native_association", 60


@DISTRICTS
@pytest.mark.parametrize("lever", [{"committees.translation": True}, {"committees.formality": 0.3}],
                         ids=["translation", "less formality"])
def test_translation_and_less_formality_bring_migrants_into_the_neighbourhood_association(path, lever):
    gap = series(runs(path, lever), SHARE)[:, MONTH] - series(runs(path), SHARE)[:, MONTH]
    assert paired_ci(gap)[0] > 0, gap.round(4)


@DISTRICTS
def test_without_the_opening_no_migrant_joins_it(path):
    assert (series(runs(path), SHARE)[:, MONTH] > 0).all()
    assert (series(runs(path, {"mechanisms.native_association_open": False}), SHARE) == 0).all()

"""Ablations: switching a mechanism off moves the outcome in the direction the text gives
(issue: 'Mechanism tests'), mean over seeds at 1:1 scale, same seeds for both arms."""

import pytest

from run_cache import KS, mean_series, runs, womens_participation

pytestmark = pytest.mark.slow

SEEDS = range(1, 7)


def test_without_rooms_fewer_self_organised_groups():
    with_rooms = mean_series(runs(KS, seeds=SEEDS), "self_organised_groups")[60]
    without = mean_series(runs(KS, {"district.rooms": False}, seeds=SEEDS), "self_organised_groups")[60]
    assert without < with_rooms, (without, with_rooms)


def test_without_bilingual_mediators_fewer_communities_join():
    with_mediators = mean_series(runs(KS, seeds=SEEDS), "communities_in_working_group")[36]
    without = mean_series(runs(KS, {"instruments.bilingual_mediators": 0}, seeds=SEEDS), "communities_in_working_group")[36]
    assert without < with_mediators, (without, with_mediators)


def test_without_recognition_work_natives_recognise_less():
    with_work = mean_series(runs(KS, seeds=SEEDS), "native_recognition")[60]
    without = mean_series(runs(KS, {"mechanisms.recognition": False}, seeds=SEEDS), "native_recognition")[60]
    assert without < with_work, (without, with_work)


def test_without_qualification_fewer_migrant_women_take_part():
    with_courses = womens_participation(runs(KS, seeds=SEEDS), 60)
    without = womens_participation(runs(KS, {"mechanisms.qualification": False}, seeds=SEEDS), 60)
    assert without < with_courses, (without, with_courses)


def test_opaque_agenda_lowers_native_recognition():
    transparent = mean_series(runs(KS, seeds=SEEDS), "native_recognition")[60]
    opaque = mean_series(runs(KS, {"instruments.agenda_transparency": 0.0}, seeds=SEEDS), "native_recognition")[60]
    assert opaque < transparent, (opaque, transparent)

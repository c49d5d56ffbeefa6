"""Every bundled scenario validates and runs a year."""

from pathlib import Path

import pytest

import stadtteil_sim
from stadtteil_sim.config.city import load_city
from stadtteil_sim.config.loading import load_scenario

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))


def test_there_are_bundled_scenarios():
    assert {p.stem for p in SCENARIOS} >= {"kranichstein_sued", "eberstadt_sued"}


DISTRICT_FILES = [p for p in SCENARIOS if not load_city(p).districts[1:]]
CITY_FILES = [p for p in SCENARIOS if p not in DISTRICT_FILES]


@pytest.mark.parametrize("path", DISTRICT_FILES, ids=lambda p: p.stem)
def test_scenario_validates_and_runs_twelve_months(path):
    scenario = load_scenario(path)
    result = stadtteil_sim.run(scenario, seed=1, months=12)
    assert list(result.timeseries["month"]) == list(range(13))
    assert result.timeseries["migrants_reached_share"].between(0, 1).all()
    # The office starts at month 0: a year later it has reached more migrants than at the start.
    assert result.timeseries["migrants_reached_share"].iloc[-1] > result.timeseries["migrants_reached_share"].iloc[0]


@pytest.mark.parametrize("path", CITY_FILES, ids=lambda p: p.stem)
def test_city_validates_and_runs_twelve_months_at_a_small_scale(path):
    result = stadtteil_sim.run_city(path, seed=1, months=12, overrides={"run.scale": 0.02})
    assert sorted(set(result.timeseries["month"])) == list(range(13))
    assert len(result.timeseries) == 13 * len(result.scenario.districts)
    assert result.timeseries["migrants_reached_share"].between(0, 1).all()
    started = result.timeseries.query("month == 12 and office_mode == 'moderation'")
    assert len(started) >= 1  # some district is moderated a year in

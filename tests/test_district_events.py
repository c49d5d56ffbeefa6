"""District management's events (M5, docs/ODD.md §7.5): festivals, clean-up actions and activating
surveys, each with its own effect: a festival makes the groups visible and mixes the communities
(and, not co-designed with native groups, is rejected), a clean-up brings neighbours together, a
survey informs the unreached. Unit tests on a small district; paired seeds (10, 1:1, both districts)."""

import numpy as np
import pytest

from run_cache import ES, KS, paired_ci, runs, series
from stadtteil_sim import load_scenario
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.model.event_kinds import CLEAN_UP, FESTIVAL, SURVEY
from stadtteil_sim.model.population import ATTENDS, INFORMED, UNREACHED
from stadtteil_sim.model.processes import contact, management, recognition
from test_processes import context, small_model

DISTRICTS = pytest.mark.parametrize("path", [KS, ES], ids=["Kranichstein-Süd", "Eberstadt-Süd"])
EVERY_MONTH = {"district_management.events_per_year": 52, "district_management.capacity": 1.0}


def only(kind: str) -> dict:
    """Every event of one kind."""
    return {f"district_management.{k}_share": float(k == kind) for k in ("festival", "cleanup", "survey")}


@pytest.mark.parametrize(("kind", "expected"), [("festival", FESTIVAL), ("cleanup", CLEAN_UP), ("survey", SURVEY)])
def test_the_mix_decides_the_kind_and_the_switch_makes_every_event_a_festival(kind, expected):
    ctx = context(small_model({**EVERY_MONTH, **only(kind)}))
    management.step(ctx)
    assert ctx.event is expected
    ctx = context(small_model({**EVERY_MONTH, **only(kind), "mechanisms.distinct_events": False}))
    management.step(ctx)
    assert ctx.event is FESTIVAL


def test_an_activating_survey_informs_the_unreached_it_gets_through_to():
    model = small_model({**EVERY_MONTH, **only("survey"), "run.scale": 0.5})  # a few hundred asked per group
    pop = model.state.pop
    unreached = pop.adult & (pop.level == UNREACHED)
    largest = int(np.argmax(np.bincount(pop.community[unreached & pop.migrant])))
    model.state.contact[1:] = 0.0  # the office has full contact to the largest community only
    model.state.contact[largest] = 1.0
    management.step(context(model))
    informed = unreached & (pop.level == INFORMED)
    reach = model.config.behaviour.events.survey_reach
    for k in (0, largest):  # natives; the community the office is in contact with
        asked = unreached & (pop.community == k)
        assert informed[asked].mean() == pytest.approx(reach, abs=0.06), (k, asked.sum())
    assert not informed[unreached & (pop.community != 0) & (pop.community != largest)].any()
    festival = small_model({**EVERY_MONTH, **only("festival"), "run.scale": 0.5})
    management.step(context(festival))
    assert (festival.state.pop.level[unreached] == UNREACHED).all()


def neighbour_ties(model) -> int:
    """Living ties between residents of one housing block and different communities."""
    pop, ties = model.state.pop, model.state.ties
    partner = ties.partner
    alive = partner >= 0
    safe = np.where(alive, partner, 0)
    across = alive & (pop.block[safe] == pop.block[:, None]) & (pop.community[safe] != pop.community[:, None])
    return int(across.sum())


def neighbour_ties_gained(kind) -> int:
    model = small_model()
    pop = model.state.pop
    pop.level[pop.adult] = ATTENDS  # everyone takes part in activities
    before = neighbour_ties(model)
    ctx = context(model)
    ctx.event = kind
    contact.step(ctx)
    return neighbour_ties(model) - before


def test_a_clean_up_brings_neighbours_of_different_communities_together():
    without = neighbour_ties_gained(None)
    assert neighbour_ties_gained(CLEAN_UP) > without + 20
    assert neighbour_ties_gained(SURVEY) == without


def acceptance_after(kind, codesigned: bool) -> float:
    model = small_model({"instruments.festival_codesigned": codesigned})
    ctx = context(model)
    ctx.event = kind
    recognition.step(ctx)
    return model.state.pop.native_acceptance()


def test_only_a_festival_natives_do_not_find_themselves_in_puts_them_off():
    assert acceptance_after(FESTIVAL, codesigned=False) < acceptance_after(FESTIVAL, codesigned=True)
    for kind in (CLEAN_UP, SURVEY, None):
        assert acceptance_after(kind, codesigned=False) == acceptance_after(kind, codesigned=True)


def test_a_mix_that_does_not_add_up_is_refused_with_the_keys():
    with pytest.raises(ScenarioError, match="festival_share \\+ cleanup_share \\+ survey_share must add up to 1"):
        load_scenario(KS, {"district_management.survey_share": 0.5})


def gap(path, column: str, month: int, one: dict, other: dict | None = None) -> np.ndarray:
    """Per seed, ``column`` at ``month`` under ``one`` minus under ``other`` (paired)."""
    return series(runs(path, one), column)[:, month] - series(runs(path, other), column)[:, month]


@pytest.mark.slow
@DISTRICTS
def test_surveys_reach_more_migrants_than_festivals(path):
    column = "migrants_reached_share"
    surveys = gap(path, column, 24, only("survey"), only("festival"))
    assert paired_ci(surveys)[0] > 0, surveys.round(3)
    # Ablation: with every event a festival, surveys are festivals.
    same = runs(path, {**only("survey"), "mechanisms.distinct_events": False})
    assert np.array_equal(series(same, column), series(runs(path, only("festival")), column))


@pytest.mark.slow
@DISTRICTS
def test_clean_ups_make_more_bridging_ties_than_surveys(path):
    clean_ups = gap(path, "bridging_tie_share", 60, only("cleanup"), only("survey"))
    assert paired_ci(clean_ups)[0] > 0, clean_ups.round(4)


@pytest.mark.slow
@DISTRICTS
def test_a_multicultural_festival_natives_do_not_co_design_costs_recognition(path):
    column, not_codesigned = "native_recognition", {"instruments.festival_codesigned": False}
    rejected = gap(path, column, 36, not_codesigned)
    assert paired_ci(rejected)[1] < 0, rejected.round(4)
    # Clean-ups alone: co-designed or not, natives' recognition is the same.
    assert np.array_equal(series(runs(path, {**only("cleanup"), **not_codesigned}), column),
                          series(runs(path, only("cleanup")), column))

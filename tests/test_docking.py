"""Docking: the model's own activation step (``processes/activation.step``), reduced to
Granovetter's (1978) threshold model, reproduces his classic result.

Reduced means: 100 adult residents, all informed; only the social term of the pull (every other
weight 0, the barriers of M2 switched off), with the active share set directly in the month's
context as everyone's share of everyone (ties cannot hold a complete network: ``ties.slots`` is
at most 32); thresholds as shares; joining when the share reaches the threshold
(``activation.join_at_threshold``); ``up_rate`` 1, nobody drops out; synchronous updates.
Granovetter: thresholds 0, 1, ..., 99 (in hundredths) make everyone join, one after another;
raise the threshold-1 person's to 2 and the cascade stops at one.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import Scenario
from stadtteil_sim.model.carriers import Carriers
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.population import ADULT, ATTENDS, COLUMNS, INFORMED, Population
from stadtteil_sim.model.processes import activation
from stadtteil_sim.model.processes.context import MonthContext

N = 100
ONLY_SOCIAL = {
    "behaviour.burn_in_months": 0, "run.scale": 0.1, "mechanisms.barriers": False,
    "behaviour.activation.weight_social": 1.0, "behaviour.activation.weight_events": 0.0,
    "behaviour.activation.weight_interest": 0.0, "behaviour.activation.weight_office": 0.0,
    "behaviour.activation.weight_group": 0.0, "behaviour.activation.up_rate": 1.0,
    "behaviour.activation.down_rate": 0.0, "behaviour.activation.margin": 0.0,
}


def cascade(thresholds: np.ndarray, join_at_threshold: bool = True) -> list[int]:
    """Residents attending after each synchronous update, until nothing changes."""
    model = StadtteilModel(load_scenario(Scenario(), {**ONLY_SOCIAL,
                                                      "behaviour.activation.join_at_threshold": join_at_threshold}))
    pop = Population(**{name: getattr(model.state.pop, name)[:N].copy() for name in COLUMNS})
    pop.age_band[:] = ADULT
    pop.level[:] = INFORMED
    pop.threshold[:] = thresholds
    state = dataclasses.replace(model.state, pop=pop)
    attending = [0]
    for _ in range(2 * N):
        share = float((pop.level >= ATTENDS).mean())
        n_communities = len(model.community_names)
        ctx = MonthContext(model.config, state, model.streams, model.communities, effort=0.0, moderating=False,
                           advice=0.0, active_share=np.full(N, share),
                           in_working_group=np.zeros(n_communities, bool), carriers=Carriers.none(n_communities))
        activation.step(ctx)
        attending.append(int((pop.level >= ATTENDS).sum()))
        if attending[-1] == attending[-2]:
            break
    return attending


def test_uniform_thresholds_make_everyone_join_one_after_another():
    counts = cascade(np.arange(N) / N)
    assert counts[-1] == N
    assert counts[:4] == [0, 1, 2, 3]  # the threshold-k person joins at step k + 1


def test_one_changed_threshold_stops_the_cascade_at_one():
    thresholds = np.arange(N) / N
    thresholds[1] = 2 / N
    assert cascade(thresholds)[-1] == 1


def test_a_strict_comparison_never_starts_the_cascade():
    """The model's default (exceed, not reach): a threshold of 0 at share 0 does not join."""
    assert cascade(np.arange(N) / N, join_at_threshold=False)[-1] == 0

"""The participation table counted with one bincount is the table pandas' value_counts made."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stadtteil_sim import load_scenario
from stadtteil_sim.model.district import StadtteilModel
from stadtteil_sim.model.indicators import participation_table
from stadtteil_sim.model.population import LEVEL_NAMES


def value_counts_table(state, scenario, month: int) -> pd.DataFrame:
    """The table as it was made before: the adults' words, counted by pandas."""
    pop = state.pop
    names = np.array(["native", *(c.name for c in scenario.district.communities)])
    adult = pop.adult
    frame = pd.DataFrame(
        {
            "level": np.array(LEVEL_NAMES)[pop.level[adult]],
            "community": names[pop.community[adult]],
            "gender": np.where(pop.female[adult], "female", "male"),
        }
    )
    table = frame.value_counts().rename("residents").reset_index()
    table.insert(0, "month", month)
    return table.sort_values(["community", "gender", "level"]).reset_index(drop=True)


@pytest.mark.parametrize("source", ["scenarios/kranichstein_sued.yaml", "scenarios/eberstadt_sued.yaml"])
def test_participation_table_as_value_counts_made_it(source):
    model = StadtteilModel(load_scenario(source, {"run.scale": 0.5}), seed=3)
    for month in range(40):
        if month % 13 == 0:
            expected = value_counts_table(model.state, model.config, model.month)
            pd.testing.assert_frame_equal(participation_table(model.state, model.config, model.month), expected)
        model.step()

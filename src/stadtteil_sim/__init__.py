"""stadtteil_sim: migrant participation in district renewal and the timing of an integration office's handover."""

from stadtteil_sim._version import __version__
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "run", "RunResult", "StadtteilModel", "run_city",
           "CityRunResult", "CityModel", "load_results",
           "__version__"]


def __getattr__(name: str):
    # run() pulls in Mesa and the model; import it lazily so the schema stays light.
    if name in {"run", "RunResult", "StadtteilModel", "run_city", "CityRunResult", "CityModel"}:
        from stadtteil_sim import model

        return getattr(model, name)
    if name == "load_results":  # a batch's results folder as pandas tables
        from stadtteil_sim.experiments.store import load_results

        return load_results
    raise AttributeError(name)

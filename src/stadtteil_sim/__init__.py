"""stadtteil_sim: migrant participation in district renewal and the timing of an integration office's handover."""

from importlib.metadata import PackageNotFoundError, version

from stadtteil_sim.scenario import Scenario, ScenarioError, load_scenario

try:
    __version__ = version("stadtteil_sim")  # declared once, in pyproject.toml
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["Scenario", "ScenarioError", "load_scenario", "run", "RunResult", "load_results", "__version__"]


def __getattr__(name: str):
    # run() pulls in Mesa and the model; import it lazily so the schema stays light.
    if name in {"run", "RunResult"}:
        from stadtteil_sim import runner as _run_module

        return getattr(_run_module, name)
    if name == "load_results":  # a batch's results folder as pandas tables
        from stadtteil_sim.store import load_results

        return load_results
    raise AttributeError(name)

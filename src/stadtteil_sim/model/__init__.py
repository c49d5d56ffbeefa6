"""The model of a district and of a city of districts: residents as column arrays, their ties,
the organisations, the integration office and its staff pool, the month's processes, the
indicators, the Mesa models and one run.

Imports only ``config``. The models and the run functions are loaded on first use, so that
reading a declaration here (e.g. the indicators) does not import Mesa.
"""

__all__ = ["StadtteilModel", "CityModel", "run", "RunResult", "run_city", "CityRunResult"]


def __getattr__(name: str):
    if name == "StadtteilModel":
        from stadtteil_sim.model.district import StadtteilModel

        return StadtteilModel
    if name == "CityModel":
        from stadtteil_sim.model.city import CityModel

        return CityModel
    if name in {"run", "RunResult", "run_city", "CityRunResult"}:
        from stadtteil_sim.model import runner

        return getattr(runner, name)
    raise AttributeError(name)

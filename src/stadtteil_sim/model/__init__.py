"""The model of a district: residents as column arrays, their ties, the organisations, the
integration office, the month's processes, the indicators, the Mesa model and one run.

Imports only ``config``. ``StadtteilModel``, ``run`` and ``RunResult`` are loaded on first use,
so that reading a declaration here (e.g. the indicators) does not import Mesa.
"""

__all__ = ["StadtteilModel", "run", "RunResult"]


def __getattr__(name: str):
    if name == "StadtteilModel":
        from stadtteil_sim.model.district import StadtteilModel

        return StadtteilModel
    if name in {"run", "RunResult"}:
        from stadtteil_sim.model import runner

        return getattr(runner, name)
    raise AttributeError(name)

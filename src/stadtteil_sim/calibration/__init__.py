"""Fitting and probing the model against the text's patterns: target files and the distance,
ABC-SMC (pyabc), the posterior's outputs, and Morris/Sobol sensitivity (SALib), each run as
batches. Imports ``config``, ``model`` and ``experiments``; pyabc is loaded only by ``abc``."""

__all__ = ["run_sensitivity"]


def __getattr__(name: str):
    if name == "run_sensitivity":
        from stadtteil_sim.calibration.sensitivity import run_sensitivity

        return run_sensitivity
    raise AttributeError(name)

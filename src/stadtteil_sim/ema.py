"""EMA Workbench access to experiments (the ``ema`` extra): see :mod:`stadtteil_sim.experiments.ema`."""

from stadtteil_sim.experiments.ema import ema_model, identifier

__all__ = ["ema_model", "identifier"]

"""Scenarios: the schema of a scenario file, reading YAML with include and overrides, and the
error messages that name the file, the key and what is allowed. The lowest layer: it imports
nothing else of the package."""

from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import load_scenario
from stadtteil_sim.config.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario"]

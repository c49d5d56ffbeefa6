"""The server's defaults for a new page session, read from the environment ``stadtteil-sim live``
sets. No solara import here: the server sets these before solara starts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from stadtteil_sim.app import texts

ENV_SCENARIO = "STADTTEIL_SIM_SCENARIO"
ENV_LANG = "STADTTEIL_SIM_LANG"
ENV_SAVE_DIR = "STADTTEIL_SIM_SAVE_DIR"
DEFAULT_SCENARIO = Path("scenarios") / "kranichstein_sued.yaml"


@dataclass(frozen=True)
class AppConfig:
    """The server's defaults for a new session."""

    scenario: Path
    lang: str
    save_dir: Path

    @property
    def scenario_dir(self) -> Path:
        return self.scenario.parent

    @classmethod
    def from_env(cls) -> AppConfig:
        scenario = Path(os.environ.get(ENV_SCENARIO) or DEFAULT_SCENARIO)
        lang = os.environ.get(ENV_LANG) or texts.DEFAULT_LANG
        if lang not in texts.LANGS:
            lang = texts.DEFAULT_LANG
        save_dir = Path(os.environ.get(ENV_SAVE_DIR) or scenario.parent / "workshop")
        return cls(scenario, lang, save_dir)

"""Shared test set-up: Hypothesis profiles.

``ci`` (the default) keeps the property tests fast and reproducible: a small, fixed set of
examples (``derandomize=True``), no per-example deadline (a model run takes a fraction of a
second, more on a busy machine) and no example database. ``dev`` explores more and randomly:

    HYPOTHESIS_PROFILE=dev .venv/bin/python -m pytest tests/test_properties.py
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "dev",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --------------------------------------------------------------------------- workshop dashboard
# Playwright (through solara's pytest plugin) drives Debian's Chromium: Playwright's own browser
# download cannot work on these machines. The flags keep a headless Chromium off the network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch arguments, pointed at Debian's Chromium."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}

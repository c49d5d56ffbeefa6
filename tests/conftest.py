"""Shared test set-up: Hypothesis profiles.

``ci`` (the default) keeps the property tests fast and reproducible: a small, fixed set of
examples (``derandomize=True``), no per-example deadline (a model run takes a fraction of a
second, more on a busy machine) and no example database. ``dev`` explores more and randomly:

    HYPOTHESIS_PROFILE=dev .venv/bin/python -m pytest tests/test_properties.py
"""

from __future__ import annotations

import os

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

"""Named random streams (rng.py): common random numbers per (seed, stream name, month)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from stadtteil_sim.model.rng import Streams, stream_key

N = 64


def draws(gen: np.random.Generator) -> np.ndarray:
    return gen.random(N)


def test_same_seed_name_month_gives_same_draws():
    a, b = Streams(7), Streams(7)
    for name in ("activation", "groups", "ties"):
        for month in (-12, -1, 0, 1, 36, 119):
            assert np.array_equal(draws(a(name, month)), draws(b(name, month)))


def test_a_stream_is_rederived_each_call_not_consumed():
    # Two calls for the same (name, month) start from the same point: a process that draws more
    # in one call does not shift what the next call for that month sees.
    s = Streams(3)
    first = s("outreach", 5)
    first.random(1000)
    assert np.array_equal(draws(s("outreach", 5)), draws(Streams(3)("outreach", 5)))


def test_different_name_gives_different_draws():
    s = Streams(7)
    base = draws(s("activation", 4))
    for other in ("groups", "ties", "outreach", "Activation", "activation "):
        assert not np.array_equal(base, draws(s(other, 4))), other


def test_different_month_gives_different_draws():
    s = Streams(7)
    months = list(range(-12, 25))
    seen = {tuple(draws(s("activation", m))[:4]) for m in months}
    assert len(seen) == len(months)


def test_negative_and_positive_month_differ():
    s = Streams(7)
    assert not np.array_equal(draws(s("groups", -3)), draws(s("groups", 3)))


def test_different_seed_gives_different_draws():
    assert not np.array_equal(draws(Streams(1)("activation", 0)), draws(Streams(2)("activation", 0)))


def test_setup_streams_are_reproducible():
    assert np.array_equal(draws(Streams(11).setup("population")), draws(Streams(11).setup("population")))
    assert not np.array_equal(draws(Streams(11).setup("population")), draws(Streams(12).setup("population")))
    assert not np.array_equal(draws(Streams(11).setup("population")), draws(Streams(11).setup("ties")))


@pytest.mark.parametrize("name", ["population", "ties", "groups"])
def test_setup_streams_differ_from_monthly_ones(name):
    s = Streams(5)
    setup = draws(s.setup(name))
    for month in range(-12, 13):
        assert not np.array_equal(setup, draws(s(name, month))), month
        # Not even the monthly stream that carries the setup prefix in its name.
        assert not np.array_equal(setup, draws(s("setup:" + name, month))), month


def test_draws_are_uniform_on_unit_interval():
    x = Streams(9)("activation", 0).random(20_000)
    assert x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01


def test_stream_key_is_stable_across_interpreters():
    # crc32, not hash(): the key must not depend on PYTHONHASHSEED.
    code = "from stadtteil_sim.model.rng import stream_key; print(stream_key('activation'), stream_key('groups'))"
    outputs = set()
    for hashseed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        outputs.add(out.stdout.strip())
    assert outputs == {f"{stream_key('activation')} {stream_key('groups')}"}
    assert stream_key("activation") != stream_key("groups")

"""Streams hash their generators' state themselves (model/rng.py): each is the generator numpy's
SeedSequence gives for the same seed and spawn key, draw for draw."""

from __future__ import annotations

import numpy as np
import pytest

from stadtteil_sim.model.rng import _MONTH_OFFSET, Streams, stream_key


def numpy_generator(seed: int, spawn_key: tuple[int, ...]) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key)))


SEEDS = [0, 1, 7, 2**31, 2**32, 2**32 + 5, 2**64 - 1, 2**100 + 3, 2**160 + 2**70 + 11, 20002, 123456789012345678]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("district", [None, "Kranichstein-Süd"])
def test_streams_are_numpys_seed_sequence_generators(seed, district):
    streams = Streams(seed, district)
    prefix = () if district is None else (stream_key("district:" + district),)
    for name in ("activation", "ties", "groups"):
        for month in (-12, -1, 0, 1, 59, 119):
            expected = numpy_generator(seed, (*prefix, stream_key(name), month + _MONTH_OFFSET))
            assert streams(name, month).random(8).tobytes() == expected.random(8).tobytes()
        expected = numpy_generator(seed, (*prefix, stream_key("setup:" + name)))
        assert streams.setup(name).normal(size=8).tobytes() == expected.normal(size=8).tobytes()


def test_a_negative_seed_is_refused_as_numpy_refuses_it():
    with pytest.raises(ValueError):
        Streams(-1)

"""Streams hash their generators' state themselves (model/rng.py): each is the generator numpy's
SeedSequence gives for the same seed and spawn key, draw for draw."""

from __future__ import annotations

import numpy as np
import pytest

from stadtteil_sim.model.rng import _MONTH_OFFSET, Keyed, Streams, stream_key


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


# ---------------------------------------------------------------- keyed uniforms (SplitMix64)
def splitmix64(state: int, count: int) -> list[int]:
    """The reference generator (Steele, Lea & Flood 2014), in Python integers."""
    mask, out = 2**64 - 1, []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(z ^ (z >> 31))
    return out


@pytest.mark.parametrize("key", [0, 1234567, 2**63 + 99, 2**64 - 1])
def test_a_keyed_table_is_splitmix64_from_its_key_row_by_row(key):
    keyed = Keyed(np.uint64(key), 3)
    expected = np.array([(z >> 11) * 2.0**-53 for z in splitmix64(key, 5 * 3)]).reshape(5, 3)
    assert keyed.table(5).tobytes() == expected.tobytes()
    # A cell read on its own is the table's: what others read never moves it.
    assert keyed.at(np.array([4, 1]), 2).tolist() == [expected[4, 2], expected[1, 2]]


def test_reference_splitmix64_values():
    assert splitmix64(1234567, 3) == [6457827717110365317, 3203168211198807973, 9817491932198370423]


def test_keyed_tables_differ_by_stream_month_seed_and_district_and_look_uniform():
    keys = {Streams(s, d).keyed(name, m, 2).key for s in (1, 2) for d in (None, "Eberstadt-Süd")
            for name in ("ties", "groups") for m in (-12, 0, 1)}
    assert len(keys) == 2 * 2 * 2 * 3
    table = Streams(1).keyed("ties", 0, 4).table(200_000)
    assert np.all((table >= 0.0) & (table < 1.0))
    assert np.abs(table.mean(axis=0) - 0.5).max() < 0.003
    assert np.abs(np.corrcoef(table.T) - np.eye(4)).max() < 0.01

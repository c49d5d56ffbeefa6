"""Named random streams derived from one root seed (common random numbers).

Every process draws from its own stream, re-derived for each month from
``(root seed, stream name, month)``. A lever that changes how many draws one process uses
therefore never shifts the draws of another process or of another month. In a city of several
districts each district's streams are keyed by its name as well (not its position: a roll-out
plan that reorders districts keeps every district's draws); a city of one leaves the key out.
"""

from __future__ import annotations

import zlib

import numpy as np

# A fixed offset keeps burn-in months (negative) inside SeedSequence's non-negative spawn keys.
_MONTH_OFFSET = 10_000


def stream_key(name: str) -> int:
    """A stable integer for a stream name (crc32 does not change between Python runs)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of per-month generators: ``streams("activation", month)``."""

    def __init__(self, seed: int, district: str | None = None):
        self.seed = int(seed)
        self.district = district
        self._prefix = () if district is None else (stream_key("district:" + district),)

    def __call__(self, name: str, month: int) -> np.random.Generator:
        key = (*self._prefix, stream_key(name), month + _MONTH_OFFSET)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key)))

    def setup(self, name: str) -> np.random.Generator:
        """A generator for initialisation (drawn once, before any month)."""
        key = (*self._prefix, stream_key("setup:" + name))
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key)))


def skip(rng: np.random.Generator, draws: int) -> None:
    """Move ``rng`` on as if ``rng.random`` had drawn ``draws`` numbers (one 64-bit output each),
    without drawing them: when a process needs none of a block of its draws, its later draws stay
    the same and the block costs nothing."""
    rng.bit_generator.advance(draws)

"""Named random streams derived from one root seed (common random numbers).

Every process draws from its own stream, re-derived for each month from
``(root seed, stream name, month)``. A lever that changes how many draws one process uses
therefore never shifts the draws of another process or of another month. In a city of several
districts each district's streams are keyed by its name as well (not its position: a roll-out
plan that reorders districts keeps every district's draws); a city of one leaves the key out.
"""

from __future__ import annotations

import zlib

import numba
import numpy as np
from numpy.random.bit_generator import ISeedSequence

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
        self._seed_words = _seed_entropy(self.seed)

    def __call__(self, name: str, month: int) -> np.random.Generator:
        return self._generator((*self._prefix, stream_key(name), month + _MONTH_OFFSET))

    def keyed(self, name: str, month: int, width: int) -> Keyed:
        """Per-resident uniforms of a process's month, ``width`` columns per resident, each drawn
        only where it is read (see :class:`Keyed`)."""
        words = np.array([*self._seed_words, *self._prefix, stream_key("keyed:" + name), month + _MONTH_OFFSET],
                         dtype=np.int64)
        return Keyed(np.uint64(seed_sequence_state(words).view(np.uint64)[0]), width)

    def setup(self, name: str) -> np.random.Generator:
        """A generator for initialisation (drawn once, before any month)."""
        return self._generator((*self._prefix, stream_key("setup:" + name)))

    def _generator(self, spawn_key: tuple[int, ...]) -> np.random.Generator:
        """``Generator(PCG64(SeedSequence(seed, spawn_key=spawn_key)))``, the same generator: its
        state words hashed by :func:`seed_sequence_state` (numpy's SeedSequence costs 20 us)."""
        words = np.array([*self._seed_words, *spawn_key], dtype=np.int64)
        return np.random.Generator(np.random.PCG64(_State(seed_sequence_state(words).view(np.uint64))))


def _seed_entropy(seed: int) -> list[int]:
    """A SeedSequence's entropy words for ``seed`` with a spawn key: its 32-bit words, lowest
    first, padded with zeros to the pool's 4."""
    if seed < 0:
        raise ValueError(f"a seed is a non-negative integer, not {seed}")
    words = [0] if seed == 0 else []
    while seed > 0:
        words.append(seed & 0xFFFFFFFF)
        seed >>= 32
    return words + [0] * (4 - len(words))


class _State(ISeedSequence):
    """A seed sequence whose state is already worked out (what PCG64 asks of one)."""

    def __init__(self, state: np.ndarray):
        self.state = state

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        assert n_words == 4 and np.dtype(dtype) == np.uint64, "PCG64 asks for 4 uint64 words"
        return self.state


# numpy's SeedSequence (numpy/random/bit_generator.pyx), its constants and its 32-bit arithmetic.
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R, _MASK32 = 0xCA01F9DD, 0x4973F715, 0xFFFFFFFF


@numba.njit(cache=True, nogil=True)
def seed_sequence_state(entropy: np.ndarray) -> np.ndarray:
    """``SeedSequence.generate_state(4, np.uint64)`` for the assembled entropy words (the seed's,
    padded to 4, then the spawn key's, each < 2**32): the pool mixed as SeedSequence mixes it,
    then 8 words drawn from it, paired little-endian. In int64 (numba mixes unsigned and signed
    into floats); every result is masked to its low 32 bits, which wrap-around leaves exact; the
    bits returned are the uint64 words'."""
    pool = np.zeros(4, dtype=np.int64)
    hash_const = _INIT_A

    def hashmix(value, hash_const):
        value = (value ^ hash_const) & _MASK32
        hash_const = (hash_const * _MULT_A) & _MASK32
        value = (value * hash_const) & _MASK32
        return value ^ (value >> 16), hash_const

    def mix(x, y):
        result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
        return result ^ (result >> 16)

    for i in range(4):
        pool[i], hash_const = hashmix(entropy[i] if i < entropy.size else 0, hash_const)
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                value, hash_const = hashmix(pool[i_src], hash_const)
                pool[i_dst] = mix(pool[i_dst], value)
    for i_src in range(4, entropy.size):
        for i_dst in range(4):
            value, hash_const = hashmix(entropy[i_src], hash_const)
            pool[i_dst] = mix(pool[i_dst], value)
    out = np.zeros(4, dtype=np.int64)
    hash_const = _INIT_B
    for i in range(8):
        value = pool[i % 4] ^ hash_const
        hash_const = (hash_const * _MULT_B) & _MASK32
        value = (value * hash_const) & _MASK32
        value ^= value >> 16
        out[i // 2] |= value << (32 * (i % 2))
    return out

def skip(rng: np.random.Generator, draws: int) -> None:
    """Move ``rng`` on as if ``rng.random`` had drawn ``draws`` numbers (one 64-bit output each),
    without drawing them: when a process needs none of a block of its draws, its later draws stay
    the same and the block costs nothing."""
    rng.bit_generator.advance(draws)


# ----------------------------------------------------------------------------- keyed uniforms
# SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators",
# OOPSLA; passes BigCrush) read as a counter-based generator: the k-th output of the sequence
# that starts at ``key``. A stream's per-resident table of uniforms is then a function of (key,
# row, column), worked out where a process reads it, so the values no process reads are never
# made, and which are read never changes another resident's (common random numbers, as with
# fixed-shape draws). Keys are 64 random bits per stream and month, so two streams' counters
# would have to lie within 2**64 / (rows x columns) of each other to overlap.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1, _MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53: the 53 high bits as a float in [0, 1), as numpy does


@numba.njit(cache=True, nogil=True)
def uniform(key: np.uint64, row: int, column: int, width: int) -> float:
    """The uniform in [0, 1) of ``row``, ``column`` in a keyed table ``width`` columns wide."""
    z = key + np.uint64(row * width + column + 1) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(11)) * _TO_UNIT


@numba.njit(cache=True, nogil=True)
def _uniforms_at(key: np.uint64, rows: np.ndarray, column: int, width: int) -> np.ndarray:
    out = np.empty(rows.size)
    for r in range(rows.size):
        out[r] = uniform(key, rows[r], column, width)
    return out


class Keyed:
    """A month's per-resident uniforms of one process, ``width`` columns per resident: compiled
    passes read ``uniform(keyed.key, row, column, keyed.width)`` for the rows they decide, numpy
    code ``keyed.at(rows, column)``; ``table(n)`` is the whole table (reference forms in tests)."""

    __slots__ = ("key", "width")

    def __init__(self, key: np.uint64, width: int):
        self.key, self.width = np.uint64(key), int(width)

    def at(self, rows: np.ndarray, column: int) -> np.ndarray:
        return _uniforms_at(self.key, np.asarray(rows, dtype=np.int64), column, self.width)

    def table(self, n: int) -> np.ndarray:
        rows = np.arange(n, dtype=np.int64)
        return np.column_stack([self.at(rows, c) for c in range(self.width)]).reshape(n, self.width)

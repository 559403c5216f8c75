"""Deterministic random numbers keyed by what they describe, stable across processes and versions.

Every generated value draws from a stream seeded by a hash of its key (seed, GMAID, day, report,
campaign...), so a day's numbers never depend on which range, page or order it was asked in.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Sequence

T = TypeVar("T")

_MASK = (1 << 64) - 1


def stable_seed(*parts: object) -> int:
    """Return a 64-bit seed for the key ``parts`` (unlike ``hash()``, the same in every process)."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class Stream:
    """A small splitmix64 generator: fast to create, so each record can have its own."""

    __slots__ = ("_state",)

    def __init__(self, *key: object) -> None:
        self._state = stable_seed(*key)

    def next(self) -> int:
        """Return the next 64-bit value."""
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        value = self._state
        value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
        return value ^ (value >> 31)

    def below(self, limit: int) -> int:
        """Return an integer in ``[0, limit)``."""
        return self.next() % limit if limit > 0 else 0

    def between(self, low: int, high: int) -> int:
        """Return an integer in ``[low, high]``."""
        return low + self.below(high - low + 1)

    def uniform(self) -> float:
        """Return a float in ``[0, 1)``."""
        return (self.next() >> 11) / float(1 << 53)

    def chance(self, probability: float) -> bool:
        """Return True with ``probability``."""
        return self.uniform() < probability

    def choice(self, options: Sequence[T]) -> T:
        """Return one of ``options``."""
        return options[self.below(len(options))]


def mix_id(sequence: int, salt: int, bits: int = 40) -> int:
    """Map ``sequence`` (below ``2**bits``) one-to-one onto ``[1, 2**bits]``, so ids look unordered yet never collide.

    Each step (xor with a right shift of itself, multiplication by an odd number modulo a power of
    two, adding a constant) can be undone, so distinct sequences always give distinct ids.
    """
    mask = (1 << bits) - 1
    value = (sequence + salt) & mask
    for multiplier in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9):
        value ^= value >> (bits // 2)
        value = (value * multiplier) & mask
    value ^= value >> (bits // 2)
    return value + 1

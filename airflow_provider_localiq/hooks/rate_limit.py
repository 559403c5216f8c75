"""A thread-safe token bucket that keeps one process under LocalIQ's requests-per-second limit."""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

# LocalIQ counts requests in fixed one-second windows. Spacing requests slightly wider than
# 1/rate keeps arrival jitter from pushing a 21st request into a window.
SAFETY_FACTOR = 1.02

# A thread that wakes up later than this share of the spacing after its slot gives the slot up.
LATE_SHARE = 0.5


class TokenBucket:
    """Hand out permission to send, at most ``rate`` per second with bursts of ``burst``.

    A burst of 1 spaces requests evenly, which is what a fixed-window server limit wants: any
    one-second window then sees at most ``rate`` requests, however many threads share the bucket.

    Each caller reserves the next free slot and sleeps until it. A caller that wakes up well after
    its slot (the process stalled: a garbage collection, a busy CPU) takes a fresh slot instead of
    sending at once, since every caller that slept through the same stall would otherwise send in
    the same instant and overrun the server's window.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self.rate = rate
        self.burst = burst
        self._interval = SAFETY_FACTOR / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        # The earliest time the next slot may start; bursts let it lag up to burst-1 slots behind now.
        self._next_slot = -math.inf

    def acquire(self) -> float:
        """Block until a request may be sent; return the seconds spent waiting."""
        waited = 0.0
        while True:
            slot, now = self._reserve()
            if slot > now:
                self._sleep(slot - now)
                waited += slot - now
            if self._clock() - slot <= LATE_SHARE * self._interval:
                return waited

    def _reserve(self) -> tuple[float, float]:
        with self._lock:
            now = self._clock()
            slot = max(self._next_slot, now - (self.burst - 1) * self._interval)
            self._next_slot = slot + self._interval
            return max(slot, now), now

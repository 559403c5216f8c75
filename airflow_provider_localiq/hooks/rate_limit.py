"""A thread-safe token bucket that keeps one process under LocalIQ's requests-per-second limit."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

# LocalIQ counts requests in fixed one-second windows. Spacing requests slightly wider than
# 1/rate keeps arrival jitter from pushing a 21st request into a window.
SAFETY_FACTOR = 1.02


class TokenBucket:
    """Hand out permission to send, at most ``rate`` per second with bursts of ``burst``.

    A burst of 1 spaces requests evenly, which is what a fixed-window server limit wants: any
    one-second window then sees at most ``rate`` requests, however many threads share the bucket.
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
        self._tokens = float(burst)
        self._updated = clock()

    def acquire(self) -> float:
        """Block until a request may be sent; return the seconds spent waiting."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) / self._interval)
            self._updated = now
            self._tokens -= 1
            wait = 0.0 if self._tokens >= 0 else -self._tokens * self._interval

        if wait > 0:
            self._sleep(wait)
        return wait

"""Decide, per request, whether to enforce the rate limit or inject a fault.

Scripted faults are consumed in order for the path they are registered on (matched as a path
prefix on segment boundaries, longest first); once a script runs out, the random fault rates
apply again. Random faults come from one seeded generator, so a seed replays the same sequence.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow_provider_localiq.sandbox.config import FaultStep, SandboxConfig

PASS_THROUGH: frozenset[FaultStep] = frozenset({200, "ok"})


def path_matches(path: str, prefix: str) -> bool:
    """Return whether ``prefix`` names ``path`` or one of its parents (``/crm`` matches ``/crm/contacts``)."""
    trimmed = prefix.rstrip("/")
    return not trimmed or path == trimmed or path.startswith(trimmed + "/")


class RateLimiter:
    """Count requests in fixed one-second windows of the wall clock, across all clients."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = -1
        self._count = 0

    def allow(self, limit: int) -> bool:
        """Count one request and return whether it fits in the current window (``limit`` 0 = no limit)."""
        if limit <= 0:
            return True
        window = int(time.time())
        with self._lock:
            if window != self._window:
                self._window, self._count = window, 0
            self._count += 1
            return self._count <= limit


class FaultInjector:
    """Hand out the next fault for a path: a scripted step first, otherwise a random draw."""

    def __init__(self, config: SandboxConfig) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[FaultStep]] = {}
        self._random = random.Random(config.fault_seed)
        for path, steps in config.scripts.items():
            self.script(path, steps)

    def script(self, path: str, steps: Sequence[FaultStep]) -> None:
        """Replace the scripted steps of ``path``; an empty list removes the script."""
        with self._lock:
            if steps:
                self._scripts[path] = deque(steps)
            else:
                self._scripts.pop(path, None)

    def reseed(self, seed: int) -> None:
        """Restart the random fault sequence from ``seed``."""
        with self._lock:
            self._random = random.Random(seed)

    def next_fault(self, path: str, config: SandboxConfig) -> FaultStep | None:
        """Return the fault for this request, or None to answer normally."""
        with self._lock:
            step = self._next_scripted(path)
            if step is None:
                step = self._next_random(path, config)
        return None if step in PASS_THROUGH else step

    def _next_scripted(self, path: str) -> FaultStep | None:
        for prefix in sorted(self._scripts, key=len, reverse=True):
            steps = self._scripts[prefix]
            if steps and path_matches(path, prefix):
                return steps.popleft()
        return None

    def _next_random(self, path: str, config: SandboxConfig) -> FaultStep | None:
        rates = (config.error_rate, config.drop_rate, config.malformed_rate, config.slow_rate)
        if not any(rates):
            return None
        if config.fault_paths and not any(path_matches(path, prefix) for prefix in config.fault_paths):
            return None

        draw = self._random.random()
        threshold = 0.0
        for rate, fault in zip(rates, ("status", "drop", "malformed", "slow"), strict=True):
            threshold += rate
            if draw < threshold:
                return self._random.choice(config.error_statuses) if fault == "status" else fault
        return None

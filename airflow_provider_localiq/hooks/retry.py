"""How long to wait between in-task retries of a transient LocalIQ failure (built on tenacity)."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tenacity import wait_exponential_jitter

if TYPE_CHECKING:
    from collections.abc import Callable

    from tenacity import RetryCallState


class TransientFailure(Exception):
    """A failure worth retrying inside the task; ``retry_after`` is the server's hint, if any."""

    def __init__(
        self,
        description: str,
        *,
        rate_limited: bool = False,
        retry_after: float | None = None,
        maybe_processed: bool = False,
    ) -> None:
        self.description = description
        self.rate_limited = rate_limited
        self.retry_after = retry_after
        # True when the request may have reached LocalIQ and been acted on (a read timeout or a
        # reset after sending); a single-use refresh token must then not be sent again.
        self.maybe_processed = maybe_processed
        super().__init__(description)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and waits for in-task retries.

    429s wait for ``Retry-After`` when LocalIQ sends it, else to the start of the next one-second
    window plus a little jitter; they are never multiplied by the attempt number. Server errors,
    timeouts, resets and broken JSON back off exponentially with jitter. Retries stop after
    ``max_attempts`` tries or ``max_elapsed_seconds``, whichever comes first. ``sleep`` is
    injectable so tests can record the waits instead of sleeping.
    """

    max_attempts: int = 6
    max_elapsed_seconds: float = 300.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    rate_limit_jitter: float = 0.25
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts!r}")

    def wait(self, retry_state: RetryCallState) -> float:
        """Seconds to wait before the next attempt (a tenacity ``wait`` callable)."""
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(failure, TransientFailure) and failure.rate_limited:
            if failure.retry_after is not None:
                return min(max(failure.retry_after, 0.0), self.max_retry_after)
            return seconds_to_next_window() + random.uniform(0, self.rate_limit_jitter)
        backoff = wait_exponential_jitter(initial=self.backoff_initial, max=self.backoff_max)
        return float(backoff(retry_state))


def seconds_to_next_window(now: float | None = None) -> float:
    """Seconds until the next whole second of the wall clock, where LocalIQ's limit window resets."""
    current = time.time() if now is None else now
    return 1.0 - (current % 1.0)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Read a ``Retry-After`` header given in seconds or as an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(moment.timestamp() - current, 0.0)

"""Run independent calls on a few threads and hand back their results in the original order."""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

Item = TypeVar("Item")
Result = TypeVar("Result")


def ordered_map(
    function: Callable[[Item], Result],
    items: Iterable[Item],
    *,
    max_workers: int,
    prefetch: int | None = None,
) -> Iterator[Result]:
    """Yield ``function(item)`` for each item, in order, computing up to ``max_workers`` at once.

    At most ``prefetch`` (default twice the workers) results wait to be consumed, so memory stays
    bounded however many items there are. An exception is raised when its result's turn comes;
    the calls not yet started are then cancelled.
    """
    if max_workers <= 1:
        for item in items:
            yield function(item)
        return

    window = prefetch or max_workers * 2
    pending: deque[Future[Result]] = deque()
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="localiq") as pool:
        try:
            for item in items:
                pending.append(pool.submit(function, item))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

"""Run independent work on a few threads and hand back its results in the original order.

`ordered_map` runs calls (one request each); `ordered_streams` runs whole producers (one
advertiser's extraction each) ahead of the one being consumed.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Iterator

Item = TypeVar("Item")
Result = TypeVar("Result")

# How often a producer blocked on a full buffer checks whether it was told to stop.
_POLL_SECONDS = 0.1


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


def ordered_streams(
    producers: Iterable[Callable[[], Iterable[Item]]],
    *,
    ahead: int,
    buffer: int = 1,
) -> Generator[Iterator[Item], None, None]:
    """Yield an iterator over each producer's items, in order, running later producers early.

    While the caller reads one iterator, up to ``ahead`` of the following producers already run,
    each on a thread of its own, and each keeps at most ``buffer`` finished items waiting, so
    memory stays bounded however much they produce. An exception a producer raises comes out of
    its own iterator, after the items it produced before it; the other producers go on. Moving to
    the next iterator before the current one is exhausted stops its producer, and closing this
    generator (``contextlib.closing``) stops them all. With ``ahead=0`` each producer runs on the
    caller's thread when its turn comes.

    Example: ``for items in ordered_streams([lambda: fetch(a), lambda: fetch(b)], ahead=1)``
    reads ``fetch(a)`` while ``fetch(b)`` already runs.
    """
    if ahead < 1:
        for producer in producers:
            yield iter(producer())
        return

    running: deque[_Stream[Item]] = deque()
    remaining = iter(producers)
    try:
        while True:
            while len(running) < ahead + 1:
                upcoming = next(remaining, None)
                if upcoming is None:
                    break
                running.append(_Stream(upcoming, buffer))
            if not running:
                return
            stream = running.popleft()
            try:
                yield stream.items()
            finally:
                stream.stop()
    finally:
        for stream in running:
            stream.stop()


class _Stream(Generic[Item]):
    """One producer running on its own thread, handing its items over through a bounded queue."""

    _END = object()

    def __init__(self, producer: Callable[[], Iterable[Item]], buffer: int) -> None:
        self._queue: queue.Queue[tuple[object, Any]] = queue.Queue(maxsize=max(buffer, 1))
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(producer,), name="localiq-stream", daemon=True
        )
        self._thread.start()

    def items(self) -> Iterator[Item]:
        """The producer's items, then its exception if it raised one."""
        while True:
            kind, value = self._queue.get()
            if kind is self._END:
                return
            if isinstance(kind, BaseException):
                raise kind
            yield value

    def stop(self) -> None:
        """Ask the producer to stop at its next item; what it had made is dropped."""
        self._stopped.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def _run(self, producer: Callable[[], Iterable[Item]]) -> None:
        iterator: Iterator[Item] = iter(())
        try:
            iterator = iter(producer())
            for item in iterator:
                if not self._put(None, item):
                    return
        except BaseException as err:
            self._put(err, None)
        else:
            self._put(self._END, None)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    def _put(self, kind: object, value: Any) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put((kind, value), timeout=_POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False

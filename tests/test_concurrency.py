"""Ordered, bounded concurrency: calls and whole producers run ahead, results come back in order."""

from __future__ import annotations

import threading
import time
from contextlib import closing

import pytest

from airflow_provider_localiq.concurrency import ordered_map, ordered_streams


def test_ordered_map_keeps_the_order_of_its_items() -> None:
    def slow_for_small(number: int) -> int:
        time.sleep(0.02 * (5 - number))
        return number * 10

    assert list(ordered_map(slow_for_small, range(5), max_workers=4)) == [0, 10, 20, 30, 40]


def test_ordered_streams_yields_each_producers_items_in_order() -> None:
    def producer(name: str, count: int):
        return lambda: (f"{name}{index}" for index in range(count))

    streams = ordered_streams([producer("a", 3), producer("b", 0), producer("c", 2)], ahead=2)

    assert [list(items) for items in streams] == [["a0", "a1", "a2"], [], ["c0", "c1"]]


def test_later_producers_run_while_the_first_is_read() -> None:
    started: list[str] = []
    second_started = threading.Event()

    def first():
        started.append("first")
        assert second_started.wait(timeout=5), "the second producer never started"
        yield 1

    def second():
        started.append("second")
        second_started.set()
        yield 2

    assert [list(items) for items in ordered_streams([first, second], ahead=1)] == [[1], [2]]


def test_a_failing_producer_raises_in_its_own_turn_and_the_others_go_on() -> None:
    def failing():
        yield "a0"
        raise PermissionError("403 for a")

    results: list[object] = []
    for items in ordered_streams([failing, lambda: iter(["b0", "b1"])], ahead=1):
        try:
            results.extend(items)
        except PermissionError as err:
            results.append(str(err))

    assert results == ["a0", "403 for a", "b0", "b1"]


def test_abandoning_a_stream_stops_its_producer_and_bounds_what_it_made() -> None:
    made: list[int] = []
    closed = threading.Event()

    def endless():
        try:
            for index in range(10_000):
                made.append(index)
                yield index
        finally:
            closed.set()

    with closing(ordered_streams([endless], ahead=1, buffer=2)) as streams:
        first = next(streams)
        assert next(first) == 0
        time.sleep(0.2)
        assert len(made) <= 4

    assert closed.wait(timeout=5)


@pytest.mark.parametrize("ahead", [0, 1], ids=["inline", "threaded"])
def test_ordered_streams_without_producers_yields_nothing(ahead: int) -> None:
    assert list(ordered_streams([], ahead=ahead)) == []

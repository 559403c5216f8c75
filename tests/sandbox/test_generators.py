"""The building blocks behind the data: intervals, id mixing, row counting, the campaign catalogue."""

from __future__ import annotations

from datetime import date

import pytest

from airflow_provider_localiq.sandbox.generators.calendar import add_months, split
from airflow_provider_localiq.sandbox.generators.campaigns import campaigns_for
from airflow_provider_localiq.sandbox.generators.randomness import Stream, mix_id, stable_seed
from airflow_provider_localiq.sandbox.rows import count_rows

pytestmark = pytest.mark.timeout(60)


def test_weeks_run_monday_to_sunday_clipped_to_the_range() -> None:
    intervals = split(date(2024, 2, 28), date(2024, 3, 12), "calendar_week")

    assert [(i.start.isoformat(), i.end.isoformat()) for i in intervals] == [
        ("2024-02-28", "2024-03-03"),
        ("2024-03-04", "2024-03-10"),
        ("2024-03-11", "2024-03-12"),
    ]


def test_months_follow_the_calendar_and_none_is_one_interval() -> None:
    months = split(date(2023, 12, 20), date(2024, 2, 29), "calendar_month")
    whole = split(date(2024, 1, 1), date(2024, 1, 31), "none")

    assert [(i.start.day, i.end.isoformat()) for i in months] == [
        (20, "2023-12-31"),
        (1, "2024-01-31"),
        (1, "2024-02-29"),
    ]
    assert [(i.start, i.end) for i in whole] == [(date(2024, 1, 1), date(2024, 1, 31))]


def test_add_months_clamps_to_the_month_length() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 15), 2) == date(2025, 1, 15)


def test_seeds_are_stable_across_processes() -> None:
    assert stable_seed(0, "daily", "USA_100001") == stable_seed(0, "daily", "USA_100001")
    assert stable_seed(0, "daily", "USA_100001") != stable_seed(1, "daily", "USA_100001")
    stream = Stream(1, "x")
    draws = [stream.between(1, 6) for _ in range(200)]
    assert set(draws) == {1, 2, 3, 4, 5, 6}
    again = Stream(1, "x")
    assert [again.between(1, 6) for _ in range(200)] == draws


def test_mix_id_never_collides() -> None:
    sequences = [
        (slot << 34) | (day << 20) | index
        for slot in range(3)
        for day in (0, 1, 9000)
        for index in range(2000)
    ]

    ids = [mix_id(sequence, 12345) for sequence in sequences]

    assert len(set(ids)) == len(ids)
    assert all(1 <= value <= 2**40 for value in ids)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("contact_interactions[]", 2),
        ("contact_interactions[].chat.transcript[]", 3),
        ("contact_interactions[].call", 1),
        ("report_data.<bucket>.intervals[]", 2),
        ("report_data.<bucket>.totals", 2),
        ("report_data.totals", 1),
        ("missing[]", 0),
    ],
)
def test_count_rows_walks_row_list_paths(path: str, expected: int) -> None:
    document = {
        "contact_interactions": [
            {"call": {"duration": "00:10"}},
            {"chat": {"transcript": [{"id": 1}, {"id": 2}, {"id": 3}]}},
        ],
        "report_data": {
            "campaigns": [{"intervals": [{}]}],
            "search": {"intervals": [{}, {}], "totals": {}},
            "social": {"intervals": [], "totals": {}},
            "totals": {"total_visits": 1},
        },
    }

    assert count_rows(document, path) == expected


def test_catalogue_is_deterministic_and_only_grows_with_today() -> None:
    earlier = campaigns_for(0, "USA_100001", date(2024, 3, 1))
    later = campaigns_for(0, "USA_100001", date(2024, 6, 1))

    assert [c.gmcid for c in earlier] == [c.gmcid for c in later]
    for before, after in zip(earlier, later, strict=True):
        assert before.start == after.start
        closed = [cycle for cycle in before.cycles if cycle.end is not None]
        assert after.cycles[: len(closed)] == tuple(closed)
    other_seed = campaigns_for(1, "USA_100001", date(2024, 3, 1))
    assert [c.start for c in other_seed] != [c.start for c in earlier]

"""The dates a run covers: scheduled intervals, trigger timetables, manual runs and DST days."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pendulum

from airflow_provider_localiq.windows import DateWindow, run_window

UTC = pendulum.timezone("UTC")
LOS_ANGELES = pendulum.timezone("America/Los_Angeles")


def test_daily_data_interval_is_the_interval_day() -> None:
    context = {
        "data_interval_start": pendulum.datetime(2026, 12, 2, tz=UTC),
        "data_interval_end": pendulum.datetime(2026, 12, 3, tz=UTC),
    }

    assert run_window(context) == DateWindow(date(2026, 12, 2), date(2026, 12, 2))


def test_weekly_interval_covers_seven_inclusive_days() -> None:
    context = {
        "data_interval_start": pendulum.datetime(2026, 11, 23, tz=UTC),
        "data_interval_end": pendulum.datetime(2026, 11, 30, tz=UTC),
    }

    assert run_window(context) == DateWindow(date(2026, 11, 23), date(2026, 11, 29))


def test_trigger_timetable_run_covers_the_day_before() -> None:
    moment = pendulum.datetime(2026, 12, 3, tz=UTC)
    context = {"data_interval_start": moment, "data_interval_end": moment, "logical_date": moment}

    assert run_window(context) == DateWindow(date(2026, 12, 2), date(2026, 12, 2))


def test_manual_run_without_logical_date_uses_run_after() -> None:
    context = {"dag_run": SimpleNamespace(run_after=pendulum.datetime(2026, 12, 3, 15, 30, tz=UTC))}

    assert run_window(context) == DateWindow(date(2026, 12, 2), date(2026, 12, 2))


def test_dst_day_of_23_hours_is_one_day_in_the_dag_timezone() -> None:
    context = {
        "dag": SimpleNamespace(timezone=LOS_ANGELES),
        "data_interval_start": pendulum.datetime(2026, 3, 8, tz=LOS_ANGELES),
        "data_interval_end": pendulum.datetime(2026, 3, 9, tz=LOS_ANGELES),
    }

    window = run_window(context)

    assert (context["data_interval_end"] - context["data_interval_start"]).in_hours() == 23
    assert window == DateWindow(date(2026, 3, 8), date(2026, 3, 8))


def test_dst_day_of_25_hours_given_in_utc_is_one_day() -> None:
    start = pendulum.datetime(2026, 11, 1, tz=LOS_ANGELES).in_timezone(UTC)
    end = pendulum.datetime(2026, 11, 2, tz=LOS_ANGELES).in_timezone(UTC)

    window = run_window(
        {"data_interval_start": start, "data_interval_end": end}, timezone="America/Los_Angeles"
    )

    assert (end - start).in_hours() == 25
    assert window == DateWindow(date(2026, 11, 1), date(2026, 11, 1))


def test_lookback_and_exclusive_end() -> None:
    window = DateWindow(date(2026, 12, 2), date(2026, 12, 2)).widened(3)

    assert window.first == date(2026, 11, 29)
    assert window.exclusive_end == date(2026, 12, 3)

"""Turn an Airflow run into the dates LocalIQ expects: inclusive report days, exclusive CRM bounds.

A run with a real data interval covers the local days from its start up to, not including, its
end. A run without one (Airflow 3's default trigger timetable gives start == end, and a manual
run may have no logical date at all) covers the day before the moment it stands for. Days are
taken in the DAG's time zone unless a time zone is given, so a 23- or 25-hour DST day is still
one day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class DateWindow:
    """An inclusive range of days, ``first`` to ``last``."""

    first: date
    last: date

    @property
    def exclusive_end(self) -> date:
        """The day after ``last``, for APIs whose upper bound is exclusive (CRM ``created_before_date``)."""
        return self.last + timedelta(days=1)

    def widened(self, days_before: int) -> DateWindow:
        """The same window starting ``days_before`` days earlier (a lookback for late arrivals)."""
        return DateWindow(self.first - timedelta(days=days_before), self.last)


def run_window(context: Mapping[str, Any], timezone: str | None = None) -> DateWindow:
    """Return the days an Airflow run covers, also for manual runs that have no logical date."""
    import pendulum

    tz = pendulum.timezone(timezone) if timezone else _dag_timezone(context)
    start = context.get("data_interval_start")
    end = context.get("data_interval_end")
    if start is not None and end is not None and end > start:
        first = pendulum.instance(start).in_timezone(tz).date()
        last = (pendulum.instance(end).in_timezone(tz) - timedelta(microseconds=1)).date()
        return DateWindow(first, last)

    anchor = context.get("logical_date") or end or _run_after(context)
    if anchor is None:
        anchor = pendulum.now("UTC")
    day_before = pendulum.instance(anchor).in_timezone(tz).date() - timedelta(days=1)
    return DateWindow(day_before, day_before)


def _dag_timezone(context: Mapping[str, Any]) -> Any:
    import pendulum

    dag = context.get("dag")
    timezone = getattr(dag, "timezone", None)
    return timezone if timezone is not None else pendulum.timezone("UTC")


def _run_after(context: Mapping[str, Any]) -> datetime | None:
    dag_run = context.get("dag_run")
    value = getattr(dag_run, "run_after", None)
    return value if isinstance(value, datetime) else None

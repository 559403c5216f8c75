"""Days, report intervals and the advertiser time zone.

``calendar_week`` intervals run Monday to Sunday and ``calendar_month`` intervals follow calendar
months. The first and last interval are clipped to the requested range, and every interval is
labelled by its first day inside the range, so a partial week never shares a label with the full one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from collections.abc import Iterator

IntervalSize = Literal["none", "day", "calendar_week", "calendar_month"]

TIME_ZONE_NAME = "America/Los_Angeles"
LOCAL_ZONE = ZoneInfo(TIME_ZONE_NAME)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Interval:
    """An inclusive run of days reported as one row, labelled by ``start``."""

    start: date
    end: date

    def days(self) -> Iterator[date]:
        """Yield every day of the interval."""
        return each_day(self.start, self.end)


def each_day(start: date, end: date) -> Iterator[date]:
    """Yield every day from ``start`` to ``end``, both included."""
    day = start
    while day <= end:
        yield day
        day += ONE_DAY


def split(start: date, end: date, size: IntervalSize) -> list[Interval]:
    """Split ``start``..``end`` into report intervals of ``size`` (``none`` gives one interval)."""
    if size == "none":
        return [Interval(start, end)]

    intervals: list[Interval] = []
    cursor = start
    while cursor <= end:
        last = min(end, _period_end(cursor, size))
        intervals.append(Interval(cursor, last))
        cursor = last + ONE_DAY
    return intervals


def _period_end(day: date, size: IntervalSize) -> date:
    if size == "calendar_week":
        return day + timedelta(days=6 - day.weekday())
    if size == "calendar_month":
        next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return next_month - ONE_DAY
    return day


def add_months(day: date, months: int) -> date:
    """Return the same day-of-month ``months`` later, clamped to the month's length."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(f"cannot move {day!r} by {months} months")


def local_today() -> date:
    """Return today's date in the advertiser time zone."""
    return datetime.now(LOCAL_ZONE).date()

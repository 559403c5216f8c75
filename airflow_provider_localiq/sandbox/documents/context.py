"""What every report builder gets: the advertiser, the data seed, "today" and the query.

Also the shared pieces of report documents: interval sums of additive day rows and the
bookkeeping header fields (``report_date``, ``time_zone`` ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from airflow_provider_localiq.sandbox.generators.calendar import TIME_ZONE_NAME, Interval, split
from airflow_provider_localiq.sandbox.generators.campaigns import Campaign, Cycle, campaigns_for

if TYPE_CHECKING:
    from airflow_provider_localiq.sandbox.config import SandboxAdvertiser
    from airflow_provider_localiq.sandbox.documents.params import Query
    from airflow_provider_localiq.sandbox.generators.calendar import IntervalSize

DayRow = dict[str, int]
DayRowFunction = Callable[[Campaign, date], DayRow]


@dataclass(frozen=True)
class ReportContext:
    """The inputs of one report request."""

    advertiser: SandboxAdvertiser
    seed: int
    today: date
    query: Query
    keyword_page_size: int = 15

    @property
    def gmaid(self) -> str:
        """The advertiser's GMAID."""
        return self.advertiser.gmaid

    @cached_property
    def campaigns(self) -> tuple[Campaign, ...]:
        """Every campaign of the advertiser."""
        return campaigns_for(self.seed, self.gmaid, self.today)

    @property
    def earliest_date_available(self) -> str:
        """The first day the advertiser has data for."""
        return min(campaign.start for campaign in self.campaigns).isoformat()

    def classic_header(self, report_type: str, start: date, end: date) -> dict[str, object]:
        """Return the leading fields of reports that use ``report_type``/``report_date``."""
        return {
            "report_type": report_type,
            "report_date": self.today.isoformat(),
            "earliest_date_available": self.earliest_date_available,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "time_zone": TIME_ZONE_NAME,
        }

    def api_header(self, api_name: str, start: date, end: date) -> dict[str, object]:
        """Return the leading fields of reports that use ``api_name``/``api_run_date``."""
        return {
            "api_name": api_name,
            "api_run_date": self.today.isoformat(),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "time_zone": TIME_ZONE_NAME,
        }


def add_rows(rows: Iterable[DayRow]) -> DayRow:
    """Sum day rows field by field."""
    sums: DayRow = {}
    for row in rows:
        for key, value in row.items():
            sums[key] = sums.get(key, 0) + value
    return sums


def campaign_intervals(
    campaign: Campaign, intervals: Iterable[Interval], day_row: DayRowFunction
) -> list[tuple[Interval, DayRow]]:
    """Sum ``day_row`` per interval over the days the campaign ran, skipping intervals it did not run in."""
    result = []
    for interval in intervals:
        days = [day for day in interval.days() if campaign.active_on(day)]
        if days:
            result.append((interval, add_rows(day_row(campaign, day) for day in days)))
    return result


def totals_per_interval(
    campaigns: Iterable[Campaign], intervals: Iterable[Interval], day_row: DayRowFunction
) -> list[tuple[Interval, DayRow]]:
    """Sum every campaign's ``day_row`` per interval: the rows of ``totals_per_interval``."""
    campaigns = list(campaigns)
    return [
        (
            interval,
            add_rows(
                row for campaign in campaigns for _, row in campaign_intervals(campaign, [interval], day_row)
            ),
        )
        for interval in intervals
    ]


def cycle_windows(
    campaign: Campaign, start: date, end: date, size: IntervalSize
) -> list[tuple[Cycle, list[Interval]]]:
    """Split ``start``..``end`` along the campaign's cycles, for ``include_cycles=true`` responses."""
    windows = []
    for cycle in campaign.cycles:
        cycle_end = cycle.end if cycle.end is not None else end
        first, last = max(start, cycle.start), min(end, cycle_end)
        if first <= last:
            windows.append((cycle, split(first, last, size)))
    return windows


def cycle_header(cycle: Cycle) -> dict[str, object]:
    """Return the identifying fields of a cycle object in a report."""
    return {
        "campaign_cycle": cycle.campaign_cycle,
        "start_date": cycle.start.isoformat(),
        "end_date": date_or_none(cycle.end),
    }


def date_or_none(day: date | None) -> str | None:
    """Return ``day`` as ``YYYY-MM-DD``, or None."""
    return day.isoformat() if day is not None else None

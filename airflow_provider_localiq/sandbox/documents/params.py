"""Parse and validate report query parameters, raising ``ParameterError`` (422) on bad input.

Array parameters take the documented ``name[]`` form, either comma-separated (``a,b``) or repeated
(``name[]=a&name[]=b``); the bare ``name`` is accepted too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from airflow_provider_localiq.sandbox.errors import ParameterError
from airflow_provider_localiq.sandbox.generators.campaigns import Campaign, Cycle, find_cycle

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from airflow_provider_localiq.sandbox.generators.calendar import IntervalSize

WindowRule = Literal["dates", "dates_or_cycle"]
CAMPAIGN_STATUSES = ("running", "stopped", "ended")


class Query:
    """Read-only query parameters that keep repeated names."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = list(items)

    def get(self, name: str) -> str | None:
        """Return the last value of ``name``, or None."""
        values = self.getlist(name)
        return values[-1] if values else None

    def getlist(self, name: str) -> list[str]:
        """Return every value of ``name`` in order."""
        return [value for key, value in self._items if key == name]

    def array(self, name: str) -> list[str]:
        """Return the values of the array parameter ``name[]`` (or ``name``), comma lists split."""
        raw = self.getlist(f"{name}[]") + self.getlist(name)
        return [part.strip() for value in raw for part in value.split(",") if part.strip()]

    def has(self, name: str) -> bool:
        """Return whether ``name`` was sent with a non-empty value."""
        return bool(self.get(name))


@dataclass(frozen=True)
class ReportWindow:
    """The days and campaigns one report request covers."""

    start: date
    end: date
    cycle: Cycle | None
    campaigns: tuple[Campaign, ...]


def parse_date(query: Query, name: str) -> date:
    """Return the ``YYYY-MM-DD`` parameter ``name``."""
    value = query.get(name)
    if not value:
        raise ParameterError(name, f"{name} is required (YYYY-MM-DD)")
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ParameterError(name, f"{name} must be a date in YYYY-MM-DD format, got {value!r}") from None


def parse_positive_int(query: Query, name: str, default: int, maximum: int | None = None) -> int:
    """Return the integer parameter ``name`` (at least 1), or ``default`` when absent."""
    value = query.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) < 1:
        raise ParameterError(name, f"{name} must be a positive integer, got {value!r}")
    number = int(value)
    if maximum is not None and number > maximum:
        raise ParameterError(name, f"{name} must be at most {maximum}, got {number}")
    return number


def parse_choice(query: Query, name: str, choices: Sequence[str], default: str) -> str:
    """Return the parameter ``name`` if it is one of ``choices``, or ``default`` when absent."""
    value = query.get(name)
    if value is None or value == "":
        return default
    if value not in choices:
        raise ParameterError(name, f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def parse_interval_size(query: Query, choices: Sequence[IntervalSize], default: IntervalSize) -> IntervalSize:
    """Return ``interval_size`` if it is one of ``choices``, or ``default`` when absent."""
    value = parse_choice(query, "interval_size", choices, default)
    return next(choice for choice in choices if choice == value)


def parse_bool(query: Query, name: str) -> bool:
    """Return the ``true``/``false`` parameter ``name`` (false when absent)."""
    value = parse_choice(query, name, ("true", "false"), "false")
    return value == "true"


def parse_window(
    query: Query, campaigns: tuple[Campaign, ...], rule: WindowRule, today: date, kinds: Sequence[str]
) -> ReportWindow:
    """Resolve the date range or ``campaign_cycle`` and the campaign filters of a report request.

    ``rule`` says whether a cycle may replace the dates; sending both is a 422 naming
    ``campaign_cycle``. Only campaigns whose kind is in ``kinds`` and that ran in the window are kept.
    """
    cycle_id = query.get("campaign_cycle")
    has_dates = query.has("start_date") or query.has("end_date")
    selected = filter_campaigns(query, tuple(campaign for campaign in campaigns if campaign.kind in kinds))

    if cycle_id and rule == "dates_or_cycle":
        if has_dates:
            raise ParameterError(
                "campaign_cycle", "send either campaign_cycle or start_date/end_date, not both"
            )
        found = find_cycle(campaigns, cycle_id)
        if found is None or found[0].kind not in kinds:
            raise ParameterError(
                "campaign_cycle", f"campaign_cycle {cycle_id!r} is not a cycle of this advertiser"
            )
        campaign, cycle = found
        end = cycle.end if cycle.end is not None else max(today, cycle.start)
        chosen = tuple(item for item in selected if item.gmcid == campaign.gmcid)
        return ReportWindow(cycle.start, end, cycle, _ran(chosen, cycle.start, end))

    if rule == "dates_or_cycle" and not has_dates:
        raise ParameterError("start_date", "start_date and end_date, or campaign_cycle, are required")
    start, end = parse_date(query, "start_date"), parse_date(query, "end_date")
    if end < start:
        raise ParameterError(
            "end_date", f"end_date {end.isoformat()} is before start_date {start.isoformat()}"
        )
    return ReportWindow(start, end, None, _ran(selected, start, end))


def _ran(campaigns: tuple[Campaign, ...], start: date, end: date) -> tuple[Campaign, ...]:
    """Keep the campaigns that ran on at least one day of the window; reports list no idle campaigns."""
    return tuple(item for item in campaigns if item.start <= end and (item.end is None or item.end >= start))


def filter_campaigns(query: Query, campaigns: tuple[Campaign, ...]) -> tuple[Campaign, ...]:
    """Apply ``global_master_campaign_id[]`` and ``campaign_status[]`` to ``campaigns``."""
    wanted_ids = set(query.array("global_master_campaign_id"))
    wanted_statuses = set(query.array("campaign_status"))
    unknown = wanted_statuses - set(CAMPAIGN_STATUSES)
    if unknown:
        raise ParameterError("campaign_status[]", f"campaign_status[] takes {', '.join(CAMPAIGN_STATUSES)}")
    return tuple(
        campaign
        for campaign in campaigns
        if (not wanted_ids or campaign.gmcid in wanted_ids)
        and (not wanted_statuses or campaign.status in wanted_statuses)
    )

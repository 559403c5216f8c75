"""Pages of ``/crm/contacts`` and ``/crm/contact_interactions`` with their next-page links.

``created_after_date`` is inclusive and ``created_before_date`` exclusive, both read as local dates
in America/Los_Angeles. A page is cut straight from record indexes, whatever the volume. The next
link repeats the request's own filters with the next page number; a page past the end is ``[]``.
The configured pagination fault bends the next link on one page.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from airflow_provider_localiq.sandbox.documents.params import Query, parse_date, parse_positive_int
from airflow_provider_localiq.sandbox.errors import ParameterError
from airflow_provider_localiq.sandbox.generators import crm
from airflow_provider_localiq.sandbox.generators.calendar import each_day

if TYPE_CHECKING:
    from airflow_provider_localiq.sandbox.config import PaginationFault

CrmKind = Literal["contacts", "contact_interactions"]


@dataclass(frozen=True)
class PageRequest:
    """The parsed filters of one CRM request."""

    after: date
    before: date
    page: int
    event_type: crm.EventType | None


@dataclass(frozen=True)
class PageSettings:
    """Server-side paging settings."""

    page_size: int
    fault: PaginationFault = "none"
    fault_page: int = 1


def parse_request(query: Query, kind: CrmKind) -> PageRequest:
    """Read the CRM filters, raising ``ParameterError`` for missing or malformed ones."""
    after = parse_date(query, "created_after_date")
    before = parse_date(query, "created_before_date")
    page = parse_positive_int(query, "page", 1)
    event_type = query.get("event_type") if kind == "contact_interactions" else None
    if event_type is not None and event_type not in crm.EVENT_TYPES:
        raise ParameterError(
            "event_type", f"event_type must be one of {', '.join(crm.EVENT_TYPES)}, got {event_type!r}"
        )
    return PageRequest(after, before, page, _event_type(event_type))


def _event_type(value: str | None) -> crm.EventType | None:
    return next((item for item in crm.EVENT_TYPES if item == value), None)


def build(
    source: crm.CrmSource, kind: CrmKind, request: PageRequest, settings: PageSettings, base_url: str
) -> dict[str, Any] | list[Any]:
    """Return the page document, or ``[]`` for a page past the end."""
    days = list(
        each_day(max(request.after, crm.DAY_ZERO), min(request.before - timedelta(days=1), crm.LAST_DAY))
    )
    counts = [_count(source, kind, day, request.event_type) for day in days]
    starts = [0]
    for count in counts:
        starts.append(starts[-1] + count)
    total = starts[-1]
    total_pages = -(-total // settings.page_size)
    if request.page > max(total_pages, 1):
        return []

    first = (request.page - 1) * settings.page_size
    last = min(total, first + settings.page_size)
    records = []
    for position in range(first, last):
        day_number = bisect.bisect_right(starts, position) - 1
        records.append(
            _record(source, kind, days[day_number], position - starts[day_number], request.event_type)
        )
    return {
        "global_master_advertiser_id": source.gmaid,
        "page": request.page,
        "total_pages": total_pages,
        "next_page_location": _next_link(kind, request, settings, total_pages, source.gmaid, base_url),
        kind: records,
    }


def _count(source: crm.CrmSource, kind: CrmKind, day: date, event_type: crm.EventType | None) -> int:
    if kind == "contacts":
        return source.contacts_per_day
    if event_type is None:
        return source.interactions_per_day
    positions = _positions(source, day, event_type)
    full, rest = divmod(source.interactions_per_day, len(crm.EVENT_PATTERN))
    return full * len(positions) + sum(1 for position in positions if position < rest)


def _positions(source: crm.CrmSource, day: date, event_type: crm.EventType) -> list[int]:
    """Offsets within one turn of the event pattern that hold ``event_type`` on ``day``."""
    rotation = crm.day_rotation(source, day)
    size = len(crm.EVENT_PATTERN)
    return [offset for offset in range(size) if crm.EVENT_PATTERN[(offset + rotation) % size] == event_type]


def _record(
    source: crm.CrmSource, kind: CrmKind, day: date, ordinal: int, event_type: crm.EventType | None
) -> dict[str, Any]:
    if kind == "contacts":
        return crm.contact(source, day, ordinal)
    if event_type is None:
        return crm.interaction(source, day, ordinal)
    positions = _positions(source, day, event_type)
    turn, offset = divmod(ordinal, len(positions))
    return crm.interaction(source, day, turn * len(crm.EVENT_PATTERN) + positions[offset])


def _next_link(
    kind: CrmKind, request: PageRequest, settings: PageSettings, total_pages: int, gmaid: str, base_url: str
) -> str | None:
    if request.page >= total_pages:
        return None
    next_page, before = request.page + 1, request.before
    if request.page == settings.fault_page:
        if settings.fault == "end_early":
            return None
        if settings.fault == "repeat":
            next_page = request.page
        if settings.fault == "change_filters":
            before = before + timedelta(days=1)

    params = {
        "created_after_date": request.after.isoformat(),
        "created_before_date": before.isoformat(),
        "global_master_advertiser_id": gmaid,
        "page": str(next_page),
    }
    if request.event_type is not None:
        params["event_type"] = request.event_type
    return f"{base_url.rstrip('/')}/crm/{kind}?{urlencode(sorted(params.items()))}"

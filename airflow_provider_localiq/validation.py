"""Checks on user-given arguments (advertiser ids, dates), shared by the hook and the operators."""

from __future__ import annotations

import re
from datetime import date, datetime

from airflow_provider_localiq.exceptions import LocalIQInputError

# An uppercase platform prefix, an underscore and a number, e.g. USA_123456 (the docs' TEST_1 too).
GMAID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,9}_-?\d{1,18}$")


def check_gmaid(value: object, field: str = "gmaid") -> str:
    """Return ``value`` if it looks like a GMAID such as ``USA_123456``; raise naming the field."""
    if not isinstance(value, str) or not GMAID_PATTERN.match(value):
        raise LocalIQInputError(
            field, f"must be a LocalIQ advertiser id like 'USA_123456' (prefix, '_', number), got {value!r}."
        )
    return value


def to_date(value: object, field: str) -> date:
    """Accept a ``date``, a ``datetime`` or an ISO ``YYYY-MM-DD`` string; raise naming the field."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return (
                date.fromisoformat(value.strip()[:10])
                if len(value.strip()) >= 10
                else _bad_date(field, value)
            )
        except ValueError:
            pass
    return _bad_date(field, value)


def _bad_date(field: str, value: object) -> date:
    raise LocalIQInputError(field, f"must be a date in YYYY-MM-DD form, got {value!r}.")


def check_window(
    start: date, end: date, *, start_field: str, end_field: str, end_exclusive: bool = False
) -> None:
    """Raise if the window is empty or reversed."""
    if end < start or (end_exclusive and end == start):
        relation = "after" if end_exclusive else "on or after"
        raise LocalIQInputError(
            end_field, f"must be {relation} {start_field} ({start.isoformat()}), got {end.isoformat()}."
        )

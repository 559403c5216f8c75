"""Where a document came from, written onto every row it yields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True)
class RowContext:
    """The request behind one document: advertiser, requested window and extraction time.

    :param gmaid: advertiser id the document was requested for (empty for ``identities_v3``).
    :param window_start: first requested day, or ``None`` when the endpoint takes no dates.
    :param window_end: last requested day (as sent; CRM treats it as exclusive), or ``None``.
    :param extracted_at: when the extraction ran; must carry a time zone and is stored as UTC.
    :raises ValueError: if ``extracted_at`` is naive or the window ends before it starts.
    """

    gmaid: str
    window_start: date | None
    window_end: date | None
    extracted_at: datetime

    def __post_init__(self) -> None:
        if self.extracted_at.tzinfo is None or self.extracted_at.utcoffset() is None:
            raise ValueError(
                f"RowContext.extracted_at must be timezone-aware, got naive {self.extracted_at!r}; "
                "pass e.g. datetime.now(UTC)."
            )
        object.__setattr__(self, "extracted_at", self.extracted_at.astimezone(UTC))
        for name in ("window_start", "window_end"):
            value = getattr(self, name)
            if isinstance(value, datetime):
                raise ValueError(f"RowContext.{name} must be a date, got datetime {value!r}.")
        if self.window_start and self.window_end and self.window_end < self.window_start:
            raise ValueError(
                f"RowContext window ends ({self.window_end}) before it starts ({self.window_start})."
            )

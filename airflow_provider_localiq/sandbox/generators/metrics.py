"""Daily campaign metrics: one deterministic set of counts per (seed, GMAID, campaign, day).

Every report sums these daily values, so weekly and monthly intervals, cycles and totals all add
up, and the same campaign shows the same clicks in every report. Money is kept in cents and only
turned into a decimal at the edge, so sums never pick up float noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from airflow_provider_localiq.sandbox.generators.randomness import Stream

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from airflow_provider_localiq.sandbox.generators.campaigns import Campaign, CampaignKind

_IMPRESSION_RANGE: dict[str, tuple[int, int]] = {
    "search": (300, 1600),
    "display": (1500, 5200),
    "gannett_display": (1200, 4800),
    "facebook": (700, 2400),
    "chat": (0, 0),
    "lsa": (0, 0),
    "email": (0, 0),
}
_CTR_PER_MILLE: dict[str, tuple[int, int]] = {
    "search": (12, 38),
    "display": (3, 14),
    "gannett_display": (3, 12),
    "facebook": (6, 20),
}


@dataclass(frozen=True, slots=True)
class DailyMetrics:
    """The counts one campaign produced on one day."""

    impressions: int
    clicks: int
    spend_cents: int
    calls: int
    emails: int
    web_events: int
    qualified_web_events: int
    chats: int

    @property
    def leads(self) -> int:
        """Calls, emails, qualified web events and chats together."""
        return self.calls + self.emails + self.qualified_web_events + self.chats


ZERO = DailyMetrics(0, 0, 0, 0, 0, 0, 0, 0)


def daily(seed: int, gmaid: str, campaign: Campaign, day: date) -> DailyMetrics:
    """Return the metrics of ``campaign`` on ``day`` (zero outside its run)."""
    if not campaign.active_on(day):
        return ZERO
    return _daily(seed, gmaid, campaign.gmcid, campaign.kind, campaign.monthly_budget_cents, day)


@lru_cache(maxsize=65_536)
def _daily(
    seed: int, gmaid: str, gmcid: str, kind: CampaignKind, budget_cents: int, day: date
) -> DailyMetrics:
    stream = Stream(seed, "daily", gmaid, gmcid, day.toordinal())
    weekend = day.weekday() >= 5
    low, high = _IMPRESSION_RANGE[kind]
    impressions = stream.between(low, high)
    if weekend:
        impressions = impressions * 3 // 5

    if kind in _CTR_PER_MILLE:
        ctr_low, ctr_high = _CTR_PER_MILLE[kind]
        clicks = impressions * stream.between(ctr_low, ctr_high) // 1000
    elif kind == "email":
        clicks = stream.between(0, 6)
    else:
        clicks = 0

    spend_cents = budget_cents * stream.between(80, 120) // 3000
    calls = stream.between(0, 3 if kind == "lsa" else 6 if kind == "search" else 2)
    emails = stream.between(0, 4) if kind in ("search", "email") else stream.between(0, 1)
    web_events = stream.between(0, 8) if kind in ("search", "display", "facebook") else 0
    qualified = stream.between(0, web_events)
    chats = stream.between(2, 12) if kind == "chat" else stream.between(0, 2) if kind == "search" else 0
    return DailyMetrics(impressions, clicks, spend_cents, calls, emails, web_events, qualified, chats)


def total(values: Iterable[DailyMetrics]) -> DailyMetrics:
    """Add daily metrics together."""
    impressions = clicks = spend = calls = emails = web = qualified = chats = 0
    for value in values:
        impressions += value.impressions
        clicks += value.clicks
        spend += value.spend_cents
        calls += value.calls
        emails += value.emails
        web += value.web_events
        qualified += value.qualified_web_events
        chats += value.chats
    return DailyMetrics(impressions, clicks, spend, calls, emails, web, qualified, chats)


def money(cents: int) -> float:
    """Turn cents into the decimal amount the API prints."""
    return round(cents / 100, 2)


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float:
    """Return ``numerator / denominator * scale`` rounded to 2 places, 0 when the denominator is 0."""
    return round(numerator / denominator * scale, 2) if denominator else 0.0

"""The campaigns of each advertiser: one of every kind the reports cover, with monthly cycles.

Campaign ids reuse the advertiser's platform prefix (``USA_1000011``); Gannett display campaigns
have a negative numeric part (``USA_-1000014``) as the API's do. Start dates are fixed calendar
dates derived from the seed, so the catalogue only grows (new cycles) as ``today`` moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from airflow_provider_localiq.sandbox.generators.calendar import ONE_DAY, add_months
from airflow_provider_localiq.sandbox.generators.randomness import Stream, stable_seed

CampaignKind = Literal["search", "display", "gannett_display", "facebook", "chat", "lsa", "email"]
CampaignStatus = Literal["running", "stopped", "ended"]

GOAL_TYPES = {1: "CPL", 2: "Calls", 3: "Contacts", 4: "Engagement", 5: "Reach", 7: "Sales"}


@dataclass(frozen=True)
class Cycle:
    """One billing cycle of a campaign; ``end`` is None while it is still open."""

    campaign_cycle: str
    start: date
    end: date | None
    name: str


@dataclass(frozen=True)
class Campaign:
    """One simulated campaign and the static facts reports print about it."""

    gmcid: str
    name: str
    kind: CampaignKind
    organization: Literal["reachlocal", "gannett"]
    offer_name: str
    status: CampaignStatus
    start: date
    end: date | None
    bidding_pricing_model_id: int | None
    has_cvt: bool
    has_video: bool
    has_addressable_geofence: bool
    cycles: tuple[Cycle, ...]
    goals: tuple[int, ...]
    crm_campaign_id: int
    monthly_budget_cents: int

    def active_on(self, day: date) -> bool:
        """Return whether the campaign ran on ``day``."""
        return self.start <= day and (self.end is None or day <= self.end)

    def goal_documents(self) -> list[dict[str, object]]:
        """Return the ``goals`` list of the campaign reports."""
        return [{"goal_type_id": goal, "goal_type": GOAL_TYPES[goal]} for goal in self.goals]


@dataclass(frozen=True)
class _Template:
    kind: CampaignKind
    name: str
    offer_name: str
    organization: Literal["reachlocal", "gannett"] = "reachlocal"
    bidding_pricing_model_id: int | None = None
    ended: bool = False
    goals: tuple[int, ...] = ()


_TEMPLATES = (
    _Template("search", "Search Campaign", "Search Engine Marketing", bidding_pricing_model_id=8),
    _Template(
        "search",
        "Seasonal Search Campaign",
        "Search Engine Marketing",
        bidding_pricing_model_id=1,
        ended=True,
    ),
    _Template("display", "Display Campaign", "Display"),
    _Template("gannett_display", "Gannett Display Campaign", "Gannett Display", organization="gannett"),
    _Template("facebook", "Social Ads Campaign", "Social Ads", goals=(4, 5)),
    _Template("chat", "Live Chat Campaign", "Live Chat"),
    _Template("lsa", "Local Services Ads Campaign", "Local Services Ads"),
    _Template("email", "Targeted Email Campaign", "Targeted Email"),
)

_FIRST_START = date(2023, 1, 2)


def campaigns_for(seed: int, gmaid: str, today: date) -> tuple[Campaign, ...]:
    """Return the campaigns of ``gmaid`` as they stand on ``today``."""
    return _catalogue(seed, gmaid, today)


@lru_cache(maxsize=256)
def _catalogue(seed: int, gmaid: str, today: date) -> tuple[Campaign, ...]:
    prefix, number_text = gmaid.split("_", 1)
    number = abs(int(number_text))
    return tuple(
        _campaign(seed, prefix, number, position, template, today)
        for position, template in enumerate(_TEMPLATES, start=1)
    )


def _campaign(
    seed: int, prefix: str, number: int, position: int, template: _Template, today: date
) -> Campaign:
    stream = Stream(seed, "campaign", prefix, number, position)
    campaign_number = number * 10 + position
    if template.organization == "gannett":
        campaign_number = -campaign_number

    start = _FIRST_START + timedelta(days=stream.below(150))
    end = start + timedelta(days=150 + stream.below(60)) if template.ended else None
    status: CampaignStatus = "ended" if template.ended else "running"
    cycles = _cycles(prefix, campaign_number, template.name, start, end, today)
    return Campaign(
        gmcid=f"{prefix}_{campaign_number}",
        name=template.name,
        kind=template.kind,
        organization=template.organization,
        offer_name=template.offer_name,
        status=status,
        start=start,
        end=end,
        bidding_pricing_model_id=template.bidding_pricing_model_id,
        has_cvt=template.kind in ("search", "display"),
        has_video=template.kind == "display",
        has_addressable_geofence=template.kind == "gannett_display",
        cycles=cycles,
        goals=template.goals,
        crm_campaign_id=100_000 + stable_seed(seed, "crm-campaign", prefix, campaign_number) % 90_000_000,
        monthly_budget_cents=stream.choice((50_000, 75_000, 100_000, 150_000)),
    )


def _cycles(
    prefix: str, campaign_number: int, name: str, start: date, end: date | None, today: date
) -> tuple[Cycle, ...]:
    last_day = end if end is not None else today
    sign = -1 if campaign_number < 0 else 1
    cycles: list[Cycle] = []
    cycle_start = start
    while cycle_start <= last_day:
        cycle_end = add_months(cycle_start, 1) - ONE_DAY
        cycle_number = sign * (abs(campaign_number) * 1000 + len(cycles) + 1)
        if end is not None:
            cycle_end = min(cycle_end, end)
        open_cycle = end is None and cycle_end >= today
        cycles.append(Cycle(f"{prefix}_{cycle_number}", cycle_start, None if open_cycle else cycle_end, name))
        cycle_start = cycle_end + ONE_DAY
    return tuple(cycles)


def find_cycle(campaigns: tuple[Campaign, ...], cycle_id: str) -> tuple[Campaign, Cycle] | None:
    """Return the campaign and cycle with id ``cycle_id``, or None."""
    for campaign in campaigns:
        for cycle in campaign.cycles:
            if cycle.campaign_cycle == cycle_id:
                return campaign, cycle
    return None

"""CRM contacts and contact interactions, generated straight from (advertiser, local day, index).

Any record can be built on its own, so a page deep into a million-record range costs the same as
the first. Records are created on their local day in America/Los_Angeles; their datetimes mix
``Z``, numeric offsets and milliseconds the way the API's do. Empty attributes are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_localiq.sandbox.generators.calendar import LOCAL_ZONE
from airflow_provider_localiq.sandbox.generators.crm_templates import (
    POOL_SIZE,
    CampaignRef,
    ContactTemplate,
    InteractionTemplate,
    contact_templates,
    interaction_templates,
)
from airflow_provider_localiq.sandbox.generators.randomness import mix_id, stable_seed

if TYPE_CHECKING:
    from airflow_provider_localiq.sandbox.generators.campaigns import Campaign

EventType = Literal["call", "form", "chat"]
EVENT_TYPES: tuple[EventType, ...] = ("call", "form", "chat")
EVENT_PATTERN: tuple[EventType, ...] = (
    "call",
    "form",
    "call",
    "chat",
    "call",
    "form",
    "call",
    "chat",
    "form",
    "call",
)
DAY_ZERO = date(2000, 1, 1)
LAST_DAY = DAY_ZERO + timedelta(days=(1 << 14) - 1)
_MILLISECONDS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class CrmSource:
    """What the records of one advertiser depend on."""

    seed: int
    gmaid: str
    slot: int
    contacts_per_day: int
    interactions_per_day: int
    campaigns: tuple[Campaign, ...]
    contact_salt: int = field(init=False)
    interaction_salt: int = field(init=False)
    contact_pool: tuple[ContactTemplate, ...] = field(init=False, repr=False, compare=False)
    interaction_pools: dict[str, tuple[InteractionTemplate, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        names = tuple(campaign.name for campaign in self.campaigns)
        refs: tuple[CampaignRef, ...] = tuple(
            (campaign.crm_campaign_id, campaign.gmcid.split("_", 1)[1], campaign.name)
            for campaign in self.campaigns
        )
        pools = {kind: interaction_templates(self.seed, self.gmaid, kind, refs) for kind in EVENT_TYPES}
        object.__setattr__(self, "contact_salt", stable_seed(self.seed, "contact-id") & 0xFFFFFF)
        object.__setattr__(self, "interaction_salt", stable_seed(self.seed, "interaction-id") & 0xFFFFFF)
        object.__setattr__(self, "contact_pool", contact_templates(self.seed, self.gmaid, names))
        object.__setattr__(self, "interaction_pools", pools)


def day_rotation(source: CrmSource, day: date) -> int:
    """Return how far ``EVENT_PATTERN`` is rotated on ``day``, so days differ in their mix of events."""
    return _rotation(source.seed, source.gmaid, day.toordinal())


@lru_cache(maxsize=65_536)
def _rotation(seed: int, gmaid: str, ordinal: int) -> int:
    return stable_seed(seed, "events", gmaid, ordinal) % len(EVENT_PATTERN)


def event_type(source: CrmSource, day: date, index: int) -> EventType:
    """Return the event type of interaction ``index`` of ``day``."""
    return EVENT_PATTERN[(index + day_rotation(source, day)) % len(EVENT_PATTERN)]


def _sequence(source: CrmSource, day: date, index: int) -> int:
    return (source.slot << 34) | ((day - DAY_ZERO).days << 20) | index


def contact_id(source: CrmSource, day: date, index: int) -> int:
    """Return the id of contact ``index`` of ``day``."""
    return mix_id(_sequence(source, day, index), source.contact_salt)


def interaction_id(source: CrmSource, day: date, index: int) -> int:
    """Return the id of interaction ``index`` of ``day``."""
    return mix_id(_sequence(source, day, index), source.interaction_salt)


def _created(day: date, index: int, per_day: int, jitter: int) -> datetime:
    """Spread a day's records evenly over its local hours, in index order (naive local wall time)."""
    spacing = _MILLISECONDS_PER_DAY // max(per_day, 1)
    offset = min(index * spacing + jitter % max(spacing, 1), _MILLISECONDS_PER_DAY - 1)
    return datetime.combine(day, time()) + timedelta(milliseconds=offset)


@lru_cache(maxsize=65_536)
def _utc_offset(ordinal: int, hour: int) -> tuple[timedelta, str]:
    """The advertiser zone's offset at a local hour, as a delta and as ``-08:00``."""
    moment = datetime.combine(date.fromordinal(ordinal), time(hour), tzinfo=LOCAL_ZONE)
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return offset, f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def render(local: datetime, style: int) -> str:
    """Write a local wall time in one of the API's ISO-8601 styles.

    Style 0 is UTC with ``Z``, 1 a numeric offset such as ``-08:00``, 2 milliseconds and an offset.
    """
    offset, suffix = _utc_offset(local.toordinal(), local.hour)
    if style == 0:
        return (local - offset).isoformat(timespec="seconds") + "Z"
    return local.isoformat(timespec="seconds" if style == 1 else "milliseconds") + suffix


def contact(source: CrmSource, day: date, index: int) -> dict[str, Any]:
    """Return contact ``index`` of ``day``."""
    record_id = contact_id(source, day, index)
    template = source.contact_pool[(record_id >> 7) % POOL_SIZE]
    created = _created(day, index, source.contacts_per_day, record_id >> 17)
    person = record_id % 10_000_000
    record: dict[str, Any] = {
        "status": template.status,
        "id": record_id,
        "created_at": render(created, template.style),
        "tags": list(template.tags),
        "first_name": template.first_name,
    }
    if template.has_last_name:
        record["last_name"] = f"Person {person}"
    if template.has_email:
        record["email"] = f"person{person}@example.com"
    record.update(template.fields)
    if template.archived_after_days is not None:
        record["archived_at"] = render(created + timedelta(days=template.archived_after_days), template.style)
    return record


def linked_contact(source: CrmSource, day: date, index: int, template: InteractionTemplate) -> dict[str, Any]:
    """Return the contact an interaction belongs to: a contact of the same day or of up to three days before."""
    if source.contacts_per_day == 0:
        return contact(source, day, index)
    if template.contact_back_days == 0:
        position = index * source.contacts_per_day // max(source.interactions_per_day, 1)
        return contact(source, day, min(position, source.contacts_per_day - 1))
    earlier = max(day - timedelta(days=template.contact_back_days), DAY_ZERO)
    return contact(source, earlier, template.contact_pick % source.contacts_per_day)


def interaction(source: CrmSource, day: date, index: int) -> dict[str, Any]:
    """Return contact interaction ``index`` of ``day``, with its nested contact and event details."""
    kind = event_type(source, day, index)
    record_id = interaction_id(source, day, index)
    template = source.interaction_pools[kind][(record_id >> 7) % POOL_SIZE]
    created = _created(day, index, source.interactions_per_day, record_id >> 17)
    occurred = created - timedelta(seconds=template.occurred_before_seconds)
    style = template.style
    owner = linked_contact(source, day, index, template)
    campaign_id, master_campaign_id, campaign_name = template.campaign

    record: dict[str, Any] = {"campaign_id": campaign_id}
    if master_campaign_id is not None:
        record["master_campaign_id"] = master_campaign_id
    record["campaign_name"] = campaign_name
    record["id"] = record_id
    record["created_at"] = render(created, style)
    record["occured_at"] = render(occurred, style)
    if template.read_after_minutes is not None:
        record["read_at"] = render(created + timedelta(minutes=template.read_after_minutes), style)
    if template.important_after_minutes is not None:
        record["important_at"] = render(created + timedelta(minutes=template.important_after_minutes), style)
    record["tags"] = [f"{kind.capitalize()} Lead", campaign_name]
    record["event_type"] = kind
    record["contact_id"] = owner["id"]
    record["status"] = owner["status"]
    record["display_name"] = _display_name(owner)
    record["contact"] = owner
    if template.notes is not None:
        record["notes"] = template.notes
    record[kind] = _details(kind, template, occurred, style, owner)
    if template.archived_after_days is not None:
        record["archived_at"] = render(created + timedelta(days=template.archived_after_days), style)
    return record


def _display_name(owner: dict[str, Any]) -> str:
    if "last_name" in owner:
        return f"{owner['last_name']}, {owner['first_name']}"
    return str(owner.get("email") or owner.get("phone_work") or owner["first_name"])


def _details(
    kind: EventType, template: InteractionTemplate, occurred: datetime, style: int, owner: dict[str, Any]
) -> dict[str, Any]:
    static = dict(template.details)
    if kind == "call":
        return {"occured_at": render(occurred, style), **static}
    if kind == "form":
        homeowner = static.pop("homeowner")
        extra = {"full_name": f"{owner['first_name']} {owner.get('last_name', '')}".strip()}
        if "postal" in owner:
            extra["zip_code"] = owner["postal"]
        extra["phone_number"] = owner.get("phone_work") or owner.get("phone_mobile") or "5550100000"
        if "email" in owner:
            extra["email"] = owner["email"]
        extra["are_you_the_homeowner?"] = homeowner
        return {**static, "extra_fields": extra}
    static["transcript"] = [
        {
            "id": number,
            "timestamp": _chat_stamp(occurred + timedelta(seconds=offset)),
            "from": speaker,
            "message": text,
        }
        for number, (offset, speaker, text) in enumerate(template.transcript, start=1)
    ]
    return static


def _chat_stamp(local: datetime) -> str:
    """Write a chat line time the API's zone-less US way, e.g. ``3/3/2024 10:50:06 AM``."""
    hour = local.hour % 12 or 12
    suffix = "AM" if local.hour < 12 else "PM"
    return f"{local.month}/{local.day}/{local.year} {hour}:{local.minute:02d}:{local.second:02d} {suffix}"

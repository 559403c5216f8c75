"""Pools of pre-drawn CRM attribute sets, one pool per advertiser and record kind.

Drawing twenty-odd random attributes per record is what makes pure-Python generation slow, so
each advertiser gets a fixed pool of variants drawn once per process; a record picks its variant
from its id and adds what must be unique (id, times, person number). The pools depend only on
the seed, the GMAID and its campaigns, so every process builds the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from airflow_provider_localiq.sandbox.generators import people
from airflow_provider_localiq.sandbox.generators.randomness import Stream, stable_seed

POOL_SIZE = 1024

CampaignRef = tuple[int, str | None, str]
"""A campaign as interactions print it: ``campaign_id``, ``master_campaign_id``, ``campaign_name``."""


@dataclass(frozen=True)
class ContactTemplate:
    """The attributes of a contact that do not depend on its id or creation time."""

    status: str
    tags: tuple[str, ...]
    first_name: str
    has_last_name: bool
    has_email: bool
    fields: tuple[tuple[str, str], ...]
    archived_after_days: int | None
    style: int


@dataclass(frozen=True)
class InteractionTemplate:
    """The attributes of an interaction that do not depend on its id, time or contact."""

    campaign: CampaignRef
    occurred_before_seconds: int
    read_after_minutes: int | None
    important_after_minutes: int | None
    archived_after_days: int | None
    notes: str | None
    style: int
    contact_back_days: int
    contact_pick: int
    details: tuple[tuple[str, Any], ...]
    transcript: tuple[tuple[int, str, str], ...]


@lru_cache(maxsize=64)
def contact_templates(seed: int, gmaid: str, campaign_names: tuple[str, ...]) -> tuple[ContactTemplate, ...]:
    """Return the contact variants of ``gmaid``."""
    return tuple(
        _contact(Stream(seed, "contact-template", gmaid, number), campaign_names)
        for number in range(POOL_SIZE)
    )


def _contact(stream: Stream, campaign_names: tuple[str, ...]) -> ContactTemplate:
    fields: list[tuple[str, str]] = []
    for name, probability in (
        ("phone_work", 0.5),
        ("phone_mobile", 0.4),
        ("phone_home", 0.1),
        ("phone_fax", 0.02),
    ):
        if stream.chance(probability):
            fields.append((name, people.phone(stream)))
    if stream.chance(0.25):
        fields.append(("company", stream.choice(people.COMPANIES)))
    if stream.chance(0.1):
        fields.append(("title", stream.choice(people.TITLES)))
    if stream.chance(0.4):
        city, state = stream.choice(people.CITIES)
        fields.append(("address1", f"{stream.between(1, 9999)} {stream.choice(people.STREETS)}"))
        if stream.chance(0.3):
            fields.append(("address2", f"Suite {stream.between(1, 400)}"))
        fields += [("city", city), ("state", state), ("postal", people.postal(stream))]
        fields.append(("country", "United States of America"))
    if stream.chance(0.1):
        fields.append(("notes", "Asked for a call back about pricing."))
    return ContactTemplate(
        status=stream.choice(people.CONTACT_STATUSES),
        tags=_tags(stream, campaign_names),
        first_name=stream.choice(people.FIRST_NAMES),
        has_last_name=stream.chance(0.85),
        has_email=stream.chance(0.85),
        fields=tuple(fields),
        archived_after_days=stream.between(1, 20) if stream.chance(0.05) else None,
        style=stream.below(3),
    )


def _tags(stream: Stream, campaign_names: tuple[str, ...]) -> tuple[str, ...]:
    if stream.chance(0.3):
        return ()
    if stream.chance(0.4) or not campaign_names:
        return (stream.choice(("Organic Search", "Direct Site Traffic", "Referral")),)
    return (stream.choice(campaign_names),)


@lru_cache(maxsize=192)
def interaction_templates(
    seed: int, gmaid: str, event_type: str, campaigns: tuple[CampaignRef, ...]
) -> tuple[InteractionTemplate, ...]:
    """Return the interaction variants of ``gmaid`` for one event type."""
    return tuple(
        _interaction(Stream(seed, "interaction-template", gmaid, event_type, number), event_type, campaigns)
        for number in range(POOL_SIZE)
    )


def _interaction(stream: Stream, event_type: str, campaigns: tuple[CampaignRef, ...]) -> InteractionTemplate:
    if campaigns and stream.chance(0.7):
        campaign = stream.choice(campaigns)
    else:
        name = stream.choice(("Organic Search", "Direct Site Traffic"))
        campaign = (400_000 + stable_seed(name) % 1000, None, name)
    details, transcript = _details(stream, event_type)
    return InteractionTemplate(
        campaign=campaign,
        occurred_before_seconds=stream.between(2, 180),
        read_after_minutes=stream.between(5, 3000) if stream.chance(0.5) else None,
        important_after_minutes=stream.between(5, 600) if stream.chance(0.1) else None,
        archived_after_days=stream.between(1, 10) if stream.chance(0.05) else None,
        notes="Left a voicemail; follow up tomorrow." if stream.chance(0.08) else None,
        style=1 + stream.below(2) if stream.chance(0.8) else 0,
        contact_back_days=0 if stream.chance(0.7) else stream.between(1, 3),
        contact_pick=stream.below(1 << 20),
        details=details,
        transcript=transcript,
    )


_CHAT_LINES = (
    ("Virtual Assistant:", "Hi there! What can we do for you?"),
    ("Visitor:", "Could someone come out on Tuesday?"),
    ("Virtual Assistant:", "Yes. What number should we call to confirm?"),
    ("Visitor:", "Use the one I typed into the form."),
    ("System:", "Chat closed by the visitor."),
)


def _details(
    stream: Stream, event_type: str
) -> tuple[tuple[tuple[str, Any], ...], tuple[tuple[int, str, str], ...]]:
    """Static parts of the ``call``/``form``/``chat`` object, and chat lines as (seconds after start, from, text)."""
    if event_type == "call":
        seconds = stream.between(5, 900)
        call: list[tuple[str, Any]] = [
            ("target_number", f"555{stream.between(1_000_000, 9_999_999):07d}"),
            ("recording_url", f"https://recordings.example.com/rec-{stream.below(10**9):09d}.mp3"),
            ("duration", f"{seconds // 60:02d}:{seconds % 60:02d}"),
        ]
        if stream.chance(0.6):
            call.append(("caller_number", people.phone(stream)))
        return tuple(call), ()
    if event_type == "form":
        if stream.chance(0.7):
            form: list[tuple[str, Any]] = [("sub_type", "FormPost"), ("full_message", "")]
        else:
            form = [
                ("sub_type", "FormEmail"),
                ("subject", "New website enquiry"),
                ("message", "Please contact me about a quote."),
                ("full_message", "Please contact me about a quote for next week."),
            ]
        form.append(("homeowner", stream.choice(("Yes", "No"))))
        return tuple(form), ()

    count = stream.between(3, len(_CHAT_LINES))
    offset, lines = 0, []
    for speaker, message in [*_CHAT_LINES[: count - 1], _CHAT_LINES[-1]]:
        offset += stream.between(5, 60)
        lines.append((offset, speaker, message))
    return (("summary", "Visitor wants a Tuesday appointment and left a phone number."),), tuple(lines)

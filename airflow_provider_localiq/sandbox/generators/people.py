"""Obviously fake personal details for CRM records: ``example.com`` addresses and 555 phone numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_localiq.sandbox.generators.randomness import Stream

FIRST_NAMES = ("Test", "Sample", "Demo", "Example", "Placeholder", "Fixture")
STREETS = ("Example Street", "Sample Avenue", "Test Road", "Demo Boulevard", "Fixture Lane")
CITIES = (
    ("Exampletown", "CA"),
    ("Sampleville", "OR"),
    ("Testburg", "WA"),
    ("Demo City", "NV"),
    ("Fixture Falls", "AZ"),
)
COMPANIES = ("Example Co", "Sample Holdings", "Test Industries", "Demo Partners")
TITLES = ("Owner", "Office Manager", "Homeowner", "Purchasing Lead")
CONTACT_STATUSES = ("pending_contact", "pending_contact", "pending_contact", "active_lead", "client", "none")


def phone(stream: Stream) -> str:
    """Return a 555 number, sometimes in ``+1`` form as some records carry it."""
    number = f"555{stream.between(1_000_000, 9_999_999):07d}"
    return f"+1{number}" if stream.chance(0.2) else number


def postal(stream: Stream) -> str:
    """Return a five-digit postal code that belongs to no real area (``000xx``)."""
    return f"000{stream.between(1, 99):02d}"

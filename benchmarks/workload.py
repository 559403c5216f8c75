"""The work every system is given: advertisers, reports, windows, lead endpoints and server settings."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

USER = "bench@example.com"
PASSWORD = "bench-password"
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret"

#: Reports with a date range and several row lists each (the example DAG's, minus the dateless one).
REPORTS = ("lead_detail", "marketing_activity", "chat_summary", "search_activity", "unified_display")
LEAD_ENDPOINTS = ("crm_contacts", "crm_contact_interactions")
CRM_PATHS = {"crm_contacts": "/crm/contacts", "crm_contact_interactions": "/crm/contact_interactions"}
CRM_RECORDS = {"crm_contacts": "contacts", "crm_contact_interactions": "contact_interactions"}


@dataclass(frozen=True)
class Workload:
    """One benchmark configuration; it travels to the server and the systems as JSON.

    Reports cover ``first_day`` to ``last_day`` inclusive; leads are read for the same days.
    ``latency_ms``, ``jitter_ms`` and ``rate_limit`` are the sandbox's; ``max_workers`` is the
    provider's (its default) and ``dlt_workers`` dlt's extract threads (dlt's default).
    ``duckdb_memory_limit`` caps DuckDB's buffer pool in the provider's warehouse connection.
    """

    advertisers: int = 30
    reports: tuple[str, ...] = REPORTS
    lead_endpoints: tuple[str, ...] = LEAD_ENDPOINTS
    first_day: str = "2026-11-02"
    last_day: str = "2026-11-08"
    latency_ms: float = 150.0
    jitter_ms: float = 50.0
    rate_limit: int = 20
    crm_page_size: int = 25
    contacts_per_day: int = 6
    interactions_per_day: int = 10
    today: str = "2026-12-01"
    max_workers: int = 4
    dlt_workers: int = 5
    chunk_rows: int = 5_000
    duckdb_memory_limit: str | None = None

    def gmaids(self) -> list[str]:
        """The advertisers' GMAIDs, in the order every system reads them."""
        return [f"USA_{700001 + number}" for number in range(self.advertisers)]

    def days(self) -> tuple[date, date]:
        """First and last day, inclusive."""
        return date.fromisoformat(self.first_day), date.fromisoformat(self.last_day)

    def crm_bounds(self) -> tuple[str, str]:
        """``created_after_date`` (inclusive) and ``created_before_date`` (exclusive) of the lead window."""
        first, last = self.days()
        return first.isoformat(), (last + timedelta(days=1)).isoformat()

    def with_changes(self, **changes: Any) -> Workload:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> str:
        """Serialise for a subprocess's command line."""
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Workload:
        """Read what :meth:`to_json` wrote."""
        values = json.loads(text)
        for name in ("reports", "lead_endpoints"):
            values[name] = tuple(values[name])
        return cls(**values)

    def sandbox_config(self) -> Any:
        """The sandbox settings: the advertisers, one user linked to all of them, and the server knobs."""
        from airflow_provider_localiq.sandbox import SandboxAdvertiser, SandboxConfig, SandboxUser

        gmaids = self.gmaids()
        advertisers = tuple(
            SandboxAdvertiser(gmaid, f"Benchmark Advertiser {index}", advertiser_id=9000 + index)
            for index, gmaid in enumerate(gmaids)
        )
        user = SandboxUser(email=USER, password=PASSWORD, advertisers=tuple(gmaids))
        return SandboxConfig(
            host="127.0.0.1",
            port=0,
            today=date.fromisoformat(self.today),
            users=(user,),
            advertisers=advertisers,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            rate_limit=self.rate_limit,
            latency_ms=self.latency_ms,
            jitter_ms=self.jitter_ms,
            crm_page_size=self.crm_page_size,
            contacts_per_day=self.contacts_per_day,
            interactions_per_day=self.interactions_per_day,
        )

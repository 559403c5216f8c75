"""Example documents and a fixed row context for the normalisation tests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_localiq.normalize import RowContext

DATA = Path(__file__).parent / "data"

# Published examples (copied from the API digest) and the endpoint each one answers.
EXAMPLES = {
    "identities_v3": "identity_v3.json",
    "campaigns_and_cycles": "campaigns_and_cycles.json",
    "campaigns_overview": "campaigns_overview.json",
    "campaigns_totals": "campaigns_totals.json",
    "unified_display": "unified_display.json",
    "keyword": "keyword.json",
    "search_activity": "search_activity.json",
    "facebook_campaign": "facebook_campaign.json",
    "marketing_activity": "marketing_activity.json",
    "chat_summary": "chat_summary.json",
    "lead_detail": "lead_detail.json",
    "lsa_campaigns": "lsa_campaigns.json",
    "crm_contacts": "crm_contacts.json",
    "crm_contact_interactions": "crm_contact_interactions.json",
}
# Endpoints without a published example: documents written from the catalogue's field lists.
DOCUMENTED_SHAPES = {
    name: f"documented_shapes/{name}.json"
    for name in (
        "google_keyword",
        "google_search_activity",
        "youtube",
        "top_referrer",
        "total_track",
        "cvt_events",
        "xmedia",
    )
}
ALL_DOCUMENTS = {**EXAMPLES, **DOCUMENTED_SHAPES}

EXTRACTED_AT = datetime(2024, 3, 5, 12, 30, tzinfo=UTC)


def load(name: str) -> Any:
    """Return a parsed document from ``tests/normalize/data``."""
    return json.loads((DATA / name).read_text("utf-8"))


def document(endpoint: str) -> Any:
    """Return the example (or documented-shape) document of an endpoint."""
    return load(ALL_DOCUMENTS[endpoint])


@pytest.fixture
def context() -> RowContext:
    """The context most tests normalise with."""
    return RowContext("TEST_1", date(2024, 3, 1), date(2024, 3, 2), EXTRACTED_AT)

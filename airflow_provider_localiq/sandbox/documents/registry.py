"""Which builder answers ``/client_reports/<report>/<gmaid>``, and the endpoints.yaml name of each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_localiq.sandbox.documents import (
    activity,
    campaigns,
    display,
    keyword,
    leads,
    search,
    social,
)
from airflow_provider_localiq.sandbox.documents.context import ReportContext

ReportBuilder = Callable[[ReportContext], dict[str, Any]]

REPORTS: dict[str, tuple[str, ReportBuilder]] = {
    "campaigns": ("campaigns_and_cycles", campaigns.build_campaigns),
    "campaigns_overview": ("campaigns_overview", campaigns.build_overview),
    "campaigns_totals": ("campaigns_totals", campaigns.build_totals),
    "search_activity": ("search_activity", search.build),
    "keyword": ("keyword", keyword.build),
    "unified_display": ("unified_display", display.build),
    "facebook_campaign": ("facebook_campaign", social.build),
    "marketing_activity": ("marketing_activity", activity.build_marketing_activity),
    "chat_summary": ("chat_summary", activity.build_chat_summary),
    "lead_detail": ("lead_detail", leads.build_lead_detail),
    "google_local_service_ads": ("lsa_campaigns", leads.build_lsa),
}

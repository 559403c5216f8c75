"""Count the rows a response carries, per endpoint and per row list, as catalogued in endpoints.yaml.

Paths are dotted key names; a name ending in ``[]`` is a list whose items are walked, and
``<name>`` means every value of an object (``report_data.<bucket>.intervals[]``). A path that
ends on an object counts that object as one row.
"""

from __future__ import annotations

from typing import Any

ROW_LISTS: dict[str, tuple[str, ...]] = {
    "identities_v3": ("authorized_advertisers[]", "users[]"),
    "campaigns_and_cycles": (
        "report_campaigns[]",
        "report_campaigns[].cycles[]",
        "report_campaigns[].goals[]",
    ),
    "campaigns_overview": (
        "report_data.campaigns[]",
        "report_data.campaigns[].cycles[]",
        "report_data.totals",
    ),
    "campaigns_totals": ("report_data",),
    "unified_display": (
        "report_data.totals",
        "report_data.intervals[]",
        "report_data.campaigns[]",
        "report_data.campaigns[].intervals[]",
        "report_data.campaigns[].creatives[]",
        "report_data.campaigns[].creatives[].intervals[]",
        "report_data.line_items[]",
        "report_data.line_items[].intervals[]",
        "report_data.line_items[].creatives[]",
        "report_data.line_items[].creatives[].intervals[]",
    ),
    "keyword": ("report_data.keywords[]", "report_data.unattributed_keywords[]", "report_data.totals"),
    "search_activity": (
        "report_data.campaigns[].intervals[]",
        "report_data.campaigns[].cycles[].intervals[]",
        "report_data.totals_per_interval[]",
        "report_data.totals",
    ),
    "facebook_campaign": (
        "report_data.campaigns[].intervals[]",
        "report_data.campaigns[].cycles[].intervals[]",
        "report_data.campaigns[].goals[]",
        "report_data.totals_per_interval[]",
        "report_data.totals",
    ),
    "marketing_activity": (
        "report_data.campaigns[]",
        "report_data.campaigns[].intervals[]",
        "report_data.campaigns[].intervals[].channels.<channel>",
        "report_data.<bucket>.intervals[]",
        "report_data.<bucket>.totals",
        "report_data.totals",
    ),
    "chat_summary": (
        "report_data.campaigns[].intervals[]",
        "report_data.organic.intervals[]",
        "report_data.otherpaid.intervals[]",
    ),
    "lead_detail": (
        "report_data.totals_per_interval[]",
        "report_data.call_duration[]",
        "report_data.calls_by_time_and_day",
        "report_data.totals",
    ),
    "lsa_campaigns": ("report_data.campaigns[]", "report_data.campaigns[].intervals[]"),
    "crm_contacts": ("contacts[]",),
    "crm_contact_interactions": (
        "contact_interactions[]",
        "contact_interactions[].contact",
        "contact_interactions[].call",
        "contact_interactions[].form",
        "contact_interactions[].chat",
        "contact_interactions[].chat.transcript[]",
    ),
}


def count_rows(document: Any, path: str) -> int:
    """Return how many rows ``document`` holds at ``path``."""
    nodes: list[Any] = [document]
    for segment in path.split("."):
        is_list = segment.endswith("[]")
        name = segment.removesuffix("[]")
        found: list[Any] = []
        for node in nodes:
            if not isinstance(node, dict):
                continue
            if name.startswith("<"):
                found.extend(value for value in node.values() if value is not None)
            elif node.get(name) is not None:
                found.append(node[name])
        if is_list:
            found = [item for value in found if isinstance(value, list) for item in value]
        nodes = found
    return len(nodes)


def count_all(endpoint: str, document: Any) -> dict[str, int]:
    """Return the row count of every row list of ``endpoint`` in ``document``."""
    return {path: count_rows(document, path) for path in ROW_LISTS.get(endpoint, ())}

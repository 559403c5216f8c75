"""The identity document, ``/identities/v3``: the advertisers one business user may read, paged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.sandbox.documents.params import Query, parse_positive_int
from airflow_provider_localiq.sandbox.errors import ParameterError

if TYPE_CHECKING:
    from airflow_provider_localiq.sandbox.config import SandboxAdvertiser, SandboxConfig, SandboxUser


def build(config: SandboxConfig, user: SandboxUser, query: Query) -> dict[str, Any]:
    """Return one page of the user's authorized advertisers, filtered by ``active_state[]``/``business_id``."""
    page = parse_positive_int(query, "page", 1)
    page_size = parse_positive_int(query, "page_size", config.identity_page_size)
    states = query.array("active_state")
    if any(state not in ("0", "1", "2") for state in states):
        raise ParameterError("active_state[]", "active_state[] takes 0, 1 and 2")
    business_id = query.get("business_id")
    if business_id is not None and not business_id.isdigit():
        raise ParameterError("business_id", f"business_id must be an integer, got {business_id!r}")

    advertisers = [
        advertiser
        for advertiser in config.advertisers
        if advertiser.gmaid in user.advertisers
        and (not states or str(advertiser.active_state) in states)
        and (business_id is None or advertiser.business_id == int(business_id))
    ]
    page_rows = advertisers[(page - 1) * page_size : page * page_size]
    return {
        "bu_id": user.buid,
        "user": user.email,
        "business_id": user.business_id,
        "country": "USA",
        "advertiser_count": len(advertisers),
        "page": page,
        "page_size": page_size,
        "authorized_advertisers": [_advertiser(item, user) for item in page_rows],
        "users": [
            {
                "platform": "USA",
                "buid": other.buid,
                "email": other.email,
                "business_id": other.business_id,
                "name": other.name,
                "privilege_level": other.privilege_level,
            }
            for other in config.users
            if other.business_id == user.business_id
        ],
    }


def _advertiser(advertiser: SandboxAdvertiser, user: SandboxUser) -> dict[str, Any]:
    return {
        "name": advertiser.name,
        "gmaid": advertiser.gmaid,
        "platform": advertiser.platform,
        "hipaa_protected": advertiser.hipaa_protected,
        "business_id": advertiser.business_id,
        "business_name": advertiser.business_name,
        "business_user_id": user.buid,
        "privilege_level": user.privilege_level,
        "advertiser_id": advertiser.advertiser_id,
        "active_state": advertiser.active_state,
        "cobrand_id": advertiser.cobrand_id,
        "cobrand_name": advertiser.cobrand_name,
    }

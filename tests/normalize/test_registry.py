"""The endpoint registry: coverage of the supported endpoints, their facts, and lookup errors."""

from __future__ import annotations

import pytest

from airflow_provider_localiq.normalize import (
    UnknownEndpointError,
    UnknownReportError,
    endpoint_names,
    get_endpoint,
    get_report,
    report_names,
)
from airflow_provider_localiq.normalize.registry import RegistryError, load_registry, parse_path

SUPPORTED = [
    "identities_v3",
    "campaigns_and_cycles",
    "campaigns_overview",
    "campaigns_totals",
    "unified_display",
    "keyword",
    "google_keyword",
    "search_activity",
    "google_search_activity",
    "facebook_campaign",
    "youtube",
    "top_referrer",
    "total_track",
    "cvt_events",
    "xmedia",
    "marketing_activity",
    "chat_summary",
    "lead_detail",
    "lsa_campaigns",
    "crm_contacts",
    "crm_contact_interactions",
]


def test_registry_lists_every_supported_endpoint() -> None:
    assert sorted(endpoint_names()) == sorted(SUPPORTED)


def test_report_names_are_the_report_kind_only() -> None:
    names = report_names()

    assert "identities_v3" not in names
    assert "crm_contacts" not in names
    assert "crm_contact_interactions" not in names
    assert set(names) == {name for name in SUPPORTED if get_endpoint(name).kind == "report"}
    assert len(names) == 18


def test_registry_is_loaded_once() -> None:
    assert load_registry() is load_registry()


def test_unknown_endpoint_error_names_it_and_lists_valid_ones() -> None:
    with pytest.raises(
        UnknownEndpointError,
        match=r"Unknown LocalIQ endpoint 'display_activty'; expected one of: .*lead_detail",
    ) as info:
        get_endpoint("display_activty")

    assert info.value.name == "display_activty"
    assert set(info.value.valid) == set(SUPPORTED)


@pytest.mark.parametrize(
    "name", ["crm_contacts", "identities_v3", "no_such_report"], ids=["leads", "identity", "unknown"]
)
def test_get_report_refuses_what_is_not_a_report(name: str) -> None:
    with pytest.raises(
        UnknownReportError, match=rf"Unknown LocalIQ report '{name}'; expected one of: campaigns_and_cycles"
    ) as info:
        get_report(name)

    assert "crm_contacts" not in info.value.valid
    assert isinstance(info.value, UnknownEndpointError)


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("campaigns_and_cycles", "/client_reports/campaigns/USA_1"),
        ("lsa_campaigns", "/client_reports/google_local_service_ads/USA_1"),
        ("lead_detail", "/client_reports/lead_detail/USA_1"),
        ("crm_contacts", "/crm/contacts"),
        ("identities_v3", "/identities/v3"),
    ],
    ids=["campaigns-segment", "lsa-segment", "report", "crm", "identity"],
)
def test_render_path(name: str, path: str) -> None:
    assert get_endpoint(name).render_path("USA_1") == path


def test_render_path_quotes_the_gmaid_and_requires_one() -> None:
    spec = get_endpoint("lead_detail")

    assert spec.render_path("USA_-5/x") == "/client_reports/lead_detail/USA_-5%2Fx"
    with pytest.raises(ValueError, match="needs a gmaid"):
        spec.render_path(None)


@pytest.mark.parametrize(
    ("name", "style", "total_path"),
    [
        ("keyword", "offset_total", "report_data.totals.keywords"),
        ("google_keyword", "offset_total", "report_data.totals.keywords"),
        ("identities_v3", "offset_count", "advertiser_count"),
        ("crm_contacts", "next_link", "total_pages"),
        ("lead_detail", "none", None),
    ],
    ids=["keyword", "google-keyword", "identity", "crm", "unpaged"],
)
def test_pagination_styles(name: str, style: str, total_path: str | None) -> None:
    pagination = get_endpoint(name).pagination

    assert pagination.style == style
    assert pagination.total_path == total_path


def test_keyword_pages_with_page_and_page_size() -> None:
    pagination = get_endpoint("keyword").pagination

    assert (pagination.page_param, pagination.page_size_param, pagination.default_page_size) == (
        "page",
        "page_size",
        15,
    )


def test_crm_dates_are_created_bounds_with_an_exclusive_end() -> None:
    params = get_endpoint("crm_contact_interactions").params

    assert (params.dates, params.start_param, params.end_param) == (
        "required",
        "created_after_date",
        "created_before_date",
    )
    assert params.end_inclusive is False
    assert get_endpoint("crm_contacts").pagination.next_path == "next_page_location"


@pytest.mark.parametrize(
    ("name", "dates", "cycle", "intervals"),
    [
        ("unified_display", "required", True, ("none", "day", "calendar_week", "calendar_month")),
        ("search_activity", "optional", True, ("calendar_week", "calendar_month")),
        ("marketing_activity", "required", False, ("day", "calendar_week", "calendar_month")),
        ("campaigns_totals", "none", False, ()),
        ("top_referrer", "required", False, ()),
    ],
    ids=["unified-display", "search", "marketing", "fixed-window", "top-referrer"],
)
def test_date_cycle_and_interval_params(
    name: str, dates: str, cycle: bool, intervals: tuple[str, ...]
) -> None:
    params = get_endpoint(name).params

    assert params.dates == dates
    assert params.campaign_cycle is cycle
    assert params.interval_sizes == intervals


def test_campaigns_and_cycles_requires_a_report_type() -> None:
    required = get_endpoint("campaigns_and_cycles").params.required

    assert "search_activity" in required["report_type"]


@pytest.mark.parametrize("name", SUPPORTED)
def test_tables_are_named_after_their_endpoint_and_have_keys(name: str) -> None:
    spec = get_endpoint(name)

    assert spec.tables
    for table in spec.tables:
        assert table.name == name or table.name.startswith(f"{name}__")
        assert table.natural_key


def test_table_names_are_unique_across_the_registry() -> None:
    names = [table for endpoint in endpoint_names() for table in get_endpoint(endpoint).table_names]

    assert len(names) == len(set(names))


def test_documented_table_names() -> None:
    assert get_endpoint("lead_detail").table_names == [
        "lead_detail__totals_per_interval",
        "lead_detail__call_duration",
        "lead_detail__calls_by_time_and_day",
        "lead_detail__totals",
    ]
    assert get_endpoint("crm_contacts").table_names == ["crm_contacts"]
    assert get_endpoint("crm_contact_interactions").table_names == [
        "crm_contact_interactions",
        "crm_contact_interactions__transcript",
    ]


def test_child_tables_know_their_parent_and_inherited_keys() -> None:
    transcript = get_endpoint("crm_contact_interactions").table("crm_contact_interactions__transcript")
    channels = get_endpoint("marketing_activity").table("marketing_activity__campaign_interval_channels")

    assert transcript.parent == "crm_contact_interactions"
    assert dict(transcript.inherit) == {"interaction_id": "id"}
    assert dict(channels.inherit) == {
        "global_master_campaign_id": "global_master_campaign_id",
        "start_date": "start_date",
    }
    assert channels.captures == ("channel",)


def test_records_key_is_the_single_top_level_list() -> None:
    assert get_endpoint("crm_contacts").records_key == "contacts"
    assert get_endpoint("crm_contact_interactions").records_key == "contact_interactions"
    assert get_endpoint("identities_v3").records_key is None


def test_pii_columns_are_listed_for_lead_tables_only() -> None:
    interactions = get_endpoint("crm_contact_interactions").table("crm_contact_interactions")

    assert "contact__email" in interactions.pii_columns
    assert "call__caller_number" in interactions.pii_columns
    for name in report_names():
        assert all(not table.pii_columns for table in get_endpoint(name).tables), name


def test_unknown_table_of_an_endpoint() -> None:
    with pytest.raises(
        UnknownEndpointError, match="Unknown LocalIQ table of lead_detail 'lead_detail__calls'"
    ):
        get_endpoint("lead_detail").table("lead_detail__calls")


@pytest.mark.parametrize(
    "path",
    ["report_data..totals", "report_data.camp aigns[]", "report_data.<Bucket>"],
    ids=["empty-step", "space", "uppercase-placeholder"],
)
def test_parse_path_rejects_bad_steps(path: str) -> None:
    with pytest.raises(RegistryError, match="invalid step"):
        parse_path(path)


def test_parse_path_steps() -> None:
    steps = parse_path("report_data.<bucket>.intervals[]")

    assert [str(step) for step in steps] == ["report_data", "<bucket>", "intervals[]"]
    assert steps[1].placeholder == "bucket"
    assert steps[2].is_list

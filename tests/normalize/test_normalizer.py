"""Every example document normalises into the documented tables, with the right rows and types."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from airflow_provider_localiq.normalize import (
    METADATA_COLUMNS,
    Normalizer,
    RowContext,
    get_endpoint,
    normalize_document,
    normalize_records,
)
from tests.normalize.conftest import ALL_DOCUMENTS, EXTRACTED_AT, document, load

Counter = Callable[[Any], int]


def _each(*keys: str) -> Counter:
    """Count the items of a list reached through ``keys``, where ``[]`` walks into each item of a list."""

    def count(value: Any, remaining: tuple[str, ...] = keys) -> int:
        if not remaining:
            return len(value) if isinstance(value, list) else int(value is not None)
        key, rest = remaining[0], remaining[1:]
        if key == "[]":
            return sum(count(item, rest) for item in value)
        if not isinstance(value, dict) or value.get(key) is None:
            return 0
        return count(value[key], rest)

    return count


def _one(*keys: str) -> Counter:
    return lambda doc: int(_dig(doc, keys) is not None)


def _dig(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _buckets(path: tuple[str, ...], skip: set[str], inner: str | None) -> Counter:
    def count(doc: Any) -> int:
        total = 0
        for key, value in _dig(doc, path).items():
            if key in skip or not isinstance(value, dict):
                continue
            total += len(value.get(inner) or []) if inner else 1
        return total

    return count


def _calls_by_hour(doc: Any) -> int:
    grid = doc["report_data"]["calls_by_time_and_day"]
    return sum(len(hours) for day, hours in grid.items() if day != "max")


def _channels(doc: Any) -> int:
    return sum(
        len(interval.get("channels", {}))
        for campaign in doc["report_data"]["campaigns"]
        for interval in campaign["intervals"]
    )


RD = "report_data"
EXPECTED_ROWS: dict[str, dict[str, Counter]] = {
    "identities_v3": {
        "identities_v3__authorized_advertisers": _each("authorized_advertisers"),
        "identities_v3__users": _each("users"),
    },
    "campaigns_and_cycles": {
        "campaigns_and_cycles__campaigns": _each("report_campaigns"),
        "campaigns_and_cycles__cycles": _each("report_campaigns", "[]", "cycles"),
        "campaigns_and_cycles__goals": _each("report_campaigns", "[]", "goals"),
    },
    "campaigns_overview": {
        "campaigns_overview__campaigns": _each(RD, "campaigns"),
        "campaigns_overview__cycles": _each(RD, "campaigns", "[]", "cycles"),
        "campaigns_overview__totals": _one(RD, "totals"),
    },
    "campaigns_totals": {"campaigns_totals__totals": _one(RD)},
    "unified_display": {
        "unified_display__totals": _one(RD, "totals"),
        "unified_display__intervals": _each(RD, "intervals"),
        "unified_display__campaigns": _each(RD, "campaigns"),
        "unified_display__campaign_intervals": _each(RD, "campaigns", "[]", "intervals"),
        "unified_display__campaign_creatives": _each(RD, "campaigns", "[]", "creatives"),
        "unified_display__campaign_creative_intervals": _each(
            RD, "campaigns", "[]", "creatives", "[]", "intervals"
        ),
        "unified_display__line_items": _each(RD, "line_items"),
        "unified_display__line_item_intervals": _each(RD, "line_items", "[]", "intervals"),
        "unified_display__line_item_creatives": _each(RD, "line_items", "[]", "creatives"),
        "unified_display__line_item_creative_intervals": _each(
            RD, "line_items", "[]", "creatives", "[]", "intervals"
        ),
    },
    "keyword": {
        "keyword__keywords": _each(RD, "keywords"),
        "keyword__unattributed_keywords": _each(RD, "unattributed_keywords"),
        "keyword__totals": _one(RD, "totals"),
    },
    "google_keyword": {
        "google_keyword__keywords": _each(RD, "keywords"),
        "google_keyword__unattributed_keywords": _each(RD, "unattributed_keywords"),
        "google_keyword__totals": _one(RD, "totals"),
    },
    "facebook_campaign": {
        "facebook_campaign__campaigns": _each(RD, "campaigns"),
        "facebook_campaign__campaign_intervals": _each(RD, "campaigns", "[]", "intervals"),
        "facebook_campaign__cycles": _each(RD, "campaigns", "[]", "cycles"),
        "facebook_campaign__cycle_intervals": _each(RD, "campaigns", "[]", "cycles", "[]", "intervals"),
        "facebook_campaign__goals": _each(RD, "campaigns", "[]", "goals"),
        "facebook_campaign__totals_per_interval": _each(RD, "totals_per_interval"),
        "facebook_campaign__totals": _one(RD, "totals"),
    },
    "youtube": {
        "youtube__campaigns": _each(RD, "campaigns"),
        "youtube__campaign_intervals": _each(RD, "campaigns", "[]", "intervals"),
        "youtube__totals_per_interval": _each(RD, "totals_per_interval"),
        "youtube__totals": _one(RD, "totals"),
        "youtube__impression_breakdowns": _one(RD, "impression_breakdowns"),
        "youtube__view_breakdowns": _one(RD, "view_breakdowns"),
        "youtube__click_breakdowns": _one(RD, "click_breakdowns"),
    },
    "top_referrer": {
        "top_referrer__sources": _each(RD, "sources"),
        "top_referrer__referrers": _each(RD, "sources", "[]", "top_referrers"),
    },
    "cvt_events": {
        "cvt_events__campaigns": _each(RD, "campaigns"),
        "cvt_events__web_events": _each(RD, "campaigns", "[]", "web_events"),
        "cvt_events__web_event_intervals": _each(RD, "campaigns", "[]", "web_events", "[]", "intervals"),
    },
    "marketing_activity": {
        "marketing_activity__campaigns": _each(RD, "campaigns"),
        "marketing_activity__campaign_intervals": _each(RD, "campaigns", "[]", "intervals"),
        "marketing_activity__campaign_interval_channels": _channels,
        "marketing_activity__bucket_intervals": _buckets((RD,), {"campaigns", "totals"}, "intervals"),
        "marketing_activity__bucket_totals": _buckets((RD,), {"campaigns", "totals"}, None),
        "marketing_activity__totals": _one(RD, "totals"),
    },
    "chat_summary": {
        "chat_summary__campaigns": _each(RD, "campaigns"),
        "chat_summary__campaign_intervals": _each(RD, "campaigns", "[]", "intervals"),
        "chat_summary__bucket_intervals": _buckets((RD,), {"campaigns"}, "intervals"),
    },
    "lead_detail": {
        "lead_detail__totals_per_interval": _each(RD, "totals_per_interval"),
        "lead_detail__call_duration": _each(RD, "call_duration"),
        "lead_detail__calls_by_time_and_day": _calls_by_hour,
        "lead_detail__totals": _one(RD, "totals"),
    },
    "lsa_campaigns": {
        "lsa_campaigns__campaigns": _each(RD, "campaigns"),
        "lsa_campaigns__campaign_intervals": _each(RD, "campaigns", "[]", "intervals"),
    },
    "crm_contacts": {"crm_contacts": _each("contacts")},
    "crm_contact_interactions": {
        "crm_contact_interactions": _each("contact_interactions"),
        "crm_contact_interactions__transcript": _each("contact_interactions", "[]", "chat", "transcript"),
    },
}
for _campaign_report in ("search_activity", "google_search_activity", "total_track", "xmedia"):
    EXPECTED_ROWS[_campaign_report] = {
        f"{_campaign_report}__campaigns": _each(RD, "campaigns"),
        f"{_campaign_report}__campaign_intervals": _each(RD, "campaigns", "[]", "intervals"),
        f"{_campaign_report}__cycles": _each(RD, "campaigns", "[]", "cycles"),
        f"{_campaign_report}__cycle_intervals": _each(RD, "campaigns", "[]", "cycles", "[]", "intervals"),
        f"{_campaign_report}__totals_per_interval": _each(RD, "totals_per_interval"),
        f"{_campaign_report}__totals": _one(RD, "totals"),
    }


def _frames(endpoint: str, context: RowContext) -> dict[str, pd.DataFrame]:
    return normalize_document(endpoint, document(endpoint), context)


def test_every_supported_endpoint_has_a_document_and_row_counts() -> None:
    assert set(ALL_DOCUMENTS) == set(EXPECTED_ROWS)
    for endpoint, tables in EXPECTED_ROWS.items():
        assert set(tables) == set(get_endpoint(endpoint).table_names), endpoint


@pytest.mark.parametrize("endpoint", sorted(ALL_DOCUMENTS))
def test_row_counts_match_the_row_lists(endpoint: str, context: RowContext) -> None:
    doc = document(endpoint)
    frames = normalize_document(endpoint, doc, context)

    assert set(frames) == set(get_endpoint(endpoint).table_names)
    counts = {table: len(frame) for table, frame in frames.items()}
    assert counts == {table: count(doc) for table, count in EXPECTED_ROWS[endpoint].items()}
    assert sum(counts.values()) > 0


@pytest.mark.parametrize("endpoint", sorted(ALL_DOCUMENTS))
def test_natural_keys_are_present_and_unique(endpoint: str, context: RowContext) -> None:
    spec = get_endpoint(endpoint)
    for table, frame in _frames(endpoint, context).items():
        if frame.empty:
            continue
        key = list(spec.table(table).natural_key)
        assert set(key) <= set(frame.columns), table
        assert not frame.duplicated(subset=key).any(), table


@pytest.mark.parametrize("endpoint", sorted(ALL_DOCUMENTS))
def test_every_row_carries_the_metadata(endpoint: str, context: RowContext) -> None:
    doc = document(endpoint)
    spec = get_endpoint(endpoint)
    for table, frame in normalize_document(endpoint, doc, context).items():
        assert list(frame.columns[: len(METADATA_COLUMNS)]) == list(METADATA_COLUMNS)
        assert str(frame["_extracted_at"].dtype) == "datetime64[us, UTC]"
        if frame.empty:
            continue
        assert set(frame["_gmaid"]) == {"TEST_1"}
        assert set(frame["_report"]) == {endpoint}
        assert set(frame["_window_start"]) == {date(2024, 3, 1)}
        assert set(frame["_window_end"]) == {date(2024, 3, 2)}
        assert set(frame["_extracted_at"]) == {pd.Timestamp(EXTRACTED_AT)}
        if "_time_zone" not in [column.name for column in spec.envelope]:
            continue
        if "time_zone" in doc:
            assert set(frame["_time_zone"]) == {doc["time_zone"]}, table
        else:
            assert frame["_time_zone"].isna().all(), table


@pytest.mark.parametrize("endpoint", sorted(ALL_DOCUMENTS))
def test_column_names_are_sql_safe(endpoint: str, context: RowContext) -> None:
    for table, frame in _frames(endpoint, context).items():
        for column in frame.columns:
            assert re.fullmatch(r"[a-z_][a-z0-9_]*", column), (table, column)
            assert not column[0].isdigit()
            assert len(column) <= 63


@pytest.mark.parametrize("endpoint", sorted(ALL_DOCUMENTS))
def test_schema_matches_the_frames(endpoint: str, context: RowContext) -> None:
    normalizer = Normalizer(endpoint)
    frames = normalizer.normalize(document(endpoint), context)
    schemas = normalizer.schemas()

    for table, frame in frames.items():
        assert list(frame.columns) == list(schemas[table].columns), table
        assert set(schemas[table].columns.values()) <= {
            "integer",
            "float",
            "boolean",
            "text",
            "date",
            "timestamp",
            "json",
        }


_DTYPES = {
    "integer": "Int64",
    "float": "float64",
    "boolean": "boolean",
    "text": "string[pyarrow]",
    "json": "string[pyarrow]",
    "date": "date32[day][pyarrow]",
}


@pytest.mark.parametrize("endpoint", sorted(ALL_DOCUMENTS))
def test_frame_dtypes_follow_the_logical_types(endpoint: str, context: RowContext) -> None:
    normalizer = Normalizer(endpoint)
    frames = normalizer.normalize(document(endpoint), context)
    for table, schema in normalizer.schemas().items():
        for column, logical in schema.columns.items():
            dtype = str(frames[table][column].dtype)
            if logical == "timestamp":
                assert dtype in ("datetime64[us, UTC]", "datetime64[us]"), (table, column)
            else:
                assert dtype == _DTYPES[logical], (table, column, dtype)


def test_ids_stay_exact_integers(context: RowContext) -> None:
    frame = _frames("crm_contact_interactions", context)["crm_contact_interactions"]

    assert str(frame["contact_id"].dtype) == "Int64"
    assert frame["contact_id"].tolist() == [432323455, 91774815, 9293472379]
    assert frame["contact__id"].iloc[2] == 9293472379
    assert frame["id"].tolist() == [755428239, 185074076, 1876526262]
    assert str(frame["campaign_id"].dtype) == "Int64"


def test_string_ids_stay_text(context: RowContext) -> None:
    campaigns = _frames("campaigns_and_cycles", context)["campaigns_and_cycles__campaigns"]
    interactions = _frames("crm_contact_interactions", context)["crm_contact_interactions"]

    assert campaigns["global_master_campaign_id"].tolist() == ["TEST_4", "TEST_-25", "TEST_73432"]
    assert interactions["master_campaign_id"].iloc[1] == "390971619"


def test_iso_datetimes_become_utc_timestamps(context: RowContext) -> None:
    frame = _frames("crm_contact_interactions", context)["crm_contact_interactions"]

    assert str(frame["created_at"].dtype) == "datetime64[us, UTC]"
    assert frame["created_at"].iloc[0] == pd.Timestamp("2024-03-01T23:31:11Z")
    assert frame["occured_at"].iloc[1] == pd.Timestamp("2024-03-02T17:37:55Z")
    assert frame["archived_at"].iloc[1] == pd.Timestamp("2024-03-03T14:00:00Z")
    assert pd.isna(frame["read_at"].iloc[2])
    assert frame["call__occured_at"].iloc[0] == pd.Timestamp("2024-03-01T23:28:46Z")


def test_yyyy_mm_dd_fields_become_dates(context: RowContext) -> None:
    cycles = _frames("campaigns_and_cycles", context)["campaigns_and_cycles__cycles"]
    totals = _frames("campaigns_overview", context)["campaigns_overview__totals"]

    assert cycles["start_date"].tolist() == [
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 1, 10),
        date(2024, 2, 13),
    ]
    assert cycles["end_date"].iloc[0] == date(2024, 1, 31)
    assert cycles["end_date"].isna().tolist() == [False, True, True, True]
    assert totals["_report_date"].iloc[0] == date(2024, 3, 5)


def test_metrics_are_floats_even_when_sent_as_integers(context: RowContext) -> None:
    keywords = _frames("keyword", context)["keyword__keywords"]
    display = _frames("unified_display", context)["unified_display__campaigns"]

    assert str(keywords["clicks"].dtype) == "float64"
    assert keywords["clicks"].tolist() == [6.0, 11.0]
    assert display["clicks"].iloc[0] == 31.0


def test_parent_keys_are_copied_to_child_rows(context: RowContext) -> None:
    frames = _frames("unified_display", context)
    creative_intervals = frames["unified_display__campaign_creative_intervals"]
    line_item_creatives = frames["unified_display__line_item_creatives"]

    assert creative_intervals[["global_master_campaign_id", "creative_id", "publisher_id"]].iloc[
        0
    ].tolist() == ["TEST_1932587", 1, 49]
    assert line_item_creatives[["line_item_id", "creative_id", "publisher_id"]].iloc[0].tolist() == [
        1,
        1,
        2117,
    ]


def test_child_row_lists_are_not_repeated_in_the_parent(context: RowContext) -> None:
    frames = _frames("unified_display", context)
    interactions = _frames("crm_contact_interactions", context)["crm_contact_interactions"]

    assert not {"intervals", "creatives"} & set(frames["unified_display__campaigns"].columns)
    assert "chat__transcript" not in interactions.columns
    assert interactions["chat__summary"].iloc[2].startswith("Visitor asked")


def test_nested_objects_are_flattened_with_double_underscores(context: RowContext) -> None:
    intervals = _frames("search_activity", context)["search_activity__campaign_intervals"]
    totals = _frames("search_activity", context)["search_activity__totals"]

    assert intervals["device_breakdowns__clicks__mobile"].tolist() == [14.0, 12.0]
    assert totals["device_breakdowns__impressions__mobile__percent"].iloc[0] == 92.91


@pytest.mark.parametrize(
    ("endpoint", "table", "column", "value"),
    [
        ("facebook_campaign", "facebook_campaign__campaign_intervals", "leadgen_other", 0.0),
        (
            "facebook_campaign",
            "facebook_campaign__totals",
            "impressions_breakdown__age_65_gender_unknown",
            3.0,
        ),
        (
            "facebook_campaign",
            "facebook_campaign__totals",
            "impressions_breakdown__age_18_24_gender_male",
            160.0,
        ),
        ("youtube", "youtube__campaign_intervals", "ecpm", 25.42),
        (
            "crm_contact_interactions",
            "crm_contact_interactions",
            "form__extra_fields__are_you_the_homeowner",
            "Yes",
        ),
    ],
    ids=["dot", "plus", "dash", "camel-case", "question-mark"],
)
def test_awkward_keys_are_sanitised(
    endpoint: str, table: str, column: str, value: object, context: RowContext
) -> None:
    frame = _frames(endpoint, context)[table]

    assert value in frame[column].dropna().tolist()


def test_interaction_and_contact_status_do_not_collide(context: RowContext) -> None:
    frame = _frames("crm_contact_interactions", context)["crm_contact_interactions"]

    assert {"status", "contact__status", "id", "contact__id", "tags", "contact__tags"} <= set(frame.columns)


def test_lists_become_json_text(context: RowContext) -> None:
    contacts = _frames("crm_contacts", context)["crm_contacts"]
    interactions = _frames("crm_contact_interactions", context)["crm_contact_interactions"]
    lsa = _frames("lsa_campaigns", context)["lsa_campaigns__campaigns"]

    assert contacts["tags"].tolist() == ["[]", '["Direct Site Traffic"]', '["Search Campaign (Example)"]']
    normalizer = Normalizer("crm_contact_interactions")
    normalizer.normalize(document("crm_contact_interactions"), context)
    columns = normalizer.schemas()["crm_contact_interactions"].columns
    assert columns["tags"] == columns["contact__tags"] == "json"
    assert json.loads(interactions["tags"].iloc[0]) == ["Call Lead", "Organic Search"]
    assert lsa["goals"].tolist() == ["[]"]


def test_sparse_attributes_are_kept_as_null(context: RowContext) -> None:
    contacts = _frames("crm_contacts", context)["crm_contacts"]

    assert contacts["last_name"].isna().tolist() == [False, True, False]
    assert contacts["phone_mobile"].isna().tolist() == [True, True, False]
    assert contacts["phone_work"].tolist()[2] == ""
    assert contacts["archived_at"].isna().all()
    assert str(contacts["archived_at"].dtype) == "datetime64[us, UTC]"


def test_call_duration_is_parsed_and_kept_raw(context: RowContext) -> None:
    frame = _frames("crm_contact_interactions", context)["crm_contact_interactions"]

    assert frame["call__duration"].iloc[0] == "00:55"
    assert frame["call__duration_seconds"].iloc[0] == 55
    assert frame["call__duration_seconds"].isna().tolist() == [False, True, True]


def test_transcript_is_a_child_table_keyed_by_interaction_and_line(context: RowContext) -> None:
    transcript = _frames("crm_contact_interactions", context)["crm_contact_interactions__transcript"]

    assert transcript["interaction_id"].tolist() == [1876526262] * 3
    assert transcript["id"].tolist() == [1, 2, 3]
    assert transcript["timestamp"].iloc[0] == "3/3/2024 10:50:06 AM"
    assert transcript["timestamp_parsed"].iloc[0] == pd.Timestamp("2024-03-03 10:50:06")
    assert str(transcript["timestamp_parsed"].dtype) == "datetime64[us]"


def test_calls_by_time_and_day_become_weekday_hour_rows(context: RowContext) -> None:
    doc = document("lead_detail")
    frame = normalize_document("lead_detail", doc, context)["lead_detail__calls_by_time_and_day"]

    assert set(frame["weekday"]) == {"friday", "saturday"}
    assert sorted(set(frame["hour"])) == list(range(24))
    assert str(frame["hour"].dtype) == "Int64"
    assert frame["calls"].sum() == sum(
        sum(hours.values())
        for day, hours in doc["report_data"]["calls_by_time_and_day"].items()
        if day != "max"
    )
    friday_nine = frame[(frame["weekday"] == "friday") & (frame["hour"] == 9)]
    assert friday_nine["calls"].tolist() == [2.0]


def test_call_duration_buckets_stay_labels(context: RowContext) -> None:
    frame = _frames("lead_detail", context)["lead_detail__call_duration"]

    assert frame["duration"].tolist() == ["0-29", "30-59", "60-119", "120"]
    assert "duration_seconds" not in frame.columns


def test_marketing_buckets_and_channels(context: RowContext) -> None:
    frames = _frames("marketing_activity", context)

    assert frames["marketing_activity__bucket_intervals"]["bucket"].tolist() == ["search", "direct", "direct"]
    assert len(frames["marketing_activity__bucket_totals"]) == 9
    channels = frames["marketing_activity__campaign_interval_channels"]
    assert channels[["global_master_campaign_id", "start_date", "channel"]].values.tolist() == [
        ["TEST_3212412", date(2024, 3, 1), "search"],
        ["TEST_3212412", date(2024, 3, 1), "social"],
    ]
    assert frames["marketing_activity__campaigns"]["totals__total_visits"].iloc[0] == 6.0


def test_rows_without_an_id_are_told_apart_by_position(context: RowContext) -> None:
    frames = _frames("top_referrer", context)

    assert frames["top_referrer__sources"]["source_index"].tolist() == [0, 1, 2, 3]
    assert frames["top_referrer__sources"]["master_campaign_id"].tolist() == ["TEST_4", "-1", "-1", "-1"]
    assert frames["top_referrer__referrers"]["source_index"].tolist() == [0, 1, 1, 2]


def test_identity_types(context: RowContext) -> None:
    advertisers = _frames("identities_v3", context)["identities_v3__authorized_advertisers"]

    assert advertisers["hipaa_protected"].tolist() == [False, True]
    assert str(advertisers["privilege_level"].dtype) == "Int64"
    assert advertisers["active_state"].tolist() == [2, 1]


def test_webhook_lead_normalises_as_an_interaction_record(context: RowContext) -> None:
    lead = load("webhook_lead_payload.json")["lead"]
    frame = normalize_records("crm_contact_interactions", [lead], context)["crm_contact_interactions"]

    assert frame["id"].tolist() == [1632500]
    assert frame["form__subject"].isna().all()
    assert frame["form__extra_fields__name"].tolist() == ["Test Person 1"]


def test_a_page_past_the_end_is_an_empty_list(context: RowContext) -> None:
    frames = Normalizer("crm_contacts").normalize([], context)

    assert list(frames) == ["crm_contacts"]
    assert frames["crm_contacts"].empty


def test_a_list_is_refused_where_the_endpoint_answers_an_object(context: RowContext) -> None:
    with pytest.raises(TypeError, match="answers with an object"):
        Normalizer("lead_detail").normalize([], context)


def test_records_list_and_whole_page_give_the_same_frames(context: RowContext) -> None:
    page = document("crm_contacts")

    whole = normalize_document("crm_contacts", page, context)["crm_contacts"]
    records = normalize_records("crm_contacts", page["contacts"], context)["crm_contacts"]

    pd.testing.assert_frame_equal(whole, records)


def test_unexpected_document_keys_are_logged_once_by_name(
    context: RowContext, caplog: pytest.LogCaptureFixture
) -> None:
    doc = document("lead_detail")
    doc["report_data"]["brand_new_block"] = {"calls": 3}
    normalizer = Normalizer("lead_detail")

    with caplog.at_level(logging.WARNING, logger="airflow_provider_localiq.normalize"):
        normalizer.normalize(doc, context)
        normalizer.normalize(doc, context)

    messages = [record.getMessage() for record in caplog.records]
    assert len([message for message in messages if "report_data.brand_new_block" in message]) == 1


def test_non_object_rows_are_counted_and_logged(
    context: RowContext, caplog: pytest.LogCaptureFixture
) -> None:
    records = [{"id": 1, "email": "person1@example.com"}, None, "junk", {"id": 2}]

    with caplog.at_level(logging.WARNING, logger="airflow_provider_localiq.normalize"):
        frame = normalize_records("crm_contacts", records, context)["crm_contacts"]

    assert frame["id"].tolist() == [1, 2]
    assert any(
        "2 entries of crm_contacts were not objects" in record.getMessage() for record in caplog.records
    )
    assert all("person1@example.com" not in record.getMessage() for record in caplog.records)


def test_a_response_for_another_advertiser_is_logged(
    context: RowContext, caplog: pytest.LogCaptureFixture
) -> None:
    doc = document("lead_detail")
    doc["global_master_advertiser_id"] = "TEST_2"

    with caplog.at_level(logging.WARNING, logger="airflow_provider_localiq.normalize"):
        normalize_document("lead_detail", doc, context)

    assert any(
        "is for advertiser TEST_2 but was requested for TEST_1" in record.getMessage()
        for record in caplog.records
    )


def test_identity_rows_without_an_advertiser_get_null_gmaid() -> None:
    context = RowContext("", None, None, datetime(2024, 3, 5, tzinfo=UTC))
    frame = normalize_document("identities_v3", document("identities_v3"), context)["identities_v3__users"]

    assert frame["_gmaid"].isna().all()
    assert frame["_window_start"].isna().all()


def test_fixed_window_totals_are_keyed_by_report_date(context: RowContext) -> None:
    frame = _frames("campaigns_totals", context)["campaigns_totals__totals"]

    assert frame[["_gmaid", "_report_date", "campaigns", "leads"]].values.tolist() == [
        ["TEST_1", date(2024, 3, 5), 13.0, 1009.0]
    ]

"""Personal-data columns are kept, hashed or dropped as the registry lists them."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import pytest

from airflow_provider_localiq.normalize import (
    Normalizer,
    RowContext,
    apply_pii_policy,
    normalize_document,
    pii_columns,
)
from airflow_provider_localiq.normalize.pii import matches_pii
from tests.normalize.conftest import document, load

SALT = "pepper-for-tests"

# Fields holding personal data in the raw documents, as paths from each record.
_CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "company",
    "title",
    "phone_home",
    "phone_work",
    "phone_mobile",
    "phone_fax",
    "address1",
    "address2",
    "city",
    "state",
    "postal",
    "country",
    "notes",
)


def _personal_values(endpoint: str, doc: Any) -> set[str]:
    """Collect every personal value of a document straight from the JSON."""
    values: set[Any] = set()
    if endpoint == "crm_contacts":
        for contact in doc["contacts"]:
            values.update(contact.get(field) for field in _CONTACT_FIELDS)
    elif endpoint == "crm_contact_interactions":
        for interaction in doc["contact_interactions"]:
            values.update((interaction.get("display_name"), interaction.get("notes")))
            values.update(interaction.get("contact", {}).get(field) for field in _CONTACT_FIELDS)
            call = interaction.get("call", {})
            values.update((call.get("recording_url"), call.get("caller_number")))
            form = interaction.get("form", {})
            values.update((form.get("subject"), form.get("full_message"), form.get("message")))
            values.update(form.get("extra_fields", {}).values())
            chat = interaction.get("chat", {})
            values.add(chat.get("summary"))
            values.update(line["message"] for line in chat.get("transcript", []))
    elif endpoint == "identities_v3":
        values.update(user.get(field) for user in doc["users"] for field in ("email", "name"))
    return {value for value in values if isinstance(value, str) and value and value != "Yes"}


def _cells(frames: dict[str, pd.DataFrame]) -> list[str]:
    return [
        str(value)
        for frame in frames.values()
        for column in frame.columns
        for value in frame[column].dropna().tolist()
    ]


LEAD_ENDPOINTS = ["crm_contacts", "crm_contact_interactions", "identities_v3"]


@pytest.mark.parametrize("policy", ["hash", "drop"])
@pytest.mark.parametrize("endpoint", LEAD_ENDPOINTS)
def test_no_personal_value_survives_hash_or_drop(endpoint: str, policy: str, context: RowContext) -> None:
    doc = document(endpoint)
    personal = _personal_values(endpoint, doc)
    frames = normalize_document(endpoint, doc, context)
    assert personal
    assert any(value in _cells(frames) for value in personal)

    cleaned = apply_pii_policy(frames, endpoint, policy, SALT)  # type: ignore[arg-type]

    cells = _cells(cleaned)
    assert not personal & set(cells)
    long_values = [value for value in personal if len(value) >= 8]
    assert not [value for value in long_values if any(value in cell for cell in cells)]


def test_hash_is_sha256_of_salt_and_value(context: RowContext) -> None:
    frames = normalize_document("crm_contacts", document("crm_contacts"), context)

    hashed = apply_pii_policy(frames, "crm_contacts", "hash", SALT)["crm_contacts"]

    expected = hashlib.sha256(f"{SALT}person1@example.com".encode()).hexdigest()
    assert hashed["email"].iloc[0] == expected
    assert hashed["last_name"].isna().tolist() == [False, True, False]
    assert list(hashed.columns) == list(frames["crm_contacts"].columns)
    assert str(hashed["email"].dtype) == str(frames["crm_contacts"]["email"].dtype)


def test_equal_values_hash_equally_across_tables(context: RowContext) -> None:
    frames = normalize_document("crm_contact_interactions", document("crm_contact_interactions"), context)

    hashed = apply_pii_policy(frames, "crm_contact_interactions", "hash", SALT)["crm_contact_interactions"]

    assert hashed["contact__email"].iloc[1] == hashed["form__extra_fields__email"].iloc[1]


def test_hash_leaves_other_columns_alone(context: RowContext) -> None:
    frames = normalize_document("crm_contact_interactions", document("crm_contact_interactions"), context)

    hashed = apply_pii_policy(frames, "crm_contact_interactions", "hash", SALT)
    original = frames["crm_contact_interactions"]

    for column in (
        "id",
        "contact_id",
        "status",
        "contact__status",
        "tags",
        "created_at",
        "call__target_number",
        "call__duration_seconds",
    ):
        pd.testing.assert_series_equal(hashed["crm_contact_interactions"][column], original[column])
    transcript = hashed["crm_contact_interactions__transcript"]
    assert transcript["from"].tolist() == ["Virtual Assistant:", "Visitor:", "System:"]
    assert transcript["message"].str.len().tolist() == [64, 64, 64]


def test_drop_removes_the_columns_and_the_schema_follows(context: RowContext) -> None:
    normalizer = Normalizer("crm_contact_interactions")
    frames = normalizer.normalize(document("crm_contact_interactions"), context)

    dropped = apply_pii_policy(frames, "crm_contact_interactions", "drop")["crm_contact_interactions"]
    schema = normalizer.schemas()["crm_contact_interactions"].for_policy("drop")

    assert {
        "display_name",
        "contact__email",
        "call__recording_url",
        "form__extra_fields__zip_code",
    }.isdisjoint(dropped.columns)
    assert {"id", "contact__id", "contact__status", "call__target_number"} <= set(dropped.columns)
    assert list(dropped.columns) == list(schema.columns)


def test_keep_returns_the_frames_unchanged(context: RowContext) -> None:
    frames = normalize_document("crm_contacts", document("crm_contacts"), context)

    kept = apply_pii_policy(frames, "crm_contacts", "keep")

    assert kept["crm_contacts"] is frames["crm_contacts"]


def test_inputs_are_not_modified(context: RowContext) -> None:
    frames = normalize_document("crm_contacts", document("crm_contacts"), context)
    before = frames["crm_contacts"].copy()

    apply_pii_policy(frames, "crm_contacts", "hash", SALT)
    apply_pii_policy(frames, "crm_contacts", "drop")

    pd.testing.assert_frame_equal(frames["crm_contacts"], before)


def test_reports_have_nothing_to_hash(context: RowContext) -> None:
    frames = normalize_document("lead_detail", document("lead_detail"), context)

    hashed = apply_pii_policy(frames, "lead_detail", "hash", SALT)

    for table, frame in frames.items():
        pd.testing.assert_frame_equal(hashed[table], frame)


def test_webhook_lead_is_hashed_like_an_interaction(context: RowContext) -> None:
    lead = load("webhook_lead_payload.json")["lead"]
    frames = Normalizer("crm_contact_interactions").normalize_records([lead], context)

    hashed = apply_pii_policy(frames, "crm_contact_interactions", "hash", SALT)["crm_contact_interactions"]

    assert "person1@example.com" not in _cells({"t": hashed})
    assert hashed["form__subject"].isna().all()


@pytest.mark.parametrize("salt", [None, ""], ids=["missing", "empty"])
def test_hash_needs_a_salt(salt: str | None, context: RowContext) -> None:
    frames = normalize_document("crm_contacts", document("crm_contacts"), context)

    with pytest.raises(ValueError, match=r"policy='hash'\) needs a non-empty `salt`"):
        apply_pii_policy(frames, "crm_contacts", "hash", salt)


def test_unknown_policy_is_refused(context: RowContext) -> None:
    with pytest.raises(ValueError, match=r"got policy='mask'; expected one of keep, hash, drop"):
        apply_pii_policy({}, "crm_contacts", "mask", SALT)  # type: ignore[arg-type]


def test_frames_of_another_endpoint_are_refused(context: RowContext) -> None:
    frames = normalize_document("lead_detail", document("lead_detail"), context)

    with pytest.raises(
        ValueError, match="Table 'lead_detail__totals' does not belong to endpoint 'crm_contacts'"
    ):
        apply_pii_policy({"lead_detail__totals": frames["lead_detail__totals"]}, "crm_contacts", "hash", SALT)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("phone_work", True),
        ("phone_whatever_new", True),
        ("contact__email", True),
        ("contact__email_1a2b3c4d", True),
        ("form__extra_fields__zip_code", True),
        ("contact__status", False),
        ("call__target_number", False),
        ("emails", False),
    ],
    ids=lambda value: str(value),
)
def test_pii_patterns(column: str, expected: bool) -> None:
    from airflow_provider_localiq.normalize import get_endpoint

    patterns = [
        *get_endpoint("crm_contacts").table("crm_contacts").pii_columns,
        *get_endpoint("crm_contact_interactions").table("crm_contact_interactions").pii_columns,
    ]

    assert matches_pii(column, patterns) is expected


def test_pii_columns_keeps_order() -> None:
    assert pii_columns(["id", "email", "status", "phone_work"], ["phone_*", "email"]) == [
        "email",
        "phone_work",
    ]


def test_personal_columns_are_always_text(context: RowContext) -> None:
    records = [{"id": 1, "form": {"extra_fields": {"age": 41, "budget": 1200.5}}}]
    normalizer = Normalizer("crm_contact_interactions")
    normalizer.normalize_records(records, context)

    columns = normalizer.schemas()["crm_contact_interactions"].columns

    assert columns["form__extra_fields__age"] == columns["form__extra_fields__budget"] == "text"

"""A Normalizer fed page after page keeps its column names and types fixed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from airflow_provider_localiq.normalize import ColumnTypeError, Normalizer, RowContext, normalize_records


def _contacts(normalizer: Normalizer, records: list[dict[str, Any]], context: RowContext) -> Any:
    return normalizer.normalize_records(records, context)["crm_contacts"]


def test_a_column_first_seen_on_a_later_page_is_added_and_kept(context: RowContext) -> None:
    normalizer = Normalizer("crm_contacts")

    first = _contacts(normalizer, [{"id": 1, "email": "a@example.com"}], context)
    second = _contacts(normalizer, [{"id": 2, "company": "Example Co"}], context)
    third = _contacts(normalizer, [{"id": 3}], context)

    assert "company" not in first.columns
    assert second["company"].tolist() == ["Example Co"]
    assert second["email"].isna().all()
    assert list(third.columns) == list(second.columns)
    assert third["company"].isna().all()
    assert list(normalizer.schemas()["crm_contacts"].columns)[-2:] == ["email", "company"]


def test_the_union_of_columns_within_one_page(context: RowContext) -> None:
    frame = normalize_records(
        "crm_contacts", [{"id": 1, "city": "Exampletown"}, {"id": 2, "title": "Owner"}], context
    )["crm_contacts"]

    assert frame[["city", "title"]].isna().values.tolist() == [[False, True], [True, False]]


def test_an_all_null_page_does_not_change_a_column_type(context: RowContext) -> None:
    normalizer = Normalizer("crm_contacts")

    first = _contacts(normalizer, [{"id": 1, "score": 1.5}], context)
    second = _contacts(normalizer, [{"id": 2, "score": None}], context)
    third = _contacts(normalizer, [{"id": 3, "score": "7"}], context)

    assert str(first["score"].dtype) == str(second["score"].dtype) == str(third["score"].dtype) == "float64"
    assert third["score"].tolist() == [7.0]
    assert normalizer.schemas()["crm_contacts"].columns["score"] == "float"


def test_a_column_seen_only_as_null_takes_its_conventional_type(context: RowContext) -> None:
    normalizer = Normalizer("crm_contacts")

    first = _contacts(normalizer, [{"id": 1, "archived_at": None}], context)
    second = _contacts(normalizer, [{"id": 2, "archived_at": "2024-03-03T09:00:00-05:00"}], context)

    assert str(first["archived_at"].dtype) == str(second["archived_at"].dtype) == "datetime64[us, UTC]"
    assert second["archived_at"].iloc[0].isoformat() == "2024-03-03T14:00:00+00:00"


def test_the_same_path_gets_the_same_column_on_every_page(context: RowContext) -> None:
    first_run, second_run = Normalizer("youtube"), Normalizer("youtube")
    page_one = {"report_data": {"totals": {"ecpm": 1.0}}}
    page_two = {"report_data": {"totals": {"eCPM": 2.0, "ecpm": 3.0}}}

    first_run.normalize(page_one, context)
    frame = first_run.normalize(page_two, context)["youtube__totals"]
    again = first_run.normalize(page_two, context)["youtube__totals"]
    second_run.normalize(page_one, context)
    other = second_run.normalize(page_two, context)["youtube__totals"]

    collided = [column for column in frame.columns if column.startswith("ecpm_")]
    assert len(collided) == 1
    assert len(collided[0]) == len("ecpm_") + 8
    assert frame[["ecpm", collided[0]]].values.tolist() == [[3.0, 2.0]]
    assert list(again.columns) == list(frame.columns) == list(other.columns)
    assert first_run.schemas()["youtube__totals"].sources[collided[0]] == ("eCPM",)


def test_a_value_that_does_not_fit_the_column_type_is_refused_without_showing_it(context: RowContext) -> None:
    normalizer = Normalizer("crm_contacts")
    _contacts(normalizer, [{"id": 1}], context)

    with pytest.raises(
        ColumnTypeError, match=r"Column 'id' of table 'crm_contacts' is integer, but this document holds"
    ) as info:
        _contacts(normalizer, [{"id": "secret-person@example.com"}], context)

    assert "secret-person" not in str(info.value)
    assert info.value.__cause__ is None


@pytest.mark.parametrize("value", [22.5, True], ids=["fraction", "boolean"])
@pytest.mark.parametrize("rows", [2, 5000], ids=["in-the-sample", "outside-the-sample"])
def test_an_integer_column_refuses_non_integers(value: object, rows: int, context: RowContext) -> None:
    normalizer = Normalizer("crm_contacts")
    _contacts(normalizer, [{"id": 1}], context)
    records: list[dict[str, Any]] = [{"id": index} for index in range(rows)]
    records[-1]["id"] = value

    with pytest.raises(ColumnTypeError, match="'id'"):
        _contacts(normalizer, records, context)


def test_integral_floats_are_accepted_as_integers(context: RowContext) -> None:
    frame = normalize_records("crm_contacts", [{"id": 152.0}, {"id": 9293472379}], context)["crm_contacts"]

    assert frame["id"].tolist() == [152, 9293472379]
    assert str(frame["id"].dtype) == "Int64"


def test_ids_beyond_64_bits_become_text(context: RowContext) -> None:
    huge = 2**70
    frame = normalize_records(
        "crm_contacts", [{"id": 1, "external_id": huge}, {"id": 2, "external_id": 5}], context
    )["crm_contacts"]

    assert frame["external_id"].tolist() == [str(huge), "5"]


def test_an_id_beyond_64_bits_in_an_integer_column_is_refused(context: RowContext) -> None:
    with pytest.raises(ColumnTypeError, match="beyond the 64-bit range"):
        normalize_records("crm_contacts", [{"id": 2**64}], context)


def test_a_string_where_a_list_of_strings_was_seen_stays_a_string(context: RowContext) -> None:
    records = [{"id": index, "tags": ["Organic Search"]} for index in range(100)] + [
        {"id": 100, "tags": "abc"}
    ]

    frame = normalize_records("crm_contacts", records, context)["crm_contacts"]

    assert frame["tags"].iloc[0] == '["Organic Search"]'
    assert frame["tags"].iloc[100] == '"abc"'


def test_lists_needing_escapes_are_valid_json(context: RowContext) -> None:
    frame = normalize_records(
        "crm_contacts", [{"id": 1, "tags": ['say "hi"', "back\\slash", "line\nbreak", "café"]}], context
    )["crm_contacts"]

    assert frame["tags"].iloc[0] == '["say \\"hi\\"","back\\\\slash","line\\nbreak","café"]'


def test_a_field_that_is_an_object_in_one_row_and_a_number_in_another(context: RowContext) -> None:
    frame = normalize_records("crm_contacts", [{"id": 1, "extra": {"a": 1}}, {"id": 2, "extra": 5}], context)[
        "crm_contacts"
    ]

    assert frame["extra__a"].tolist()[0] == 1.0
    assert frame["extra"].tolist()[1] == 5.0


def test_a_key_seen_only_late_in_a_long_page_is_kept(context: RowContext) -> None:
    records: list[dict[str, Any]] = [{"id": index, "status": "none"} for index in range(5000)]
    records[4321]["late_field"] = "found"
    records[4999]["contact"] = {"nested": {"late": 3}}

    frame = normalize_records("crm_contacts", records, context)["crm_contacts"]

    assert frame["late_field"].dropna().tolist() == ["found"]
    assert frame["contact__nested__late"].dropna().tolist() == [3.0]


def test_a_nested_key_seen_only_late_in_a_long_page_is_kept(context: RowContext) -> None:
    records = [
        {"id": index, "form": {"sub_type": "FormPost", "extra_fields": {"zip_code": "00001"}}}
        for index in range(3000)
    ]
    records[2500]["form"]["extra_fields"]["favourite_colour"] = "green"

    frame = normalize_records("crm_contact_interactions", records, context)["crm_contact_interactions"]

    assert frame["form__extra_fields__favourite_colour"].dropna().tolist() == ["green"]


def test_values_seen_only_late_for_a_field_null_in_the_sample(context: RowContext) -> None:
    records: list[dict[str, Any]] = [{"id": index, "rating": None} for index in range(5000)]
    records[4000]["rating"] = 4.5

    frame = normalize_records("crm_contacts", records, context)["crm_contacts"]

    assert frame["rating"].dropna().tolist() == [4.5]


def test_row_context_requires_an_aware_extraction_time() -> None:
    with pytest.raises(ValueError, match="extracted_at must be timezone-aware"):
        RowContext("TEST_1", None, None, datetime(2024, 3, 5, 12, 0))


def test_row_context_stores_the_extraction_time_in_utc() -> None:
    from datetime import timedelta, timezone

    context = RowContext(
        "TEST_1", None, None, datetime(2024, 3, 5, 4, 0, tzinfo=timezone(timedelta(hours=-8)))
    )

    assert context.extracted_at == datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    assert context.extracted_at.tzinfo is UTC


def test_row_context_refuses_a_reversed_window() -> None:
    with pytest.raises(ValueError, match="ends"):
        RowContext("TEST_1", date(2024, 3, 2), date(2024, 3, 1), datetime(2024, 3, 5, tzinfo=UTC))

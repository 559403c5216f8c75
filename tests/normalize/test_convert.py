"""Value conversions that the examples do not cover on their own."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from airflow_provider_localiq.normalize.convert import (
    TypeMismatch,
    from_arrow,
    from_python,
    hint_from_python,
    parse_derived,
    to_json_texts,
)


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("00:55", 55), ("03:47", 227), ("1:02:03", 3723), ("55", 55), (" 7 ", 7), ("n/a", None), ("", None)],
    ids=["mm-ss", "minutes", "hh-mm-ss", "integer", "padded", "unreadable", "empty"],
)
def test_duration_seconds(raw: str, seconds: int | None) -> None:
    assert parse_derived(pa.array([raw]), "duration_seconds").to_pylist() == [seconds]


def test_us_datetime_keeps_unreadable_values_null() -> None:
    parsed = parse_derived(pa.array(["12/13/2024 1:05:00 PM", "soon", None]), "us_datetime").to_pylist()

    assert [value.isoformat() if value else None for value in parsed] == ["2024-12-13T13:05:00", None, None]


def test_json_text_cache_keeps_equal_but_different_values_apart() -> None:
    assert to_json_texts([[1], [True], [1.0], [1], None, []]) == ["[1]", "[true]", "[1.0]", "[1]", None, "[]"]


def test_json_text_of_nested_values() -> None:
    texts = to_json_texts([[{"a": 1, "b": [2]}], {"k": "v"}, "plain"])

    assert [json.loads(text) for text in texts] == [[{"a": 1, "b": [2]}], {"k": "v"}, "plain"]


@pytest.mark.parametrize(
    ("values", "hint"),
    [
        ([None], "null"),
        ([True, None], "bool"),
        ([1, 2], "int"),
        ([2**70], "bigint"),
        ([1, 2.5], "float"),
        (["a"], "str"),
        ([["a"], "b"], "list"),
        (["a", 1], "mixed"),
    ],
    ids=["null", "bool", "int", "bigint", "float", "str", "list", "mixed"],
)
def test_hint_from_python(values: list[object], hint: str) -> None:
    assert hint_from_python(values) == hint


@pytest.mark.parametrize(
    ("values", "logical", "expected"),
    [
        (["2024-03-01T15:31:11"], "timestamp", "2024-03-01T15:31:11+00:00"),
        (["2024-03-01T23:59:00-08:00"], "date", "2024-03-01"),
        ([""], "date", None),
        (["12", "-3"], "integer", [12, -3]),
        (["1.5"], "float", [1.5]),
        (["true", "False"], "boolean", [True, False]),
        ([2.0, 1.5, True, -1], "text", ["2", "1.5", "true", "-1"]),
    ],
    ids=[
        "naive-is-utc",
        "date-part",
        "blank-date",
        "digit-strings",
        "numeric-string",
        "boolean-strings",
        "numbers-as-text",
    ],
)
def test_lenient_conversions(values: list[object], logical: str, expected: object) -> None:
    result = from_python(values, logical).to_pylist()  # type: ignore[arg-type]

    if isinstance(expected, str):
        assert result[0].isoformat() == expected
    elif expected is None:
        assert result == [None]
    else:
        assert result == expected


@pytest.mark.parametrize(
    ("values", "logical"),
    [
        (["x"], "integer"),
        (["x"], "float"),
        (["yes"], "boolean"),
        (["soon"], "date"),
        (["soon"], "timestamp"),
        ([1], "date"),
    ],
    ids=["integer", "float", "boolean", "date", "timestamp", "number-as-date"],
)
def test_refusals_name_the_kind_of_value_not_the_value(values: list[object], logical: str) -> None:
    with pytest.raises(TypeMismatch) as info:
        from_python(values, logical)  # type: ignore[arg-type]

    assert "soon" not in str(info.value)
    assert "yes" not in str(info.value)


def test_the_arrow_path_refuses_what_the_python_path_refuses() -> None:
    with pytest.raises(TypeMismatch, match="fractional"):
        from_arrow(pa.array([1.0, 22.5]), "integer")
    with pytest.raises(TypeMismatch, match="64-bit"):
        from_arrow(pa.array([1e20]), "integer")

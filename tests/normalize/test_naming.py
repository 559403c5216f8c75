"""Column names: SQL-safe, stable for the same path, and collision-free."""

from __future__ import annotations

import pytest

from airflow_provider_localiq.normalize import sanitize_key
from airflow_provider_localiq.normalize.naming import MAX_IDENTIFIER_LENGTH, ColumnNamer, base_name, path_hash


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("leadgen.other", "leadgen_other"),
        ("age_65+_gender_male", "age_65_gender_male"),
        ("age_18-24_gender_female", "age_18_24_gender_female"),
        ("eCPM", "ecpm"),
        ("are_you_the_homeowner?", "are_you_the_homeowner"),
        ("Zip Code", "zip_code"),
        ("café", "cafe"),
        ("__private__", "private"),
        ("???", "blank"),
    ],
    ids=[
        "dot",
        "plus",
        "dash",
        "camel-case",
        "question-mark",
        "space",
        "accent",
        "underscores",
        "nothing-left",
    ],
)
def test_sanitize_key(key: str, expected: str) -> None:
    assert sanitize_key(key) == expected


def test_nested_paths_join_with_double_underscores() -> None:
    assert base_name(("device_breakdowns", "clicks", "mobile")) == "device_breakdowns__clicks__mobile"


def test_a_name_never_starts_with_a_digit() -> None:
    assert base_name(("18-24",)) == "n_18_24"


def test_long_names_are_cut_with_a_hash_of_the_path() -> None:
    path = ("form", "extra_fields", "please describe the project you would like a quote for in detail")

    name = base_name(path)

    assert len(name) == MAX_IDENTIFIER_LENGTH
    assert name.endswith(path_hash(path))
    assert base_name(path) == name


def test_colliding_paths_get_distinct_stable_names() -> None:
    namer = ColumnNamer()

    plain = namer.name(("ecpm",))
    suffixed = namer.name(("eCPM",))

    assert plain == "ecpm"
    assert suffixed == f"ecpm_{path_hash(('eCPM',))}"
    assert namer.name(("eCPM",)) == suffixed
    assert namer.mapping == {("ecpm",): "ecpm", ("eCPM",): suffixed}


def test_the_same_paths_in_the_same_order_give_the_same_names() -> None:
    paths = [("leadgen.other",), ("leadgen_other",), ("a", "b"), ("a__b",)]

    first, second = ColumnNamer(), ColumnNamer()

    assert [first.name(path) for path in paths] == [second.name(path) for path in paths]
    assert len({first.name(path) for path in paths}) == len(paths)


def test_reserved_names_are_not_given_to_source_paths() -> None:
    namer = ColumnNamer(reserved=["interaction_id"])

    assert namer.name(("interaction_id",)) != "interaction_id"
    assert namer.name(("_gmaid",)) == "gmaid"

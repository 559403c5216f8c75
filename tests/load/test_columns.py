"""Conversion of DataFrame columns to the Arrow types of their logical types."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from airflow_provider_localiq.load.columns import frame_to_arrow


def convert(values, logical, dtype=None):
    frame = pd.DataFrame({"column": pd.Series(values, dtype=dtype)})
    return frame_to_arrow(frame, {"column": logical}, table="t").column("column")


@pytest.mark.parametrize(
    ("values", "logical", "dtype", "expected_type", "expected"),
    [
        pytest.param([1.0, None], "integer", None, pa.int64(), [1, None], id="whole-floats-to-integer"),
        pytest.param([2**62, None], "integer", "Int64", pa.int64(), [2**62, None], id="nullable-int64"),
        pytest.param(
            [2**53 + 1, None],
            "integer",
            pd.ArrowDtype(pa.int64()),
            pa.int64(),
            [2**53 + 1, None],
            id="arrow-int64",
        ),
        pytest.param(
            [date(2024, 1, 31), None],
            "date",
            pd.ArrowDtype(pa.date32()),
            pa.date32(),
            [date(2024, 1, 31), None],
            id="arrow-date32",
        ),
        pytest.param([1, 2], "float", None, pa.float64(), [1.0, 2.0], id="integers-to-float"),
        pytest.param([True, None], "boolean", "boolean", pa.bool_(), [True, None], id="nullable-boolean"),
        pytest.param([1, "a", None], "text", "object", pa.string(), ["1", "a", None], id="mixed-to-text"),
        pytest.param(
            ["2024-01-31", None], "date", None, pa.date32(), [date(2024, 1, 31), None], id="iso-dates"
        ),
        pytest.param(
            ["2024-01-31T23:00:00-05:00"],
            "date",
            None,
            pa.date32(),
            [date(2024, 2, 1)],
            id="iso-timestamps-to-utc-date",
        ),
        pytest.param(
            [datetime(2024, 1, 1, 12)],
            "timestamp",
            None,
            pa.timestamp("us", tz="UTC"),
            [datetime(2024, 1, 1, 12, tzinfo=UTC)],
            id="naive-taken-as-utc",
        ),
        pytest.param(
            [pd.Timestamp("2024-01-01T00:00:00.123456789Z")],
            "timestamp",
            None,
            pa.timestamp("us", tz="UTC"),
            [datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)],
            id="nanoseconds-dropped",
        ),
        pytest.param(
            [None, None], "timestamp", "object", pa.timestamp("us", tz="UTC"), [None, None], id="all-null"
        ),
        pytest.param(
            [{"b": [1, 2]}, np.array([1, 2]), "[3]", None, np.int64(4)],
            "json",
            "object",
            pa.string(),
            ['{"b":[1,2]}', "[1,2]", "[3]", None, "4"],
            id="json-serialised",
        ),
    ],
)
def test_converts_to_the_logical_type(values, logical, dtype, expected_type, expected):
    column = convert(values, logical, dtype)

    assert column.type == expected_type
    assert column.to_pylist() == expected


@pytest.mark.parametrize(
    ("values", "logical", "message"),
    [
        pytest.param(
            [1.5], "integer", r"Column 'column' of table 't' is declared 'integer'", id="fraction-to-integer"
        ),
        pytest.param(
            ["tomorrow"], "date", r"declared 'date' but its values \(dtype (str|object)\)", id="not-a-date"
        ),
        pytest.param(["soon"], "timestamp", r"declared 'timestamp'", id="not-a-timestamp"),
        pytest.param([2**64], "integer", r"declared 'integer'", id="beyond-int64"),
    ],
)
def test_refuses_values_that_are_not_of_the_declared_type(values, logical, message):
    with pytest.raises(ValueError, match=message):
        convert(values, logical, "object" if logical == "integer" and values[0] > 2**63 else None)

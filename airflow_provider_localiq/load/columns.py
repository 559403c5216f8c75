"""Convert a DataFrame chunk into an Arrow table whose columns hold exactly their logical types.

Every database path starts from the same Arrow table, so a value reaches DuckDB, PostgreSQL and
SQLite identically: integers as ``int64`` (nullable, exact beyond 2**53), timestamps as UTC
microseconds, dates as days, JSON as text.

========== =============================== =======================================================
logical    Arrow type                      accepted input
========== =============================== =======================================================
integer    ``int64``                       ints, ``Int64``, floats holding whole numbers
float      ``float64``                     numbers; NaN becomes NULL
boolean    ``bool``                        bools, ``boolean``
text       ``string``                      strings; other values are converted with ``str()``
date       ``date32``                      dates, datetimes, ISO 8601 strings
timestamp  ``timestamp[us, tz=UTC]``       datetimes (naive ones are taken as UTC), ISO strings
json       ``string``                      dicts, lists and scalars are serialised; strings are
                                           taken as JSON text already
========== =============================== =======================================================
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas
    import pyarrow

    from airflow_provider_localiq.load.batch import LogicalType


def frame_to_arrow(
    frame: pandas.DataFrame, column_types: Mapping[str, LogicalType], *, table: str
) -> pyarrow.Table:
    """Return the frame as an Arrow table, each column converted to its logical type.

    :raises ValueError: a column's values cannot be stored as its declared type, or two frame
        columns share a name.
    """
    import pyarrow as pa

    names = [str(name) for name in frame.columns]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"Table {table!r} has duplicate frame columns {duplicated!r}; rename them.")

    arrays = []
    for position, name in enumerate(names):
        series = frame.iloc[:, position]
        logical = column_types[name]
        try:
            arrays.append(_convert(series, logical))
        except (pa.ArrowException, ValueError, TypeError, OverflowError) as err:
            raise ValueError(
                f"Column {name!r} of table {table!r} is declared {logical!r} but its values (dtype "
                f"{series.dtype}) cannot be stored as {logical}: {err}. Declare the type the column "
                "holds, or fix the values upstream."
            ) from err
    return pa.table(arrays, names=names)


def arrow_type(logical: LogicalType) -> pyarrow.DataType:
    """Return the Arrow type a column of the logical type is converted to."""
    import pyarrow as pa

    return {
        "integer": pa.int64(),
        "float": pa.float64(),
        "boolean": pa.bool_(),
        "text": pa.string(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "json": pa.string(),
    }[logical]


def _convert(series: pandas.Series[Any], logical: LogicalType) -> pyarrow.Array:
    import pyarrow as pa

    # An empty or all-missing column says nothing about its type (pandas makes it float or object).
    if bool(series.isna().all()):
        return pa.nulls(len(series), type=arrow_type(logical))
    if logical == "integer":
        return pa.array(series, type=pa.int64(), from_pandas=True)
    if logical == "float":
        return pa.array(series, type=pa.float64(), from_pandas=True)
    if logical == "boolean":
        return pa.array(series, type=pa.bool_(), from_pandas=True)
    if logical == "text":
        return _text(series)
    if logical == "date":
        return _date(series)
    if logical == "timestamp":
        return _timestamp(series)
    return pa.array([_json_text(value) for value in series], type=pa.string())


def _text(series: pandas.Series[Any]) -> pyarrow.Array:
    import pyarrow as pa

    try:
        return pa.array(series, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([None if _is_missing(value) else str(value) for value in series], type=pa.string())


def _date(series: pandas.Series[Any]) -> pyarrow.Array:
    import pyarrow as pa

    values = pa.array(series, from_pandas=True)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        values = _parse_timestamps(series) if _has_time_part(values) else values
    return values.cast(pa.date32())


def _timestamp(series: pandas.Series[Any]) -> pyarrow.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        values = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        values = _parse_timestamps(series)
    if not pa.types.is_timestamp(values.type):
        values = _parse_timestamps(series)
    if values.type.tz is None:
        values = values.cast(pa.timestamp(values.type.unit, tz="UTC"))

    # The databases keep microseconds; finer digits are dropped rather than refused.
    return pc.cast(values, pa.timestamp("us", tz="UTC"), safe=False)


def _parse_timestamps(series: pandas.Series[Any]) -> pyarrow.Array:
    import pandas as pd
    import pyarrow as pa

    return pa.array(pd.to_datetime(series, utc=True, format="ISO8601"), from_pandas=True)


def _has_time_part(values: pyarrow.Array) -> bool:
    import pyarrow.compute as pc

    return bool(pc.any(pc.greater(pc.utf8_length(values), 10)).as_py())


def _json_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if hasattr(value, "tolist"):
        value = value.tolist()
    if _is_missing(value):
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    import pandas as pd

    return value is pd.NA or value is pd.NaT

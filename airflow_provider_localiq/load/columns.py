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
    _check_unique(names, table)

    # One conversion of the whole frame is far cheaper than one per column; a column it already
    # gave the right type is taken as it is, and only the others go through the rules below.
    whole = _whole_frame(frame)
    arrays: list[pyarrow.Array | pyarrow.ChunkedArray] = []
    for position, name in enumerate(names):
        logical = column_types[name]
        if whole is not None and whole.column(position).type == arrow_type(logical):
            arrays.append(whole.column(position))
            continue
        arrays.append(_converted(frame.iloc[:, position], logical, name, table))
    return pa.table(arrays, names=names)


def table_to_logical(
    data: pyarrow.Table, column_types: Mapping[str, LogicalType], *, table: str
) -> pyarrow.Table:
    """Return the Arrow table with each column holding its logical type's Arrow type.

    Columns that already do are kept as they are (the normaliser's output mostly is); the others
    are converted by the rules of :func:`frame_to_arrow`.

    :raises ValueError: as :func:`frame_to_arrow` does.
    """
    import pyarrow as pa

    names = list(data.column_names)
    _check_unique(names, table)
    if all(
        data.column(position).type == arrow_type(column_types[name]) for position, name in enumerate(names)
    ):
        return data

    arrays: list[pyarrow.Array | pyarrow.ChunkedArray] = []
    for position, name in enumerate(names):
        column, logical = data.column(position), column_types[name]
        if column.type == arrow_type(logical):
            arrays.append(column)
        elif pa.types.is_null(column.type):
            arrays.append(pa.nulls(len(column), type=arrow_type(logical)))
        else:
            arrays.append(_converted(column.to_pandas(), logical, name, table))
    return pa.table(arrays, names=names)


def _check_unique(names: list[str], table: str) -> None:
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"Table {table!r} has duplicate frame columns {duplicated!r}; rename them.")


def _converted(series: pandas.Series[Any], logical: LogicalType, name: str, table: str) -> pyarrow.Array:
    import pyarrow as pa

    try:
        return _convert(series, logical)
    except (pa.ArrowException, ValueError, TypeError, OverflowError) as err:
        raise ValueError(
            f"Column {name!r} of table {table!r} is declared {logical!r} but its values (dtype "
            f"{series.dtype}) cannot be stored as {logical}: {err}. Declare the type the column "
            "holds, or fix the values upstream."
        ) from err


def _whole_frame(frame: pandas.DataFrame) -> pyarrow.Table | None:
    """Convert the frame in one call, or return None if Arrow cannot (mixed objects, say)."""
    import pyarrow as pa

    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError, OverflowError):
        return None


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

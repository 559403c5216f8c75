"""Turn the raw values of one column into an Arrow array of the column's logical type.

Values arrive either as an Arrow array (the fast path) or as a Python list (the fallback path and
the walk-filled key columns); both end as the same Arrow type:

    ===============  ==========================  ==========================================
    logical type     Arrow type                  accepted input
    ===============  ==========================  ==========================================
    integer          int64                       ints, integral floats, digit strings
    float            float64                     numbers, booleans (as 1/0), numeric strings
    boolean          bool                        booleans, "true"/"false"
    text             string                      strings; numbers and booleans as text
    date             date32                      "YYYY-MM-DD" (a datetime keeps its date part)
    timestamp        timestamp[us, UTC]          ISO 8601 with offset or Z (no offset = UTC)
    timestamp_naive  timestamp[us]               ISO 8601 without zone
    json             string                      anything, written as compact JSON
    ===============  ==========================  ==========================================

An empty string counts as null for every type except text. Anything else raises `TypeMismatch`;
the message names the kind of value found, never the value, because it may be personal data.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pyarrow as pa

    from airflow_provider_localiq.normalize.registry import ColumnType, ParseName

Hint = Literal["null", "bool", "int", "bigint", "float", "str", "list", "mixed"]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_INTEGER_TEXT = re.compile(r"^\s*[-+]?\d+\s*$")
_DURATION = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d{1,2})\s*$")
_US_DATETIME_FORMAT = "%m/%d/%Y %I:%M:%S %p"
# A quote, a backslash or a control character must be escaped in JSON.
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'

_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class TypeMismatch(Exception):
    """Values of one column cannot be read as the column's logical type."""

    def __init__(self, found: str) -> None:
        self.found = found
        super().__init__(found)


def arrow_type(logical: ColumnType) -> pa.DataType:
    """Return the Arrow type that holds a logical type."""
    import pyarrow as pa

    return {
        "integer": pa.int64(),
        "float": pa.float64(),
        "boolean": pa.bool_(),
        "text": pa.string(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "timestamp_naive": pa.timestamp("us"),
        "json": pa.string(),
    }[logical]


def hint_from_arrow(array: pa.Array) -> Hint:
    """Summarise what kind of values an Arrow leaf holds, for choosing a new column's type."""
    import pyarrow as pa
    import pyarrow.types as pat

    kind = array.type
    if pat.is_null(kind) or array.null_count == len(array):
        return "null"
    if pat.is_boolean(kind):
        return "bool"
    if pat.is_decimal(kind):
        try:
            array.cast(pa.int64())
        except pa.ArrowInvalid:
            return "bigint"
        return "int"
    if pat.is_integer(kind):
        return "int"
    if pat.is_floating(kind):
        return "float"
    if pat.is_string(kind) or pat.is_large_string(kind):
        return "str"
    if pat.is_list(kind) or pat.is_large_list(kind):
        return "list"
    return "mixed"


def hint_from_python(values: list[Any]) -> Hint:
    """Summarise what kind of values a Python list holds, for choosing a new column's type."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if not kinds:
        return "null"
    if kinds == {bool}:
        return "bool"
    if kinds == {int}:
        fits = all(_INT64_MIN <= value <= _INT64_MAX for value in values if value is not None)
        return "int" if fits else "bigint"
    if kinds <= {int, float}:
        return "float"
    if kinds == {str}:
        return "str"
    if list in kinds:
        # JSON can hold the odd scalar next to the lists.
        return "list"
    return "mixed"


def from_arrow(array: pa.Array, logical: ColumnType) -> pa.Array:
    """Convert an Arrow leaf to the Arrow type of ``logical``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.types as pat

    kind = array.type
    target = arrow_type(logical)
    if pat.is_null(kind):
        return pa.nulls(len(array), target)

    if pat.is_list(kind) and logical in ("json", "text"):
        return _json_from_string_lists(array)
    if logical == "json":
        return from_python(array.to_pylist(), "json")
    if logical == "text":
        if pat.is_string(kind):
            return array
        if pat.is_boolean(kind) or pat.is_integer(kind) or pat.is_decimal(kind) or pat.is_floating(kind):
            return array.cast(pa.string())
        raise TypeMismatch(str(kind))

    if pat.is_string(kind):
        return _from_strings(_blank_to_null(array), logical)

    if logical == "integer":
        if pat.is_integer(kind):
            return array.cast(pa.int64())
        if pat.is_decimal(kind):
            try:
                return array.cast(pa.int64())
            except pa.ArrowInvalid:
                raise TypeMismatch("integers beyond the 64-bit range") from None
        if pat.is_floating(kind):
            if pc.all(pc.equal(pc.floor(array), array)).as_py() is False:
                raise TypeMismatch("fractional numbers")
            try:
                return array.cast(pa.int64())
            except pa.ArrowInvalid:
                raise TypeMismatch("integers beyond the 64-bit range") from None
    elif logical == "float":
        if pat.is_boolean(kind) or pat.is_integer(kind) or pat.is_decimal(kind) or pat.is_floating(kind):
            return array.cast(pa.float64())
    elif logical == "boolean" and pat.is_boolean(kind):
        return array
    raise TypeMismatch(_describe(kind))


def from_python(values: list[Any], logical: ColumnType) -> pa.Array:
    """Convert a Python list of JSON values to the Arrow type of ``logical``."""
    import pyarrow as pa

    kinds = set(map(type, values))
    kinds.discard(type(None))
    target = arrow_type(logical)
    if not kinds:
        return pa.nulls(len(values), target)

    if logical == "json":
        return pa.array(to_json_texts(values), pa.string())
    if logical == "text":
        if kinds == {str}:
            return pa.array(values, pa.string())
        return pa.array([_as_text(value) for value in values], pa.string())
    if kinds == {str}:
        return _from_strings(_blank_to_null(pa.array(values, pa.string())), logical)

    if logical == "integer":
        if kinds == {int}:
            try:
                return pa.array(values, pa.int64())
            except OverflowError:
                raise TypeMismatch("integers beyond the 64-bit range") from None
        return pa.array([_as_integer(value) for value in values], pa.int64())
    if logical == "float":
        if kinds <= {int, float, bool, str}:
            return pa.array([_as_float(value) for value in values], pa.float64())
    elif logical == "boolean" and kinds <= {bool, str}:
        return pa.array([_as_boolean(value) for value in values], pa.bool_())
    raise TypeMismatch(_describe_python(kinds))


def to_json_texts(values: list[Any]) -> list[str | None]:
    """Serialise values as compact JSON, reusing the text of lists seen before (tags repeat a lot)."""
    cache: dict[tuple[tuple[Any, ...], tuple[type, ...]], str] = {}
    texts: list[str | None] = []
    for value in values:
        if value is None:
            texts.append(None)
        elif type(value) is list:
            if not value:
                texts.append("[]")
                continue
            try:
                # Element types are part of the key: [1] and [True] compare equal in Python.
                key = (tuple(value), tuple(map(type, value)))
                text = cache.get(key)
            except TypeError:
                texts.append(_encode_json(value))
                continue
            if text is None:
                text = cache[key] = _encode_json(value)
            texts.append(text)
        else:
            texts.append(_encode_json(value))
    return texts


def _json_from_string_lists(array: pa.ListArray) -> pa.Array:
    """Write lists of strings as JSON in Arrow; falls back to Python for values that need escaping."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = array.values
    if values.null_count or pc.any(pc.match_substring_regex(values, _NEEDS_ESCAPE)).as_py():
        return from_python(array.to_pylist(), "json")
    quoted = pc.binary_join_element_wise('"', values, '"', "")
    lists = pa.ListArray.from_arrays(array.offsets, quoted, mask=array.is_null())
    return pc.binary_join_element_wise("[", pc.binary_join(lists, ","), "]", "")


def parse_derived(source: pa.Array, parse: ParseName) -> pa.Array:
    """Compute a derived column from its (already converted, text) source column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if parse == "us_datetime":
        return pc.strptime(source, format=_US_DATETIME_FORMAT, unit="us", error_is_null=True)

    seconds: dict[str, int | None] = {}
    result: list[int | None] = []
    for text in source.to_pylist():
        if text is None:
            result.append(None)
            continue
        value = seconds.get(text)
        if value is None and text not in seconds:
            value = seconds[text] = _duration_seconds(text)
        result.append(value)
    return pa.array(result, pa.int64())


def _duration_seconds(text: str) -> int | None:
    if _INTEGER_TEXT.match(text):
        return int(text)
    match = _DURATION.match(text)
    if match is None:
        return None
    hours, minutes, secs = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)


def _from_strings(array: pa.Array, logical: ColumnType) -> pa.Array:
    import pyarrow as pa

    try:
        return array.cast(arrow_type(logical))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if logical in ("date", "timestamp", "timestamp_naive"):
        return _parse_datetimes(array, logical)
    raise TypeMismatch("text that does not read as " + logical)


def _parse_datetimes(array: pa.Array, logical: ColumnType) -> pa.Array:
    """Parse ISO 8601 strings the strict Arrow cast refused (naive datetimes, dates with a time)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if logical == "date":
        # A datetime in a date field keeps the calendar date it was written with.
        try:
            return pc.utf8_slice_codeunits(array, 0, 10).cast(pa.date32())
        except pa.ArrowInvalid:
            raise TypeMismatch("text that does not read as date") from None

    try:
        parsed = pd.to_datetime(pd.Series(array.to_pylist(), dtype=object), utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        raise TypeMismatch("text that does not read as " + logical) from None
    if logical == "timestamp_naive":
        return pa.Array.from_pandas(parsed.dt.tz_localize(None).astype("datetime64[us]"))
    return pa.Array.from_pandas(parsed.astype("datetime64[us, UTC]"))


def _blank_to_null(array: pa.Array) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    blank = pc.equal(array, "")
    if not pc.any(blank).as_py():
        return array
    return pc.if_else(blank, pa.scalar(None, pa.string()), array)


def _as_text(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    if type(value) is float and value.is_integer() and abs(value) < 1e15:
        # Same text as Arrow's cast, which writes 2.0 as "2".
        return str(int(value))
    return _encode_json(value)


def _as_integer(value: Any) -> int | None:
    kind = type(value)
    if value is None:
        return None
    if kind is int:
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise TypeMismatch("integers beyond the 64-bit range")
        return int(value)
    if kind is float and value.is_integer():
        return int(value)
    if kind is str:
        if value == "":
            return None
        if _INTEGER_TEXT.match(value):
            return _as_integer(int(value))
    raise TypeMismatch(_describe_python({kind}))


def _as_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise TypeMismatch("text that does not read as float") from None


def _as_boolean(value: Any) -> bool | None:
    if value is None or type(value) is bool:
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "":
        return None
    raise TypeMismatch("text that does not read as boolean")


def _describe(kind: pa.DataType) -> str:
    return f"{kind} values"


def _describe_python(kinds: set[type]) -> str:
    names = {bool: "boolean", int: "integer", float: "float", str: "text", list: "list", dict: "object"}
    return " and ".join(sorted(names.get(kind, kind.__name__) for kind in kinds)) + " values"

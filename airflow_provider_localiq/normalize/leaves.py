"""Split a list of row objects into one column of raw values per leaf path.

A leaf path is the tuple of keys from the row to a scalar or a list, e.g. ``("contact", "email")``.
Nested objects are walked; lists end the walk and are returned as the original Python values so
they can be written as JSON exactly as they came.

Two ways to get there, with the same result:

* the fast path lets Arrow convert every row in C, with a struct type inferred from a sample
  (the first rows, rows spread over the list, and a row for every key or nested key the sample
  lacked) and made strict, so a row that does not fit fails the conversion instead of being
  bent to fit;
* the fallback walks every row in Python. It runs whenever the fast path cannot prove its type
  fits: mixed value types in one field, a field that is an object in one row and a number in
  another, rows that are not objects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import is_not, methodcaller
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)

Path = tuple[str, ...]
ExclusionTree = Mapping[str, "ExclusionTree | None"]
"""Keys to leave out of a row: ``None`` drops the key, a nested tree drops keys below it."""

_HEAD_ROWS = 64
_SPREAD_ROWS = 64
_MAX_REFINEMENTS = 4
_CHUNK_ROWS = 20_000


@dataclass
class Leaves:
    """Raw values per leaf path: an Arrow array, or a Python list for list-valued leaves."""

    columns: dict[Path, pa.Array | list[Any]]
    row_count: int
    skipped: int = 0
    fast: bool = True


class TypeAdvisor(Protocol):
    """What the caller already knows about a leaf, so the sampled type can be made strict."""

    def json_type(self, path: Path) -> str | None:
        """The JSON value type expected at ``path`` (string, number, integer, boolean, list), if known."""
        ...


class _NoFastPath(Exception):
    """The sampled type cannot be shown to fit every row."""


def exclusion_tree(paths: list[Path]) -> dict[str, Any]:
    """Build the tree `extract_leaves` expects from paths such as ``("chat", "transcript")``."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for key in path[:-1]:
            child = node.setdefault(key, {})
            if child is None:
                break
            node = child
        else:
            node[path[-1]] = None
    return tree


def extract_leaves(rows: list[Any], excluded: ExclusionTree, advisor: TypeAdvisor) -> Leaves:
    """Return the leaf columns of ``rows``, leaving out the ``excluded`` keys (child row lists)."""
    if not rows:
        return Leaves({}, 0)

    import pyarrow as pa

    try:
        return _fast_leaves(rows, excluded, advisor)
    except (_NoFastPath, pa.ArrowException, TypeError, ValueError, OverflowError, AttributeError) as err:
        log.debug(
            "Arrow conversion of %d rows was not possible (%s); using the Python path.",
            len(rows),
            type(err).__name__,
        )
    return python_leaves(rows, excluded)


def python_leaves(rows: list[Any], excluded: ExclusionTree) -> Leaves:
    """Return the leaf columns of ``rows`` by walking every row in Python."""
    flat_rows: list[dict[Path, Any]] = []
    skipped = 0
    for row in rows:
        if type(row) is not dict:
            skipped += 1
            continue
        flat: dict[Path, Any] = {}
        _flatten_python(row, (), excluded, flat)
        flat_rows.append(flat)

    paths = dict.fromkeys(chain.from_iterable(flat_rows))
    columns: dict[Path, pa.Array | list[Any]] = {
        path: [flat.get(path) for flat in flat_rows] for path in paths
    }
    return Leaves(columns, len(flat_rows), skipped, fast=False)


def _flatten_python(
    row: Mapping[str, Any], prefix: Path, excluded: ExclusionTree | None, out: dict[Path, Any]
) -> None:
    for key, value in row.items():
        below: ExclusionTree | None = None
        if excluded is not None and key in excluded:
            below = excluded[key]
            if below is None:
                continue
        path = (*prefix, key)
        if type(value) is dict:
            _flatten_python(value, path, below, out)
        else:
            out[path] = value


def _fast_leaves(rows: list[Any], excluded: ExclusionTree, advisor: TypeAdvisor) -> Leaves:
    import pyarrow as pa

    step = max(1, len(rows) // _SPREAD_ROWS)
    sample = [*rows[:_HEAD_ROWS], *rows[_HEAD_ROWS::step]]
    # Every top-level key of every row must be in the sample, or the conversion would skip it.
    all_keys = set().union(*rows)

    inferred = _infer(sample, excluded)
    for _ in range(_MAX_REFINEMENTS):
        extra = _missing_keys(rows, all_keys, inferred, excluded) + _refinements(
            rows, inferred, excluded, advisor
        )
        if not extra:
            break
        sample.extend(extra)
        inferred = _infer(sample, excluded)
    else:
        raise _NoFastPath

    target, from_rows = _target_type(inferred, (), advisor)
    # Slices keep Arrow's builders small enough to stay in cache; measurably faster than one call.
    chunks = [
        pa.array(rows[start : start + _CHUNK_ROWS], type=target) for start in range(0, len(rows), _CHUNK_ROWS)
    ]
    array = chunks[0] if len(chunks) == 1 else pa.concat_arrays(chunks)
    columns: dict[Path, pa.Array | list[Any]] = {}
    _collect_columns(array, inferred, (), rows, from_rows, columns)
    return Leaves(columns, len(rows))


def _infer(sample: list[Any], excluded: ExclusionTree) -> pa.StructType:
    import pyarrow as pa

    stripped = [_strip(row, excluded) for row in sample] if excluded else sample
    kind = pa.array(stripped).type
    if not pa.types.is_struct(kind):
        raise _NoFastPath
    return kind


def _strip(row: Any, excluded: ExclusionTree) -> Any:
    if type(row) is not dict:
        return row
    copy = {}
    for key, value in row.items():
        if key in excluded:
            below = excluded[key]
            if below is None:
                continue
            value = _strip(value, below)
        copy[key] = value
    return copy


def _missing_keys(
    rows: list[Any], all_keys: set[str], kind: pa.StructType, excluded: ExclusionTree
) -> list[Any]:
    """Return the first row holding each top-level key the sample did not see."""
    known = {field.name for field in kind} | set(excluded)
    return [next(compress(rows, map(methodcaller("__contains__", key), rows))) for key in all_keys - known]


def _refinements(
    rows: list[Any], kind: pa.StructType, excluded: ExclusionTree, advisor: TypeAdvisor
) -> list[Any]:
    """Return rows the sample must also contain.

    That is a row with a value for each field the sample saw only as null (unless the registry
    already says what the field holds), one with a non-empty list for lists seen only empty, and
    one for every key of a nested object that the sample never saw.
    """
    import pyarrow.types as pat

    extra: dict[int, Any] = {}
    for path, field_type, below in _struct_fields(kind, (), excluded):
        if pat.is_null(field_type) and advisor.json_type(path) is None:
            present = list(map(is_not, map(_getter(path), rows), repeat(None)))
            if any(present):
                row = rows[present.index(True)]
                extra[id(row)] = row
        elif _is_list(field_type) and pat.is_null(field_type.value_type):
            row = next(compress(rows, map(_getter(path), rows)), None)
            if row is not None:
                extra[id(row)] = row
        elif pat.is_struct(field_type):
            known = {field.name for field in field_type}
            if below:
                known.update(below)
            nested = list(map(_getter(path), rows))
            # A nested value that is not an object fails the conversion later anyway.
            seen: set[str] = set().union(*filter(None, nested))
            for key in seen - known:
                row = next(compress(rows, (type(value) is dict and key in value for value in nested)))
                extra[id(row)] = row
    return list(extra.values())


def _struct_fields(
    kind: pa.StructType, prefix: Path, excluded: ExclusionTree | None
) -> Iterator[tuple[Path, pa.DataType, ExclusionTree | None]]:
    import pyarrow.types as pat

    for field in kind:
        below = excluded.get(field.name) if excluded else None
        path = (*prefix, field.name)
        yield path, field.type, below
        if pat.is_struct(field.type):
            yield from _struct_fields(field.type, path, below)


def _target_type(kind: pa.StructType, prefix: Path, advisor: TypeAdvisor) -> tuple[pa.StructType, set[Path]]:
    """Rewrite the inferred type so that converting a mismatching row fails instead of corrupting it.

    Arrow would silently truncate 22.5 into an int64 and read True as 1, so integers become
    decimal128 where an integer column is expected (it refuses both, and holds integers beyond
    64 bits) and float64 for metrics (which also refuses integers it cannot hold exactly). A
    refused value sends the rows to the Python path. Fields the sample saw only as null get the
    type the registry expects. Lists other than lists of strings leave the type; their values
    are read from the rows as they are (returned set).
    """
    import pyarrow as pa
    import pyarrow.types as pat

    fields = []
    from_rows: set[Path] = set()
    for field in kind:
        path = (*prefix, field.name)
        child = field.type
        if _is_list(child):
            if not pat.is_string(child.value_type):
                from_rows.add(path)
                continue
            child = pa.list_(pa.string())
        elif pat.is_struct(child):
            child, nested = _target_type(child, path, advisor)
            from_rows |= nested
        elif pat.is_integer(child):
            child = _arrow_for_json("integer" if advisor.json_type(path) == "integer" else "number")
        elif pat.is_null(child):
            expected = advisor.json_type(path)
            if expected == "list":
                from_rows.add(path)
                continue
            if expected is not None:
                child = _arrow_for_json(expected)
        fields.append(pa.field(field.name, child))
    return pa.struct(fields), from_rows


def _arrow_for_json(expected: str) -> pa.DataType:
    import pyarrow as pa

    return {
        "string": pa.string(),
        "number": pa.float64(),
        "integer": pa.decimal128(38, 0),
        "boolean": pa.bool_(),
    }.get(expected, pa.null())


def _collect_columns(
    array: pa.StructArray,
    inferred: pa.StructType,
    prefix: Path,
    rows: list[Any],
    from_rows: set[Path],
    out: dict[Path, pa.Array | list[Any]],
) -> None:
    import pyarrow.types as pat

    children = dict(zip([field.name for field in array.type], array.flatten(), strict=True))
    for field in inferred:
        path = (*prefix, field.name)
        if path in from_rows:
            out[path] = list(map(_getter(path), rows))
        elif pat.is_struct(field.type):
            _collect_columns(children[field.name], field.type, path, rows, from_rows, out)
        elif _is_list(field.type):
            out[path] = _checked_string_lists(children[field.name], path, rows)
        else:
            out[path] = children[field.name]


def _checked_string_lists(array: pa.ListArray, path: Path, rows: list[Any]) -> pa.Array | list[Any]:
    """Keep Arrow's lists of strings unless one of them was really a string.

    Arrow reads a string where a list is expected as the list of its characters. Only a list
    whose items are all one character long can be such a string, so just those rows are checked
    against the original values; if any was not a list, the whole column is taken from the rows.
    (An empty string reads as an empty list and is stored as ``[]``.)
    """
    import numpy as np
    import pyarrow.compute as pc

    single = pc.equal(pc.utf8_length(array.values), 1).fill_null(False).to_numpy(zero_copy_only=False)
    running = np.concatenate(([0], np.cumsum(single, dtype=np.int64)))
    offsets = array.offsets.to_numpy()
    sizes = np.diff(offsets)
    suspects = np.flatnonzero((sizes > 0) & (running[offsets[1:]] - running[offsets[:-1]] == sizes))
    getter = _getter(path)
    if all(type(getter(rows[index])) is list for index in suspects.tolist()):
        return array
    return list(map(getter, rows))


def _is_list(kind: pa.DataType) -> bool:
    import pyarrow.types as pat

    return bool(pat.is_list(kind) or pat.is_large_list(kind))


def _getter(path: Path) -> Callable[[Any], Any]:
    if len(path) == 1:
        return methodcaller("get", path[0])

    def dig(value: Any) -> Any:
        for key in path:
            if type(value) is not dict:
                return None
            value = value.get(key)
        return value

    return dig

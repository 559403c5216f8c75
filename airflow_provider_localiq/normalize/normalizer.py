"""Normalise LocalIQ response documents into one tidy table per list of rows.

Example, one page at a time::

    normalizer = Normalizer("crm_contacts")
    for page in pages:
        frames = normalizer.normalize(page, RowContext("USA_1", start, end, extracted_at))
        load(frames["crm_contacts"], normalizer.schemas()["crm_contacts"])

A `Normalizer` remembers every column it has produced, so each page yields the same column
names and types for the same source fields, plus every column seen on earlier pages (as nulls).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.normalize.convert import (
    TypeMismatch,
    arrow_type,
    from_arrow,
    from_python,
    hint_from_arrow,
    hint_from_python,
    parse_derived,
)
from airflow_provider_localiq.normalize.leaves import Leaves, Path, exclusion_tree, extract_leaves
from airflow_provider_localiq.normalize.naming import ColumnNamer, base_name
from airflow_provider_localiq.normalize.pii import matches_pii, pii_columns
from airflow_provider_localiq.normalize.registry import (
    METADATA_TYPES,
    ColumnType,
    EndpointSpec,
    LogicalType,
    ParseName,
    TableSpec,
    get_endpoint,
)
from airflow_provider_localiq.normalize.schema import ColumnTypeError, TableSchema, choose_type
from airflow_provider_localiq.normalize.walk import DocumentWalker, TableRows

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from airflow_provider_localiq.normalize.context import RowContext
    from airflow_provider_localiq.normalize.convert import Hint

log = logging.getLogger(__name__)

_DERIVED_TYPES: Mapping[ParseName, ColumnType] = {
    "duration_seconds": "integer",
    "us_datetime": "timestamp_naive",
}
_JSON_TYPES: Mapping[str, str] = {
    "integer": "integer",
    "float": "number",
    "boolean": "boolean",
    "text": "string",
    "date": "string",
    "timestamp": "string",
    "timestamp_naive": "string",
    "json": "list",
    # An identifier holds integers whenever the API sends numbers; strings take the slow path.
    "identifier": "integer",
}


class Normalizer:
    """Turn the documents of one endpoint into DataFrames, page after page, with stable columns.

    :param endpoint: registry name (e.g. ``"lead_detail"``) or its `EndpointSpec`.
    :raises UnknownEndpointError: if the name is not in the registry.
    """

    def __init__(self, endpoint: str | EndpointSpec) -> None:
        self.endpoint = endpoint if isinstance(endpoint, EndpointSpec) else get_endpoint(endpoint)
        self._walker = DocumentWalker(self.endpoint)
        self._tables = {table.name: _TableState(self.endpoint, table) for table in self.endpoint.tables}
        self._warned: set[str] = set()

    def normalize(
        self, document: Mapping[str, Any] | Sequence[Any], context: RowContext
    ) -> dict[str, pd.DataFrame]:
        """Return one DataFrame per table of the endpoint (empty ones included), keyed by table name.

        :param document: a parsed response; a bare list is read as the endpoint's record list
            (the CRM endpoints answer a page past the end with ``[]``).
        :raises ColumnTypeError: if a column's values stop fitting the type it already has.
        """
        return {name: _to_pandas(table) for name, table in self.normalize_arrow(document, context).items()}

    def normalize_records(
        self, records: Sequence[Mapping[str, Any]], context: RowContext
    ) -> dict[str, pd.DataFrame]:
        """Normalise the records of one CRM page (``contacts`` or ``contact_interactions``) directly."""
        return self.normalize(list(records) if not isinstance(records, list) else records, context)

    def normalize_arrow(
        self, document: Mapping[str, Any] | Sequence[Any], context: RowContext
    ) -> dict[str, pa.Table]:
        """Same as `normalize`, returning Arrow tables (cheaper for loaders that take Arrow)."""
        root = self._root(document)
        self._warn_about(root, context)

        collected = self._walker.collect(root)
        envelope = {column.name: _first_present(root, column.sources) for column in self.endpoint.envelope}
        return {
            name: state.build(collected[name], context, envelope, self._tables)
            for name, state in self._tables.items()
        }

    def schemas(self) -> dict[str, TableSchema]:
        """Return every table's columns and logical types as known so far, keyed by table name."""
        return {name: state.schema() for name, state in self._tables.items()}

    def _root(self, document: Mapping[str, Any] | Sequence[Any]) -> Mapping[str, Any]:
        if isinstance(document, Mapping):
            return document
        if isinstance(document, Sequence) and not isinstance(document, str | bytes):
            key = self.endpoint.records_key
            if key is None:
                raise TypeError(
                    f"Endpoint {self.endpoint.name!r} answers with an object, not a list; "
                    "pass the whole parsed response."
                )
            return {key: document if isinstance(document, list) else list(document)}
        raise TypeError(f"Expected a parsed JSON object or list, got {type(document).__name__}.")

    def _warn_about(self, root: Mapping[str, Any], context: RowContext) -> None:
        for path in self._walker.unexpected_keys(root):
            if path not in self._warned:
                self._warned.add(path)
                log.warning(
                    "LocalIQ %s response has a key %r that endpoints.yaml does not describe; it is not "
                    "stored. Add it to the registry to keep it.",
                    self.endpoint.name,
                    path,
                )
        advertiser = root.get("global_master_advertiser_id")
        if context.gmaid and isinstance(advertiser, str) and advertiser != context.gmaid:
            log.warning(
                "LocalIQ %s response is for advertiser %s but was requested for %s; check the request.",
                self.endpoint.name,
                advertiser,
                context.gmaid,
            )


def normalize_document(
    endpoint: str | EndpointSpec, document: Mapping[str, Any] | Sequence[Any], context: RowContext
) -> dict[str, pd.DataFrame]:
    """Normalise one document on its own (use a `Normalizer` to keep columns stable over pages)."""
    return Normalizer(endpoint).normalize(document, context)


def normalize_records(
    endpoint: str | EndpointSpec, records: Sequence[Mapping[str, Any]], context: RowContext
) -> dict[str, pd.DataFrame]:
    """Normalise one page of CRM records on its own (use a `Normalizer` across pages)."""
    return Normalizer(endpoint).normalize_records(records, context)


class _TableState:
    """The columns one table has produced so far and the rules for adding more."""

    def __init__(self, endpoint: EndpointSpec, spec: TableSpec) -> None:
        self.endpoint = endpoint
        self.spec = spec
        self.fixed: dict[str, ColumnType] = dict(METADATA_TYPES)
        self.fixed.update({column.name: column.type for column in endpoint.envelope})
        self.keys: dict[str, ColumnType] = {}
        self.data: dict[str, ColumnType] = {}
        self.sources: dict[str, Path] = {}
        self.namer = ColumnNamer(reserved=[*self.fixed, *spec.key_columns, *spec.derived])
        self.excluded = exclusion_tree(_child_paths(endpoint, spec))
        self._derived_by_source: dict[str, list[str]] = {}
        for name, derived in spec.derived.items():
            self._derived_by_source.setdefault(derived.source, []).append(name)

        for column in spec.key_columns:
            known = self._known_type(column)
            if known is not None:
                self.keys[column] = known

    def build(
        self,
        found: TableRows,
        context: RowContext,
        envelope: Mapping[str, Any],
        tables: Mapping[str, _TableState],
    ) -> pa.Table:
        """Return this table's rows from one document as an Arrow table with every known column."""
        import pyarrow as pa

        leaves = extract_leaves(found.rows, self.excluded, self) if found.rows else Leaves({}, 0)
        skipped = found.skipped + leaves.skipped
        if skipped:
            log.warning(
                "LocalIQ %s: %d entries of %s were not objects and were left out; check the API response.",
                self.endpoint.name,
                skipped,
                self.spec.name,
            )
        count = leaves.row_count

        arrays: dict[str, pa.Array] = {}
        for column in self.spec.key_columns:
            values = found.keys[column]
            logical = self.keys.get(column)
            if logical is None:
                logical = self._key_type(column, values, tables)
                self.keys[column] = logical
                self.keys = {name: self.keys[name] for name in self.spec.key_columns if name in self.keys}
            arrays[column] = self._convert(column, logical, values)

        for path, raw in leaves.columns.items():
            name = self.namer.name(path)
            known = self.data.get(name)
            if known is None:
                hint = hint_from_python(raw) if isinstance(raw, list) else hint_from_arrow(raw)
                known = self._add_data(name, self._choose(name, hint), path)
            arrays[name] = self._convert(name, known, raw)

        if count:
            for name in self.spec.types:
                if name not in self.data and name not in self.keys:
                    self._add_data(name, self.spec.types[name], None)
            for name, derived in self.spec.derived.items():
                self.data.setdefault(name, _DERIVED_TYPES[derived.parse])
                source = arrays.get(derived.source)
                if source is not None:
                    arrays[name] = parse_derived(source.cast(pa.string()), derived.parse)

        names: list[str] = []
        columns: list[pa.Array] = []
        for name, value in self._fixed_values(context, envelope).items():
            names.append(name)
            columns.append(pa.repeat(value, count))
        for group in (self.keys, self.data):
            for name, logical in group.items():
                names.append(name)
                columns.append(arrays.get(name, pa.nulls(count, arrow_type(logical))))
        return pa.Table.from_arrays(columns, names=names)

    def schema(self) -> TableSchema:
        """Return the table's columns so far."""
        columns: dict[str, LogicalType] = {
            name: "timestamp" if kind == "timestamp_naive" else kind
            for name, kind in {**self.fixed, **self.keys, **self.data}.items()
        }
        return TableSchema(
            table=self.spec.name,
            columns=columns,
            natural_key=self.spec.natural_key,
            row_date_column=self.spec.row_date_column,
            pii_columns=tuple(pii_columns(columns, self.spec.pii_columns)),
            sources=dict(self.sources),
        )

    def _add_data(self, name: str, logical: ColumnType, path: Path | None) -> ColumnType:
        self.data[name] = logical
        if path is not None:
            self.sources[name] = path
        for derived_name in self._derived_by_source.get(name, ()):
            self.data[derived_name] = _DERIVED_TYPES[self.spec.derived[derived_name].parse]
        return logical

    def _choose(self, column: str, hint: Hint) -> ColumnType:
        return choose_type(column, hint, self.spec, self.endpoint.conventions, self.endpoint.kind)

    def _known_type(self, column: str) -> ColumnType | None:
        """Return a key column's type when it follows from the registry alone."""
        if column == self.spec.index_column:
            return "integer"
        declared = self.spec.types.get(column)
        if declared is not None:
            return declared
        conventional = self.endpoint.conventions.type_for(column)
        if conventional is None or conventional == "identifier":
            return None
        return conventional

    def _key_type(self, column: str, values: list[Any], tables: Mapping[str, _TableState]) -> ColumnType:
        parent_column = self.spec.inherit.get(column)
        if parent_column is not None and self.spec.parent is not None:
            parent = tables[self.spec.parent]
            inherited = parent.keys.get(parent_column) or parent.data.get(parent_column)
            if inherited is not None:
                return inherited
        return self._choose(column, hint_from_python(values))

    def json_type(self, path: Path) -> str | None:
        """The JSON type expected at ``path`` before seeing a value (part of `TypeAdvisor`)."""
        name = base_name(path)
        logical: str | None = self.data.get(name) or self.spec.types.get(name)
        if logical is None:
            logical = (
                "text"
                if matches_pii(name, self.spec.pii_columns)
                else self.endpoint.conventions.type_for(name)
            )
        return _JSON_TYPES.get(logical) if logical is not None else None

    def _convert(self, column: str, logical: ColumnType, raw: pa.Array | list[Any]) -> pa.Array:
        try:
            return from_python(raw, logical) if isinstance(raw, list) else from_arrow(raw, logical)
        except TypeMismatch as err:
            # `from None`: the underlying Arrow message quotes the offending value, which may be
            # personal data.
            raise ColumnTypeError(self.spec.name, column, logical, err.found) from None

    def _fixed_values(self, context: RowContext, envelope: Mapping[str, Any]) -> dict[str, pa.Scalar]:
        import pyarrow as pa

        values = {
            "_gmaid": pa.scalar(context.gmaid or None, pa.string()),
            "_report": pa.scalar(self.endpoint.name, pa.string()),
            "_window_start": pa.scalar(context.window_start, pa.date32()),
            "_window_end": pa.scalar(context.window_end, pa.date32()),
            "_extracted_at": pa.scalar(context.extracted_at, pa.timestamp("us", tz="UTC")),
        }
        for column in self.endpoint.envelope:
            values[column.name] = self._convert(column.name, column.type, [envelope.get(column.name)])[0]
        return values


def _child_paths(endpoint: EndpointSpec, spec: TableSpec) -> list[Path]:
    """Return the keys of a row that lead to child row lists, so they are not stored twice."""
    paths = []
    for table in endpoint.tables:
        if table.parent != spec.name:
            continue
        keys: list[str] = []
        for step in table.steps[len(spec.steps) :]:
            if step.key is None:
                break
            keys.append(step.key)
            if step.is_list:
                break
        paths.append(tuple(keys))
    return paths


def _first_present(document: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        value = document.get(key)
        if value is not None:
            return value
    return None


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    frame: pd.DataFrame = table.to_pandas(types_mapper=_pandas_types().get)
    return frame


@functools.cache
def _pandas_types() -> dict[pa.DataType, Any]:
    """Nullable pandas dtypes, so integers stay exact and text keeps real nulls."""
    import pandas as pd
    import pyarrow as pa

    return {
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.string(): pd.ArrowDtype(pa.string()),
        pa.date32(): pd.ArrowDtype(pa.date32()),
    }

"""Write table batches into one open database transaction, replacing, merging or appending rows."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_localiq.load.batch import SCOPE_COLUMNS
from airflow_provider_localiq.load.columns import frame_to_arrow, table_to_logical
from airflow_provider_localiq.load.tables import TableCatalog

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pyarrow

    from airflow_provider_localiq.load.batch import LogicalType, ReplaceScope, TableBatch
    from airflow_provider_localiq.load.dialects import Dialect

log = logging.getLogger(__name__)

WriteMode = Literal["replace", "merge", "append"]


class TableTransaction:
    """Apply batches to their tables inside one database transaction that the writer commits.

    Obtain one from :meth:`SqlTableWriter.transaction
    <airflow_provider_localiq.load.sql.SqlTableWriter.transaction>`; it is not meant to be built
    directly.
    """

    def __init__(self, dialect: Dialect, *, mode: WriteMode, schema: str | None, table_prefix: str) -> None:
        self.mode: WriteMode = mode
        #: Whether a write failed; the writer then rolls back instead of committing.
        self.failed = False
        self.rows_written: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._dialect = dialect
        self._schema = schema
        self._table_prefix = table_prefix
        self._catalog = TableCatalog(dialect, schema)
        self._superseded: set[tuple[str, ReplaceScope]] = set()

    def location(self, table: str) -> str:
        """Return where the logical table is written: ``[schema.]<table_prefix><table>``."""
        name = self._table_prefix + table
        return name if self._schema is None else f"{self._schema}.{name}"

    def write(self, batch: TableBatch) -> None:
        """Write one batch into its table; ``rows_written`` counts its rows.

        :raises ValueError: the batch contradicts the mode: a ``replace`` batch whose metadata
            columns disagree with its scope, a ``merge`` batch without usable key columns, or
            values that cannot be stored as their declared types.
        """
        if self.failed:
            raise RuntimeError(
                "An earlier write in this transaction failed, so the transaction will be rolled back; "
                "leave the transaction block and rerun the load."
            )
        try:
            self._write(batch)
        except BaseException:
            self.failed = True
            raise

    def _write(self, batch: TableBatch) -> None:
        started = time.monotonic()
        column_types = batch.declared_types()
        if batch.arrow is not None:
            data = table_to_logical(batch.arrow, column_types, table=batch.table)
        else:
            data = frame_to_arrow(batch.frame, column_types, table=batch.table)
        if self.mode == "merge":
            data = _deduplicated(batch, data)
        if self.mode == "replace":
            _check_scope(batch, data)

        table = self._table_prefix + batch.table
        target = self._dialect.qualify(self._schema, table)
        self._catalog.ensure(table, column_types)
        if self.mode == "replace" and (table, batch.scope) not in self._superseded:
            self._supersede(target, batch, column_types)
            self._superseded.add((table, batch.scope))

        if self.mode == "merge" and data.num_rows:
            replaced = self._dialect.merge(target, batch.key_columns, data, column_types)
            log.debug(
                "Merged %d rows into %s, %d of them replacing stored rows", data.num_rows, target, replaced
            )
        else:
            self._dialect.insert(target, data)

        elapsed = time.monotonic() - started
        location = self.location(batch.table)
        self.rows_written[location] = self.rows_written.get(location, 0) + data.num_rows
        self.seconds[location] = self.seconds.get(location, 0.0) + elapsed
        log.debug("Wrote %d rows to %s in %.3f s", data.num_rows, location, elapsed)

    def _supersede(self, target: str, batch: TableBatch, column_types: Mapping[str, LogicalType]) -> None:
        scope = batch.scope
        quote, marker = self._dialect.quote, self._dialect.placeholder
        conditions = [f"{quote('_gmaid')} = {marker}", f"{quote('_report')} = {marker}"]
        parameters: list[Any] = [scope.gmaid, scope.report]

        if scope.date_column is not None:
            logical = column_types.get(scope.date_column)
            if logical not in {"date", "timestamp"}:
                raise ValueError(
                    f"ReplaceScope.date_column {scope.date_column!r} of table {batch.table!r} must be a "
                    f"date or timestamp column, but column_types declares it as {logical!r}. Name the "
                    "column that holds each row's date, or None to replace rows by window."
                )
            column = quote(scope.date_column)
            if scope.window_start is not None:
                conditions.append(f"{column} >= {marker}")
                parameters.append(self._dialect.bound(scope.window_start, logical))
            if scope.window_end is not None and scope.window_end < date.max:
                conditions.append(f"{column} < {marker}")
                parameters.append(self._dialect.bound(scope.window_end + timedelta(days=1), logical))
        else:
            for name, bound in (("_window_start", scope.window_start), ("_window_end", scope.window_end)):
                if bound is None:
                    conditions.append(f"{quote(name)} IS NULL")
                else:
                    conditions.append(f"{quote(name)} = {marker}")
                    parameters.append(self._dialect.bound(bound, "date"))

        deleted = self._dialect.execute(f"DELETE FROM {target} WHERE {' AND '.join(conditions)}", parameters)
        log.info(
            "Replacing report %s of gmaid %s for %s..%s in %s: deleted %d earlier rows",
            scope.report,
            scope.gmaid,
            scope.window_start,
            scope.window_end,
            self.location(batch.table),
            deleted,
        )


def _deduplicated(batch: TableBatch, data: pyarrow.Table) -> pyarrow.Table:
    """Check the merge keys and keep the last row of each key within the chunk."""
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = list(batch.key_columns)
    absent = [key for key in keys if key not in data.column_names]
    if not keys or absent:
        raise ValueError(
            f"A merge into table {batch.table!r} needs key columns present in the frame; got "
            f"key_columns={keys!r}, missing from the frame: {absent!r}. Set key_columns to the "
            "table's natural key, or write in 'replace' or 'append' mode."
        )

    nulls = {key: data.column(key).null_count for key in keys if data.column(key).null_count}
    if nulls:
        raise ValueError(
            f"A merge into table {batch.table!r} found NULL key values (column: rows) {nulls!r}; "
            "merge matches rows on key equality, which NULL never satisfies. Fill the key, or "
            "choose key columns that are always set."
        )
    if data.num_rows < 2 or _all_distinct(data, keys):
        return data

    # The last row of a key within the chunk wins, as it would had the rows come one by one.
    positions = data.select(keys).append_column("_localiq_row", pa.array(range(data.num_rows), pa.int64()))
    last = positions.group_by(keys, use_threads=False).aggregate([("_localiq_row", "max")])
    if last.num_rows == data.num_rows:
        return data
    log.debug(
        "Dropping %d superseded duplicate keys from a chunk of %s", data.num_rows - last.num_rows, batch.table
    )
    kept = pc.sort_indices(last.column("_localiq_row_max"))
    return data.take(pc.take(last.column("_localiq_row_max"), kept))


def _all_distinct(data: pyarrow.Table, keys: list[str]) -> bool:
    """Whether no key occurs twice in the chunk (the usual case, checked with one hash pass)."""
    import pyarrow.compute as pc

    if len(keys) != 1:
        return False
    return bool(pc.count_distinct(data.column(keys[0]), mode="all").as_py() == data.num_rows)


def _check_scope(batch: TableBatch, data: pyarrow.Table) -> None:
    """Refuse a replace batch whose metadata columns are missing or disagree with its scope."""
    import pyarrow.compute as pc

    missing = [name for name in SCOPE_COLUMNS if name not in data.column_names]
    if missing:
        raise ValueError(
            f"A replace into table {batch.table!r} needs the metadata columns {list(SCOPE_COLUMNS)!r}; "
            f"the frame lacks {missing!r}. Add them, or write in 'append' mode."
        )

    scope = batch.scope
    expected = dict(
        zip(SCOPE_COLUMNS, (scope.gmaid, scope.report, scope.window_start, scope.window_end), strict=True)
    )
    for name, value in expected.items():
        values = data.column(name)
        if value is None:
            agrees = values.null_count == len(values)
        else:
            agrees = values.null_count == 0 and bool(pc.all(pc.equal(values, value)).as_py() is not False)
        if not agrees:
            found = pc.unique(values).to_pylist()[:3]
            raise ValueError(
                f"A replace into table {batch.table!r} has column {name} values {found!r}, but its scope "
                f"says {value!r}. Rows are superseded by scope, so a batch may only carry rows of its "
                "own scope: split the rows into one batch per scope."
            )

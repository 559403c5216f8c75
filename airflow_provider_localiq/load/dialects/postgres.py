"""Speak PostgreSQL: ``COPY ... FROM STDIN`` in CSV through psycopg 3 or psycopg2."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_localiq.load.dialects.base import Dialect, utc_text_timestamps

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pyarrow

    from airflow_provider_localiq.load.batch import LogicalType


#: Rows formatted and sent to ``COPY`` at a time.
COPY_SLICE_ROWS = 8192


class PostgresDialect(Dialect):
    """Write to PostgreSQL, streaming each chunk with ``COPY`` as CSV.

    Timestamps go out with an explicit UTC offset and land in ``TIMESTAMPTZ`` columns, so the
    session's ``TimeZone`` never shifts them. JSON lands in ``JSONB``.
    """

    name: ClassVar[str] = "PostgreSQL"
    type_names: ClassVar[Mapping[LogicalType, str]] = {
        **Dialect.type_names,
        "timestamp": "TIMESTAMPTZ",
        "json": "JSONB",
    }
    max_identifier_length: ClassVar[int | None] = 63

    @property
    def placeholder(self) -> str:
        """Return psycopg's parameter marker."""
        return "%s"

    def open(self) -> None:
        """Open the connection; psycopg starts the transaction with the first statement."""
        self._connection = self.hook.get_conn()
        self._connection.autocommit = False
        self._cursor = self._connection.cursor()

    def schema_exists(self, schema: str) -> bool:
        """Return whether the schema exists, whether or not this user may use it."""
        return bool(self.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", [schema]))

    def existing_columns(self, schema: str | None, table: str) -> list[str] | None:
        """Return the table's column names in order, or ``None`` when the table does not exist."""
        schema_condition = "current_schema()" if schema is None else "%s"
        parameters = [table] if schema is None else [table, schema]
        rows = self.query(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_name = %s AND table_schema = {schema_condition} ORDER BY ordinal_position",
            parameters,
        )
        return [str(row[0]) for row in rows] or None

    def insert(self, target: str, data: pyarrow.Table) -> None:
        """Stream the Arrow table into the target with ``COPY ... FROM STDIN`` as CSV."""
        if data.num_rows == 0:
            return
        columns = ", ".join(self.quote(name) for name in data.column_names)
        sql = f"COPY {target} ({columns}) FROM STDIN WITH (FORMAT csv)"
        data = utc_text_timestamps(data)

        if hasattr(self._cursor, "copy_expert"):
            self._cursor.copy_expert(sql, io.BytesIO(_csv(data)))
            return
        # Sent in slices, so that the server parses one slice while the next is being formatted.
        with self._cursor.copy(sql) as copy:
            for part in data.to_batches(max_chunksize=COPY_SLICE_ROWS):
                copy.write(_csv(part))

    def bound(self, value: date, logical: LogicalType) -> Any:
        """Return a window bound; on a ``TIMESTAMPTZ`` column, midnight UTC of that day."""
        if logical == "timestamp":
            return datetime.combine(value, time(), tzinfo=UTC)
        return value


def _csv(data: pyarrow.Table | pyarrow.RecordBatch) -> bytes:
    import pyarrow.csv

    # Arrow quotes every string and leaves NULL unquoted, which is how COPY's CSV mode tells an
    # empty string from NULL.
    buffer = io.BytesIO()
    pyarrow.csv.write_csv(data, buffer, pyarrow.csv.WriteOptions(include_header=False))
    return buffer.getvalue()

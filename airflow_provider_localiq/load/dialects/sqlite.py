"""Speak SQLite: an explicit write transaction, ``PRAGMA table_info`` and ISO 8601 text for time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_localiq.load.dialects.base import Dialect, utc_text_timestamps

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pyarrow

    from airflow_provider_localiq.load.batch import LogicalType

#: How timestamps are stored: UTC, microseconds, fixed width so text order is time order.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%fZ"


class SqliteDialect(Dialect):
    """Write to SQLite, where dates and timestamps are ISO 8601 text and a schema is an attached file.

    Timestamps are stored as ``2024-05-01 13:45:00.000000Z``, which SQLite's date functions read
    and which sorts in time order.
    """

    name: ClassVar[str] = "SQLite"
    type_names: ClassVar[Mapping[LogicalType, str]] = {
        "integer": "BIGINT",
        "float": "REAL",
        "boolean": "BOOLEAN",
        "text": "TEXT",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "json": "TEXT",
    }
    case_insensitive_identifiers: ClassVar[bool] = True
    can_create_schema: ClassVar[bool] = False

    @property
    def placeholder(self) -> str:
        """Return SQLite's parameter marker."""
        return "?"

    def open(self) -> None:
        """Open the connection and take the write lock at once, so a concurrent writer waits here."""
        self._connection = self.hook.get_conn()

        # Left to itself the sqlite3 module commits DDL outside any transaction; manage it explicitly.
        self._connection.isolation_level = None
        self._cursor = self._connection.cursor()
        self._cursor.execute("BEGIN IMMEDIATE")

    def create_schema(self, schema: str) -> None:
        """Do nothing: a SQLite schema is an attached database, which must exist already."""

    def existing_columns(self, schema: str | None, table: str) -> list[str] | None:
        """Return the table's column names in order, or ``None`` when the table does not exist."""
        prefix = "" if schema is None else f"{self.quote(schema)}."
        rows = self.query(f"PRAGMA {prefix}table_info({self.quote(table)})")
        return [str(row[1]) for row in rows] or None

    def python_rows(self, data: pyarrow.Table) -> list[tuple[Any, ...]]:
        """Return row tuples with dates and timestamps as ISO 8601 text, the way SQLite keeps them."""
        import pyarrow as pa

        columns = []
        for column in utc_text_timestamps(data).columns:
            if pa.types.is_date(column.type):
                column = column.cast(pa.string())
            columns.append(column.to_pylist())
        return list(zip(*columns, strict=True))

    def bound(self, value: date, logical: LogicalType) -> Any:
        """Return a window bound as ISO 8601 text in the format the column holds."""
        if logical == "timestamp":
            return datetime.combine(value, time(), tzinfo=UTC).strftime(TIMESTAMP_FORMAT)
        return value.isoformat()

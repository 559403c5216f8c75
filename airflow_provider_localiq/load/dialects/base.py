"""Speak SQL to any database a DB-API hook reaches: ANSI statements and ``executemany`` inserts."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    import pyarrow
    from airflow.providers.common.sql.hooks.sql import DbApiHook

    from airflow_provider_localiq.load.batch import LogicalType

log = logging.getLogger(__name__)

#: Name of the temporary table a ``merge`` stages the keys of each chunk in.
STAGE_NAME = "_localiq_stage"


class Dialect:
    """Run one transaction against one database reached through a DB-API hook.

    This base class serves any common-sql hook: column types in ANSI spelling, introspection
    through ``information_schema``, rows inserted with ``executemany`` and the hook's parameter
    marker, the transaction driven by the connection's ``commit`` and ``rollback``. Subclasses
    replace the parts their database does faster or differently.
    """

    name: ClassVar[str] = "generic"
    type_names: ClassVar[Mapping[LogicalType, str]] = {
        "integer": "BIGINT",
        "float": "DOUBLE PRECISION",
        "boolean": "BOOLEAN",
        "text": "TEXT",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "json": "TEXT",
    }
    #: Whether the database treats ``"Clicks"`` and ``"clicks"`` as the same column.
    case_insensitive_identifiers: ClassVar[bool] = False
    #: Longest identifier, in bytes, the database keeps without truncating it.
    max_identifier_length: ClassVar[int | None] = None
    can_create_schema: ClassVar[bool] = True
    #: Whether one connection may serve several transactions in turn (see ``begin``).
    reuses_connection: ClassVar[bool] = False

    def __init__(self, hook: DbApiHook) -> None:
        self.hook = hook
        self._connection: Any = None
        self._cursor: Any = None

    @property
    def placeholder(self) -> str:
        """Return the driver's parameter marker, as the hook reports it."""
        return str(self.hook.placeholder)

    def open(self) -> None:
        """Open the hook's connection and start a transaction on it."""
        self._connection = self.hook.get_conn()
        if getattr(self.hook, "supports_autocommit", False):
            self.hook.set_autocommit(self._connection, False)
        self._cursor = self._connection.cursor()

    def begin(self) -> None:
        """Start the next transaction on the connection ``open`` made (dialects that reuse it)."""
        raise NotImplementedError(f"{self.name} opens a connection per transaction")

    def commit(self) -> None:
        """Commit the transaction."""
        self._connection.commit()

    def rollback(self) -> None:
        """Roll the transaction back."""
        self._connection.rollback()

    def close(self) -> None:
        """Close the cursor and the connection this dialect opened."""
        try:
            if self._cursor is not None:
                self._cursor.close()
        finally:
            if self._connection is not None:
                self._connection.close()
            self._cursor = None
            self._connection = None

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        """Run one statement and return how many rows it changed (-1 when the driver cannot tell)."""
        log.debug("Executing %s", sql)
        self._cursor.execute(sql, tuple(parameters))
        return int(self._cursor.rowcount if self._cursor.rowcount is not None else -1)

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return all its rows."""
        log.debug("Querying %s", sql)
        self._cursor.execute(sql, tuple(parameters))
        return [tuple(row) for row in self._cursor.fetchall()]

    def quote(self, identifier: str) -> str:
        """Return the identifier in double quotes, doubling any quote inside it."""
        if "\x00" in identifier:
            raise ValueError(f"Identifier {identifier!r} contains a NUL character; remove it.")
        limit = self.max_identifier_length
        if limit is not None and len(identifier.encode()) > limit:
            raise ValueError(
                f"Identifier {identifier!r} is {len(identifier.encode())} bytes long; {self.name} keeps "
                f"at most {limit} and would silently truncate it. Shorten the table or column name, "
                "or the table_prefix."
            )
        return '"' + identifier.replace('"', '""') + '"'

    def qualify(self, schema: str | None, table: str) -> str:
        """Return the quoted, schema-qualified table name."""
        return self.quote(table) if schema is None else f"{self.quote(schema)}.{self.quote(table)}"

    def column_type(self, logical: LogicalType) -> str:
        """Return the column type that stores the logical type."""
        return self.type_names[logical]

    def create_schema(self, schema: str) -> None:
        """Create the schema unless it exists.

        Existence is checked first, because ``CREATE SCHEMA IF NOT EXISTS`` still needs the right
        to create schemas, which a loader writing into a schema made for it often lacks.
        """
        if not self.schema_exists(schema):
            self.execute(f"CREATE SCHEMA {self.quote(schema)}")
            log.info("Created schema %s", schema)

    def schema_exists(self, schema: str) -> bool:
        """Return whether the schema exists."""
        sql = f"SELECT 1 FROM information_schema.schemata WHERE schema_name = {self.placeholder}"
        return bool(self.query(sql, [schema]))

    def existing_columns(self, schema: str | None, table: str) -> list[str] | None:
        """Return the table's column names in order, or ``None`` when the table does not exist."""
        sql = f"SELECT column_name FROM information_schema.columns WHERE table_name = {self.placeholder}"
        parameters = [table]
        if schema is not None:
            sql += f" AND table_schema = {self.placeholder}"
            parameters.append(schema)
        rows = self.query(sql + " ORDER BY ordinal_position", parameters)
        return [str(row[0]) for row in rows] or None

    def insert(self, target: str, data: pyarrow.Table) -> None:
        """Insert every row of the Arrow table into the target's columns of the same names."""
        if data.num_rows == 0:
            return
        columns = ", ".join(self.quote(name) for name in data.column_names)
        markers = ", ".join([self.placeholder] * data.num_columns)
        sql = f"INSERT INTO {target} ({columns}) VALUES ({markers})"
        self._cursor.executemany(sql, self.python_rows(data))

    def merge(
        self,
        target: str,
        key_columns: Sequence[str],
        data: pyarrow.Table,
        column_types: Mapping[str, LogicalType],
    ) -> int:
        """Replace the stored rows that share a key with the chunk, insert the rest; return rows replaced.

        Only the keys are staged: they find the stored rows to delete, and the rows themselves then
        go in through the bulk insert, copied once.
        """
        with self.staged(data.select(list(key_columns)), column_types) as stage:
            replaced = self.execute(
                f"DELETE FROM {target} WHERE EXISTS "
                f"(SELECT 1 FROM {stage} WHERE {self.key_matches(stage, target, key_columns)})"
            )
        self.insert(target, data)
        return replaced

    def key_matches(self, stage: str, target: str, key_columns: Sequence[str]) -> str:
        """The condition that pairs a staged row with the stored row of the same key."""
        return " AND ".join(f"{stage}.{self.quote(key)} = {target}.{self.quote(key)}" for key in key_columns)

    @contextmanager
    def staged(self, data: pyarrow.Table, column_types: Mapping[str, LogicalType]) -> Iterator[str]:
        """Load the Arrow table into a temporary table and yield its name; drop it afterwards."""
        definitions = ", ".join(
            f"{self.quote(name)} {self.column_type(column_types[name])}" for name in data.column_names
        )
        stage = self.quote(STAGE_NAME)
        self.execute(f"CREATE TEMPORARY TABLE {stage} ({definitions})")
        self.insert(stage, data)
        yield stage
        self.execute(f"DROP TABLE {stage}")

    def python_rows(self, data: pyarrow.Table) -> list[tuple[Any, ...]]:
        """Return the Arrow table as row tuples, timestamps as naive UTC datetimes for ``TIMESTAMP``."""
        columns = (column.to_pylist() for column in without_time_zone(data).columns)
        return list(zip(*columns, strict=True))

    def bound(self, value: date, logical: LogicalType) -> Any:
        """Return a window bound as the parameter to compare a column of the logical type with.

        A bound on a timestamp column is midnight UTC of that day, naive like the stored values.
        """
        if logical == "timestamp":
            return datetime.combine(value, time())
        return value


def without_time_zone(data: pyarrow.Table) -> pyarrow.Table:
    """Return the table with zoned timestamps turned into naive UTC wall-clock time."""
    import pyarrow as pa

    for position, field in enumerate(data.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            naive = data.column(position).cast(pa.timestamp(field.type.unit))
            data = data.set_column(position, field.name, naive)
    return data


def utc_text_timestamps(data: pyarrow.Table) -> pyarrow.Table:
    """Return the table with zoned timestamps as UTC text, ``2024-05-01 13:45:00.000000Z``.

    Arrow formats naive timestamps many times faster than zoned ones; the ``Z`` keeps the text
    unambiguous to whoever reads it.
    """
    import pyarrow.compute as pc

    naive = without_time_zone(data)
    for position, (field, original) in enumerate(zip(naive.schema, data.schema, strict=True)):
        if field.type != original.type:
            text = pc.binary_join_element_wise(naive.column(position).cast("string"), "Z", "")
            naive = naive.set_column(position, field.name, text)
    return naive

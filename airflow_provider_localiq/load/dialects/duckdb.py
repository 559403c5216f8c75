"""Speak DuckDB: Arrow chunks inserted set-wise, and patience while another process holds the file."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_localiq.load.dialects.base import Dialect, without_time_zone
from airflow_provider_localiq.load.errors import DatabaseLockedError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import pyarrow
    from airflow.providers.common.sql.hooks.sql import DbApiHook
    from tenacity import RetryCallState

    from airflow_provider_localiq.load.batch import LogicalType

log = logging.getLogger(__name__)

#: Default seconds to wait for another process to release the database file.
DEFAULT_LOCK_TIMEOUT = 120.0


class DuckDBDialect(Dialect):
    """Write to DuckDB by reading each chunk straight from its Arrow table, in one statement.

    DuckDB lets one process at a time open a database file for writing. Parallel Airflow tasks
    loading the same file therefore queue: opening the connection is retried with exponential
    backoff for up to ``lock_timeout`` seconds before :class:`DatabaseLockedError` is raised.

    Timestamps are stored in ``TIMESTAMP`` columns as UTC wall-clock time; they are handed over
    without a zone so the session's ``TimeZone`` setting cannot shift them.
    """

    name: ClassVar[str] = "DuckDB"
    type_names: ClassVar[Mapping[LogicalType, str]] = {
        "integer": "BIGINT",
        "float": "DOUBLE",
        "boolean": "BOOLEAN",
        "text": "VARCHAR",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "json": "JSON",
    }
    case_insensitive_identifiers: ClassVar[bool] = True
    reuses_connection: ClassVar[bool] = True

    def __init__(self, hook: DbApiHook, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        super().__init__(hook)
        self.lock_timeout = lock_timeout
        self._schema_columns: dict[str | None, dict[str, list[str]]] = {}

    @property
    def placeholder(self) -> str:
        """Return DuckDB's parameter marker."""
        return "?"

    def open(self) -> None:
        """Open the database, waiting while another process holds it, and begin a transaction."""
        self._connection = self._connect()
        self.begin()

    def begin(self) -> None:
        """Begin a transaction on the open connection."""
        self._connection.begin()
        self._schema_columns = {}

    def close(self) -> None:
        """Close the connection this dialect opened."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        """Run one statement and return how many rows it changed (-1 for statements that change none)."""
        log.debug("Executing %s", sql)
        rows = self._connection.execute(sql, list(parameters)).fetchall()
        return int(rows[0][0]) if len(rows) == 1 and len(rows[0]) == 1 else -1

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return all its rows."""
        log.debug("Querying %s", sql)
        return [tuple(row) for row in self._connection.execute(sql, list(parameters)).fetchall()]

    def schema_exists(self, schema: str) -> bool:
        """Return whether the schema exists in the database this connection writes to."""
        sql = "SELECT 1 FROM information_schema.schemata WHERE catalog_name = current_database() AND schema_name = ?"
        return bool(self.query(sql, [schema]))

    def existing_columns(self, schema: str | None, table: str) -> list[str] | None:
        """Return the table's column names in order, or ``None`` when the table does not exist.

        The first call of a transaction reads the columns of every table in the schema at once;
        the catalog asks about each table only once per transaction and tracks its own changes.
        """
        if schema not in self._schema_columns:
            self._schema_columns[schema] = self._read_schema_columns(schema)
        return self._schema_columns[schema].get(table.casefold())

    def _read_schema_columns(self, schema: str | None) -> dict[str, list[str]]:
        schema_condition = "current_schema()" if schema is None else "?"
        rows = self.query(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
            f"AND schema_name = {schema_condition} ORDER BY table_name, column_index",
            [] if schema is None else [schema],
        )
        tables: dict[str, list[str]] = {}
        for table_name, column_name in rows:
            tables.setdefault(str(table_name).casefold(), []).append(str(column_name))
        return tables

    def insert(self, target: str, data: pyarrow.Table) -> None:
        """Insert the Arrow table in one statement, its columns matched to the target's by name."""
        if data.num_rows == 0:
            return
        log.debug("Inserting %d rows into %s", data.num_rows, target)
        # DuckDB finds the local variable by its name (a replacement scan, on unless a connection
        # sets python_enable_replacements=false) and reads the Arrow buffers in place. Unlike a
        # registered view, it keeps no reference once the statement ends, so a long transaction
        # does not hold on to every chunk it wrote.
        _localiq_chunk = without_time_zone(data)  # noqa: F841
        self._connection.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _localiq_chunk")

    def merge(
        self,
        target: str,
        key_columns: Sequence[str],
        data: pyarrow.Table,
        column_types: Mapping[str, LogicalType],
    ) -> int:
        """Delete the stored rows whose keys the chunk holds, reading the keys in place, then insert."""
        # Read in place, as in insert; the statement must run in this frame to find the variable.
        _localiq_keys = without_time_zone(data.select(list(key_columns)))  # noqa: F841
        matches = self.key_matches("_localiq_keys", target, key_columns)
        sql = f"DELETE FROM {target} WHERE EXISTS (SELECT 1 FROM _localiq_keys WHERE {matches})"
        log.debug("Executing %s", sql)
        ((replaced,),) = self._connection.execute(sql).fetchall()
        self.insert(target, data)
        return int(replaced)

    def _connect(self) -> Any:
        import duckdb
        from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential

        retrying = Retrying(
            retry=retry_if_exception(_is_lock_conflict),
            stop=stop_after_delay(self.lock_timeout),
            wait=wait_exponential(multiplier=0.25, max=5),
            before_sleep=self._warn_locked,
            reraise=True,
        )
        try:
            return retrying(self.hook.get_conn)
        except duckdb.IOException as err:
            if not _is_lock_conflict(err):
                raise
            raise DatabaseLockedError(
                f"DuckDB database stayed locked by another process for {self.lock_timeout:.0f} s "
                f"({_first_line(err)}). Let the Airflow task retry, or give the tasks that write this "
                "file a pool with one slot so they run one at a time."
            ) from err

    def _warn_locked(self, retry_state: RetryCallState) -> None:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        wait = retry_state.next_action.sleep if retry_state.next_action is not None else 0.0
        log.warning(
            "DuckDB database is locked by another process (%s); waiting %.1f s before attempt %d, "
            "for up to %.0f s in all. Tasks writing the same file run one after another.",
            _first_line(error),
            wait,
            retry_state.attempt_number + 1,
            self.lock_timeout,
        )


def _is_lock_conflict(error: BaseException) -> bool:
    import duckdb

    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def _first_line(error: BaseException | None) -> str:
    return str(error).splitlines()[0] if error is not None and str(error) else "no detail"

"""Write a stream of table batches into SQL tables through a common-sql hook, idempotently.

The writer takes any ``DbApiHook`` — ``DuckDBHook``, ``PostgresHook``, ``SqliteHook`` or another
common-sql hook — and writes every batch of one unit of work inside a single database
transaction, so readers see either all of it or none of it::

    from airflow.sdk import BaseHook

    from airflow_provider_localiq.load import SqlTableWriter

    writer = SqlTableWriter(BaseHook.get_hook("warehouse"), mode="replace", schema="localiq")
    with writer.transaction() as transaction:
        for batch in batches:  # TableBatch objects, one chunk of one table each
            transaction.write(batch)
    writer.rows_written  # {"localiq.localiq_campaign_summary": 1234, ...}

Chunks are written as they come and not kept, so memory stays at one chunk however many rows
the stream holds. ``writer.write_all(batches)`` does the same in one call and returns the counts.
Inside ``with writer.kept_open():`` consecutive transactions share one connection, which saves a
DuckDB open and checkpoint per transaction.

========= ======================================================================================
mode      effect of each batch
========= ======================================================================================
replace   The first batch of a (table, scope) in a transaction deletes the rows that scope
          covers (same ``_gmaid`` and ``_report``, and ``date_column`` inside the window, or else
          the same ``_window_start`` and ``_window_end``); then its rows are inserted. Reruns and
          overlapping backfills therefore never duplicate rows.
merge     Rows replace stored rows with the same ``key_columns`` and are inserted otherwise; within
          one transaction the last row of a key wins.
append    Rows are inserted.
========= ======================================================================================

Tables are created on first use from the batch's ``column_types`` and named
``<table_prefix><table>``; columns a later batch brings are added, columns it lacks stay NULL.
An exception anywhere inside the ``with`` block rolls the whole transaction back, table
creation included; so does a failed write whose error was caught inside the block.

``rows_written`` maps each destination, ``[schema.]<table_prefix><table>``, to the rows the
committed transaction stored there (for ``merge``, rows inserted or updated after duplicates
within a chunk were dropped). It is empty after a rollback.

A ``replace`` batch must carry only rows of its own scope: its ``_gmaid``, ``_report``,
``_window_start`` and ``_window_end`` columns must equal the scope's values, and the writer
refuses it otherwise, since rows are superseded by scope. ``merge`` keys must never be NULL.
Where each database keeps which type, and how each bulk path works, is in
:mod:`airflow_provider_localiq.load.dialects`.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, get_args

from airflow_provider_localiq.load.dialects import dialect_for
from airflow_provider_localiq.load.dialects.duckdb import DEFAULT_LOCK_TIMEOUT
from airflow_provider_localiq.load.transaction import TableTransaction, WriteMode

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from airflow.providers.common.sql.hooks.sql import DbApiHook

    from airflow_provider_localiq.load.batch import TableBatch
    from airflow_provider_localiq.load.dialects import Dialect

log = logging.getLogger(__name__)

WRITE_MODES: tuple[str, ...] = get_args(WriteMode)


class SqlTableWriter:
    """Write table batches through a common-sql hook, one transaction per unit of work.

    :param hook: the destination's hook, e.g. ``BaseHook.get_hook("warehouse")``; its
        ``get_conn()`` supplies the connection, which the writer closes when done.
    :param mode: ``replace`` (default), ``merge`` or ``append``; see the module documentation.
    :param schema: schema to write into, created if missing (on SQLite, an attached database
        name). ``None`` uses the connection's default schema.
    :param table_prefix: prepended to each batch's logical table name.
    :param lock_timeout: seconds to keep retrying while another process holds a DuckDB file.
    """

    def __init__(
        self,
        hook: DbApiHook,
        *,
        mode: WriteMode = "replace",
        schema: str | None = None,
        table_prefix: str = "localiq_",
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        if mode not in WRITE_MODES:
            raise ValueError(f"mode must be one of {list(WRITE_MODES)!r}, got {mode!r}.")
        self.hook = hook
        self.mode: WriteMode = mode
        self.schema = schema
        self.table_prefix = table_prefix
        self.lock_timeout = lock_timeout
        #: Rows stored per destination table by the last committed transaction.
        self.rows_written: dict[str, int] = {}
        self._in_transaction = False
        self._keep_open = False
        self._kept: Dialect | None = None

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Reuse one connection for every transaction started inside the block, then close it.

        Opening a DuckDB file and checkpointing it when it closes costs tens of milliseconds, paid
        once per block instead of once per transaction; other processes that write the same file
        wait until the block ends (as they wait for any open transaction). Databases whose
        dialect does not reuse connections are opened per transaction as usual.
        """
        self._keep_open = True
        try:
            yield
        finally:
            self._keep_open = False
            kept, self._kept = self._kept, None
            if kept is not None:
                kept.close()

    @contextmanager
    def transaction(self) -> Iterator[TableTransaction]:
        """Open a connection and a transaction, yield it for writing, then commit and close.

        Any exception inside the block rolls back everything written in it and is re-raised.

        :raises DatabaseLockedError: a DuckDB file stayed locked by another process.
        """
        if self._in_transaction:
            raise RuntimeError("This SqlTableWriter already has an open transaction; finish it first.")
        self._in_transaction = True
        self.rows_written = {}
        started = time.monotonic()
        dialect, self._kept = self._kept, None
        reused = dialect is not None
        if dialect is None:
            dialect = dialect_for(self.hook, lock_timeout=self.lock_timeout)
        kept = False
        try:
            if reused:
                dialect.begin()
            else:
                dialect.open()
            transaction = TableTransaction(
                dialect, mode=self.mode, schema=self.schema, table_prefix=self.table_prefix
            )
            try:
                yield transaction
                if transaction.failed:
                    raise RuntimeError(
                        "A write failed inside the transaction block and the error was caught there; "
                        "rolled back everything rather than commit a partial load. Let the error "
                        "propagate, or rerun the load."
                    )
                dialect.commit()
            except BaseException as error:
                _roll_back(dialect, error)
                raise
            kept = self._keep_open and dialect.reuses_connection
        finally:
            if kept:
                self._kept = dialect
            else:
                dialect.close()
            self._in_transaction = False

        self.rows_written = dict(transaction.rows_written)
        for location, rows in transaction.rows_written.items():
            log.info(
                "Wrote %d rows to %s (%s, %s) in %.2f s",
                rows,
                location,
                dialect.name,
                self.mode,
                transaction.seconds[location],
            )
        log.info(
            "Committed %d rows into %d tables in %.2f s",
            sum(self.rows_written.values()),
            len(self.rows_written),
            time.monotonic() - started,
        )

    def write_all(self, batches: Iterable[TableBatch]) -> dict[str, int]:
        """Write every batch in one transaction and return the rows stored per table."""
        with self.transaction() as transaction:
            for batch in batches:
                transaction.write(batch)
        return dict(self.rows_written)


def _roll_back(dialect: Dialect, error: BaseException) -> None:
    try:
        dialect.rollback()
    except Exception:
        log.warning(
            "Rolling back the %s transaction failed as well; the database discards it when the "
            "connection closes. The error that caused the rollback follows.",
            dialect.name,
            exc_info=True,
        )
    else:
        log.warning(
            "Rolled back the %s transaction because of %s: nothing written in it is visible, and a "
            "rerun is safe with the replace and merge modes.",
            dialect.name,
            type(error).__name__,
        )

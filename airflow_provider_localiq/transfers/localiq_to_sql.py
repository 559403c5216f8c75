"""Extract LocalIQ reports or leads and load them into any common-sql database, idempotently."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_localiq.exceptions import LocalIQInputError
from airflow_provider_localiq.operators.base import LocalIQExtractOperator

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from airflow.providers.common.sql.hooks.sql import DbApiHook
    from airflow.sdk import Context

    from airflow_provider_localiq.extract.plan import ExtractionPlan
    from airflow_provider_localiq.load.batch import TableBatch
    from airflow_provider_localiq.load.sql import SqlTableWriter

WriteMode = Literal["replace", "merge", "append"]
WRITE_MODES: tuple[str, ...] = ("replace", "merge", "append")


class LocalIQToSqlOperator(LocalIQExtractOperator):
    """Load LocalIQ data into the database of ``sql_conn_id`` (DuckDB, PostgreSQL, SQLite, ...).

    Each advertiser is written in one database transaction, chunk by chunk, so memory does not
    grow with the extraction and readers never see half a window. Tables are created as
    ``<table_prefix><endpoint>__<row list>`` and gain columns when LocalIQ adds fields.

    :param sql_conn_id: any connection whose hook is a common-sql ``DbApiHook``.
    :param write_mode: ``"replace"`` (default for reports: delete the window's rows for that
        advertiser and report, then insert), ``"merge"`` (upsert on the natural key; what leads
        want) or ``"append"``.
    :param sql_schema: schema to write into; created if missing. Default: the connection's.
    :param table_prefix: prefix of every table name (templated).

    The other parameters are those of :class:`~airflow_provider_localiq.operators.base.LocalIQExtractOperator`.
    """

    template_fields: Sequence[str] = (*LocalIQExtractOperator.template_fields, "sql_schema", "table_prefix")

    def __init__(
        self,
        *,
        sql_conn_id: str,
        write_mode: WriteMode = "replace",
        sql_schema: str | None = None,
        table_prefix: str = "localiq_",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql_conn_id = sql_conn_id
        self.write_mode = write_mode
        self.sql_schema = sql_schema
        self.table_prefix = table_prefix

    def plan(self, context: Context) -> ExtractionPlan:
        """Check ``write_mode`` and ``sql_conn_id`` with the other arguments, before any request."""
        self._check_choice("write_mode", self.write_mode, WRITE_MODES)
        self._database_hook()
        return super().plan(context)

    @contextmanager
    def open_sink(self, context: Context) -> Iterator[SqlSink]:
        from airflow_provider_localiq.load.sql import SqlTableWriter

        writer = SqlTableWriter(
            self._database_hook(),
            mode=self.write_mode,
            schema=self.sql_schema,
            table_prefix=self.table_prefix,
        )
        yield SqlSink(writer)

    def _database_hook(self) -> DbApiHook:
        """The destination's hook; raise naming ``sql_conn_id`` if it is not a SQL database."""
        from airflow.providers.common.sql.hooks.sql import DbApiHook
        from airflow.sdk import BaseHook

        hook = BaseHook.get_hook(self.sql_conn_id)
        if not isinstance(hook, DbApiHook):
            raise LocalIQInputError(
                "sql_conn_id",
                f"names connection {self.sql_conn_id!r}, whose hook {type(hook).__name__} is not a common-sql "
                "DbApiHook; use a database connection such as duckdb, postgres or sqlite.",
            )
        return hook


class SqlSink:
    """Write each unit of work in its own transaction and keep the running totals."""

    def __init__(self, writer: SqlTableWriter) -> None:
        self.writer = writer
        self.rows_written: dict[str, int] = {}

    @contextmanager
    def unit(self) -> Iterator[Callable[[TableBatch], None]]:
        with self.writer.transaction() as transaction:
            yield transaction.write
        for table, rows in self.writer.rows_written.items():
            self.rows_written[table] = self.rows_written.get(table, 0) + rows

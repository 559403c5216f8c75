"""Fixtures for the SQL writer tests: a real DuckDB file, SQLite file or PostgreSQL database each."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.sdk import BaseHook

from airflow_provider_localiq.load import ReplaceScope, TableBatch
from tests.postgres_server import PostgresServer, postgres_server_fixture

postgres_server = postgres_server_fixture()

CONN_ID = "localiq_warehouse"

DATABASES = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("postgres-psycopg2", id="postgres-psycopg2", marks=pytest.mark.postgres),
]

JANUARY = ReplaceScope(
    gmaid="USA_123456",
    report="campaign_summary",
    window_start=date(2024, 1, 1),
    window_end=date(2024, 1, 31),
    date_column="day",
)
EXTRACTED_AT = datetime(2024, 2, 1, 6, 30, tzinfo=UTC)
CAMPAIGN_TYPES: Mapping[str, str] = {
    "day": "date",
    "campaign_id": "integer",
    "clicks": "integer",
    "spend": "float",
}


@dataclass
class Warehouse:
    """A test database behind an ``AIRFLOW_CONN_*`` connection, with helpers to read it back."""

    kind: str
    monkeypatch: pytest.MonkeyPatch
    document: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.extra = {**self.document.pop("extra", {}), **self.extra}
        self._publish()

    def hook(self) -> DbApiHook:
        """Return a fresh hook for the connection, as an operator would get it."""
        hook = BaseHook.get_hook(CONN_ID)
        assert isinstance(hook, DbApiHook)
        return hook

    def set_extra(self, **extra: Any) -> None:
        """Change the connection's extra, e.g. to set a session time zone."""
        self.extra.update(extra)
        self._publish()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a query on a connection of its own and return every row."""
        connection = self.hook().get_conn()
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            rows = [tuple(row) for row in cursor.fetchall()]
            cursor.close()
        finally:
            connection.close()
        return rows

    def execute(self, sql: str) -> None:
        """Run one statement on a connection of its own and commit it."""
        connection = self.hook().get_conn()
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            cursor.close()
            connection.commit()
        finally:
            connection.close()

    def count(self, table: str) -> int:
        """Return how many rows the (quoted) table holds."""
        return int(self.rows(f"SELECT COUNT(*) FROM {table}")[0][0])

    def tables(self) -> set[str]:
        """Return the names of the tables in the default schema."""
        if self.kind == "sqlite":
            return {row[0] for row in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {
            row[0]
            for row in self.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        }

    def column_types(self, table: str) -> dict[str, str]:
        """Return each column of the (unquoted) table with its type as the database names it, lowercase."""
        if self.kind == "sqlite":
            rows = [(row[1], row[2]) for row in self.rows(f'PRAGMA table_info("{table}")')]
        else:
            rows = self.rows(
                "SELECT column_name, data_type FROM information_schema.columns "
                f"WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
            )
        return {str(name): str(kind).lower() for name, kind in rows}

    def _publish(self) -> None:
        document = dict(self.document)
        if self.extra:
            document["extra"] = self.extra
        self.monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(document))


@pytest.fixture(scope="session")
def postgres_database(postgres_server: PostgresServer) -> str:
    """Return a database for this session's tests, each of which works in a schema of its own."""
    return postgres_server.create_database("localiq_load")


@pytest.fixture(params=DATABASES)
def warehouse(request: pytest.FixtureRequest, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    """Return an empty database of each kind in turn: DuckDB, SQLite, PostgreSQL (psycopg 3 and 2)."""
    kind: str = request.param
    if kind == "duckdb":
        document: dict[str, Any] = {"conn_type": "duckdb", "host": str(tmp_path / "warehouse.duckdb")}
    elif kind == "sqlite":
        document = {"conn_type": "sqlite", "host": str(tmp_path / "warehouse.sqlite")}
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        database: str = request.getfixturevalue("postgres_database")
        schema = server.create_schema(database)
        document = json.loads(server.connection_json(database, search_path=schema))
        if kind == "postgres-psycopg2":
            monkeypatch.setattr("airflow.providers.postgres.hooks.postgres.USE_PSYCOPG3", False)
    return Warehouse(kind=kind.split("-")[0], monkeypatch=monkeypatch, document=document)


@pytest.fixture
def duckdb_warehouse(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    """Return an empty DuckDB file, for behaviour that does not differ between databases."""
    document = {"conn_type": "duckdb", "host": str(tmp_path / "warehouse.duckdb")}
    return Warehouse(kind="duckdb", monkeypatch=monkeypatch, document=document)


BatchFactory = Callable[..., TableBatch]


@pytest.fixture
def make_batch() -> BatchFactory:
    """Return a function building a TableBatch from row dicts, with the scope's metadata columns."""

    def _make(
        rows: Sequence[Mapping[str, Any]] | pd.DataFrame,
        *,
        table: str = "campaign_summary",
        column_types: Mapping[str, str] = CAMPAIGN_TYPES,
        key_columns: Sequence[str] = ("day", "campaign_id"),
        scope: ReplaceScope = JANUARY,
        dtypes: Mapping[str, str] | None = None,
    ) -> TableBatch:
        frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
        for name, dtype in (dtypes or {}).items():
            frame[name] = frame[name].astype(dtype)
        frame["_gmaid"] = scope.gmaid
        frame["_report"] = scope.report
        frame["_window_start"] = scope.window_start
        frame["_window_end"] = scope.window_end
        frame["_extracted_at"] = pd.Timestamp(EXTRACTED_AT)
        return TableBatch(
            table=table,
            frame=frame,
            column_types=column_types,
            key_columns=key_columns,
            scope=scope,
        )

    return _make

"""Choosing the dialect from the hook, and the plain DB-API path for hooks without a dedicated one."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.providers.duckdb.hooks.duckdb import DuckDBHook
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.sqlite.hooks.sqlite import SqliteHook

from airflow_provider_localiq.load import SqlTableWriter
from airflow_provider_localiq.load.dialects import (
    Dialect,
    DuckDBDialect,
    PostgresDialect,
    SqliteDialect,
    dialect_for,
)


class CustomDuckDBHook(DuckDBHook):
    """A subclass, as a MotherDuck or company-specific hook would be."""

    conn_type = "company_duckdb"


class WarehouseHook(DbApiHook):
    """A common-sql hook the writer has no dedicated dialect for; it reaches PostgreSQL with psycopg."""

    conn_name_attr = "warehouse_conn_id"
    default_conn_name = "warehouse_default"
    conn_type = "warehouse"
    hook_name = "Warehouse"
    _placeholder = "%s"

    def get_conn(self) -> Any:
        import psycopg

        connection = self.connection
        return psycopg.connect(
            host=connection.host,
            port=connection.port,
            user=connection.login,
            password=connection.password,
            dbname=connection.schema,
            options=connection.extra_dejson.get("options", ""),
        )


@pytest.mark.parametrize(
    ("hook_class", "dialect_class"),
    [
        pytest.param(DuckDBHook, DuckDBDialect, id="duckdb"),
        pytest.param(CustomDuckDBHook, DuckDBDialect, id="duckdb-subclass"),
        pytest.param(PostgresHook, PostgresDialect, id="postgres"),
        pytest.param(SqliteHook, SqliteDialect, id="sqlite"),
        pytest.param(WarehouseHook, Dialect, id="other-common-sql-hook"),
    ],
)
def test_dialect_follows_the_hook_class(hook_class, dialect_class):
    assert type(dialect_for(hook_class())) is dialect_class


@pytest.fixture
def generic_warehouse(postgres_server, postgres_database, monkeypatch) -> WarehouseHook:
    schema = postgres_server.create_schema(postgres_database)
    document = json.loads(postgres_server.connection_json(postgres_database, search_path=schema))
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_DEFAULT", json.dumps({**document, "conn_type": "warehouse"}))
    return WarehouseHook()


@pytest.mark.postgres
def test_other_hooks_load_with_executemany_and_their_placeholder(generic_warehouse, make_batch):
    types = {
        "day": "date",
        "campaign_id": "integer",
        "clicks": "integer",
        "seen_at": "timestamp",
        "details": "json",
    }
    seen_at = datetime(2024, 1, 1, 23, 59, 59, 999999, tzinfo=UTC)
    rows = [
        {
            "day": date(2024, 1, 1) + timedelta(days=n),
            "campaign_id": 2**40 + n,
            "clicks": n,
            "seen_at": seen_at,
            "details": {"n": n},
        }
        for n in range(3)
    ]

    for mode in ("replace", "replace", "merge"):
        written = SqlTableWriter(generic_warehouse, mode=mode).write_all(
            [make_batch(rows, column_types=types)]
        )
        assert written == {"localiq_campaign_summary": 3}

    stored = generic_warehouse.get_records(
        'SELECT "day", "campaign_id", "seen_at", "details" FROM "localiq_campaign_summary" ORDER BY "day"'
    )
    assert [tuple(row) for row in stored] == [
        (
            date(2024, 1, 1) + timedelta(days=n),
            2**40 + n,
            seen_at.replace(tzinfo=None),
            json.dumps({"n": n}, separators=(",", ":")),
        )
        for n in range(3)
    ]

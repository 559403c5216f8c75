"""PostgreSQL specifics: a loader that may write into its schema but not create schemas."""

from __future__ import annotations

import json
import uuid
from datetime import date

import psycopg
import pytest
from airflow.sdk import BaseHook

from airflow_provider_localiq.load import SqlTableWriter

pytestmark = pytest.mark.postgres

ROW = {"day": date(2024, 1, 1), "campaign_id": 1, "clicks": 3, "spend": 1.0}


@pytest.fixture
def loader_connection(postgres_server, postgres_database, monkeypatch) -> str:
    """Return a connection id for a role that owns one schema and may not create any."""
    role = f"loader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server.uri_for(postgres_database), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'loader-password'")
        admin.execute(f"CREATE SCHEMA {role} AUTHORIZATION {role}")
    document = json.loads(postgres_server.connection_json(postgres_database))
    document.update(login=role, password="loader-password")
    monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_LOADER", json.dumps(document))
    return role


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_writes_into_an_existing_schema_without_the_right_to_create_schemas(
    loader_connection, make_batch, mode
):
    writer = SqlTableWriter(BaseHook.get_hook("localiq_loader"), mode=mode, schema=loader_connection)

    for _ in range(2):
        written = writer.write_all([make_batch([ROW])])

    assert written == {f"{loader_connection}.localiq_campaign_summary": 1}
    rows = BaseHook.get_hook("localiq_loader").get_records(
        f'SELECT COUNT(*) FROM "{loader_connection}"."localiq_campaign_summary"'
    )
    assert rows[0][0] == 1

"""What the system processes share: reading their arguments and printing their report."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.workload import CLIENT_ID, CLIENT_SECRET, PASSWORD, USER, Workload


def arguments(argv: list[str] | None = None) -> tuple[Workload, str, Path]:
    """The workload, the sandbox URL and the work directory from the command line."""
    values = sys.argv[1:] if argv is None else argv
    workdir = Path(values[2])
    workdir.mkdir(parents=True, exist_ok=True)
    return Workload.from_json(values[0]), values[1], workdir


def password_grant(session: Any, url: str) -> str:
    """Log in with the password grant, as every system does, and return the access token."""
    response = session.post(
        f"{url}/oauth/token",
        json={
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": USER,
            "password": PASSWORD,
        },
        timeout=60,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def duckdb_row_counts(path: Path, schema: str | None = None) -> dict[str, int]:
    """Rows per table of a DuckDB file (dlt's bookkeeping tables left out)."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name NOT LIKE '_dlt%'"
            + ("" if schema is None else " AND table_schema = ?"),
            [] if schema is None else [schema],
        ).fetchall()
        return {
            f"{table_schema}.{name}": int(
                connection.execute(f'SELECT COUNT(*) FROM "{table_schema}"."{name}"').fetchone()[0]  # type: ignore[index]
            )
            for table_schema, name in tables
        }


def report_database(
    database: Path, *, seconds: float, import_seconds: float, schema: str | None = None, **extra: Any
) -> None:
    """Report the run's times with the rows, tables and size of the DuckDB file it wrote."""
    rows = duckdb_row_counts(database, schema)
    report(
        seconds=seconds,
        import_seconds=import_seconds,
        rows_written=sum(rows.values()),
        tables=len(rows),
        database_mb=database.stat().st_size / 2**20,
        **extra,
    )


def report(**values: Any) -> None:
    """Print the report as the last line of standard output."""
    sys.stdout.write(json.dumps(values) + "\n")
    sys.stdout.flush()

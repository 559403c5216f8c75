"""Pick the SQL dialect and bulk path for the database behind a common-sql hook.

======================= ========================================= =============================
hook                    bulk path                                 timestamps stored as
======================= ========================================= =============================
``DuckDBHook``          Arrow chunk read in place by one INSERT   ``TIMESTAMP``, UTC wall clock
``PostgresHook``        ``COPY ... FROM STDIN`` (CSV)             ``TIMESTAMPTZ``
``SqliteHook``          ``executemany``                           ISO 8601 text, ``...Z``
any other ``DbApiHook`` ``executemany`` with ``hook.placeholder`` ``TIMESTAMP``, UTC wall clock
======================= ========================================= =============================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_localiq.load.dialects.base import Dialect
from airflow_provider_localiq.load.dialects.duckdb import DEFAULT_LOCK_TIMEOUT, DuckDBDialect
from airflow_provider_localiq.load.dialects.postgres import PostgresDialect
from airflow_provider_localiq.load.dialects.sqlite import SqliteDialect

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

__all__ = ["Dialect", "DuckDBDialect", "PostgresDialect", "SqliteDialect", "dialect_for"]


def dialect_for(hook: DbApiHook, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Dialect:
    """Return a dialect for the hook, chosen by its class (or a subclass) and else its ``conn_type``."""
    classes = {cls.__name__ for cls in type(hook).__mro__}
    conn_type = str(getattr(hook, "conn_type", "") or "").lower()

    if "DuckDBHook" in classes or conn_type == "duckdb":
        return DuckDBDialect(hook, lock_timeout=lock_timeout)
    if "PostgresHook" in classes or conn_type in {"postgres", "postgresql"}:
        return PostgresDialect(hook)
    if "SqliteHook" in classes or conn_type == "sqlite":
        return SqliteDialect(hook)
    return Dialect(hook)

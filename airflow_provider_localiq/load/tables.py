"""Create missing tables and columns, remembering within a transaction what already exists."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_localiq.load.batch import LogicalType
    from airflow_provider_localiq.load.dialects import Dialect

log = logging.getLogger(__name__)


class TableCatalog:
    """Make each target table hold every column a batch declares, asking the database once per table.

    Columns are only ever added, never dropped or retyped; a column a batch lacks stays NULL for
    its rows.
    """

    def __init__(self, dialect: Dialect, schema: str | None) -> None:
        self._dialect = dialect
        self._schema = schema
        self._schema_ready = schema is None or not dialect.can_create_schema
        self._columns: dict[str, set[str]] = {}

    def ensure(self, table: str, column_types: Mapping[str, LogicalType]) -> None:
        """Create the table, or add the columns it lacks, so that it holds every declared column."""
        if not self._schema_ready and self._schema is not None:
            self._dialect.create_schema(self._schema)
            self._schema_ready = True

        known = self._columns.get(table)
        if known is None:
            existing = self._dialect.existing_columns(self._schema, table)
            if existing is None:
                self._create(table, column_types)
                return
            known = self._columns[table] = {self._fold(name) for name in existing}

        missing = [name for name in column_types if self._fold(name) not in known]
        if not missing:
            return
        target = self._dialect.qualify(self._schema, table)
        for name in missing:
            definition = f"{self._dialect.quote(name)} {self._dialect.column_type(column_types[name])}"
            self._dialect.execute(f"ALTER TABLE {target} ADD COLUMN {definition}")
            known.add(self._fold(name))
        log.info("Added %d columns to table %s: %s", len(missing), table, ", ".join(missing))

    def _create(self, table: str, column_types: Mapping[str, LogicalType]) -> None:
        definitions = ", ".join(
            f"{self._dialect.quote(name)} {self._dialect.column_type(kind)}"
            for name, kind in column_types.items()
        )
        self._dialect.execute(f"CREATE TABLE {self._dialect.qualify(self._schema, table)} ({definitions})")
        self._columns[table] = {self._fold(name) for name in column_types}
        log.info("Created table %s with %d columns", table, len(column_types))

    def _fold(self, name: str) -> str:
        return name.casefold() if self._dialect.case_insensitive_identifiers else name

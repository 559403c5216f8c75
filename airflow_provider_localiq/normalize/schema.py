"""Column types of the output tables: how a new column's logical type is chosen, and how it is reported.

A column's logical type is chosen once, when the column first appears, and never changes for the
life of a `Normalizer`; later values are converted to it or raise `ColumnTypeError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from airflow_provider_localiq.normalize.pii import matches_pii

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_localiq.normalize.convert import Hint
    from airflow_provider_localiq.normalize.registry import Conventions, EndpointKind, LogicalType, TableSpec

PiiPolicy = Literal["keep", "hash", "drop"]


class ColumnTypeError(ValueError):
    """Values arrived that do not fit the logical type a column already has."""

    def __init__(self, table: str, column: str, logical: str, found: str) -> None:
        self.table = table
        self.column = column
        self.logical = logical
        super().__init__(
            f"Column {column!r} of table {table!r} is {logical}, but this document holds {found} for it. "
            f"Pin the column's type under `types` in normalize/endpoints.yaml if the API changed."
        )


@dataclass(frozen=True)
class TableSchema:
    """The columns of one output table with their logical types, in frame order."""

    table: str
    columns: Mapping[str, LogicalType]
    natural_key: tuple[str, ...]
    row_date_column: str | None = None
    pii_columns: tuple[str, ...] = ()
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def for_policy(self, policy: PiiPolicy) -> TableSchema:
        """Return the schema of the frames `apply_pii_policy` produces under ``policy``."""
        if policy != "drop":
            return self
        dropped = set(self.pii_columns)
        return replace(
            self,
            columns={name: logical for name, logical in self.columns.items() if name not in dropped},
            pii_columns=(),
            sources={name: path for name, path in self.sources.items() if name not in dropped},
        )


def choose_type(
    column: str, hint: Hint, table: TableSpec, conventions: Conventions, kind: EndpointKind
) -> LogicalType:
    """Choose the logical type of a new column from the registry first and its values last."""
    declared = table.types.get(column)
    if declared is not None:
        return declared
    if matches_pii(column, table.pii_columns):
        return "text"

    conventional = conventions.type_for(column)
    if conventional == "identifier":
        return "integer" if hint in ("int", "float") else "text"
    if conventional is not None:
        return conventional

    if hint == "bool":
        return "boolean"
    if hint in ("int", "bigint", "float"):
        return "float"
    if hint == "list":
        return "json"
    if hint in ("str", "mixed"):
        return "text"
    return conventions.undecided[kind]

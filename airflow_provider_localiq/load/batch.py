"""Describe one chunk of rows bound for a SQL table, and which stored rows it supersedes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast, get_args

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import date

    import pandas

LogicalType = Literal["integer", "float", "boolean", "text", "date", "timestamp", "json"]

LOGICAL_TYPES: frozenset[str] = frozenset(get_args(LogicalType))

#: Columns every frame carries, with the logical type each is stored as.
METADATA_COLUMN_TYPES: Mapping[str, LogicalType] = {
    "_gmaid": "text",
    "_report": "text",
    "_window_start": "date",
    "_window_end": "date",
    "_extracted_at": "timestamp",
}

#: The metadata columns a ``replace`` write needs to find the rows it supersedes.
SCOPE_COLUMNS: tuple[str, ...] = ("_gmaid", "_report", "_window_start", "_window_end")


@dataclass(frozen=True)
class ReplaceScope:
    """Which stored rows a ``replace`` write supersedes: one account, one report, one window.

    With ``date_column`` set, the superseded rows are those of the account and report whose date
    column falls inside the window (either bound ``None`` leaves that side open), so overlapping
    backfills replace only their overlap. Without it, they are the rows extracted for exactly the
    same window (``_window_start`` and ``_window_end`` equal, ``None`` matching NULL).
    """

    gmaid: str
    report: str
    window_start: date | None
    window_end: date | None
    date_column: str | None = None

    def __post_init__(self) -> None:
        if self.window_start and self.window_end and self.window_start > self.window_end:
            raise ValueError(
                f"ReplaceScope window_start {self.window_start.isoformat()} is after window_end "
                f"{self.window_end.isoformat()} for report {self.report!r}; swap the bounds."
            )


@dataclass(frozen=True)
class TableBatch:
    """One chunk of rows for one logical table, with the types to store its columns as.

    ``column_types`` may name columns the frame lacks (they are created and left NULL) but must
    name every column the frame has, except the metadata columns, whose types are fixed
    (:data:`METADATA_COLUMN_TYPES`).
    """

    table: str
    frame: pandas.DataFrame
    column_types: Mapping[str, str]
    key_columns: Sequence[str]
    scope: ReplaceScope

    def __post_init__(self) -> None:
        unknown = {name: kind for name, kind in self.column_types.items() if kind not in LOGICAL_TYPES}
        if unknown:
            raise ValueError(
                f"Table {self.table!r} declares column types {unknown!r}; expected one of "
                f"{sorted(LOGICAL_TYPES)}. Map each column to one of these logical types."
            )

    def declared_types(self) -> dict[str, LogicalType]:
        """Return the logical type of every column of the table, in frame order, then the rest."""
        declared: dict[str, LogicalType] = {**METADATA_COLUMN_TYPES}
        declared.update(cast("Mapping[str, LogicalType]", self.column_types))
        ordered = {str(name): declared[str(name)] for name in self.frame.columns if str(name) in declared}
        ordered.update({name: kind for name, kind in declared.items() if name not in ordered})

        undeclared = [str(name) for name in self.frame.columns if str(name) not in declared]
        if undeclared:
            raise ValueError(
                f"Table {self.table!r} has frame columns {undeclared!r} with no entry in column_types; "
                "declare a logical type for each column."
            )
        return ordered

"""Describe one chunk of rows bound for a SQL table, and which stored rows it supersedes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast, get_args

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import date

    import pandas
    import pyarrow

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


class TableBatch:
    """One chunk of rows for one logical table, with the types to store its columns as.

    The rows come as a pandas DataFrame or, cheaper for the SQL writer, as a pyarrow Table;
    ``frame`` always reads them as a DataFrame (converted once, on first use) and ``arrow`` is
    the Arrow table when the batch was built from one. ``column_types`` may name columns the rows
    lack (they are created and left NULL) but must name every column they have, except the
    metadata columns, whose types are fixed (:data:`METADATA_COLUMN_TYPES`).
    """

    __slots__ = ("_arrow", "_frame", "column_types", "key_columns", "scope", "table")

    def __init__(
        self,
        table: str,
        frame: pandas.DataFrame | pyarrow.Table,
        column_types: Mapping[str, str],
        key_columns: Sequence[str],
        scope: ReplaceScope,
    ) -> None:
        unknown = {name: kind for name, kind in column_types.items() if kind not in LOGICAL_TYPES}
        if unknown:
            raise ValueError(
                f"Table {table!r} declares column types {unknown!r}; expected one of "
                f"{sorted(LOGICAL_TYPES)}. Map each column to one of these logical types."
            )
        self.table = table
        self.column_types = column_types
        self.key_columns = key_columns
        self.scope = scope
        self._arrow: pyarrow.Table | None = None
        self._frame: pandas.DataFrame | None = None
        import pyarrow as pa

        if isinstance(frame, pa.Table):
            self._arrow = frame
        else:
            self._frame = frame

    @property
    def frame(self) -> pandas.DataFrame:
        """The rows as a DataFrame."""
        if self._frame is None:
            assert self._arrow is not None
            self._frame = _arrow_to_pandas(self._arrow)
        return self._frame

    @property
    def arrow(self) -> pyarrow.Table | None:
        """The rows as the Arrow table the batch was built from, or None if it came as a DataFrame."""
        return self._arrow

    @property
    def columns(self) -> list[str]:
        """The column names of the rows, in order."""
        if self._arrow is not None:
            return list(self._arrow.column_names)
        return [str(name) for name in self.frame.columns]

    @property
    def num_rows(self) -> int:
        """How many rows the batch holds."""
        return self._arrow.num_rows if self._arrow is not None else len(self.frame)

    def declared_types(self) -> dict[str, LogicalType]:
        """Return the logical type of every column of the table, in row order, then the rest."""
        declared: dict[str, LogicalType] = {**METADATA_COLUMN_TYPES}
        declared.update(cast("Mapping[str, LogicalType]", self.column_types))
        columns = self.columns
        ordered = {name: declared[name] for name in columns if name in declared}
        ordered.update({name: kind for name, kind in declared.items() if name not in ordered})

        undeclared = [name for name in columns if name not in declared]
        if undeclared:
            raise ValueError(
                f"Table {self.table!r} has frame columns {undeclared!r} with no entry in column_types; "
                "declare a logical type for each column."
            )
        return ordered

    def __repr__(self) -> str:
        return f"<TableBatch {self.table} rows={self.num_rows} scope={self.scope!r}>"


def _arrow_to_pandas(table: pyarrow.Table) -> pandas.DataFrame:
    """Nullable pandas dtypes, as the normaliser gives them, so integers stay exact and text keeps nulls."""
    import pandas as pd
    import pyarrow as pa

    types = {
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.string(): pd.ArrowDtype(pa.string()),
        pa.date32(): pd.ArrowDtype(pa.date32()),
    }
    frame: pandas.DataFrame = table.to_pandas(types_mapper=types.get)
    return frame

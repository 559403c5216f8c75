"""Write table batches as Parquet files, one folder per table, advertiser and window.

Layout: ``<output_path>/<table>/gmaid=<GMAID>/window=<first>_<last>/part-00000.parquet``. A unit
of work first removes the files of the partitions it writes, so a rerun replaces rather than
duplicates, and removes what it wrote if it fails. ``output_path`` may be any location Airflow's
``ObjectStoragePath`` understands (a local folder, ``s3://...`` with the matching provider).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from airflow.sdk import ObjectStoragePath

    from airflow_provider_localiq.load.batch import TableBatch


class ParquetSink:
    """Write each batch to its own Parquet file under ``root``; count rows per table."""

    def __init__(self, root: ObjectStoragePath) -> None:
        self.root = root
        self.rows_written: dict[str, int] = {}
        self.files_written = 0

    @contextmanager
    def unit(self) -> Iterator[Callable[[TableBatch], None]]:
        written: list[ObjectStoragePath] = []
        parts: dict[str, int] = {}
        counts: dict[str, int] = {}

        def write(batch: TableBatch) -> None:
            folder = self._partition(batch)
            key = str(folder)
            if key not in parts:
                parts[key] = 0
                if folder.exists():
                    for old in folder.iterdir():
                        old.unlink()
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"part-{parts[key]:05d}.parquet"
            parts[key] += 1
            _write_parquet(batch, target)
            written.append(target)
            counts[batch.table] = counts.get(batch.table, 0) + len(batch.frame)

        try:
            yield write
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        for table, rows in counts.items():
            self.rows_written[table] = self.rows_written.get(table, 0) + rows
        self.files_written += len(written)

    def _partition(self, batch: TableBatch) -> ObjectStoragePath:
        scope = batch.scope
        first = scope.window_start.isoformat() if scope.window_start else "none"
        last = scope.window_end.isoformat() if scope.window_end else "none"
        return self.root / batch.table / f"gmaid={scope.gmaid}" / f"window={first}_{last}"


def _write_parquet(batch: TableBatch, target: ObjectStoragePath) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(batch.frame, preserve_index=False)
    with target.open("wb") as handle:  # type: ignore[no-untyped-call]
        pq.write_table(table, handle)

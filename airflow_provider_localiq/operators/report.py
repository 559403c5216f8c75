"""Extract LocalIQ reports for advertisers and a window into Parquet files."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.operators.base import LocalIQExtractOperator
from airflow_provider_localiq.operators.parquet import ParquetSink

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from airflow.sdk import Context


class LocalIQReportOperator(LocalIQExtractOperator):
    """Extract report(s) x advertiser(s) for a window and write them as Parquet under ``output_path``.

    The window defaults to the run's data interval turned into inclusive days (manual runs with
    no logical date included). XCom gets the row count per table, never the data.

    :param reports: report names, e.g. ``["lead_detail", "unified_display"]`` (templated).
    :param output_path: folder or object-storage URL the files go under (templated).

    The other parameters are those of :class:`~airflow_provider_localiq.operators.base.LocalIQExtractOperator`.
    """

    template_fields: Sequence[str] = (*LocalIQExtractOperator.template_fields, "output_path")

    def __init__(self, *, reports: Sequence[str], output_path: str, **kwargs: Any) -> None:
        super().__init__(extract="reports", reports=reports, **kwargs)
        self.output_path = output_path

    @contextmanager
    def open_sink(self, context: Context) -> Iterator[ParquetSink]:
        from airflow.sdk import ObjectStoragePath

        yield ParquetSink(ObjectStoragePath(self.output_path))

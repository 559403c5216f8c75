"""Extract LocalIQ contacts and contact interactions into Parquet files, with a PII policy."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.operators.base import LocalIQExtractOperator
from airflow_provider_localiq.operators.parquet import ParquetSink

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from airflow.sdk import Context


class LocalIQLeadsOperator(LocalIQExtractOperator):
    """Extract the leads created in the run's window, plus a lookback, as Parquet files.

    ``created_before`` is exclusive, as LocalIQ defines it; ``lookback_days`` (default 3, as
    LocalIQ advises) re-reads earlier days for late arrivals, and records are de-duplicated on
    their id. The PII policy ``keep``, ``hash`` (salted SHA-256) or ``drop`` applies to the
    personal-data columns the registry lists.

    :param output_path: folder or object-storage URL the files go under (templated).

    The other parameters are those of :class:`~airflow_provider_localiq.operators.base.LocalIQExtractOperator`.
    """

    template_fields: Sequence[str] = (*LocalIQExtractOperator.template_fields, "output_path")

    def __init__(self, *, output_path: str, **kwargs: Any) -> None:
        super().__init__(extract="leads", **kwargs)
        self.output_path = output_path

    @contextmanager
    def open_sink(self, context: Context) -> Iterator[ParquetSink]:
        from airflow.sdk import ObjectStoragePath

        yield ParquetSink(ObjectStoragePath(self.output_path))

"""Plans of LocalIQ requests, checked before any call, and the table batches their answers become.

A plan is built from operator arguments and validated against the endpoint registry (unknown
report, interval size the report does not take, dates together with a campaign cycle). Its
``batches`` method then extracts one advertiser and yields
:class:`~airflow_provider_localiq.load.batch.TableBatch` objects chunk by chunk.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_localiq.concurrency import ordered_map, ordered_streams
from airflow_provider_localiq.exceptions import LocalIQInputError
from airflow_provider_localiq.load.batch import ReplaceScope, TableBatch

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from datetime import datetime

    import pandas as pd
    import pyarrow as pa

    from airflow_provider_localiq.hooks.localiq import LocalIQHook
    from airflow_provider_localiq.normalize import EndpointSpec, Normalizer, PiiPolicy
    from airflow_provider_localiq.windows import DateWindow


class ExtractionPlan(Protocol):
    """What an operator runs for each advertiser."""

    def batches(self, hook: LocalIQHook, gmaid: str, *, extracted_at: datetime) -> Iterator[TableBatch]:
        """Extract one advertiser and yield its table batches."""


@dataclass(frozen=True)
class ReportsPlan:
    """Reports for one window (or one campaign cycle), fetched concurrently per advertiser."""

    reports: tuple[str, ...]
    window: DateWindow | None
    campaign_cycle: str | None
    params: Mapping[str, Any]
    max_workers: int

    @classmethod
    def build(
        cls,
        *,
        reports: Sequence[str],
        window: DateWindow | None,
        campaign_cycle: str | None,
        params: Mapping[str, Any],
        max_workers: int,
    ) -> ReportsPlan:
        """Check the reports and parameters against the registry; raise naming the bad field."""
        from airflow_provider_localiq.normalize import UnknownReportError, get_report

        names = [reports] if isinstance(reports, str) else list(reports)
        if not names:
            raise LocalIQInputError("reports", "is empty; name at least one report, e.g. ['lead_detail'].")
        if not isinstance(params, dict):
            raise LocalIQInputError(
                "report_params", f"must be a mapping of query parameters, got {params!r}."
            )
        for reserved in ("start_date", "end_date", "campaign_cycle", "page"):
            if reserved in params:
                raise LocalIQInputError(
                    "report_params",
                    f"must not set {reserved!r}; the operator sets it from its own arguments.",
                )

        for name in names:
            try:
                spec = get_report(name)
            except UnknownReportError as err:
                raise LocalIQInputError(
                    "reports", f"contains {name!r}, which is not a LocalIQ report: {err}"
                ) from None
            _check_report_params(spec, campaign_cycle, params)
        return cls(tuple(names), window, campaign_cycle, dict(params), max_workers)

    def batches(self, hook: LocalIQHook, gmaid: str, *, extracted_at: datetime) -> Iterator[TableBatch]:
        from airflow_provider_localiq.normalize import Normalizer, get_report

        def fetch(report: str) -> dict[str, Any]:
            return hook.get_report(report, gmaid, *self._dates(report), **self._query(report))

        documents = ordered_map(fetch, self.reports, max_workers=self.max_workers)
        for report, document in zip(self.reports, documents, strict=True):
            spec = get_report(report)
            first, last = self._scope_window(spec, document)
            yield from frames_to_batches(
                Normalizer(spec), document, gmaid=gmaid, first=first, last=last, extracted_at=extracted_at
            )

    def _dates(self, report: str) -> tuple[date | None, date | None]:
        from airflow_provider_localiq.normalize import get_report

        if self.window is None or get_report(report).params.dates == "none":
            return None, None
        return self.window.first, self.window.last

    def _query(self, report: str) -> dict[str, Any]:
        from airflow_provider_localiq.normalize import get_report

        query = dict(self.params)
        if self.campaign_cycle and get_report(report).params.campaign_cycle:
            query["campaign_cycle"] = self.campaign_cycle
        return query

    def _scope_window(
        self, spec: EndpointSpec, document: Mapping[str, Any]
    ) -> tuple[date | None, date | None]:
        """The days the stored rows stand for: the requested window, or the cycle's own dates."""
        if spec.params.dates == "none":
            return None, None
        if self.window is not None:
            return self.window.first, self.window.last
        return _iso_date(document.get("start_date")), _iso_date(document.get("end_date"))


@dataclass(frozen=True)
class LeadsPlan:
    """Contacts and interactions created in a window, read page by page in chunks, PII applied."""

    endpoints: tuple[str, ...]
    window: DateWindow
    pii: PiiPolicy
    salt: str
    chunk_rows: int

    def batches(self, hook: LocalIQHook, gmaid: str, *, extracted_at: datetime) -> Iterator[TableBatch]:
        # The endpoints are walked at the same time: each walk's first page must come back
        # before its other pages can be asked for, so one after the other would wait twice.
        walks = ordered_streams(
            (
                partial(self._endpoint_batches, hook, gmaid, endpoint, extracted_at)
                for endpoint in self.endpoints
            ),
            ahead=len(self.endpoints) - 1 if hook.max_workers > 1 else 0,
        )
        with closing(walks):
            for batches in walks:
                yield from batches

    def _endpoint_batches(
        self, hook: LocalIQHook, gmaid: str, endpoint: str, extracted_at: datetime
    ) -> Iterator[TableBatch]:
        from airflow_provider_localiq.normalize import Normalizer, get_endpoint

        created_after, created_before = self.window.first, self.window.exclusive_end
        spec = get_endpoint(endpoint)
        normalizer = Normalizer(spec)
        pages = hook.iter_crm_pages(spec.path, gmaid, created_after, created_before)  # type: ignore[arg-type]
        for records in _chunks(pages, self.chunk_rows):
            yield from frames_to_batches(
                normalizer,
                _unique_by_id(records),
                gmaid=gmaid,
                first=created_after,
                last=created_before,
                extracted_at=extracted_at,
                transform=None if self.pii == "keep" else partial(_pii, spec, self.pii, self.salt),
                pii=self.pii,
            )


def frames_to_batches(
    normalizer: Normalizer,
    document: Mapping[str, Any] | list[dict[str, Any]],
    *,
    gmaid: str,
    first: date | None,
    last: date | None,
    extracted_at: datetime,
    transform: Any = None,
    pii: PiiPolicy = "keep",
) -> Iterator[TableBatch]:
    """Normalise one document (or one chunk of CRM records) and wrap each table as a batch.

    Empty tables are yielded too: a ``replace`` write must still clear a window that has no rows now.
    """
    from airflow_provider_localiq.normalize import RowContext

    context = RowContext(gmaid=gmaid, window_start=first, window_end=last, extracted_at=extracted_at)
    # Without a transform the Arrow tables go to the writer as they are, skipping pandas.
    frames: Mapping[str, pd.DataFrame | pa.Table]
    if transform is None:
        frames = normalizer.normalize_arrow(document, context)
    else:
        frames = transform(normalizer.normalize(document, context))
    schemas = normalizer.schemas()

    for table, frame in frames.items():
        schema = schemas[table].for_policy(pii)
        column_types = dict(schema.columns)
        if schema.row_date_column:
            # A table that has had no rows yet still needs its date column for the replace scope.
            column_types.setdefault(schema.row_date_column, "date")
        yield TableBatch(
            table=table,
            frame=frame,
            column_types=column_types,
            key_columns=schema.natural_key,
            scope=ReplaceScope(
                gmaid=gmaid,
                report=normalizer.endpoint.name,
                window_start=first,
                window_end=last,
                date_column=schema.row_date_column,
            ),
        )


def _pii(
    spec: EndpointSpec, pii: PiiPolicy, salt: str, frames: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    from airflow_provider_localiq.normalize import apply_pii_policy

    return apply_pii_policy(frames, spec, pii, salt)


def _check_report_params(spec: EndpointSpec, campaign_cycle: str | None, params: Mapping[str, Any]) -> None:
    if campaign_cycle and not spec.params.campaign_cycle:
        raise LocalIQInputError(
            "campaign_cycle", f"is not accepted by report {spec.name!r}; it reports on a date range only."
        )
    interval = params.get("interval_size")
    if interval is not None and interval not in spec.params.interval_sizes:
        accepted = ", ".join(map(repr, spec.params.interval_sizes)) or "none"
        raise LocalIQInputError(
            "report_params",
            f"sets interval_size={interval!r}, which report {spec.name!r} does not take (accepted: {accepted}).",
        )


def _chunks(pages: Iterable[list[dict[str, Any]]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Regroup pages of records into chunks of about ``size`` records (at least one, possibly empty)."""
    chunk: list[dict[str, Any]] = []
    emitted = False
    for page in pages:
        chunk.extend(page)
        if len(chunk) >= size:
            yield chunk
            chunk, emitted = [], True
    if chunk or not emitted:
        yield chunk


def _unique_by_id(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the last record of each id (a record can move between pages while they are read)."""
    if len({record.get("id") for record in records}) == len(records):
        return records
    return list({record.get("id"): record for record in records}.values())


def _iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None

"""What every LocalIQ operator shares: its arguments, their validation, and the extract flow.

A task plans its requests from its arguments and the run's dates, extracts the next advertisers
while it writes one, and hands each advertiser's table batches to a sink (Parquet files, a SQL
database) as one unit, in the given order: the sink writes all of it or none of it. A 403 for an
advertiser fails the task, or with ``on_forbidden="skip"`` skips that advertiser with a warning
naming the cause while the other advertisers are still written.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing, nullcontext
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from airflow_provider_localiq.concurrency import ordered_streams
from airflow_provider_localiq.exceptions import LocalIQInputError, LocalIQPermissionError
from airflow_provider_localiq.extract.plan import ExtractionPlan, LeadsPlan, ReportsPlan
from airflow_provider_localiq.validation import check_gmaid, check_window, to_date
from airflow_provider_localiq.windows import DateWindow, run_window

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from contextlib import AbstractContextManager

    from airflow.sdk import Context

    from airflow_provider_localiq.hooks.localiq import LocalIQHook
    from airflow_provider_localiq.load.batch import TableBatch

Extract = Literal["reports", "leads"]
PiiPolicy = Literal["keep", "hash", "drop"]
OnForbidden = Literal["fail", "skip"]
LeadEndpoint = Literal["crm_contacts", "crm_contact_interactions"]

EXTRACTS: tuple[str, ...] = ("reports", "leads")
PII_POLICIES: tuple[str, ...] = ("keep", "hash", "drop")
ON_FORBIDDEN: tuple[str, ...] = ("fail", "skip")
LEAD_ENDPOINTS: tuple[str, ...] = ("crm_contacts", "crm_contact_interactions")

#: Advertisers extracted ahead of the one being written (each buffers at most one batch).
ADVERTISERS_AHEAD = 3


class Sink(Protocol):
    """Where table batches go; ``unit()`` writes one advertiser's batches all or nothing."""

    rows_written: dict[str, int]

    def unit(self) -> AbstractContextManager[Callable[[TableBatch], None]]:
        """Open one all-or-nothing unit of work and return its write function."""


class LocalIQExtractOperator(BaseOperator):
    """Base of the LocalIQ operators: extract reports or leads for advertisers and a window.

    :param gmaid: advertiser id, or a list of them (templated). Map over the Identity API's
        advertisers for one task per advertiser.
    :param extract: ``"reports"`` or ``"leads"`` (contacts and contact interactions).
    :param reports: report names for ``extract="reports"``, e.g. ``["lead_detail", "unified_display"]``
        (templated).
    :param window_start: first day to extract (templated); default: from the run's data interval.
    :param window_end: last day to extract, inclusive (templated); default: from the data interval.
    :param campaign_cycle: a cycle id to report on instead of a date range (templated).
    :param report_params: extra query parameters for every report, e.g. ``{"interval_size": "calendar_week"}``
        (templated).
    :param leads: which CRM endpoints ``extract="leads"`` reads.
    :param lookback_days: days before the window that leads are re-read, for late arrivals (templated).
    :param pii: ``"keep"``, ``"hash"`` (salted SHA-256) or ``"drop"`` for the personal-data columns of leads.
    :param pii_salt_variable: Airflow Variable holding the salt for ``pii="hash"``; read at run time and masked.
    :param on_forbidden: ``"fail"`` (default) or ``"skip"`` an advertiser LocalIQ answers 403 for.
    :param timezone: time zone that turns the data interval into days; default the DAG's.
    :param localiq_conn_id: the LocalIQ connection.
    :param max_workers: concurrent requests per advertiser; while one advertiser is written the next
        three are already being fetched, all under the connection's one rate limit (1: one request
        at a time, one advertiser after the other).
    :param chunk_rows: lead records normalised and written per chunk; bounds the task's memory.
    """

    template_fields: Sequence[str] = (
        "gmaid",
        "reports",
        "window_start",
        "window_end",
        "campaign_cycle",
        "report_params",
        "lookback_days",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {"report_params": "json"}
    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        gmaid: str | Sequence[str],
        extract: Extract = "reports",
        reports: Sequence[str] = (),
        window_start: str | None = None,
        window_end: str | None = None,
        campaign_cycle: str | None = None,
        report_params: dict[str, Any] | None = None,
        leads: Sequence[LeadEndpoint] = LEAD_ENDPOINTS,  # type: ignore[assignment]
        lookback_days: int = 3,
        pii: PiiPolicy = "hash",
        pii_salt_variable: str = "localiq_pii_salt",
        on_forbidden: OnForbidden = "fail",
        timezone: str | None = None,
        localiq_conn_id: str = "localiq_default",
        max_workers: int = 4,
        chunk_rows: int = 5_000,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.gmaid = gmaid
        self.extract = extract
        self.reports = reports
        self.window_start = window_start
        self.window_end = window_end
        self.campaign_cycle = campaign_cycle
        self.report_params = report_params
        self.leads = leads
        self.lookback_days = lookback_days
        self.pii = pii
        self.pii_salt_variable = pii_salt_variable
        self.on_forbidden = on_forbidden
        self.timezone = timezone
        self.localiq_conn_id = localiq_conn_id
        self.max_workers = max_workers
        self.chunk_rows = chunk_rows

    def open_sink(self, context: Context) -> AbstractContextManager[Sink]:
        """Return the destination of the batches (defined by each operator)."""
        raise NotImplementedError

    def execute(self, context: Context) -> dict[str, Any]:
        """Validate, extract each advertiser as one unit, and return counts (never data) for XCom."""
        from airflow_provider_localiq.hooks.localiq import LocalIQHook

        plan = self.plan(context)
        gmaids = self.gmaids()
        hook = LocalIQHook(self.localiq_conn_id, max_workers=self.max_workers)
        # Read the connection now, so that a bad setting fails before the warehouse is opened.
        self.log.info("Extracting %d advertisers from %s.", len(gmaids), hook.settings.base_url)
        # Obtain the first token here, before any worker thread: credentials fail fast, and under
        # dag.test() Connection and Variable lookups are only safe from the task's own thread.
        hook.get_access_token()
        skipped: dict[str, str] = {}
        # The next advertisers are fetched while one is written, so the rate limit, not the
        # latency of each request, bounds the task; each still goes into its own unit.
        extractions = ordered_streams(
            (partial(_extract, plan, hook, gmaid) for gmaid in gmaids),
            ahead=ADVERTISERS_AHEAD if self.max_workers > 1 else 0,
        )

        with self.open_sink(context) as sink, _connection_kept(sink), closing(extractions):
            for gmaid, batches in zip(gmaids, extractions, strict=True):
                try:
                    with sink.unit() as write:
                        for batch in batches:
                            write(batch)
                except LocalIQPermissionError as err:
                    if self.on_forbidden == "fail":
                        raise
                    skipped[gmaid] = forbidden_cause(hook, gmaid, err)
                    self.log.warning(
                        "Skipping advertiser %s: LocalIQ answered 403 for %s (%s). Nothing was written "
                        "for it; fix the access with your LocalIQ account team or remove it from the list.",
                        gmaid,
                        err.endpoint,
                        skipped[gmaid],
                    )
            rows = dict(sink.rows_written)

        if skipped and len(skipped) == len(gmaids):
            raise AirflowSkipException(
                f"LocalIQ refused every advertiser of this task: {', '.join(f'{g} ({c})' for g, c in skipped.items())}."
            )
        self.log.info("Wrote %d rows into %d tables.", sum(rows.values()), len(rows))
        return {"rows": rows, "tables": sorted(rows), "skipped": sorted(skipped)}

    # ------------------------------------------------------------------ validation

    def gmaids(self) -> list[str]:
        """The advertisers of this task, validated."""
        many = isinstance(self.gmaid, Iterable) and not isinstance(self.gmaid, str)
        values = list(self.gmaid) if many else [self.gmaid]
        if not values:
            raise LocalIQInputError("gmaid", "is an empty list; give at least one advertiser id.")
        return [check_gmaid(value) for value in values]

    def plan(self, context: Context) -> ExtractionPlan:
        """Check every argument and build the requests, before any network call."""
        self._check_choice("extract", self.extract, EXTRACTS)
        self._check_choice("on_forbidden", self.on_forbidden, ON_FORBIDDEN)
        if self.max_workers < 1:
            raise LocalIQInputError("max_workers", f"must be at least 1, got {self.max_workers!r}.")
        if self.chunk_rows < 1:
            raise LocalIQInputError("chunk_rows", f"must be at least 1, got {self.chunk_rows!r}.")
        self.gmaids()
        window = self._window(context)

        if self.extract == "reports":
            return ReportsPlan.build(
                reports=self.reports,
                window=window,
                campaign_cycle=self.campaign_cycle or None,
                params=self.report_params or {},
                max_workers=self.max_workers,
            )
        return self._leads_plan(window)

    def _leads_plan(self, window: DateWindow | None) -> LeadsPlan:
        self._check_choice("pii", self.pii, PII_POLICIES)
        for endpoint in self.leads:
            self._check_choice("leads", endpoint, LEAD_ENDPOINTS)
        lookback = _non_negative_int("lookback_days", self.lookback_days)
        if window is None:
            raise LocalIQInputError("campaign_cycle", "applies to reports only; leads are read by date.")
        salt = self._pii_salt() if self.pii == "hash" else ""
        return LeadsPlan(
            endpoints=tuple(self.leads),
            window=window.widened(lookback),
            pii=self.pii,
            salt=salt,
            chunk_rows=self.chunk_rows,
        )

    def _window(self, context: Context) -> DateWindow | None:
        explicit = self.window_start not in (None, "") or self.window_end not in (None, "")
        if self.campaign_cycle:
            if explicit:
                raise LocalIQInputError(
                    "campaign_cycle",
                    "cannot be combined with window_start/window_end; give one or the other.",
                )
            return None
        if explicit:
            if self.window_start in (None, "") or self.window_end in (None, ""):
                missing = "window_end" if self.window_end in (None, "") else "window_start"
                raise LocalIQInputError(missing, "is required when the other end of the window is given.")
            first = to_date(self.window_start, "window_start")
            last = to_date(self.window_end, "window_end")
            check_window(first, last, start_field="window_start", end_field="window_end")
            return DateWindow(first, last)
        return run_window(context, self.timezone)

    def _pii_salt(self) -> str:
        from airflow.sdk import Variable
        from airflow.sdk.log import mask_secret

        salt = Variable.get(self.pii_salt_variable, default=None)
        if not salt:
            raise LocalIQInputError(
                "pii_salt_variable",
                f"names Variable {self.pii_salt_variable!r}, which is empty or missing; set it to a long "
                "random string (keep it stable: changing it changes every hash), or use pii='drop'.",
            )
        mask_secret(salt)
        return str(salt)

    @staticmethod
    def _check_choice(field: str, value: object, choices: tuple[str, ...]) -> None:
        if value not in choices:
            raise LocalIQInputError(field, f"must be one of {', '.join(map(repr, choices))}, got {value!r}.")


def _connection_kept(sink: Sink) -> AbstractContextManager[object]:
    """Let a SQL sink reuse one database connection for all the task's units (one DuckDB open)."""
    kept_open = getattr(getattr(sink, "writer", None), "kept_open", None)
    return kept_open() if callable(kept_open) else nullcontext()


def _extract(plan: ExtractionPlan, hook: LocalIQHook, gmaid: str) -> Iterator[TableBatch]:
    return plan.batches(hook, gmaid, extracted_at=datetime.now(UTC))


def forbidden_cause(hook: LocalIQHook, gmaid: str, error: LocalIQPermissionError) -> str:
    """Ask the Identity API why LocalIQ refused ``gmaid``; fall back to the documented causes."""
    try:
        advertisers = {a.get("gmaid"): a for a in hook.get_advertisers()}
    except Exception as err:  # the cause is a courtesy; the skip must not fail on it
        return f"cause unknown: the Identity API could not be asked ({type(err).__name__})"

    advertiser = advertisers.get(gmaid)
    if advertiser is None:
        return "the business user is not linked to this advertiser"
    if advertiser.get("active_state") == 0:
        return "the advertiser is inactive"
    if advertiser.get("hipaa_protected") and error.endpoint.startswith("/crm/"):
        return "the advertiser is HIPAA-protected and the user lacks HIPAA access"
    return "the Identity API lists it as readable; LocalIQ gave no further reason"


def _non_negative_int(field: str, value: object) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise LocalIQInputError(field, f"must be a whole number of days, got {value!r}.") from None
    if number < 0:
        raise LocalIQInputError(field, f"must be zero or more, got {value!r}.")
    return number

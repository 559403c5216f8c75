"""Checks for LocalIQ's paging styles: each page is validated before its records are used.

A paginator never loops and never returns part of a result silently: a repeated link, a link
whose filters differ from the request, a link that stops while pages remain, or more pages than
the bound each raise :class:`~airflow_provider_localiq.exceptions.LocalIQPaginationError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from airflow_provider_localiq.exceptions import LocalIQPaginationError

DEFAULT_MAX_PAGES = 10_000


@dataclass(frozen=True)
class CheckedPage:
    """Records of one page, and how many pages the endpoint says there are."""

    records: list[dict[str, Any]]
    total_pages: int


class NextLinkPages:
    """Validate the pages of ``/crm/contacts`` and ``/crm/contact_interactions``.

    Each page names the next one by an absolute URL built from the same filters, and a page past
    the end is an empty JSON array::

        {"page": 1, "total_pages": 3,
         "next_page_location": "https://api.localiqservices.com/crm/contacts?...&page=2",
         "contacts": [{"id": 862741, ...}, ...]}
    """

    def __init__(
        self,
        *,
        base_url: str,
        path: str,
        params: dict[str, Any],
        records_key: str,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self.base_url = base_url
        self.path = path
        self.filters = {key: str(value) for key, value in params.items() if key != "page"}
        self.records_key = records_key
        self.max_pages = max_pages
        self.total_pages: int | None = None

    def check(self, document: Any, page: int) -> CheckedPage:
        """Validate the document returned for ``page``; return its records."""
        if isinstance(document, list) and not document:
            if page == 1 or (self.total_pages is not None and page > self.total_pages):
                return CheckedPage(records=[], total_pages=self.total_pages or 0)
            self._fail(f"page {page} of {self.total_pages} came back as an empty array")
        if not isinstance(document, dict):
            self._fail(f"page {page} is a JSON {type(document).__name__}, expected an object")

        total = document.get("total_pages")
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            self._fail(f"page {page} has no valid 'total_pages' (got {total!r})")
        if self.total_pages is None:
            if total > self.max_pages:
                self._fail(f"it reports {total} pages, more than the bound of {self.max_pages}")
            self.total_pages = total
        elif total != self.total_pages:
            self._fail(f"'total_pages' changed from {self.total_pages} to {total} while paging")
        served_page = document.get("page", page)
        if served_page != page:
            self._fail(f"page {page} was requested but page {served_page!r} was served")

        records = document.get(self.records_key)
        if not isinstance(records, list):
            self._fail(f"page {page} has no list {self.records_key!r}")
        self._check_next_link(document.get("next_page_location"), page, total)
        return CheckedPage(records=records, total_pages=total)

    def _check_next_link(self, link: Any, page: int, total: int) -> None:
        if page >= total:
            return
        if not link:
            self._fail(f"the next-page link is missing on page {page} of {total}")
        if not isinstance(link, str):
            self._fail(f"the next-page link on page {page} is not a string")

        parts = urlsplit(link)
        origin = urlsplit(self.base_url)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or parts.path != self.path:
            self._fail(
                f"the next-page link on page {page} leaves {self.base_url}{self.path}; "
                "it is not followed so that the access token is never sent elsewhere"
            )
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        next_page = query.pop("page", None)
        if query != self.filters:
            changed = sorted(
                key for key in set(query) | set(self.filters) if query.get(key) != self.filters.get(key)
            )
            self._fail(f"the next-page link on page {page} changes the filters {', '.join(changed)}")
        if next_page == str(page):
            self._fail(f"the next-page link on page {page} points at page {page} again")
        if next_page != str(page + 1):
            self._fail(f"the next-page link on page {page} points at page {next_page!r}, expected {page + 1}")

    def _fail(self, problem: str) -> None:
        raise LocalIQPaginationError(
            f"Paging {self.path} stopped: {problem}. No records were returned from this walk; "
            "the task can be retried, and if it keeps failing, report it to LocalIQ."
        )


class CountedPages:
    """Validate offset pages that carry a total row count instead of a page count.

    ``/identities/v3`` puts the count at the top (``advertiser_count``); the keyword reports put
    it at ``report_data.totals.keywords``::

        {"page": 1, "page_size": 5000, "advertiser_count": 2, "authorized_advertisers": [...]}
    """

    def __init__(
        self,
        *,
        path: str,
        count_path: tuple[str, ...],
        records_path: tuple[str, ...],
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self.path = path
        self.count_path = count_path
        self.records_path = records_path
        self.max_pages = max_pages

    def has_more(self, document: dict[str, Any], page: int, records_so_far: int) -> bool:
        """Whether another page must be fetched after ``page``; raise if the pages contradict."""
        count = _dig(document, self.count_path)
        page_size = document.get("page_size")
        if not isinstance(count, int) or not isinstance(page_size, int) or page_size <= 0:
            return False
        if records_so_far >= count:
            return False
        if not _dig(document, self.records_path):
            raise LocalIQPaginationError(
                f"Paging {self.path} stopped: page {page} is empty after {records_so_far} of {count} "
                "records. The task can be retried, and if it keeps failing, report it to LocalIQ."
            )
        if page >= self.max_pages:
            raise LocalIQPaginationError(
                f"Paging {self.path} stopped: more than {self.max_pages} pages for {count} records."
            )
        return True

    def records(self, document: dict[str, Any]) -> list[Any]:
        """The row list of one page (empty when absent)."""
        value = _dig(document, self.records_path)
        return value if isinstance(value, list) else []


def _dig(document: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document

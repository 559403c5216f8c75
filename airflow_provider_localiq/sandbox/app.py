"""The sandbox's HTTP routes: token endpoint, identity, client reports and CRM pages.

Handlers check credentials and access in the API's order (401, then 403, then 422) and build the
document in a worker thread, so a large page never stalls the event loop that paces latency.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from airflow_provider_localiq.sandbox.config import GMAID_PATTERN
from airflow_provider_localiq.sandbox.documents import crm_pages, identity
from airflow_provider_localiq.sandbox.documents.context import ReportContext
from airflow_provider_localiq.sandbox.documents.params import Query
from airflow_provider_localiq.sandbox.documents.registry import REPORTS
from airflow_provider_localiq.sandbox.encoding import encode
from airflow_provider_localiq.sandbox.errors import (
    INVALID_GRANT,
    NOT_AUTHORIZED,
    UNAUTHORIZED,
    ParameterError,
    body_for_status,
    parameter_error_body,
)
from airflow_provider_localiq.sandbox.generators.calendar import local_today
from airflow_provider_localiq.sandbox.generators.campaigns import campaigns_for
from airflow_provider_localiq.sandbox.generators.crm import CrmSource
from airflow_provider_localiq.sandbox.middleware import STATE_KEY, RequestState, SandboxMiddleware
from airflow_provider_localiq.sandbox.rows import count_all

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_localiq.sandbox.config import SandboxAdvertiser, SandboxConfig, SandboxUser
    from airflow_provider_localiq.sandbox.control import SandboxControl
    from airflow_provider_localiq.sandbox.middleware import ASGIApp

JSON = "application/json"
CRM_ID_ENDPOINTS = ("crm_contacts", "crm_contact_interactions")


class ApiError(Exception):
    """Stop handling a request and answer with ``status`` and ``body``."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def create_app(control: SandboxControl) -> ASGIApp:
    """Return the ASGI application of one sandbox, wired to ``control``."""
    app = FastAPI(title="LocaliQ sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    _add_error_handlers(app)

    @app.post("/oauth/token")
    async def token(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        return _token_response(control, request, body if isinstance(body, dict) else {})

    @app.get("/identities/v3")
    async def identities(request: Request) -> Response:
        config = control.config
        user = _authenticate(control, request)
        query = _query(request)
        requested = query.get("user")
        if not requested:
            raise ParameterError("user", "user (the business user's email) is required")
        if requested.strip().lower() != user.email.lower():
            raise ApiError(403, NOT_AUTHORIZED)
        return await _respond(request, "identities_v3", lambda: identity.build(config, user, query))

    @app.get("/client_reports/{report}/{gmaid}")
    async def client_report(report: str, gmaid: str, request: Request) -> Response:
        config = control.config
        user = _authenticate(control, request)
        if report not in REPORTS:
            raise ApiError(404, body_for_status(404))
        if not GMAID_PATTERN.match(gmaid):
            raise ApiError(
                404, json.dumps({"name": "not_found", "message": f"no advertiser {gmaid!r}"}).encode()
            )
        advertiser = _authorize(config, user, gmaid, crm=False)
        endpoint, builder = REPORTS[report]
        context = ReportContext(
            advertiser, config.seed, config.today or local_today(), _query(request), config.keyword_page_size
        )
        return await _respond(request, endpoint, lambda: builder(context))

    @app.get("/crm/contacts")
    async def contacts(request: Request) -> Response:
        return await _crm(control, request, "contacts")

    @app.get("/crm/contact_interactions")
    async def contact_interactions(request: Request) -> Response:
        return await _crm(control, request, "contact_interactions")

    return SandboxMiddleware(app, control)


def _add_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return Response(error.body, status_code=error.status, media_type=JSON)

    async def parameter_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ParameterError)
        return Response(parameter_error_body(error), status_code=422, media_type=JSON)

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, StarletteHTTPException) else 500
        return Response(body_for_status(status), status_code=status, media_type=JSON)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(ParameterError, parameter_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _query(request: Request) -> Query:
    return Query(request.query_params.multi_items())


def _state(request: Request) -> RequestState | None:
    state = request.scope.get(STATE_KEY)
    return state if isinstance(state, RequestState) else None


def _token_response(control: SandboxControl, request: Request, body: dict[str, Any]) -> Response:
    """Run one grant; every failure is the documented ``invalid_grant`` 400."""
    config = control.config
    grant_type = body.get("grant_type")
    state = _state(request)
    if state is not None and isinstance(grant_type, str):
        state.record.grant_type = grant_type

    invalid = Response(INVALID_GRANT, status_code=400, media_type=JSON)
    if body.get("client_id") != config.client_id or body.get("client_secret") != config.client_secret:
        return invalid

    email: str | None = None
    if grant_type == "password":
        user = config.user(str(body.get("username", "")))
        if user is not None and body.get("password") == user.password:
            email = user.email
    elif grant_type == "refresh_token":
        email = control.tokens.redeem_refresh_token(str(body.get("refresh_token", "")))
    elif grant_type == "authorization_code":
        if body.get("redirect_uri"):
            email = control.tokens.redeem_authorization_code(str(body.get("code", "")))
    else:
        description = "grant_type must be password, refresh_token or authorization_code"
        document = {"error": "unsupported_grant_type", "error_description": description}
        return Response(json.dumps(document).encode(), status_code=400, media_type=JSON)
    if email is None or config.user(email) is None:
        return invalid

    issued = control.tokens.issue(email, config.token_ttl_seconds)
    return Response(
        json.dumps(issued.as_response()).encode(),
        media_type=JSON,
        headers={"cache-control": "no-store"},
    )


def _authenticate(control: SandboxControl, request: Request) -> SandboxUser:
    """Return the user behind the access token, taken with or without the ``Bearer`` prefix."""
    header = request.headers.get("authorization", "").strip()
    token = header[7:].strip() if header[:7].lower() == "bearer " else header
    email = control.tokens.user_for_access_token(token) if token else None
    user = control.config.user(email) if email else None
    if user is None:
        raise ApiError(401, UNAUTHORIZED)
    return user


def _authorize(config: SandboxConfig, user: SandboxUser, gmaid: str, *, crm: bool) -> SandboxAdvertiser:
    """Return the advertiser if ``user`` may read it here; 403 for unlinked, inactive or HIPAA cases."""
    advertiser = config.advertiser(gmaid)
    if advertiser is None or gmaid not in user.advertisers or advertiser.active_state == 0:
        raise ApiError(403, NOT_AUTHORIZED)
    if crm and advertiser.hipaa_protected and not (user.hipaa_access or config.hipaa_access):
        raise ApiError(403, NOT_AUTHORIZED)
    return advertiser


async def _crm(control: SandboxControl, request: Request, kind: crm_pages.CrmKind) -> Response:
    config = control.config
    user = _authenticate(control, request)
    query = _query(request)
    gmaid = query.get("global_master_advertiser_id")
    if not gmaid or not GMAID_PATTERN.match(gmaid):
        problem = "is required" if not gmaid else f"must look like USA_123, got {gmaid!r}"
        raise ParameterError("global_master_advertiser_id", f"global_master_advertiser_id {problem}")
    advertiser = _authorize(config, user, gmaid, crm=True)
    page_request = crm_pages.parse_request(query, kind)

    source = _crm_source(config, advertiser)
    settings = crm_pages.PageSettings(
        config.crm_page_size, config.pagination_fault, config.pagination_fault_page
    )
    base_url = str(request.base_url)
    endpoint = f"crm_{kind}"
    return await _respond(
        request, endpoint, lambda: crm_pages.build(source, kind, page_request, settings, base_url)
    )


def prepare_generators(config: SandboxConfig) -> None:
    """Build every advertiser's CRM generators now instead of on its first CRM request.

    A long-running server can then move them out of the garbage collector's way (``gc.freeze()``):
    pools built during a run make each full collection longer, and a server paused for a
    collection counts the requests that queued meanwhile as arriving together.
    """
    for advertiser in config.advertisers:
        _crm_source(config, advertiser)


def _crm_source(config: SandboxConfig, advertiser: SandboxAdvertiser) -> CrmSource:
    today = config.today or local_today()
    return CrmSource(
        seed=config.seed,
        gmaid=advertiser.gmaid,
        slot=config.advertisers.index(advertiser),
        contacts_per_day=_volume(advertiser.contacts_per_day, config.contacts_per_day),
        interactions_per_day=_volume(advertiser.interactions_per_day, config.interactions_per_day),
        campaigns=campaigns_for(config.seed, advertiser.gmaid, today),
    )


def _volume(override: int | None, default: int) -> int:
    return default if override is None else override


async def _respond(request: Request, endpoint: str, build: Callable[[], Any]) -> Response:
    """Build and encode the document off the event loop, noting its rows for the control handle."""
    state = _state(request)

    def produce() -> bytes:
        document = build()
        if state is not None:
            state.tally.endpoint = endpoint
            state.tally.rows = count_all(endpoint, document)
            if endpoint in CRM_ID_ENDPOINTS and isinstance(document, dict):
                state.tally.ids = {record["id"] for record in document[endpoint.removeprefix("crm_")]}
        return encode(document)

    return Response(await run_in_threadpool(produce), media_type=JSON)

"""OpenID4VP: presentation requests for verifiers (a tenant's API), the wallet-facing request and
response endpoints, and the employer's page with its QR code."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app import urls
from app.deps import ClockDep, PrincipalDep, SessionDep, SettingsDep, StateDep, TenantForIssue, TenantForRead
from app.errors import SafeJSONResponse
from app.oid4vp import service
from app.oid4vp.errors import ResponseRefused
from app.web.render import page_language, render_page
from media.qr import qr_svg
from schemas.api import PresentationRequestIn

__all__ = ["router"]

router = APIRouter(tags=["openid4vp"])

NO_STORE = {"Cache-Control": "no-store"}
_JAR_MEDIA_TYPE = "application/oauth-authz-req+jwt"


def _wallet(call: Callable[[], Any]) -> Response:
    """A wallet-facing step; a refusal becomes ``{error, error_description, reason}``."""
    try:
        body = call()
    except ResponseRefused as exc:
        return SafeJSONResponse(exc.body(), status_code=exc.status, headers=NO_STORE)
    if isinstance(body, str):
        return Response(body, media_type=_JAR_MEDIA_TYPE, headers=NO_STORE)
    return JSONResponse(body, headers=NO_STORE)


# -- for verifiers ----------------------------------------------------------------------------------
@router.post("/v1/issuers/{slug}/presentation-requests", status_code=status.HTTP_201_CREATED)
def create_presentation_request(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document
    tenant: TenantForIssue,
    body: PresentationRequestIn,
    state: StateDep,
    session: SessionDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> JSONResponse:
    """Ask a wallet for credentials (OpenID4VP 1.0, DCQL): the request URI, the deep link and its QR
    code, the status URL and the page for the employer's screen (``page_url``, its secret shown once)."""
    now = clock.now()
    request, view = service.create_request(state, session, tenant, body, actor=who, now=now)
    return JSONResponse(service.request_out(state.settings, tenant, request, view, now), status_code=201)


@router.get("/v1/issuers/{slug}/presentation-requests/{request_id}")
def get_presentation_request(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document
    request_id: uuid.UUID,
    tenant: TenantForRead,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> JSONResponse:
    """The request's status and, once a wallet answered, the result: every check of every presentation,
    the disclosed claims, and the reasons of a refusal."""
    return JSONResponse(
        service.status_out(settings, session, tenant, request_id, clock.now()), headers=NO_STORE
    )


# -- for wallets ------------------------------------------------------------------------------------
@router.get("/oid4vp/{slug}/requests/{request_id}")
def request_object_get(
    slug: str, request_id: uuid.UUID, state: StateDep, session: SessionDep, clock: ClockDep
) -> Response:
    """The signed request object (JAR) by reference (``request_uri``)."""
    return _wallet(
        lambda: service.request_object(state, session, slug, request_id, wallet_nonce=None, now=clock.now())
    )


@router.post("/oid4vp/{slug}/requests/{request_id}")
async def request_object_post(
    slug: str, request_id: uuid.UUID, request: Request, state: StateDep, session: SessionDep, clock: ClockDep
) -> Response:
    """The signed request object for ``request_uri_method=post`` (OpenID4VP 1.0 §5.10): the wallet's
    ``wallet_nonce`` is echoed in it."""
    async with request.form(max_files=0, max_fields=50) as form:
        fields = {k: str(v) for k, v in form.items()}

    def work() -> Response:
        return _wallet(
            lambda: service.request_object(
                state, session, slug, request_id, wallet_nonce=fields.get("wallet_nonce"), now=clock.now()
            )
        )

    return await run_in_threadpool(work)


@router.post("/oid4vp/{slug}/responses/{request_id}")
async def response_endpoint(
    slug: str, request_id: uuid.UUID, request: Request, state: StateDep, session: SessionDep, clock: ClockDep
) -> Response:
    """The ``response_uri`` (direct_post, direct_post.jwt): the wallet's answer, checked and stored."""
    async with request.form(max_files=0, max_fields=10, max_part_size=4 * 1024 * 1024) as form:
        fields = {k: str(v) for k, v in form.items()}

    def work() -> Response:
        return _wallet(lambda: service.answer(state, session, slug, request_id, fields, now=clock.now()))

    return await run_in_threadpool(work)


# -- the employer's page ----------------------------------------------------------------------------
@router.get("/oid4vp/{slug}/requests/{request_id}/qr.svg")
def request_qr_svg(
    slug: str, request_id: uuid.UUID, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """The deep link as an SVG QR code, for the employer's screen (cross-device)."""
    link = service.deep_link(settings, session, slug, request_id, now=clock.now())
    return Response(qr_svg(link, title="Scan with your wallet"), media_type="image/svg+xml", headers=NO_STORE)


@router.get("/oid4vp/{slug}/requests/{request_id}/poll", include_in_schema=False)
def request_poll(
    slug: str, request_id: uuid.UUID, session: SessionDep, clock: ClockDep, view: str | None = None
) -> JSONResponse:
    """What the page polls (with its secret): the request's status."""
    return JSONResponse(service.poll(session, slug, request_id, view=view, now=clock.now()), headers=NO_STORE)


@router.get("/oid4vp/{slug}/requests/{request_id}/page", include_in_schema=False)
def request_page(
    slug: str,
    request_id: uuid.UUID,
    http_request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    view: str | None = None,
    response_code: str | None = None,
) -> HTMLResponse:
    """The employer's page: the QR code and the deep link until the wallet answers, then what it
    disclosed, who issued it and every check (same-device: reached with the ``response_code``)."""
    context = service.page(
        settings, session, slug, request_id, view=view, response_code=response_code, now=clock.now()
    )
    context["request_uri"] = urls.presentation_request_url(settings, context["tenant"], context["request"])
    return render_page(
        "presentation_request.html",
        lang=page_language(http_request),
        keep_query=http_request.url.query,
        **context,
    )

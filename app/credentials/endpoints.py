"""Issuance, read-back and the public credential URL."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from app import urls
from app.credentials import service as issuance
from app.credentials.context import IssueContext
from app.db.models import Credential, Tenant
from app.deps import (
    ClockDep,
    IssueContextDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    StateDep,
    TenantForIssue,
    TenantForRead,
)
from app.oid4vci import offers as oid4vci
from app.tokens.auth import Principal
from app.verification.service import strict_json_body
from app.web import render as pages_render
from app.web import service as pages_service
from schemas.api import IDEMPOTENCY_KEY_PATTERN, INT64_MAX, CredentialIssueIn, CredentialOut, QueryDatetime

__all__ = ["router"]

router = APIRouter(tags=["credentials"])


_JWT_TYPES = ("application/vc+jwt", "application/jwt", "application/vc-ld+jwt")


def _wants_jwt(accept: str | None) -> bool:
    if not accept:
        return False
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in _JWT_TYPES


@router.post(
    "/v1/issuers/{slug}/credentials",
    status_code=status.HTTP_201_CREATED,
    response_model=CredentialOut,
    dependencies=[Depends(strict_json_body)],  # a member named twice: 400 duplicate-member
)
async def issue_credential(
    tenant: TenantForIssue,
    body: CredentialIssueIn,
    response: Response,
    session: SessionDep,
    ctx: IssueContextDep,
    who: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(pattern=IDEMPOTENCY_KEY_PATTERN, max_length=200)] = None,
) -> CredentialOut:
    """Issue a micro-credential in one or more formats. ``Idempotency-Key`` makes retries safe.

    With ``offer``, the response also carries a wallet offer (OpenID4VCI deep link, QR code, claim
    page, tx_code) made in the same transaction. A replay returns the same offer with a new tx_code
    (the first is stored only hashed), or none once it was redeemed, revoked or expired."""
    # One thread-pool hand-off for the issuance and its commit (a sync route would take one for the
    # route, one for its response model and one for the session's commit); the commit still comes
    # before the response, so a failed commit is an error response (the session dependency rolls back).
    out, created, location = await run_in_threadpool(
        _issue_and_commit, session, ctx, tenant, body, who, idempotency_key
    )
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = location
    return out


def _issue_and_commit(
    session: SessionDep,  # the request's session (a plain argument here: this runs in the thread pool)
    ctx: IssueContext,
    tenant: Tenant,
    body: CredentialIssueIn,
    who: Principal,
    idempotency_key: str | None,
) -> tuple[CredentialOut, bool, str]:
    credential, created = issuance.issue(
        session, ctx, tenant, body, actor=who, idempotency_key=idempotency_key
    )
    out = issuance.credential_out(session, ctx.settings, credential)
    if body.offer is not None:
        made = oid4vci.issuance_offer(
            session,
            ctx.settings,
            tenant,
            credential,
            formats=body.offer.formats,
            with_tx_code=body.offer.tx_code,
            replay=not created,
            actor=who,
            now=ctx.now,
        )
        if made is not None:
            out.offer = oid4vci.offer_out(ctx.settings, *made)
    session.commit()
    return out, created, urls.credential_url(ctx.settings, credential.id)


@router.get("/v1/issuers/{slug}/credentials", response_model=dict[str, Any])
def list_credentials(
    tenant: TenantForRead,
    session: SessionDep,
    ctx: IssueContextDep,
    achievement_id: uuid.UUID | None = None,
    recipient: Annotated[str | None, Query(max_length=500, description="DID, email or identifier")] = None,
    issued_after: QueryDatetime | None = None,
    issued_before: QueryDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
) -> dict[str, Any]:
    """List issued credentials with filters (template, recipient, issue date) and paging."""
    items, next_offset = issuance.list_credentials(
        session,
        ctx,
        tenant,
        achievement_id=achievement_id,
        recipient=recipient,
        issued_after=issued_after,
        issued_before=issued_before,
        offset=offset,
        limit=limit,
    )
    return {"items": [item.model_dump(mode="json") for item in items], "next_offset": next_offset}


def _credential_response(session: SessionDep, credential: Credential, accept: str | None) -> Response:
    doc = issuance.document(session, credential, prefer_jwt=_wants_jwt(accept))
    if doc.media_type.endswith("jwt"):
        return Response(doc.content, media_type=doc.media_type)
    return Response(doc.content, media_type="application/vc+ld+json")


@router.get("/v1/issuers/{slug}/credentials/{credential_id}")
def get_credential(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    credential_id: uuid.UUID,
    tenant: TenantForRead,
    session: SessionDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The credential exactly as issued: JSON-LD, or the VC-JWT with ``Accept: application/vc+jwt``."""
    return _credential_response(session, issuance.get_credential(session, tenant, credential_id), accept)


@router.get("/v1/issuers/{slug}/credentials/{credential_id}/record", response_model=CredentialOut)
def get_credential_record(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    credential_id: uuid.UUID,
    tenant: TenantForRead,
    session: SessionDep,
    settings: SettingsDep,
) -> CredentialOut:
    """The issuance record: status, dates, template version and every format."""
    return issuance.credential_out(session, settings, issuance.get_credential(session, tenant, credential_id))


@router.get("/credentials/{credential_id}")
def public_credential(
    credential_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    state: StateDep,
    clock: ClockDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The credential's public URL (its ``id``), by content negotiation: the verification page for a
    browser (``text/html``), else the credential itself (JSON-LD, or the VC-JWT)."""
    if pages_render.wants_html(accept):
        lang = pages_render.page_language(request)
        return pages_service.credential_page(state, session, credential_id, now=clock.now(), lang=lang)
    response = _credential_response(session, issuance.get_credential(session, None, credential_id), accept)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response

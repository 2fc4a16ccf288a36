"""Issuance, read-back and the public credential URL."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy import select

from app import urls
from app.credentials import service as issuance
from app.db.models import Credential
from app.deps import ClockDep, CustodyDep, IssueContextDep, PrincipalDep, SessionDep, SettingsDep
from app.errors import BadRequest
from app.oid4vci import service as oid4vci
from app.tenants import service as tenants
from app.tokens.auth import authorize
from app.web import render as pages_render
from app.web import service as pages_service
from schemas.api import (
    CredentialIssueIn,
    CredentialOut,
    RecipientIn,
)

router = APIRouter(tags=["credentials"])


JWT_TYPES = ("application/vc+jwt", "application/jwt", "application/vc-ld+jwt")


def wants_jwt(accept: str | None) -> bool:
    if not accept:
        return False
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in JWT_TYPES


@router.post(
    "/v1/issuers/{slug}/credentials", status_code=status.HTTP_201_CREATED, response_model=CredentialOut
)
def issue_credential(
    slug: str,
    body: CredentialIssueIn,
    request: Request,
    response: Response,
    session: SessionDep,
    ctx: IssueContextDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
    who: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> CredentialOut:
    """Issue a micro-credential in one or more formats. ``Idempotency-Key`` makes retries safe.

    With ``offer``, the response also carries a wallet offer (OpenID4VCI deep link, QR code, claim
    page, tx_code) made in the same transaction. A replay returns the same offer with a new tx_code
    (the first is stored only hashed), or none once it was redeemed, revoked or expired."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "issue")
    credential, created = issuance.issue(
        session, ctx, tenant, body, actor=who, idempotency_key=idempotency_key
    )
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = urls.credential_url(settings, credential.id)
    out = issuance.credential_out(session, settings, credential)
    if body.offer is not None:
        made = oid4vci.issuance_offer(
            session,
            tenant,
            credential,
            formats=body.offer.formats,
            with_tx_code=body.offer.tx_code,
            replay=not created,
            actor=who,
            now=ctx.now,
        )
        if made is not None:
            out.offer = oid4vci.offer_out(settings, *made)
    return out


@router.get("/v1/issuers/{slug}/credentials", response_model=dict[str, Any])
def list_credentials(
    slug: str,
    request: Request,
    session: SessionDep,
    ctx: IssueContextDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
    who: PrincipalDep,
    achievement_id: uuid.UUID | None = None,
    recipient: Annotated[str | None, Query(max_length=500, description="DID, email or identifier")] = None,
    issued_after: dt.datetime | None = None,
    issued_before: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """List issued credentials with filters (template, recipient, issue date) and paging."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "read")
    stmt = select(Credential).where(Credential.tenant_id == tenant.id)
    if achievement_id is not None:
        stmt = stmt.where(Credential.template_id == achievement_id)
    if recipient:
        probe = RecipientIn(id=recipient) if ":" in recipient and "@" not in recipient else None
        if probe is None:
            probe = RecipientIn(email=recipient) if "@" in recipient else RecipientIn(identifier=recipient)
        stmt = stmt.where(Credential.recipient_lookup == issuance.lookup_for(ctx, tenant, probe))
    for value in (issued_after, issued_before):
        if value is not None and value.tzinfo is None:
            raise BadRequest("issued_after / issued_before need a time zone", type_name="invalid-query")
    if issued_after is not None:
        stmt = stmt.where(Credential.issued_at >= issued_after)
    if issued_before is not None:
        stmt = stmt.where(Credential.issued_at < issued_before)
    rows = session.scalars(
        stmt.order_by(Credential.issued_at, Credential.id).offset(offset).limit(limit + 1)
    ).all()
    items = [issuance.credential_out(session, settings, c).model_dump(mode="json") for c in rows[:limit]]
    return {"items": items, "next_offset": offset + limit if len(rows) > limit else None}


def _credential_response(session: SessionDep, credential: Credential, accept: str | None) -> Response:
    doc = issuance.document(session, credential, prefer_jwt=wants_jwt(accept))
    if doc.media_type.endswith("jwt"):
        return Response(doc.content, media_type=doc.media_type)
    return Response(doc.content, media_type="application/vc+ld+json")


@router.get("/v1/issuers/{slug}/credentials/{credential_id}")
def get_credential(
    slug: str,
    credential_id: uuid.UUID,
    session: SessionDep,
    who: PrincipalDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The credential exactly as issued: JSON-LD, or the VC-JWT with ``Accept: application/vc+jwt``."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "read")
    return _credential_response(session, issuance.get_credential(session, tenant, credential_id), accept)


@router.get("/v1/issuers/{slug}/credentials/{credential_id}/record", response_model=CredentialOut)
def get_credential_record(
    slug: str, credential_id: uuid.UUID, session: SessionDep, settings: SettingsDep, who: PrincipalDep
) -> CredentialOut:
    """The issuance record: status, dates, template version and every format."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "read")
    return issuance.credential_out(session, settings, issuance.get_credential(session, tenant, credential_id))


@router.get("/credentials/{credential_id}")
def public_credential(
    credential_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The credential's public URL (its ``id``), by content negotiation: the verification page for a
    browser (``text/html``), else the credential itself (JSON-LD, or the VC-JWT)."""
    if pages_render.wants_html(accept):
        return pages_service.credential_page(request, session, settings, custody, clock, credential_id)
    response = _credential_response(session, issuance.get_credential(session, None, credential_id), accept)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response

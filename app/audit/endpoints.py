"""The audit log, per issuer and for the whole service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service as audit
from app.deps import PrincipalDep, SessionDep, TenantForAdmin
from app.tokens.auth import authorize
from schemas.api import INT64_MAX, AuditEventOut

__all__ = ["router"]

router = APIRouter(tags=["issuers"])


@router.get("/v1/issuers/{slug}/audit", response_model=list[AuditEventOut])
def issuer_audit(
    tenant: TenantForAdmin,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEventOut]:
    """The issuer's audit log, oldest first; page with ``after`` (the last id seen)."""
    events = audit.list_events(session, tenant=tenant, after_id=after, limit=limit)
    return [audit.event_out(event, slug) for event, slug in events]


@router.get("/v1/audit", response_model=list[AuditEventOut])
def service_audit(
    session: SessionDep,
    who: PrincipalDep,
    after: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEventOut]:
    """The whole audit log (service admin)."""
    authorize(who, None, "admin")
    events = audit.list_events(session, tenant=None, after_id=after, limit=limit)
    return [audit.event_out(event, slug) for event, slug in events]

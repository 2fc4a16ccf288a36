"""The audit log, per issuer and for the whole service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service as audit
from app.deps import PrincipalDep, SessionDep
from app.tenants import service as tenants
from app.tokens.auth import authorize
from schemas.api import (
    AuditEventOut,
)

router = APIRouter(tags=["issuers"])


def _events(rows: list[tuple[object, str | None]]) -> list[AuditEventOut]:
    out = []
    for event, slug in rows:
        out.append(AuditEventOut.model_validate({**vars(event), "tenant": slug}))
    return out


@router.get("/v1/issuers/{slug}/audit", response_model=list[AuditEventOut])
def issuer_audit(
    slug: str,
    session: SessionDep,
    who: PrincipalDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEventOut]:
    """The issuer's audit log, oldest first; page with ``after`` (the last id seen)."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    return _events(list(audit.list_events(session, tenant=tenant, after_id=after, limit=limit)))


@router.get("/v1/audit", response_model=list[AuditEventOut])
def service_audit(
    session: SessionDep,
    who: PrincipalDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEventOut]:
    """The whole audit log (service admin)."""
    authorize(who, None, "admin")
    return _events(list(audit.list_events(session, tenant=None, after_id=after, limit=limit)))

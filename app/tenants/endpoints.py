"""Issuers (tenants): create, list, read, update."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from app.deps import PrincipalDep, SessionDep, SettingsDep, TenantForAdmin, TenantForRead
from app.tenants import service as tenants
from app.tokens.auth import Principal, authorize
from schemas.api import (
    TenantCreate,
    TenantOut,
    TenantUpdate,
)

__all__ = ["router"]

router = APIRouter(tags=["issuers"])


def _service_admin(who: PrincipalDep) -> Principal:
    """The caller, once known to be a service administrator: refused (403) before the body is validated."""
    authorize(who, None, "admin")
    return who


@router.post("/v1/issuers", status_code=status.HTTP_201_CREATED, response_model=TenantOut)
def create_issuer(
    body: TenantCreate,
    session: SessionDep,
    settings: SettingsDep,
    who: Annotated[Principal, Depends(_service_admin)],
) -> TenantOut:
    """Create an issuer tenant (service admin)."""
    return tenants.tenant_out(settings, tenants.create(session, body, actor=who))


@router.get("/v1/issuers", response_model=list[TenantOut])
def list_issuers(session: SessionDep, settings: SettingsDep, who: PrincipalDep) -> list[TenantOut]:
    """List issuer tenants (service admin)."""
    authorize(who, None, "admin")
    return [tenants.tenant_out(settings, t) for t in tenants.list_all(session)]


@router.get("/v1/issuers/{slug}", response_model=TenantOut)
def get_issuer(tenant: TenantForRead, settings: SettingsDep) -> TenantOut:
    """Read an issuer tenant."""
    return tenants.tenant_out(settings, tenant)


@router.patch("/v1/issuers/{slug}", response_model=TenantOut)
def update_issuer(
    tenant: TenantForAdmin, body: TenantUpdate, session: SessionDep, settings: SettingsDep, who: PrincipalDep
) -> TenantOut:
    """Update an issuer's profile."""
    return tenants.tenant_out(settings, tenants.update(session, tenant, body, actor=who))

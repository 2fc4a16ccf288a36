"""Issuer trust: vouching for a tenant and imported trust lists (service administrators), and the DIF
DID Configuration resources (this service's own, and each tenant's for its own domain)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.db.models import Tenant
from app.deps import ClockDep, CustodyDep, PrincipalDep, SessionDep, SettingsDep, TenantForAdmin
from app.errors import NotFound, SafeJSONResponse
from app.tokens.auth import Principal, authorize
from app.trust import service as trust

__all__ = ["router"]

router = APIRouter(tags=["trust"])


def _service_admin(who: PrincipalDep) -> Principal:
    """The caller, once known to be a service administrator: refused (403) before the body is validated."""
    authorize(who, None, "admin")
    return who


ServiceAdmin = Annotated[Principal, Depends(_service_admin)]
ListName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


class VouchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vouched: bool


class VouchOut(BaseModel):
    slug: str
    vouched: bool


class TrustListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[trust.TrustEntryIn] = Field(max_length=10_000)


class TrustListOut(BaseModel):
    name: str
    entries: list[trust.TrustEntryIn]
    updated_at: dt.datetime


def _vouchable(tenant: TenantForAdmin, who: PrincipalDep) -> Tenant:
    """The issuer in the path, for a service administrator only: another issuer's token learns nothing
    of it (404, as everywhere under /v1/issuers/{slug}), its own a 403, both before the body is read."""
    authorize(who, None, "admin")
    return tenant


@router.put("/v1/issuers/{slug}/vouched", response_model=VouchOut)
def vouch_for_issuer(
    tenant: Annotated[Tenant, Depends(_vouchable)], body: VouchIn, session: SessionDep, who: PrincipalDep
) -> VouchOut:
    """Vouch for an issuer (service admin): it becomes a known issuer on this deployment's own list."""
    tenant = trust.set_vouched(session, tenant, body.vouched, actor=who)
    return VouchOut(slug=tenant.slug, vouched=tenant.vouched)


@router.get("/v1/trust-lists", response_model=list[TrustListOut])
def list_trust_lists(session: SessionDep, who: ServiceAdmin) -> list[TrustListOut]:
    """The imported trust lists (service admin)."""
    return [TrustListOut.model_validate(row, from_attributes=True) for row in trust.list_lists(session)]


@router.put("/v1/trust-lists/{name}", response_model=TrustListOut)
def put_trust_list(name: ListName, body: TrustListIn, session: SessionDep, who: ServiceAdmin) -> TrustListOut:
    """Create or replace an imported trust list (service admin): issuers by DID or https URL, with names."""
    row = trust.put_list(session, name, body.entries, actor=who)
    return TrustListOut.model_validate(row, from_attributes=True)


@router.delete("/v1/trust-lists/{name}", status_code=204)
def delete_trust_list(name: ListName, session: SessionDep, who: ServiceAdmin) -> Response:
    """Remove an imported trust list (service admin)."""
    trust.delete_list(session, name, actor=who)
    return Response(status_code=204)


@router.get("/v1/issuers/{slug}/did-configuration.json")
def issuer_did_configuration(
    tenant: TenantForAdmin, session: SessionDep, settings: SettingsDep, custody: CustodyDep, clock: ClockDep
) -> dict[str, Any]:
    """The issuer's DIF DID Configuration for the origin of its ``url``: serve it there at
    ``/.well-known/did-configuration.json`` so that verifiers show the domain as verified."""
    return trust.tenant_did_configuration(session, settings, custody, tenant, now=clock.now())


@router.get("/.well-known/did-configuration.json")
def own_did_configuration(
    session: SessionDep, settings: SettingsDep, custody: CustodyDep, clock: ClockDep
) -> SafeJSONResponse:
    """This service's DIF DID Configuration: its origin linked to the issuers a service administrator
    vouches for whose ``url`` is this origin (none on an http base URL)."""
    document = trust.own_did_configuration(session, settings, custody, now=clock.now())
    if document is None:
        raise NotFound("this service publishes no DID configuration on an http base URL")
    return SafeJSONResponse(document, headers={"Access-Control-Allow-Origin": "*"})

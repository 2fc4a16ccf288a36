"""Admin API: issuer tenants, API tokens, signing keys, audit log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.deps import ClockDep, CustodyDep, PrincipalDep, SessionDep, SettingsDep
from app.services import audit, keys, tenants, tokens
from app.services.auth import authorize
from proofs.keys import KeyAlgorithm
from schemas.api import (
    AuditEventOut,
    CertificateIn,
    KeyCreate,
    KeyOut,
    KeyRotate,
    TenantCreate,
    TenantOut,
    TenantUpdate,
    TokenCreate,
    TokenCreated,
    TokenOut,
)

router = APIRouter(prefix="/v1", tags=["issuers"])


@router.post("/issuers", status_code=status.HTTP_201_CREATED, response_model=TenantOut)
def create_issuer(
    body: TenantCreate, session: SessionDep, settings: SettingsDep, who: PrincipalDep
) -> TenantOut:
    """Create an issuer tenant (service admin)."""
    authorize(who, None, "admin")
    return tenants.tenant_out(settings, tenants.create(session, body, actor=who))


@router.get("/issuers", response_model=list[TenantOut])
def list_issuers(session: SessionDep, settings: SettingsDep, who: PrincipalDep) -> list[TenantOut]:
    """List issuer tenants (service admin)."""
    authorize(who, None, "admin")
    return [tenants.tenant_out(settings, t) for t in tenants.list_all(session)]


@router.get("/issuers/{slug}", response_model=TenantOut)
def get_issuer(slug: str, session: SessionDep, settings: SettingsDep, who: PrincipalDep) -> TenantOut:
    """Read an issuer tenant."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "read")
    return tenants.tenant_out(settings, tenant)


@router.patch("/issuers/{slug}", response_model=TenantOut)
def update_issuer(
    slug: str, body: TenantUpdate, session: SessionDep, settings: SettingsDep, who: PrincipalDep
) -> TenantOut:
    """Update an issuer's profile."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    return tenants.tenant_out(settings, tenants.update(session, tenant, body, actor=who))


@router.post("/issuers/{slug}/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(slug: str, body: TokenCreate, session: SessionDep, who: PrincipalDep) -> TokenCreated:
    """Create an API token for the issuer; the token is shown only in this response."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    return tokens.create(session, tenant, body, actor=who)


@router.get("/issuers/{slug}/tokens", response_model=list[TokenOut])
def list_tokens(slug: str, session: SessionDep, who: PrincipalDep) -> list[TokenOut]:
    """List the issuer's API tokens (never the secrets)."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    return [tokens.token_out(t) for t in tokens.list_for(session, tenant)]


@router.delete("/issuers/{slug}/tokens/{token_id}", response_model=TokenOut)
def revoke_token(slug: str, token_id: uuid.UUID, session: SessionDep, who: PrincipalDep) -> TokenOut:
    """Revoke an API token."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    return tokens.token_out(tokens.revoke(session, tenant, token_id, actor=who))


@router.post("/issuers/{slug}/keys", status_code=status.HTTP_201_CREATED, response_model=KeyOut)
def create_key(
    slug: str,
    body: KeyCreate,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    who: PrincipalDep,
) -> KeyOut:
    """Generate a signing key (Ed25519 or P-256)."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    row = keys.create(session, tenant, KeyAlgorithm(body.type), custody=custody, actor=who)
    return keys.key_out(settings, tenant, row)


@router.post("/issuers/{slug}/keys/rotate", status_code=status.HTTP_201_CREATED, response_model=KeyOut)
def rotate_key(
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    who: PrincipalDep,
    body: KeyRotate | None = None,
) -> KeyOut:
    """Rotate the active key of a type; the old key stays published for verification."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    algorithm = KeyAlgorithm((body or KeyRotate()).type)
    row = keys.rotate(session, tenant, algorithm, custody=custody, actor=who)
    return keys.key_out(settings, tenant, row)


@router.post("/issuers/{slug}/keys/{key_id}/retire", response_model=KeyOut)
def retire_key(
    slug: str, key_id: uuid.UUID, session: SessionDep, settings: SettingsDep, who: PrincipalDep
) -> KeyOut:
    """Withdraw a rotated-out key from the DID document and JWKS."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    return keys.key_out(settings, tenant, keys.retire(session, tenant, key_id, actor=who))


@router.put("/issuers/{slug}/keys/{key_id}/certificate", response_model=KeyOut)
def import_certificate(
    slug: str,
    key_id: uuid.UUID,
    body: CertificateIn,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> KeyOut:
    """Attach the institution's X.509 chain (PEM, leaf first, up to its root) to the active P-256 key:
    SD-JWT VCs then carry it as ``x5c`` instead of the development CA's."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    row = keys.import_certificate(session, tenant, key_id, body.pem, actor=who, now=clock.now())
    return keys.key_out(settings, tenant, row)


@router.get("/issuers/{slug}/keys", response_model=list[KeyOut])
def list_keys(slug: str, session: SessionDep, settings: SettingsDep, who: PrincipalDep) -> list[KeyOut]:
    """List the issuer's keys (public parts only)."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "read")
    return [keys.key_out(settings, tenant, k) for k in keys.list_keys(session, tenant)]


def _events(rows: list[tuple[object, str | None]]) -> list[AuditEventOut]:
    out = []
    for event, slug in rows:
        out.append(AuditEventOut.model_validate({**vars(event), "tenant": slug}))
    return out


@router.get("/issuers/{slug}/audit", response_model=list[AuditEventOut])
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


@router.get("/audit", response_model=list[AuditEventOut])
def service_audit(
    session: SessionDep,
    who: PrincipalDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEventOut]:
    """The whole audit log (service admin)."""
    authorize(who, None, "admin")
    return _events(list(audit.list_events(session, tenant=None, after_id=after, limit=limit)))

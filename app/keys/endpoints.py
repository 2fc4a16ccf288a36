"""Issuers' keys: create, rotate, retire, import a certificate, list; the published did:web DID document
and JWKS."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from app.deps import (
    ClockDep,
    CustodyDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TenantForAdmin,
    TenantForRead,
)
from app.keys import service as keys
from app.tenants import service as tenants
from app.urls import issuer_identifier
from proofs.keys import KeyAlgorithm
from schemas.api import (
    CertificateIn,
    KeyCreate,
    KeyOut,
    KeyRotate,
)

__all__ = ["router"]

router = APIRouter(tags=["public"])


_CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}


@router.get("/issuers/{slug}/did.json")
def did_document(slug: str, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """The issuer's DID document (did:web), with every published key as a Multikey."""
    tenant = tenants.get_by_slug(session, slug)
    doc = keys.published_did_document(session, settings, tenant)
    return JSONResponse(doc, media_type="application/did+json", headers=_CORS)


@router.get("/issuers/{slug}/jwks.json")
def jwks(slug: str, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """The issuer's JWK Set (same keys and ids as the DID document)."""
    tenant = tenants.get_by_slug(session, slug)
    doc = keys.published_jwks(session, settings, tenant)
    return JSONResponse(doc, media_type="application/jwk-set+json", headers=_CORS)


@router.post("/v1/issuers/{slug}/keys", status_code=status.HTTP_201_CREATED, response_model=KeyOut)
def create_key(
    tenant: TenantForAdmin,
    body: KeyCreate,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    who: PrincipalDep,
) -> KeyOut:
    """Generate a signing key (Ed25519, P-256 or P-384)."""
    row = keys.create(session, tenant, KeyAlgorithm(body.type), custody=custody, actor=who)
    return keys.key_out(settings, tenant, row)


@router.post("/v1/issuers/{slug}/keys/rotate", status_code=status.HTTP_201_CREATED, response_model=KeyOut)
def rotate_key(
    tenant: TenantForAdmin,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    who: PrincipalDep,
    body: KeyRotate | None = None,
) -> KeyOut:
    """Rotate the active key of a type; the old key stays published for verification."""
    algorithm = KeyAlgorithm((body or KeyRotate()).type)
    row = keys.rotate(session, tenant, algorithm, custody=custody, actor=who)
    return keys.key_out(settings, tenant, row)


@router.post("/v1/issuers/{slug}/keys/{key_id}/retire", response_model=KeyOut)
def retire_key(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    key_id: uuid.UUID,
    tenant: TenantForAdmin,
    session: SessionDep,
    settings: SettingsDep,
    who: PrincipalDep,
) -> KeyOut:
    """Withdraw a rotated-out key from the DID document and JWKS."""
    return keys.key_out(settings, tenant, keys.retire(session, tenant, key_id, actor=who))


@router.put("/v1/issuers/{slug}/keys/{key_id}/certificate", response_model=KeyOut)
def import_certificate(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    key_id: uuid.UUID,
    tenant: TenantForAdmin,
    body: CertificateIn,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> KeyOut:
    """Attach the institution's X.509 chain (PEM, leaf first, up to its root) to the active P-256 key:
    SD-JWT VCs then carry it as ``x5c`` instead of the development CA's."""
    issuer = issuer_identifier(settings, tenant)
    row = keys.import_certificate(
        session, tenant, key_id, body.pem, actor=who, now=clock.now(), issuer=issuer
    )
    return keys.key_out(settings, tenant, row)


@router.get("/v1/issuers/{slug}/keys", response_model=list[KeyOut])
def list_keys(tenant: TenantForRead, session: SessionDep, settings: SettingsDep) -> list[KeyOut]:
    """List the issuer's keys (public parts only)."""
    return [keys.key_out(settings, tenant, k) for k in keys.list_keys(session, tenant)]

"""Issuer tenants: create, update, look up; their DID and OB 3.0 Profile."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app import urls
from app.audit import service as audit
from app.db.models import Tenant
from app.errors import Conflict, NotFound
from app.settings import Settings
from app.tenants import repository
from app.tokens.auth import Principal
from issuer.profile import issuer_profile
from schemas.api import TenantCreate, TenantOut, TenantUpdate, unstorable_text

__all__ = [
    "create",
    "get_by_id",
    "get_by_slug",
    "list_all",
    "tenant_did",
    "tenant_out",
    "tenant_profile",
    "update",
]


def tenant_did(settings: Settings, tenant: Tenant) -> str | None:
    """did:web:HOST[:base path]:issuers:SLUG, or the tenant's fixed did:key (None before its first key)."""
    if tenant.did_method == "key":
        return tenant.did_key
    return urls.tenant_did_web(settings, tenant)


def tenant_profile(settings: Settings, tenant: Tenant) -> dict[str, Any]:
    return issuer_profile(
        issuer_id=tenant_did(settings, tenant) or urls.issuer_identifier(settings, tenant),
        other_identifiers=tenant.other_identifiers,
        **_public_fields(tenant),
    )


def _public_fields(tenant: Tenant) -> dict[str, Any]:
    """What the issuer says of itself, named alike in its OB 3.0 Profile and in the API's ``TenantOut``."""
    return {
        "name": tenant.name,
        "url": tenant.url,
        "email": tenant.email,
        "address": tenant.address,
        "description": tenant.description,
        "image": tenant.image,
    }


def tenant_out(settings: Settings, tenant: Tenant) -> TenantOut:
    return TenantOut(
        id=tenant.id,
        slug=tenant.slug,
        did=tenant_did(settings, tenant),
        did_method=tenant.did_method,
        suspension_enabled=tenant.suspension_enabled,
        otherIdentifier=tenant.other_identifiers,
        profile=tenant_profile(settings, tenant),
        created_at=tenant.created_at,
        updated_at=tenant.updated_at,
        **_public_fields(tenant),
    )


def get_by_slug(session: Session, slug: str) -> Tenant:
    """The issuer with this slug (from a URL: any text), else NotFound. A slug no issuer can have (NUL,
    a lone surrogate: PostgreSQL would refuse the query) is not looked up."""
    if unstorable_text(slug):
        raise NotFound("no such issuer")
    tenant = repository.by_slug(session, slug)
    if tenant is None:
        raise NotFound("no such issuer")
    return tenant


def get_by_id(session: Session, tenant_id: uuid.UUID) -> Tenant:
    tenant = repository.by_id(session, tenant_id)
    if tenant is None:
        raise NotFound("no such issuer")
    return tenant


def list_all(session: Session) -> Sequence[Tenant]:
    return repository.all_by_slug(session)


def create(session: Session, body: TenantCreate, *, actor: Principal | None) -> Tenant:
    if repository.slug_taken(session, body.slug):
        raise Conflict(f"the slug '{body.slug}' is taken", type_name="slug-taken")
    tenant = Tenant(
        slug=body.slug,
        name=body.name,
        url=body.url,
        email=body.email,
        address=body.address.model_dump(exclude_none=True),
        description=body.description,
        image=body.image,
        other_identifiers=[o.model_dump() for o in body.otherIdentifier],
        did_method=body.did_method,
        suspension_enabled=body.suspension_enabled,
    )
    if not repository.add(session, tenant):
        raise Conflict(f"the slug '{body.slug}' is taken", type_name="slug-taken")
    _audit(
        session,
        tenant,
        "tenant.create",
        {"did_method": tenant.did_method, "suspension_enabled": tenant.suspension_enabled},
        actor=actor,
    )
    return tenant


def update(session: Session, tenant: Tenant, body: TenantUpdate, *, actor: Principal | None) -> Tenant:
    changes = body.model_dump(exclude_unset=True)
    if "address" in changes and body.address is not None:
        changes["address"] = body.address.model_dump(exclude_none=True)
    if "otherIdentifier" in changes:
        others = body.otherIdentifier or []
        changes.pop("otherIdentifier")
        tenant.other_identifiers = [o.model_dump() for o in others]
    for field in ("name", "url", "email"):
        if field in changes and changes[field] is None:
            changes.pop(field)
    for field, value in changes.items():
        setattr(tenant, field, value)
    repository.save(session)
    _audit(
        session, tenant, "tenant.update", {"fields": sorted(body.model_dump(exclude_unset=True))}, actor=actor
    )
    return tenant


def _audit(
    session: Session, tenant: Tenant, action: str, details: dict[str, Any], *, actor: Principal | None
) -> None:
    """The audit event of a change to the tenant itself (its slug is the target)."""
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="tenant",
        target_id=tenant.slug,
        tenant_id=tenant.id,
        details=details,
    )

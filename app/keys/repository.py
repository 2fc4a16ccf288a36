"""The queries on ``signing_keys``: a tenant's keys, its active key of an algorithm, one key by id, a new
key. Every function takes the tenant and filters on it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session

from app.db.models import SigningKey, Tenant

__all__ = ["active_key", "add_key", "key_of", "keys_of", "last_change", "save", "tenant_with_published_keys"]


# Built once (every verification of our credentials reads the issuer's published keys), the tenant bound.
_KEYS = (
    select(SigningKey).where(SigningKey.tenant_id == bindparam("tenant_id")).order_by(SigningKey.created_at)
)
_KEYS_NOT_RETIRED = _KEYS.where(SigningKey.state != "retired")


def keys_of(session: Session, tenant: Tenant, *, include_retired: bool) -> Sequence[SigningKey]:
    """The tenant's keys, oldest first; without the retired ones unless asked."""
    return session.scalars(_KEYS if include_retired else _KEYS_NOT_RETIRED, {"tenant_id": tenant.id}).all()


# The tenant by slug with its keys that are not retired, oldest first (``keys_of``'s order), in one statement:
# a verification of our credentials reads both, to build the issuer's DID document.
_TENANT_KEYS = (
    select(Tenant, SigningKey)
    .outerjoin(SigningKey, and_(SigningKey.tenant_id == Tenant.id, SigningKey.state != "retired"))
    .where(Tenant.slug == bindparam("slug"))
    .order_by(SigningKey.created_at)
)


def tenant_with_published_keys(session: Session, slug: str) -> tuple[Tenant, list[SigningKey]] | None:
    """The tenant with this slug and its keys that are not retired, oldest first; None when there is none."""
    rows = session.execute(_TENANT_KEYS, {"slug": slug}).all()
    if not rows:
        return None
    return rows[0][0], [key for _tenant, key in rows if key is not None]


_ACTIVE_KEY = select(SigningKey).where(
    SigningKey.tenant_id == bindparam("tenant_id"),
    SigningKey.algorithm == bindparam("algorithm"),
    SigningKey.state == "active",
)


def active_key(session: Session, tenant: Tenant, algorithm: str) -> SigningKey | None:
    """The tenant's active key of the algorithm (there is at most one)."""
    return session.scalars(_ACTIVE_KEY, {"tenant_id": tenant.id, "algorithm": algorithm}).one_or_none()


def last_change(session: Session, tenant: Tenant) -> dt.datetime | None:
    """When the tenant's set of keys last changed (a key created, rotated out or retired), or None."""
    row = session.execute(
        select(
            func.max(SigningKey.created_at), func.max(SigningKey.rotated_at), func.max(SigningKey.retired_at)
        ).where(SigningKey.tenant_id == tenant.id)
    ).one()
    times = [t for t in row if t is not None]
    return max(times) if times else None


def key_of(session: Session, tenant: Tenant, key_id: uuid.UUID) -> SigningKey | None:
    """The tenant's key with this id, or None (another tenant's key is not found either)."""
    return session.scalars(
        select(SigningKey).where(SigningKey.id == key_id, SigningKey.tenant_id == tenant.id)
    ).one_or_none()


def add_key(
    session: Session,
    tenant: Tenant,
    *,
    key_id: uuid.UUID,
    algorithm: str,
    fragment: str,
    public_multikey: str,
    public_jwk: dict[str, Any],
    sealed_private_key: bytes,
    custody: str,
    created_at: dt.datetime,
) -> SigningKey:
    """Add an active key of the tenant; written at the next flush."""
    row = SigningKey(
        id=key_id,
        tenant_id=tenant.id,
        algorithm=algorithm,
        fragment=fragment,
        public_multikey=public_multikey,
        public_jwk=public_jwk,
        sealed_private_key=sealed_private_key,
        custody=custody,
        state="active",
        created_at=created_at,
    )
    session.add(row)
    return row


def save(session: Session) -> None:
    """Write the pending changes to keys (and their tenant) now, inside the caller's transaction."""
    session.flush()

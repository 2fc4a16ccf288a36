"""The queries on ``tenants``: an issuer by slug or id, all of them, a new one. The tenant row is the
tenant itself, so nothing here filters by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import Tenant

__all__ = ["add", "all_by_slug", "by_id", "by_slug", "save", "slug_taken"]


_BY_SLUG = select(Tenant).where(Tenant.slug == bindparam("slug"))  # built once: every request asks it


def by_slug(session: Session, slug: str) -> Tenant | None:
    return session.scalars(_BY_SLUG, {"slug": slug}).one_or_none()


def by_id(session: Session, tenant_id: uuid.UUID) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def all_by_slug(session: Session) -> Sequence[Tenant]:
    return session.scalars(select(Tenant).order_by(Tenant.slug)).all()


def slug_taken(session: Session, slug: str) -> bool:
    return session.scalars(select(Tenant.id).where(Tenant.slug == slug)).first() is not None


def add(session: Session, tenant: Tenant) -> bool:
    """Store a new tenant (flushed). False when its slug was taken meanwhile (the unique constraint)."""
    session.add(tenant)
    try:
        session.flush()
    except IntegrityError:
        return False
    return True


def save(session: Session) -> None:
    """Write the changes made to a tenant now, inside the caller's transaction."""
    session.flush()

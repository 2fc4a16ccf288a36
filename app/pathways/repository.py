"""The queries on ``pathways``: a tenant's pathways, one by its id (public: it crosses tenants on
purpose), every pathway of the deployment (the public catalogue), a new row."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Pathway, Tenant
from app.db.tenancy import cross_tenant

__all__ = ["add", "all_public", "of_tenant", "public", "save"]


def add(
    session: Session, tenant: Tenant, *, name: str, definition: dict[str, Any], now: dt.datetime
) -> Pathway:
    """Store a pathway of the tenant (flushed)."""
    row = Pathway(tenant_id=tenant.id, name=name, definition=definition, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def of_tenant(session: Session, tenant: Tenant, pathway_id: uuid.UUID | None = None) -> list[Pathway]:
    """The tenant's pathways, oldest first (only the one with ``pathway_id`` when given)."""
    stmt = select(Pathway).where(Pathway.tenant_id == tenant.id)
    if pathway_id is not None:
        stmt = stmt.where(Pathway.id == pathway_id)
    return list(session.scalars(stmt.order_by(Pathway.created_at, Pathway.id)))


def public(session: Session, pathway_id: uuid.UUID) -> tuple[Pathway, Tenant] | None:
    """Any tenant's pathway with this id and its tenant, or None."""
    with cross_tenant("a pathway is public by its id: anyone may evaluate their credentials against it"):
        row = session.execute(
            select(Pathway, Tenant)
            .join(Tenant, Tenant.id == Pathway.tenant_id)
            .where(Pathway.id == pathway_id)
        ).one_or_none()
    return (row[0], row[1]) if row is not None else None


def all_public(session: Session) -> list[tuple[Pathway, Tenant]]:
    """Every pathway of the deployment with its tenant (the catalogue says which pathways a course
    counts toward), oldest first."""
    with cross_tenant("the public catalogue lists every issuer's pathways"):
        rows = session.execute(
            select(Pathway, Tenant)
            .join(Tenant, Tenant.id == Pathway.tenant_id)
            .order_by(Pathway.created_at, Pathway.id)
        ).all()
    return [(r[0], r[1]) for r in rows]


def save(session: Session) -> None:
    """Write the pending changes now, inside the caller's transaction (a clash shows here)."""
    session.flush()

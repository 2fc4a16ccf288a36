"""The queries on ``audit_events``: append a row, read a tenant's events or the whole service's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, insert, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import AuditEvent, Tenant
from app.db.tenancy import cross_tenant

__all__ = ["add_event", "events_of", "service_events"]


def add_event(
    session: Session,
    *,
    tenant_id: uuid.UUID | None,
    actor_token_id: uuid.UUID | None,
    action: str,
    target_type: str,
    target_id: str | None,
    details: dict[str, Any],
    request_id: str | None,
    at_once: bool = False,
) -> None:
    """Add an event of the tenant (None: of the service) to the caller's transaction. ``at_once``: written
    now (a Core INSERT, no unit of work) rather than at the next flush, for a caller whose rows the event's
    foreign keys name are in the database already (issuance)."""
    values: dict[str, Any] = {
        "tenant_id": tenant_id,
        "actor_token_id": actor_token_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details,
        "request_id": request_id,
    }
    if at_once:
        session.execute(_INSERT_EVENT, {**values, "created_at": utcnow()})
    else:
        session.add(AuditEvent(**values))


_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))


def _page(after_id: int, limit: int) -> Select[AuditEvent, str]:
    return (
        select(AuditEvent, Tenant.slug)
        .outerjoin(Tenant, Tenant.id == AuditEvent.tenant_id)
        .where(AuditEvent.id > after_id)
        .order_by(AuditEvent.id)
        .limit(limit)
    )


def events_of(
    session: Session, tenant: Tenant, *, after_id: int, limit: int
) -> Sequence[tuple[AuditEvent, str | None]]:
    """The tenant's events after ``after_id``, in order, with the tenant's slug."""
    stmt = _page(after_id, limit).where(AuditEvent.tenant_id == tenant.id)
    return [(row[0], row[1]) for row in session.execute(stmt).all()]


def service_events(session: Session, *, after_id: int, limit: int) -> Sequence[tuple[AuditEvent, str | None]]:
    """Every event after ``after_id``, in order, each with its tenant's slug (None: a service event)."""
    with cross_tenant("the service-wide audit log, for a service administrator"):
        return [(row[0], row[1]) for row in session.execute(_page(after_id, limit)).all()]

"""Append-only audit log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import request_id_var
from app.db.models import AuditEvent, Tenant
from app.tokens.auth import Principal


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    target_type: str,
    target_id: str | None,
    tenant_id: uuid.UUID | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit row in the caller's transaction (it is stored only if the change is)."""
    session.add(
        AuditEvent(
            tenant_id=tenant_id,
            actor_token_id=actor.token_id if actor else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=details or {},
            request_id=request_id_var.get(),
        )
    )


def list_events(
    session: Session, *, tenant: Tenant | None, after_id: int = 0, limit: int = 100
) -> Sequence[tuple[AuditEvent, str | None]]:
    """Events in order, optionally for one tenant, paged by id."""
    stmt = (
        select(AuditEvent, Tenant.slug)
        .outerjoin(Tenant, Tenant.id == AuditEvent.tenant_id)
        .where(AuditEvent.id > after_id)
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    if tenant is not None:
        stmt = stmt.where(AuditEvent.tenant_id == tenant.id)
    return [(row[0], row[1]) for row in session.execute(stmt).all()]

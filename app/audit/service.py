"""Append-only audit log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.audit import repository
from app.context import request_id_var
from app.db.models import AuditEvent, Tenant
from app.tokens.auth import Principal
from schemas.api import AuditEventOut

__all__ = ["event_out", "list_events", "record"]


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    target_type: str,
    target_id: str | None,
    tenant_id: uuid.UUID | None,
    details: dict[str, Any] | None = None,
    at_once: bool = False,
) -> None:
    """Add an audit row in the caller's transaction (it is stored only if the change is). ``at_once``:
    written now instead of at the next flush (cheaper; the rows its tenant_id names must be written)."""
    repository.add_event(
        session,
        tenant_id=tenant_id,
        actor_token_id=actor.token_id if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
        request_id=request_id_var.get(),
        at_once=at_once,
    )


def list_events(
    session: Session, *, tenant: Tenant | None, after_id: int = 0, limit: int = 100
) -> Sequence[tuple[AuditEvent, str | None]]:
    """Events in order, for one tenant or (``tenant=None``) for the whole service, paged by id."""
    if tenant is not None:
        return repository.events_of(session, tenant, after_id=after_id, limit=limit)
    return repository.service_events(session, after_id=after_id, limit=limit)


def event_out(event: AuditEvent, slug: str | None) -> AuditEventOut:
    """An event as the API shows it, its tenant named by slug."""
    return AuditEventOut.model_validate({**vars(event), "tenant": slug})

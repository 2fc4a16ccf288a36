"""All SQL of the OpenID4VP domain: presentation requests. Every function takes the tenant and filters on
it (the wallet-facing URLs name the tenant's slug); a request is claimed for its answer with one
conditional UPDATE, so that a nonce, a state and a response are each used once."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import PresentationRequest, Tenant

__all__ = ["add_request", "claim_for_answer", "find_request"]


def add_request(session: Session, tenant: Tenant, request: PresentationRequest) -> PresentationRequest:
    """Store a new request of the tenant (flushed, so that it exists for the audit row)."""
    request.tenant_id = tenant.id
    session.add(request)
    session.flush()
    return request


def find_request(session: Session, tenant: Tenant, request_id: uuid.UUID) -> PresentationRequest | None:
    """The tenant's request by id."""
    return session.scalars(
        select(PresentationRequest).where(
            PresentationRequest.id == request_id, PresentationRequest.tenant_id == tenant.id
        )
    ).one_or_none()


def claim_for_answer(
    session: Session, tenant: Tenant, request: PresentationRequest, *, now: dt.datetime
) -> bool:
    """Mark an unanswered, unexpired request as answered, in one conditional UPDATE (atomic on SQLite and
    PostgreSQL alike): True for the one caller that did (``request`` is then reloaded), False for every
    later one (a replay)."""
    result = session.execute(
        update(PresentationRequest)
        .where(
            PresentationRequest.id == request.id,
            PresentationRequest.tenant_id == tenant.id,
            PresentationRequest.answered_at.is_(None),
            PresentationRequest.expires_at > now,
        )
        .values(answered_at=now, status="checking")
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    session.refresh(request)
    return True

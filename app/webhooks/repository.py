"""The queries on the webhook tables: endpoints, the outbox (events and their deliveries), the delivery log.

Every function takes the tenant (or, for the dispatcher, the tenant id of a row it claimed) and filters on
it, except :func:`due_deliveries`: the dispatcher drains every tenant's outbox.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from app.db.models import Tenant, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.db.tenancy import cross_tenant

__all__ = [
    "add_attempt",
    "add_delivery",
    "add_endpoint",
    "add_event",
    "attempts_of",
    "claim",
    "delete_endpoint",
    "deliveries_of",
    "delivery_of",
    "delivery_parts",
    "disable_endpoint",
    "due_deliveries",
    "enabled_endpoints",
    "endpoint_of",
    "endpoints_of",
    "finish",
    "pending_deliveries",
]


def add_endpoint(session: Session, tenant: Tenant, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.tenant_id = tenant.id
    session.add(endpoint)
    session.flush()
    return endpoint


def endpoints_of(session: Session, tenant: Tenant) -> Sequence[WebhookEndpoint]:
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.tenant_id == tenant.id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return session.scalars(stmt).all()


# Built once: every issuance and status change asks it (emit), the tenant bound at execution.
_ENABLED = select(WebhookEndpoint).where(
    WebhookEndpoint.tenant_id == bindparam("tenant_id"), WebhookEndpoint.enabled.is_(True)
)


def enabled_endpoints(session: Session, tenant: Tenant) -> Sequence[WebhookEndpoint]:
    """The tenant's enabled endpoints (the caller picks those subscribed to an event)."""
    return session.scalars(_ENABLED, {"tenant_id": tenant.id}).all()


def endpoint_of(session: Session, tenant: Tenant, endpoint_id: uuid.UUID) -> WebhookEndpoint | None:
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.tenant_id == tenant.id, WebhookEndpoint.id == endpoint_id
    )
    return session.scalars(stmt).one_or_none()


def delete_endpoint(session: Session, tenant: Tenant, endpoint_id: uuid.UUID) -> None:
    """The endpoint, its deliveries and their log (the events stay: other endpoints may have them)."""
    deliveries = select(WebhookDelivery.id).where(
        WebhookDelivery.tenant_id == tenant.id, WebhookDelivery.endpoint_id == endpoint_id
    )
    session.execute(
        delete(WebhookAttempt).where(
            WebhookAttempt.tenant_id == tenant.id, WebhookAttempt.delivery_id.in_(deliveries)
        )
    )
    session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.tenant_id == tenant.id, WebhookDelivery.endpoint_id == endpoint_id
        )
    )
    session.execute(
        delete(WebhookEndpoint).where(
            WebhookEndpoint.tenant_id == tenant.id, WebhookEndpoint.id == endpoint_id
        )
    )


def add_event(
    session: Session, tenant: Tenant, *, event_id: uuid.UUID, type_: str, body: str, now: dt.datetime
) -> None:
    session.add(WebhookEvent(id=event_id, tenant_id=tenant.id, type=type_, body=body, created_at=now))
    session.flush()  # before its deliveries (no relationship orders the two inserts)


def add_delivery(
    session: Session, tenant: Tenant, *, endpoint_id: uuid.UUID, event_id: uuid.UUID, now: dt.datetime
) -> WebhookDelivery:
    delivery = WebhookDelivery(
        tenant_id=tenant.id,
        endpoint_id=endpoint_id,
        event_id=event_id,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        retry_from=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


def _with_type(tenant: Tenant, endpoint_id: uuid.UUID) -> Select[WebhookDelivery, str]:
    """The endpoint's deliveries, each with its event's type."""
    return (
        select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.tenant_id == tenant.id,
            WebhookEvent.tenant_id == tenant.id,
            WebhookDelivery.endpoint_id == endpoint_id,
        )
    )


def deliveries_of(
    session: Session, tenant: Tenant, endpoint_id: uuid.UUID, *, limit: int
) -> Sequence[tuple[WebhookDelivery, str]]:
    """The endpoint's deliveries, newest first, each with its event's type."""
    stmt = (
        _with_type(tenant, endpoint_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(stmt).all()]


def delivery_of(
    session: Session, tenant: Tenant, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, str] | None:
    stmt = _with_type(tenant, endpoint_id).where(WebhookDelivery.id == delivery_id)
    row = session.execute(stmt).one_or_none()
    return None if row is None else (row[0], row[1])


def attempts_of(
    session: Session, tenant_id: uuid.UUID, delivery_ids: Sequence[uuid.UUID]
) -> Sequence[WebhookAttempt]:
    """The attempts of these deliveries, in order."""
    if not delivery_ids:
        return []
    stmt = (
        select(WebhookAttempt)
        .where(WebhookAttempt.tenant_id == tenant_id, WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.id)
    )
    return session.scalars(stmt).all()


# --- the dispatcher --------------------------------------------------------------------------------------


def due_deliveries(
    session: Session, *, now: dt.datetime, limit: int
) -> Sequence[tuple[uuid.UUID, uuid.UUID, dt.datetime]]:
    """(id, tenant id, next_attempt_at) of pending deliveries to enabled endpoints that are due, oldest first;
    on PostgreSQL the rows are locked, skipping those another dispatcher holds (FOR UPDATE SKIP LOCKED)."""
    stmt = (
        select(WebhookDelivery.id, WebhookDelivery.tenant_id, WebhookDelivery.next_attempt_at)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.enabled.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    with cross_tenant("the delivery worker drains every tenant's outbox"):
        rows = session.execute(stmt).all()
    return [(row[0], row[1], row[2]) for row in rows if row[2] is not None]


def claim(
    session: Session,
    tenant_id: uuid.UUID,
    delivery_id: uuid.UUID,
    *,
    seen_next: dt.datetime,
    lease_until: dt.datetime,
) -> bool:
    """Move a due delivery's next attempt a lease ahead, if no one else did since it was read (on SQLite,
    where there is no SKIP LOCKED, this compare-and-set is what keeps two dispatchers apart)."""
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.tenant_id == tenant_id,
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at == seen_next,
        )
        .values(next_attempt_at=lease_until)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def delivery_parts(
    session: Session, tenant_id: uuid.UUID, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, WebhookEndpoint, WebhookEvent] | None:
    stmt = (
        select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.tenant_id == tenant_id,
            WebhookEndpoint.tenant_id == tenant_id,
            WebhookEvent.tenant_id == tenant_id,
            WebhookDelivery.id == delivery_id,
        )
    )
    row = session.execute(stmt).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def add_attempt(session: Session, attempt: WebhookAttempt) -> None:
    session.add(attempt)


def finish(
    session: Session,
    tenant_id: uuid.UUID,
    delivery_id: uuid.UUID,
    *,
    status: str,
    next_attempt_at: dt.datetime | None,
    status_code: int | None,
    latency_ms: int,
    error: str | None,
    now: dt.datetime,
) -> None:
    """Record an attempt's outcome on the delivery (one more attempt; succeeded, failed or pending again)."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.id == delivery_id)
        .values(
            status=status,
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=next_attempt_at,
            last_status_code=status_code,
            last_latency_ms=latency_ms,
            last_error=error,
            completed_at=None if status == "pending" else now,
        )
        .execution_options(synchronize_session=False)
    )


def disable_endpoint(
    session: Session, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, *, now: dt.datetime
) -> None:
    session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.id == endpoint_id)
        .values(enabled=False, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def pending_deliveries(session: Session) -> int:
    """How many webhook deliveries of every tenant wait to be delivered (``/metrics``)."""
    with cross_tenant("the outbox's depth across tenants, for /metrics"):
        return int(
            session.execute(
                select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "pending")
            ).scalar_one()
        )

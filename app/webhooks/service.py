"""Webhooks: endpoints (register, update, delete, rotate the secret, test), the outbox (:func:`emit`, called
in the transaction of the change an event reports) and the delivery log with redelivery on demand.

Secrets are sealed (AES-GCM) under a key derived from the key-encryption key, bound to the endpoint's id;
they are shown once, when made, and never logged. The dispatcher (``app.webhooks.dispatcher``) delivers.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.db.models import Tenant, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.errors import NotFound, ValidationFailed
from app.http_client import is_valid_url
from app.http_client.addresses import blocked_by, ip_literal
from app.tokens.auth import Principal
from app.webhooks import repository
from app.webhooks.signing import new_secret
from proofs.keys import open_sealed, seal
from schemas.webhooks import (
    EVENT_TYPES,
    AttemptOut,
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookSecretOut,
    WebhookUpdate,
)

__all__ = [
    "EVENT_TYPES",
    "OUTBOX_WRITTEN",
    "PREVIOUS_SECRET_GRACE",
    "TEST_EVENT",
    "delete",
    "deliveries",
    "emit",
    "endpoint_out",
    "get",
    "list_endpoints",
    "open_secret",
    "outbox_depth",
    "redeliver",
    "register",
    "rotate_secret",
    "send_test",
    "update",
]

TEST_EVENT = "webhook.test"
# Set in a session's info when it wrote deliveries: the dispatcher of this process wakes at its commit.
OUTBOX_WRITTEN = "shomei.webhooks.outbox_written"
# After a rotation the previous secret still signs (a second signature) for this long.
PREVIOUS_SECRET_GRACE = dt.timedelta(hours=24)


def _aad(endpoint_id: uuid.UUID) -> bytes:
    return b"shomei/webhook-secret/" + endpoint_id.bytes


def open_secret(key: bytes, endpoint_id: uuid.UUID, sealed: bytes) -> str:
    return open_sealed(key, sealed, aad=_aad(endpoint_id)).decode("ascii")


def _check_url(url: str, *, allow_private: bool) -> None:
    """https only, and no special-purpose address literal, unless private addresses are allowed (tests and
    local development). A host name is checked again, resolved, at each delivery (the guarded client)."""
    try:
        parts = urlsplit(url)
        valid = is_valid_url(url)  # e.g. a host IDNA refuses: every delivery would fail
    except ValueError:  # urlsplit: "https://[::1" (an unclosed IPv6 literal)
        valid = False
    if not valid:
        raise ValidationFailed("the webhook URL is not a valid URL", type_name="invalid-webhook-url")
    if allow_private:
        return
    if parts.scheme != "https":
        raise ValidationFailed("a webhook URL must be https", type_name="insecure-webhook-url")
    literal = ip_literal(parts.hostname or "")
    if literal is not None and blocked_by(literal) is not None:
        raise ValidationFailed(
            "a webhook URL may not name a private address", type_name="private-webhook-url"
        )


def endpoint_out(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut.model_validate(endpoint, from_attributes=True)


def register(
    session: Session,
    tenant: Tenant,
    body: WebhookCreate,
    *,
    key: bytes,
    allow_private: bool,
    actor: Principal | None,
    now: dt.datetime,
) -> WebhookCreated:
    """A new endpoint and its signing secret (in the answer only)."""
    _check_url(body.url, allow_private=allow_private)
    secret = new_secret()
    endpoint_id = uuid.uuid4()
    endpoint = repository.add_endpoint(
        session,
        tenant,
        WebhookEndpoint(
            id=endpoint_id,
            url=body.url,
            events=list(body.events),
            description=body.description,
            enabled=True,
            sealed_secret=seal(key, secret.encode("ascii"), aad=_aad(endpoint_id)),
            created_at=now,
            updated_at=now,
        ),
    )
    _audit(session, tenant, endpoint, "webhook.create", actor, {"events": endpoint.events})
    return WebhookCreated(**endpoint_out(endpoint).model_dump(), secret=secret)


def list_endpoints(session: Session, tenant: Tenant) -> list[WebhookOut]:
    return [endpoint_out(e) for e in repository.endpoints_of(session, tenant)]


def get(session: Session, tenant: Tenant, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = repository.endpoint_of(session, tenant, endpoint_id)
    if endpoint is None:
        raise NotFound("no such webhook endpoint")
    return endpoint


def update(
    session: Session,
    tenant: Tenant,
    endpoint_id: uuid.UUID,
    body: WebhookUpdate,
    *,
    allow_private: bool,
    actor: Principal | None,
    now: dt.datetime,
) -> WebhookEndpoint:
    endpoint = get(session, tenant, endpoint_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        _check_url(changes["url"], allow_private=allow_private)
    for name, value in changes.items():
        setattr(endpoint, name, list(value) if name == "events" else value)
    endpoint.updated_at = now
    _audit(session, tenant, endpoint, "webhook.update", actor, {"changed": sorted(changes)})
    return endpoint


def delete(session: Session, tenant: Tenant, endpoint_id: uuid.UUID, *, actor: Principal | None) -> None:
    endpoint = get(session, tenant, endpoint_id)
    _audit(session, tenant, endpoint, "webhook.delete", actor, {})
    repository.delete_endpoint(session, tenant, endpoint.id)


def rotate_secret(
    session: Session,
    tenant: Tenant,
    endpoint_id: uuid.UUID,
    *,
    key: bytes,
    actor: Principal | None,
    now: dt.datetime,
) -> WebhookSecretOut:
    """A new secret; the current one keeps signing beside it for :data:`PREVIOUS_SECRET_GRACE`."""
    endpoint = get(session, tenant, endpoint_id)
    secret = new_secret()
    endpoint.sealed_previous_secret = endpoint.sealed_secret
    endpoint.previous_until = now + PREVIOUS_SECRET_GRACE
    endpoint.sealed_secret = seal(key, secret.encode("ascii"), aad=_aad(endpoint.id))
    endpoint.updated_at = now
    _audit(session, tenant, endpoint, "webhook.rotate_secret", actor, {})
    return WebhookSecretOut(id=endpoint.id, secret=secret, previous_valid_until=endpoint.previous_until)


def _body(event: str, data: dict[str, Any], now: dt.datetime) -> str:
    """The Standard Webhooks payload: ``type``, ``timestamp`` (RFC 3339) and ``data``."""
    timestamp = now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event, "timestamp": timestamp, "data": data}, separators=(",", ":"))


def emit(session: Session, tenant: Tenant, event: str, data: dict[str, Any], *, now: dt.datetime) -> int:
    """Write ``event`` to the outbox, in the caller's transaction, for each enabled endpoint subscribed to
    it (none: nothing is written). Returns how many deliveries it made."""
    if event not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [e for e in repository.enabled_endpoints(session, tenant) if event in e.events]
    if not endpoints:
        return 0
    event_id = uuid.uuid4()
    repository.add_event(
        session, tenant, event_id=event_id, type_=event, body=_body(event, data, now), now=now
    )
    for endpoint in endpoints:
        repository.add_delivery(session, tenant, endpoint_id=endpoint.id, event_id=event_id, now=now)
    session.info[OUTBOX_WRITTEN] = True
    return len(endpoints)


def send_test(session: Session, tenant: Tenant, endpoint_id: uuid.UUID, *, now: dt.datetime) -> DeliveryOut:
    """A ``webhook.test`` event to this endpoint only, delivered (and logged) like any other."""
    endpoint = get(session, tenant, endpoint_id)
    event_id = uuid.uuid4()
    data = {"issuer": tenant.slug, "webhook_id": str(endpoint.id)}
    body = _body(TEST_EVENT, data, now)
    repository.add_event(session, tenant, event_id=event_id, type_=TEST_EVENT, body=body, now=now)
    delivery = repository.add_delivery(session, tenant, endpoint_id=endpoint.id, event_id=event_id, now=now)
    session.info[OUTBOX_WRITTEN] = True
    return _delivery_out(delivery, TEST_EVENT, [])


def _delivery_out(
    delivery: WebhookDelivery, event_type: str, attempts: Sequence[WebhookAttempt]
) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
        last_status_code=delivery.last_status_code,
        last_latency_ms=delivery.last_latency_ms,
        created_at=delivery.created_at,
        completed_at=delivery.completed_at,
        log=[AttemptOut.model_validate(a, from_attributes=True) for a in attempts],
    )


def deliveries(session: Session, tenant: Tenant, endpoint_id: uuid.UUID, *, limit: int) -> list[DeliveryOut]:
    """The endpoint's deliveries, newest first, each with its attempts (status code, latency)."""
    endpoint = get(session, tenant, endpoint_id)
    rows = repository.deliveries_of(session, tenant, endpoint.id, limit=limit)
    attempts = repository.attempts_of(session, tenant.id, [d.id for d, _ in rows])
    by_delivery: dict[uuid.UUID, list[WebhookAttempt]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    return [_delivery_out(d, kind, by_delivery.get(d.id, [])) for d, kind in rows]


def redeliver(
    session: Session,
    tenant: Tenant,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
    *,
    actor: Principal | None,
    now: dt.datetime,
) -> DeliveryOut:
    """Send a delivery again (same message id and body): pending now, retried for a new window."""
    endpoint = get(session, tenant, endpoint_id)
    found = repository.delivery_of(session, tenant, endpoint.id, delivery_id)
    if found is None:
        raise NotFound("no such delivery")
    delivery, kind = found
    delivery.status = "pending"
    delivery.next_attempt_at = now
    delivery.retry_from = now
    delivery.completed_at = None
    session.info[OUTBOX_WRITTEN] = True
    _audit(session, tenant, endpoint, "webhook.redeliver", actor, {"delivery_id": str(delivery.id)})
    return _delivery_out(delivery, kind, repository.attempts_of(session, tenant.id, [delivery.id]))


def _audit(
    session: Session,
    tenant: Tenant,
    endpoint: WebhookEndpoint,
    action: str,
    actor: Principal | None,
    details: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="webhook",
        target_id=str(endpoint.id),
        tenant_id=tenant.id,
        details=details,
    )


def outbox_depth(session: Session) -> int:
    """The deliveries of every tenant still waiting to be delivered."""
    return repository.pending_deliveries(session)

"""Webhook endpoints of an issuer (admin scope): register (the signing secret shown once), list, read,
change, delete, rotate the secret, send a test event; the delivery log and redelivery on demand."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.deps import ClockDep, PrincipalDep, SessionDep, StateDep, TenantForAdmin
from app.webhooks import service as webhooks
from schemas.webhooks import (
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookSecretOut,
    WebhookUpdate,
)

__all__ = ["router"]

router = APIRouter(tags=["webhooks"])
_ONE = "/v1/issuers/{slug}/webhooks/{webhook_id}"


@router.post(
    "/v1/issuers/{slug}/webhooks", status_code=status.HTTP_201_CREATED, response_model=WebhookCreated
)
def create_webhook(
    tenant: TenantForAdmin,
    body: WebhookCreate,
    session: SessionDep,
    state: StateDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> WebhookCreated:
    """Register a receiver for some events. The answer holds its signing secret (``whsec_…``) this once."""
    return webhooks.register(
        session,
        tenant,
        body,
        key=state.webhook_key,
        allow_private=state.settings.http_allow_private,
        actor=who,
        now=clock.now(),
    )


@router.get("/v1/issuers/{slug}/webhooks", response_model=list[WebhookOut])
def list_webhooks(tenant: TenantForAdmin, session: SessionDep) -> list[WebhookOut]:
    """The issuer's webhook endpoints, oldest first (never their secrets)."""
    return webhooks.list_endpoints(session, tenant)


@router.get(_ONE, response_model=WebhookOut)
def get_webhook(slug: str, webhook_id: uuid.UUID, tenant: TenantForAdmin, session: SessionDep) -> WebhookOut:
    """One webhook endpoint."""
    return webhooks.endpoint_out(webhooks.get(session, tenant, webhook_id))


@router.patch(_ONE, response_model=WebhookOut)
def update_webhook(
    slug: str,
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    tenant: TenantForAdmin,
    session: SessionDep,
    state: StateDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> WebhookOut:
    """Change the URL, the events or the description; ``enabled: false`` pauses deliveries (they wait)."""
    allow_private = state.settings.http_allow_private
    endpoint = webhooks.update(
        session, tenant, webhook_id, body, allow_private=allow_private, actor=who, now=clock.now()
    )
    return webhooks.endpoint_out(endpoint)


@router.delete(_ONE, status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(
    slug: str, webhook_id: uuid.UUID, tenant: TenantForAdmin, session: SessionDep, who: PrincipalDep
) -> Response:
    """Delete the endpoint and its delivery log; nothing more is sent to it."""
    webhooks.delete(session, tenant, webhook_id, actor=who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(f"{_ONE}/rotate-secret", response_model=WebhookSecretOut)
def rotate_webhook_secret(
    slug: str,
    webhook_id: uuid.UUID,
    tenant: TenantForAdmin,
    session: SessionDep,
    state: StateDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> WebhookSecretOut:
    """A new signing secret (shown once); messages carry a second signature with the old one for 24 hours."""
    return webhooks.rotate_secret(
        session, tenant, webhook_id, key=state.webhook_key, actor=who, now=clock.now()
    )


@router.post(f"{_ONE}/test", status_code=status.HTTP_202_ACCEPTED, response_model=DeliveryOut)
def test_webhook(
    slug: str, webhook_id: uuid.UUID, tenant: TenantForAdmin, session: SessionDep, clock: ClockDep
) -> DeliveryOut:
    """Send a ``webhook.test`` event to this endpoint; its outcome appears in the delivery log."""
    return webhooks.send_test(session, tenant, webhook_id, now=clock.now())


@router.get(f"{_ONE}/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    slug: str,
    webhook_id: uuid.UUID,
    tenant: TenantForAdmin,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """The delivery log, newest first: each event's status, attempts, status codes and latencies."""
    return webhooks.deliveries(session, tenant, webhook_id, limit=limit)


@router.post(
    f"{_ONE}/deliveries/{{delivery_id}}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryOut,
)
def redeliver(
    slug: str,
    webhook_id: uuid.UUID,
    delivery_id: uuid.UUID,
    tenant: TenantForAdmin,
    session: SessionDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> DeliveryOut:
    """Send a delivery again (the same message id and body), now, with a new retry window."""
    return webhooks.redeliver(session, tenant, webhook_id, delivery_id, actor=who, now=clock.now())

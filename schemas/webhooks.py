"""Request and response bodies of the webhooks API (pydantic): endpoints, their signing secrets, the
delivery log. The event names are the ones a subscription may list (:data:`EVENT_TYPES`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from schemas.api import StorableModel

__all__ = [
    "EVENT_TYPES",
    "AttemptOut",
    "DeliveryOut",
    "EventType",
    "WebhookCreate",
    "WebhookCreated",
    "WebhookOut",
    "WebhookSecretOut",
    "WebhookUpdate",
]

EventType = Literal[
    "credential.issued",
    "credential.revoked",
    "credential.suspended",
    "credential.reinstated",
    "offer.redeemed",
    "job.completed",
    "job.failed",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

WebhookUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=2000)]
Description = Annotated[str, StringConstraints(max_length=500)]
Events = Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES))]


def _unique(events: list[EventType] | None) -> list[EventType] | None:
    return None if events is None else list(dict.fromkeys(events))


class WebhookCreate(StorableModel):
    """A receiver: its URL (https; http only where private addresses are allowed), the events it wants."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl
    events: Events
    description: Description | None = None

    _events = field_validator("events")(_unique)


class WebhookUpdate(StorableModel):
    """Change a receiver's URL, events, description, or pause it (``enabled: false``)."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl | None = None
    events: Events | None = None
    description: Description | None = None
    enabled: bool | None = None

    _events = field_validator("events")(_unique)


class WebhookOut(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class WebhookCreated(WebhookOut):
    """The new endpoint with its signing secret (``whsec_`` and base64), shown this once only."""

    secret: str


class WebhookSecretOut(BaseModel):
    """A rotated secret, shown once; the previous one still signs (a second signature) until
    ``previous_valid_until``."""

    id: uuid.UUID
    secret: str
    previous_valid_until: dt.datetime


class AttemptOut(BaseModel):
    attempted_at: dt.datetime
    status_code: int | None
    latency_ms: int
    error: str | None


class DeliveryOut(BaseModel):
    """One event for one endpoint: ``pending`` (``next_attempt_at``), ``succeeded`` or ``failed``, and each
    attempt with the receiver's status code and the latency."""

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_latency_ms: int | None
    created_at: dt.datetime
    completed_at: dt.datetime | None
    log: list[AttemptOut]

"""The tables of the features built on the core: webhooks (the outbox and its deliveries), bulk issuance
jobs, OpenID4VP presentation requests, trust lists and stackable pathways. Every tenant-owned row carries
``tenant_id``; queries always filter on it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, JsonType, utcnow

__all__ = [
    "IssuanceJob",
    "IssuanceJobRow",
    "Pathway",
    "PresentationRequest",
    "ServiceSetting",
    "TrustList",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]


class WebhookEndpoint(Base):
    """A tenant's webhook receiver: its URL, the events it subscribes to and its signing secret, sealed under
    a key derived from the key-encryption key (the service signs with it, so it is kept, never in clear).
    During a rotation the previous secret keeps signing beside the new one until ``previous_until``."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JsonType)
    description: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(default=True)
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_previous_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "tenant_id", "created_at"),)


class WebhookEvent(Base):
    """The outbox: an event written in the transaction of the change it reports, with the exact JSON body
    (Standard Webhooks ``type``, ``timestamp``, ``data``) every endpoint receives."""

    __tablename__ = "webhook_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event for one endpoint: ``pending`` until delivered (``succeeded``) or given up (``failed``).
    ``next_attempt_at`` is when a dispatcher may claim it next (a claim moves it a lease ahead, so a
    dispatcher that dies mid-delivery leaves it to another); retries go on for a set time from
    ``retry_from`` (its creation, or its last redelivery on demand)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    retry_from: Mapped[dt.datetime]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_latency_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]

    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "tenant_id", "endpoint_id", "created_at"),
        Index(None, "event_id"),
    )


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: when, the receiver's status code (None: no answer), the latency."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    attempted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index(None, "delivery_id", "id"),)


class IssuanceJob(Base):
    """A bulk issuance job (``app.jobs``): rows uploaded at once, issued by workers one row per transaction.

    ``idempotency_key`` is the upload's ``Idempotency-Key`` (or a generated one): the same upload again
    answers this job; each row's own key defaults to ``<key>:<row number>``. ``status``: queued, running,
    succeeded, failed (no row issued), cancelled. The counts are read from the rows, never kept here (two
    workers would otherwise wait on this row for every credential)."""

    __tablename__ = "issuance_jobs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_by_token_id: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        Index(None, "tenant_id", "created_at"),
        Index(None, "status"),
    )


class IssuanceJobRow(Base):
    """One row of a job: its credential request (``payload``, erased once the row is finished: it names
    the learner), its state (pending, issued, failed, cancelled), the credential or the problem, and the
    lease a worker holds on it while pending (``lease_owner`` until ``lease_expires_at``; an expired lease
    is taken over, so a killed worker loses nothing)."""

    __tablename__ = "issuance_job_rows"

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("issuance_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    idempotency_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    credential_id: Mapped[uuid.UUID | None]
    replayed: Mapped[bool] = mapped_column(default=False)
    problem: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    offer: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[dt.datetime | None]

    # The queue's order (pending rows by job and number), and the rows of a tenant's job.
    __table_args__ = (Index(None, "state", "job_id", "row_number"), Index(None, "tenant_id", "job_id"))


class PresentationRequest(Base):
    """An OpenID4VP 1.0 presentation request of a tenant acting as verifier: the DCQL query, the
    verifier identity fixed at creation (``client_id`` and the leaf certificate of its ``x5c``), the
    ephemeral response-encryption key (sealed under the KEK), the single-use ``nonce`` and ``state``,
    and, once a wallet answered, the checked result.

    The page secret (``view_hash``) and the same-device ``response_code`` are stored only as hashes."""

    __tablename__ = "presentation_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    query: Mapped[dict[str, Any]] = mapped_column(JsonType)  # the DCQL query
    purpose: Mapped[str | None] = mapped_column(String(500))
    trusted_issuers: Mapped[list[str]] = mapped_column(JsonType, default=list)
    response_mode: Mapped[str] = mapped_column(String(20))
    flow: Mapped[str] = mapped_column(String(20))
    client_id: Mapped[str] = mapped_column(String(300))
    x5c: Mapped[list[str]] = mapped_column(JsonType)
    nonce: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64), unique=True)
    response_key: Mapped[bytes] = mapped_column(LargeBinary)
    response_jwk: Mapped[dict[str, Any]] = mapped_column(JsonType)
    view_hash: Mapped[str] = mapped_column(String(64))
    response_code_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    expires_at: Mapped[dt.datetime]
    retrieved_at: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_token_id: Mapped[uuid.UUID | None]

    __table_args__ = (Index(None, "tenant_id", "created_at"),)


class TrustList(Base):
    """An imported trust list (issue 18): issuers another party vouches for, by identifier (a DID or an
    https URL) with a name; service-wide, set by a service administrator."""

    __tablename__ = "trust_lists"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    entries: Mapped[list[dict[str, str]]] = mapped_column(JsonType)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Pathway(Base):
    """A programme an issuer offers as a stackable pathway: the requirement groups, credit minimum,
    recency rule and trust list (``definition``, as given), public by its id (issue 17)."""

    __tablename__ = "pathways"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "tenant_id", "created_at"),)


class ServiceSetting(Base):
    """A fact about the running service, by name: ``public_base_url``, the base URL the server last started
    with (the CLI mints the same did:web DIDs from it without the server's environment)."""

    __tablename__ = "service_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

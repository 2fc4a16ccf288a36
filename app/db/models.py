"""Typed ORM models. Every tenant-owned row carries ``tenant_id``; queries always filter on it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, JsonType, utcnow

__all__ = ["ApiToken", "AuditEvent", "SigningKey", "Tenant"]


class Tenant(Base):
    """An issuing institution."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(2000))
    email: Mapped[str] = mapped_column(String(320))
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[dict[str, Any]] = mapped_column(JsonType)
    image: Mapped[str | None] = mapped_column(Text)
    other_identifiers: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    did_method: Mapped[str] = mapped_column(String(10), default="web")
    # For did:key tenants, the DID fixed by their first key.
    did_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; ``tenant_id`` NULL means a service-wide admin."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JsonType)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    __table_args__ = (Index(None, "tenant_id"),)


class SigningKey(Base):
    """A tenant signing key; the private part is sealed with AES-GCM under the key-encryption key.

    ``state``: ``active`` (signs new credentials), ``published`` (rotated out, still in the DID
    document and JWKS for verification), ``retired`` (withdrawn).
    """

    __tablename__ = "signing_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    algorithm: Mapped[str] = mapped_column(String(16))
    fragment: Mapped[str] = mapped_column(String(100))
    public_multikey: Mapped[str | None] = mapped_column(String(200))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JsonType)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    # 'local' = sealed in this database; other custody backends (KMS/HSM) name themselves here.
    custody: Mapped[str] = mapped_column(String(32), default="local")
    state: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[dt.datetime | None]
    retired_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("tenant_id", "fragment"),
        Index(None, "tenant_id", "state"),
    )


class AuditEvent(Base):
    """Append-only record of every state change (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    actor_token_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "tenant_id", "id"),)

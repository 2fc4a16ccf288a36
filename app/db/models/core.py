"""The core tables: tenants, tokens, keys, the audit log, templates, credentials, status lists and the
OpenID4VCI state. Every tenant-owned row carries ``tenant_id``; queries always filter on it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, JsonType, utcnow

__all__ = [
    "AchievementTemplate",
    "AchievementTemplateVersion",
    "ApiToken",
    "AuditEvent",
    "Credential",
    "CredentialDocument",
    "CredentialOffer",
    "Oid4vciAuthorization",
    "Oid4vciNonce",
    "Oid4vciSeenJti",
    "PublishedStatusList",
    "SigningKey",
    "StatusList",
    "StatusListStripe",
    "Tenant",
]


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
    # Also publish a suspension list (credentials then carry a revocation and a suspension entry).
    suspension_enabled: Mapped[bool] = mapped_column(default=False)
    # The service administrator vouches for this issuer: it is on this deployment's own trust list.
    vouched: Mapped[bool] = mapped_column(default=False)
    # The name it was vouched for under (set when vouched): it is known under this name only.
    vouched_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; ``tenant_id`` NULL means a service-wide admin.

    ``id`` (random) names the token in listings; ``prefix`` holds at most the first 6 characters of a
    token of 32 or more characters (empty for a shorter one), never enough to narrow a guess.
    ``expires_at``: the token is refused from then on (None: it does not expire).
    """

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
    expires_at: Mapped[dt.datetime | None]

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
    # An imported X.509 chain for the key (``x5c``: base64 DER, leaf first, without the root), used
    # for SD-JWT VC instead of the development CA.
    certificate_chain: Mapped[list[str] | None] = mapped_column(JsonType)
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


class AchievementTemplate(Base):
    """A course offered as a micro-credential; its content lives in immutable versions."""

    __tablename__ = "achievement_templates"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[dt.datetime | None]
    # Listed in the issuer's public catalogue (issue 17).
    catalogue: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    __table_args__ = (Index(None, "tenant_id", "created_at"),)


class AchievementTemplateVersion(Base):
    """An immutable template version: the OB 3.0 Achievement (with ``mcDescriptor``) and its profiles."""

    __tablename__ = "achievement_template_versions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("achievement_templates.id", ondelete="CASCADE"))
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    achievement: Mapped[dict[str, Any]] = mapped_column(JsonType)
    profiles: Mapped[list[str]] = mapped_column(JsonType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("template_id", "version"),)


class Credential(Base):
    """An issued credential; the learner is kept only as a DID or salted hash, plus a keyed lookup hash."""

    __tablename__ = "credentials"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("achievement_templates.id"))
    template_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("achievement_template_versions.id")
    )
    achievement_name: Mapped[str] = mapped_column(String(500))
    recipient_ref: Mapped[str] = mapped_column(String(300))
    recipient_lookup: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime | None]
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by_token_id: Mapped[uuid.UUID | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(40))
    status_list_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int | None] = mapped_column(Integer)
    # The credential's own ``id`` (ours, or the one a VC-API caller gave), for status changes by id.
    credential_uri: Mapped[str | None] = mapped_column(String(1000))
    # A copy bound to a wallet's key (OpenID4VCI) points at the credential it was made from; status
    # changes of the original apply to its copies.
    derived_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("credentials.id"))

    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        Index(None, "tenant_id", "credential_uri"),
        Index(None, "derived_from_id"),
        # No two credentials ever share a status index (the allocator guarantees it; this enforces it).
        UniqueConstraint("status_list_id", "status_index"),
        Index(None, "tenant_id", "issued_at"),
        Index(None, "tenant_id", "recipient_lookup"),
        Index(None, "tenant_id", "template_id"),
    )


class CredentialDocument(Base):
    """A secured form of a credential exactly as issued (JSON-LD text or a compact JWS) and its SHA-256."""

    __tablename__ = "credential_documents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    credential_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credentials.id", ondelete="CASCADE"))
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(40))
    media_type: Mapped[str] = mapped_column(String(60))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("credential_id", "format"),)


class StatusList(Base):
    """One status list "slot set" of a tenant: ``size`` positions shared by the revocation, suspension and
    message (reason) bitstrings, published as separate list credentials.

    Positions are handed out by its stripes (:class:`StatusListStripe`); position n maps to index
    ``permuted_index(n)`` under ``perm_key``. ``active_tenant_id`` equals ``tenant_id`` only on the one
    list that takes new credentials (a unique column: the database itself allows one active list per
    tenant).
    """

    __tablename__ = "status_lists"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    active_tenant_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    sequence: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    perm_key: Mapped[bytes] = mapped_column(LargeBinary)
    revocation_bits: Mapped[bytes] = mapped_column(LargeBinary)
    suspension_bits: Mapped[bytes] = mapped_column(LargeBinary)
    message_bits: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "sequence"),)


class StatusListStripe(Base):
    """One of a list's allocation counters. Stripe ``s`` of ``n`` owns positions ``s, s+n, s+2n, …``
    (``capacity`` of them); concurrent issuers lock different stripes, so they do not queue behind
    one counter row while they sign."""

    __tablename__ = "status_list_stripes"

    status_list_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("status_lists.id", ondelete="CASCADE"), primary_key=True
    )
    stripe: Mapped[int] = mapped_column(Integer, primary_key=True)
    stripes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)


class PublishedStatusList(Base):
    """The signed list credential last built for a (list, purpose, format), reused until the list changes."""

    __tablename__ = "published_status_lists"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    status_list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("status_lists.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("status_list_id", "purpose", "format"),)


class CredentialOffer(Base):
    """An OpenID4VCI credential offer (pre-authorized code flow) for an issued credential.

    The pre-authorized code is derived (HMAC of the offer id), never stored; the transaction code is
    stored only as a hash. An offer is redeemed once; its access token is stored hashed.
    """

    __tablename__ = "credential_offers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    credential_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credentials.id", ondelete="CASCADE"))
    configuration_ids: Mapped[list[str]] = mapped_column(JsonType)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime]
    redeemed_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    access_token_expires_at: Mapped[dt.datetime | None]
    dpop_jkt: Mapped[str | None] = mapped_column(String(64))  # RFC 9449: the token's key (RFC 7638)
    issued_configurations: Mapped[list[str]] = mapped_column(JsonType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_token_id: Mapped[uuid.UUID | None]
    # Redeemed through the authorization code flow: the configurations the wallet was authorized for
    # (NULL: all of ``configuration_ids``, the pre-authorized flow), and those the token response named
    # as ``credential_identifiers`` (asked for with ``authorization_details``): credential requests for
    # these must use ``credential_identifier`` (OpenID4VCI §6.2, §8.2).
    authorized_configurations: Mapped[list[str] | None] = mapped_column(JsonType)
    credential_identifiers: Mapped[list[str] | None] = mapped_column(JsonType)

    __table_args__ = (Index(None, "tenant_id", "credential_id"),)


class Oid4vciNonce(Base):
    """A ``c_nonce`` handed out by the nonce endpoint: single use, short-lived (stored hashed)."""

    __tablename__ = "oid4vci_nonces"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    expires_at: Mapped[dt.datetime]

    __table_args__ = (Index(None, "expires_at"),)


class Oid4vciSeenJti(Base):
    """A one-time proof already seen: a DPoP proof (RFC 9449 §11.1) or a client attestation PoP, by
    the hash of its kind, key thumbprint and ``jti``; kept while the proof could still be accepted,
    so that it is refused when replayed."""

    __tablename__ = "oid4vci_seen_jtis"

    jti_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    expires_at: Mapped[dt.datetime]

    __table_args__ = (Index(None, "expires_at"),)


class Oid4vciAuthorization(Base):
    """A pushed authorization request (RFC 9126) of the authorization code flow, started from an offer
    (``issuer_state``), and the authorization code it gave once approved.

    The ``request_uri`` and the code are secrets: stored only as hashes. The request is decided (approved
    or denied) once; the code is redeemed once (``used_at``)."""

    __tablename__ = "oid4vci_authorizations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credential_offers.id", ondelete="CASCADE"))
    request_uri_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(200))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    code_challenge: Mapped[str] = mapped_column(String(128))  # PKCE, S256 (RFC 7636)
    configuration_ids: Mapped[list[str]] = mapped_column(JsonType)
    # The configurations asked for with ``authorization_details`` (the rest came as ``scope``).
    authorization_details: Mapped[list[str]] = mapped_column(JsonType, default=list)
    state: Mapped[str | None] = mapped_column(String(1000))
    dpop_jkt: Mapped[str | None] = mapped_column(String(64))  # RFC 9449 §10: the code's key
    expires_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[dt.datetime | None]
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "offer_id"), Index(None, "tenant_id", "expires_at"))

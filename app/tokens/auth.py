"""API tokens and authorization: hashed bearer tokens with per-tenant scopes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import ApiToken, Tenant
from app.errors import Forbidden, NotFound, Unauthorized
from app.settings import MIN_ADMIN_TOKEN_LENGTH
from app.tokens import repository

__all__ = [
    "Principal",
    "authenticate",
    "authenticate_on",
    "authorize",
    "display_prefix",
    "ensure_bootstrap_admin",
    "hash_token",
    "new_token",
]

_TOKEN_PREFIX = "shm_"  # noqa: S105  (a public prefix, not a secret)
_SHOWN = 6  # characters of a long token kept as its display prefix (``shm_`` and 2 random ones)


_LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token id, its tenant (None: service-wide admin) and scopes."""

    token_id: uuid.UUID
    tenant_id: uuid.UUID | None
    scopes: frozenset[str]

    @property
    def is_service_admin(self) -> bool:
        return self.tenant_id is None and "admin" in self.scopes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return _TOKEN_PREFIX + secrets.token_urlsafe(32)


def display_prefix(token: str) -> str:
    """What is stored in clear to help a person recognise a token: its first 6 characters when it has at
    least 32 (a generated token: ``shm_`` and 2 of its 43 random characters), else nothing."""
    return token[:_SHOWN] if len(token) >= MIN_ADMIN_TOKEN_LENGTH else ""


def _bearer_digest(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing Authorization header", type_name="unauthorized")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise Unauthorized("use Authorization: Bearer <token>")
    return hash_token(token)


def authenticate(session: Session, authorization: str | None, *, now: dt.datetime) -> Principal:
    """Resolve ``Authorization: Bearer …`` to a principal, or raise Unauthorized."""
    digest = _bearer_digest(authorization)
    return _principal_of(session, repository.by_hash(session, digest), digest, now)


def authenticate_on(
    session: Session, authorization: str | None, *, now: dt.datetime, slug: str
) -> tuple[Principal, Tenant | None]:
    """:func:`authenticate`, and the issuer of the path's ``slug`` (None when there is none) read in the
    same statement: one round trip instead of two for a request on an issuer's path. The token is
    checked exactly as :func:`authenticate` checks it, in the request's transaction."""
    digest = _bearer_digest(authorization)
    found = repository.by_hash_with_tenant(session, digest, slug)
    row, tenant = found if found is not None else (None, None)
    return _principal_of(session, row, digest, now), tenant


def _principal_of(session: Session, row: ApiToken | None, digest: str, now: dt.datetime) -> Principal:
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
        raise Unauthorized("the token is unknown or revoked", type_name="invalid-token")
    if row.expires_at is not None and now >= row.expires_at:
        raise Unauthorized("the token has expired", type_name="token-expired")
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_RESOLUTION:
        repository.record_use(session, row, now, resolution=_LAST_USED_RESOLUTION)
    return Principal(token_id=row.id, tenant_id=row.tenant_id, scopes=frozenset(row.scopes))


def authorize(principal: Principal, tenant: Tenant | None, scope: str) -> None:
    """Allow a service admin everything; a tenant token only its own tenant and scopes.

    Another tenant's resources answer 404, exactly like a tenant that does not exist.
    """
    if principal.is_service_admin:
        return
    if tenant is None or principal.tenant_id != tenant.id:
        if tenant is None and scope == "admin":
            raise Forbidden("this action needs a service administrator token")
        raise NotFound("no such issuer")
    if scope not in principal.scopes and "admin" not in principal.scopes:
        raise Forbidden(f"the token lacks the '{scope}' scope", required_scope=scope)


def ensure_bootstrap_admin(session: Session, configured: str | None) -> str | None:
    """Make sure a service admin token exists. Returns a newly generated token to print once."""
    if configured:
        digest = hash_token(configured)
        row = repository.by_hash(session, digest)
        if row is None:
            row = repository.add_service_admin_token(
                session,
                name="bootstrap admin (SHOMEI_ADMIN_TOKEN)",
                token_hash=digest,
                prefix=display_prefix(configured),
                created_at=utcnow(),
            )
        if row.revoked_at is None and row.tenant_id is None:
            # The configured token replaces any other service-admin token (an earlier SHOMEI_ADMIN_TOKEN,
            # the generated one): setting another is how an operator rotates a leaked one.
            repository.revoke_service_admin_tokens_except(session, row, now=utcnow())
        return None
    if repository.any_service_admin_token(session) is not None:
        return None
    token = new_token()
    repository.add_service_admin_token(
        session,
        name="bootstrap admin (generated)",
        token_hash=hash_token(token),
        prefix=display_prefix(token),
        created_at=utcnow(),
    )
    return token

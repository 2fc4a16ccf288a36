"""API tokens and authorization: hashed bearer tokens with per-tenant scopes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import ApiToken, Tenant
from app.errors import Forbidden, NotFound, Unauthorized

TOKEN_PREFIX = "shm_"  # noqa: S105  (a public prefix, not a secret)


SCOPES = frozenset({"issue", "revoke", "read", "admin"})


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
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _touch(session: Session, row: ApiToken, now: dt.datetime) -> None:
    """Record the token's last use. On PostgreSQL in its own short transaction, so that concurrent
    requests with one token (a CI pipeline's parallel jobs) never hold or wait for the token row while
    they issue; SQLite serializes writers anyway and keeps it in the request's transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        row.last_used_at = now
        return
    stale = now - _LAST_USED_RESOLUTION
    with bind.engine.begin() as conn:
        conn.execute(
            update(ApiToken)
            .where(ApiToken.id == row.id)
            .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < stale))
            .values(last_used_at=now)
        )


def authenticate(session: Session, authorization: str | None, *, now: dt.datetime) -> Principal:
    """Resolve ``Authorization: Bearer …`` to a principal, or raise Unauthorized."""
    if not authorization:
        raise Unauthorized("missing Authorization header", type_name="unauthorized")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise Unauthorized("use Authorization: Bearer <token>")
    digest = hash_token(token)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).one_or_none()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
        raise Unauthorized("the token is unknown or revoked", type_name="invalid-token")
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_RESOLUTION:
        _touch(session, row, now)
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
        exists = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).one_or_none()
        if exists is None:
            session.add(
                ApiToken(
                    tenant_id=None,
                    name="bootstrap admin (SHOMEI_ADMIN_TOKEN)",
                    scopes=["admin"],
                    token_hash=digest,
                    prefix=configured[:12],
                    created_at=utcnow(),
                )
            )
        return None
    any_admin = session.scalars(
        select(ApiToken.id).where(ApiToken.tenant_id.is_(None), ApiToken.revoked_at.is_(None)).limit(1)
    ).first()
    if any_admin is not None:
        return None
    token = new_token()
    session.add(
        ApiToken(
            tenant_id=None,
            name="bootstrap admin (generated)",
            scopes=["admin"],
            token_hash=hash_token(token),
            prefix=token[:12],
            created_at=utcnow(),
        )
    )
    return token

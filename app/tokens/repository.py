"""The queries on ``api_tokens``: a bearer token by its hash, an issuer's tokens, and the service-wide
admin tokens (which belong to no tenant)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from app.db.models import ApiToken, Tenant
from app.db.tenancy import cross_tenant

__all__ = [
    "add_service_admin_token",
    "add_token",
    "any_service_admin_token",
    "by_hash",
    "by_hash_with_tenant",
    "record_use",
    "revoke_service_admin_tokens_except",
    "token_of",
    "tokens_of",
]


def by_hash(session: Session, digest: str) -> ApiToken | None:
    """The token whose SHA-256 is ``digest``, whichever tenant it belongs to."""
    with cross_tenant("a bearer token is found by its hash, before its tenant is known"):
        return session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).one_or_none()


# Built once (every request on an issuer's path runs it), the hash and the slug bound at execution.
_BY_HASH_WITH_TENANT = (
    select(ApiToken, Tenant)
    .outerjoin(Tenant, Tenant.slug == bindparam("slug"))
    .where(ApiToken.token_hash == bindparam("digest"))
)


def by_hash_with_tenant(session: Session, digest: str, slug: str) -> tuple[ApiToken, Tenant | None] | None:
    """:func:`by_hash` and the issuer whose slug is ``slug`` (None when there is none), in one statement:
    what a request on an issuer's path needs first. None when no token has this hash."""
    with cross_tenant("a bearer token is found by its hash, before its tenant is known"):
        row = session.execute(_BY_HASH_WITH_TENANT, {"digest": digest, "slug": slug}).one_or_none()
    return None if row is None else (row[0], row[1])


def record_use(session: Session, row: ApiToken, now: dt.datetime, *, resolution: dt.timedelta) -> None:
    """Record the token's last use. On PostgreSQL in its own short transaction, so that concurrent
    requests with one token (a CI pipeline's parallel jobs) never hold or wait for the token row while
    they issue; SQLite serializes writers anyway and keeps it in the request's transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        row.last_used_at = now
        return
    stale = now - resolution
    with cross_tenant("the token just found by its hash"), bind.engine.begin() as conn:
        conn.execute(
            update(ApiToken)
            .where(ApiToken.id == row.id)
            .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < stale))
            .values(last_used_at=now)
        )


def any_service_admin_token(session: Session) -> uuid.UUID | None:
    """The id of one unrevoked service-wide admin token, if there is any."""
    with cross_tenant("service-wide admin tokens belong to no tenant"):
        return session.scalars(
            select(ApiToken.id).where(ApiToken.tenant_id.is_(None), ApiToken.revoked_at.is_(None)).limit(1)
        ).first()


def revoke_service_admin_tokens_except(session: Session, keep: ApiToken, *, now: dt.datetime) -> None:
    """Revoke every unrevoked service-wide admin token but ``keep`` (written first if it is new)."""
    session.flush()  # a token added just now gets its id
    with cross_tenant("service-wide admin tokens belong to no tenant"):
        session.execute(
            update(ApiToken)
            .where(ApiToken.tenant_id.is_(None), ApiToken.revoked_at.is_(None), ApiToken.id != keep.id)
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )


def add_service_admin_token(
    session: Session, *, name: str, token_hash: str, prefix: str, created_at: dt.datetime
) -> ApiToken:
    """Add a service-wide admin token (no tenant, the ``admin`` scope); written at the next flush."""
    row = ApiToken(
        tenant_id=None,
        name=name,
        scopes=["admin"],
        token_hash=token_hash,
        prefix=prefix,
        created_at=created_at,
    )
    session.add(row)
    return row


def add_token(
    session: Session,
    tenant: Tenant,
    *,
    name: str,
    scopes: list[str],
    token_hash: str,
    prefix: str,
    created_at: dt.datetime,
    expires_at: dt.datetime | None = None,
) -> ApiToken:
    """Store a new token of the tenant (flushed: its id is known on return)."""
    row = ApiToken(
        tenant_id=tenant.id,
        name=name,
        scopes=scopes,
        token_hash=token_hash,
        prefix=prefix,
        created_at=created_at,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def tokens_of(session: Session, tenant: Tenant) -> Sequence[ApiToken]:
    """The tenant's tokens, oldest first."""
    return session.scalars(
        select(ApiToken).where(ApiToken.tenant_id == tenant.id).order_by(ApiToken.created_at)
    ).all()


def token_of(session: Session, tenant: Tenant, token_id: uuid.UUID) -> ApiToken | None:
    """The tenant's token with this id, or None (another tenant's token is not found either)."""
    return session.scalars(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.tenant_id == tenant.id)
    ).one_or_none()

"""Per-tenant API tokens: issued once, stored hashed, revocable, optionally expiring."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.db.base import utcnow
from app.db.models import ApiToken, Tenant
from app.errors import Conflict, NotFound, ValidationFailed
from app.tokens import repository
from app.tokens.auth import Principal, display_prefix, hash_token, new_token
from schemas.api import TokenCreate, TokenCreated, TokenOut

__all__ = ["create", "list_for", "revoke", "token_out"]


def token_out(row: ApiToken) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        scopes=list(row.scopes),
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
    )


def create(
    session: Session,
    tenant: Tenant,
    body: TokenCreate,
    *,
    actor: Principal | None,
    now: dt.datetime | None = None,
) -> TokenCreated:
    """Make a token (shown only in the result); an ``expires_at`` that is not after ``now`` is refused."""
    now = now or utcnow()
    if body.expires_at is not None and body.expires_at <= now:
        raise ValidationFailed(
            "expires_at must be in the future",
            type_name="invalid-token-expiry",
            errors=[{"loc": ["body", "expires_at"], "msg": "must be in the future", "type": "value_error"}],
        )
    token = new_token()
    row = repository.add_token(
        session,
        tenant,
        name=body.name,
        scopes=sorted(set(body.scopes)),
        token_hash=hash_token(token),
        prefix=display_prefix(token),
        created_at=now,
        expires_at=body.expires_at,
    )
    details: dict[str, object] = {"scopes": row.scopes, "name": row.name}
    if row.expires_at is not None:
        details["expires_at"] = row.expires_at.isoformat()
    audit.record(
        session,
        actor=actor,
        action="token.create",
        target_type="token",
        target_id=str(row.id),
        tenant_id=tenant.id,
        details=details,
    )
    return TokenCreated(token=token, **token_out(row).model_dump())


def list_for(session: Session, tenant: Tenant) -> Sequence[ApiToken]:
    return repository.tokens_of(session, tenant)


def revoke(session: Session, tenant: Tenant, token_id: uuid.UUID, *, actor: Principal | None) -> ApiToken:
    row = repository.token_of(session, tenant, token_id)
    if row is None:
        raise NotFound("no such token")
    if row.revoked_at is not None:
        raise Conflict("the token is already revoked", type_name="token-already-revoked")
    row.revoked_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="token.revoke",
        target_type="token",
        target_id=str(row.id),
        tenant_id=tenant.id,
    )
    return row

"""Per-tenant API tokens: issued once, stored hashed, revocable."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.db.base import utcnow
from app.db.models import ApiToken, Tenant
from app.errors import Conflict, NotFound
from app.tokens import repository
from app.tokens.auth import Principal, hash_token, new_token
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
    )


def create(session: Session, tenant: Tenant, body: TokenCreate, *, actor: Principal | None) -> TokenCreated:
    token = new_token()
    row = repository.add_token(
        session,
        tenant,
        name=body.name,
        scopes=sorted(set(body.scopes)),
        token_hash=hash_token(token),
        prefix=token[:12],
        created_at=utcnow(),
    )
    audit.record(
        session,
        actor=actor,
        action="token.create",
        target_type="token",
        target_id=str(row.id),
        tenant_id=tenant.id,
        details={"scopes": row.scopes, "name": row.name},
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

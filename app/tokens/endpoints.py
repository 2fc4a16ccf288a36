"""An issuer's API tokens: create, list, revoke."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.deps import ClockDep, PrincipalDep, SessionDep, TenantForAdmin
from app.tokens import service as tokens
from schemas.api import (
    TokenCreate,
    TokenCreated,
    TokenOut,
)

__all__ = ["router"]

router = APIRouter(tags=["issuers"])


@router.post("/v1/issuers/{slug}/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(
    tenant: TenantForAdmin, body: TokenCreate, session: SessionDep, who: PrincipalDep, clock: ClockDep
) -> TokenCreated:
    """Create an API token for the issuer; the token is shown only in this response."""
    return tokens.create(session, tenant, body, actor=who, now=clock.now())


@router.get("/v1/issuers/{slug}/tokens", response_model=list[TokenOut])
def list_tokens(tenant: TenantForAdmin, session: SessionDep) -> list[TokenOut]:
    """List the issuer's API tokens (never the secrets)."""
    return [tokens.token_out(t) for t in tokens.list_for(session, tenant)]


@router.delete("/v1/issuers/{slug}/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    token_id: uuid.UUID,
    tenant: TenantForAdmin,
    session: SessionDep,
    who: PrincipalDep,
) -> TokenOut:
    """Revoke an API token."""
    return tokens.token_out(tokens.revoke(session, tenant, token_id, actor=who))

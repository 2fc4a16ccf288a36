"""An issuer's API tokens: create, list, revoke."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.deps import PrincipalDep, SessionDep
from app.tenants import service as tenants
from app.tokens import service as tokens
from app.tokens.auth import authorize
from schemas.api import (
    TokenCreate,
    TokenCreated,
    TokenOut,
)

router = APIRouter(tags=["issuers"])


@router.post("/v1/issuers/{slug}/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(slug: str, body: TokenCreate, session: SessionDep, who: PrincipalDep) -> TokenCreated:
    """Create an API token for the issuer; the token is shown only in this response."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    return tokens.create(session, tenant, body, actor=who)


@router.get("/v1/issuers/{slug}/tokens", response_model=list[TokenOut])
def list_tokens(slug: str, session: SessionDep, who: PrincipalDep) -> list[TokenOut]:
    """List the issuer's API tokens (never the secrets)."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    return [tokens.token_out(t) for t in tokens.list_for(session, tenant)]


@router.delete("/v1/issuers/{slug}/tokens/{token_id}", response_model=TokenOut)
def revoke_token(slug: str, token_id: uuid.UUID, session: SessionDep, who: PrincipalDep) -> TokenOut:
    """Revoke an API token."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "admin")
    return tokens.token_out(tokens.revoke(session, tenant, token_id, actor=who))

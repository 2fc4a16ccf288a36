"""Stackable pathways: an issuer defines a programme (`POST /v1/issuers/{slug}/pathways`), anyone
evaluates credentials against it (`POST /v1/pathways/{id}/evaluate`), and the issuer completes it for a
learner: the programme's credential and a CLR 2.0 learner record
(`POST /v1/issuers/{slug}/pathways/{id}/complete`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, status

from app.deps import (
    ClockDep,
    IssueContextDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    StateDep,
    TenantForIssue,
    TenantForRead,
)
from app.pathways import completion
from app.pathways import service as pathways
from app.verification.service import strict_json_body
from schemas.api import IDEMPOTENCY_KEY_PATTERN
from schemas.pathways import CompletionIn, CompletionOut, CredentialsIn, PathwayIn, PathwayOut, ProgressOut

__all__ = ["router"]

router = APIRouter(tags=["pathways"])


@router.post("/v1/issuers/{slug}/pathways", status_code=status.HTTP_201_CREATED, response_model=PathwayOut)
def create_pathway(
    tenant: TenantForIssue, body: PathwayIn, session: SessionDep, settings: SettingsDep, who: PrincipalDep
) -> PathwayOut:
    """Define a programme as a stackable pathway: requirement groups of achievements (this issuer's or
    others'), a credit minimum, a recency rule, minimum results and the issuers it recognises."""
    row = pathways.create(session, settings, tenant, body, actor=who)
    return pathways.pathway_out(settings, row, tenant)


@router.get("/v1/issuers/{slug}/pathways", response_model=list[PathwayOut])
def list_pathways(tenant: TenantForRead, session: SessionDep, settings: SettingsDep) -> list[PathwayOut]:
    """The issuer's pathways, oldest first."""
    return [pathways.pathway_out(settings, p, tenant) for p in pathways.list_pathways(session, tenant)]


@router.get("/v1/issuers/{slug}/pathways/{pathway_id}", response_model=PathwayOut)
def get_pathway(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document
    pathway_id: uuid.UUID,
    tenant: TenantForRead,
    session: SessionDep,
    settings: SettingsDep,
) -> PathwayOut:
    return pathways.pathway_out(settings, pathways.get(session, tenant, pathway_id), tenant)


@router.get("/v1/pathways/{pathway_id}", response_model=PathwayOut)
def public_pathway(pathway_id: uuid.UUID, session: SessionDep, settings: SettingsDep) -> PathwayOut:
    """A pathway, public: what it requires and which issuers it recognises."""
    row, tenant = pathways.get_public(session, pathway_id)
    return pathways.pathway_out(settings, row, tenant)


@router.post(
    "/v1/pathways/{pathway_id}/evaluate",
    response_model=ProgressOut,
    dependencies=[Depends(strict_json_body)],  # a member named twice: 400 duplicate-member
)
def evaluate_pathway(
    pathway_id: uuid.UUID, body: CredentialsIn, session: SessionDep, state: StateDep, clock: ClockDep
) -> ProgressOut:
    """A learner's progress: every credential verified (as by `POST /v1/verify`), then counted toward
    the pathway's groups; the others listed with a reason code."""
    row, _tenant = pathways.get_public(session, pathway_id)
    progress, _items = pathways.evaluate(state, session, row, body, now=clock.now())
    return pathways.progress_out(state.settings, row, progress)


@router.post(
    "/v1/issuers/{slug}/pathways/{pathway_id}/complete",
    status_code=status.HTTP_201_CREATED,
    response_model=CompletionOut,
    dependencies=[Depends(strict_json_body)],
)
def complete_pathway(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document
    pathway_id: uuid.UUID,
    tenant: TenantForIssue,
    body: CompletionIn,
    session: SessionDep,
    state: StateDep,
    ctx: IssueContextDep,
    who: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(pattern=IDEMPOTENCY_KEY_PATTERN, max_length=190)] = None,
) -> CompletionOut:
    """Issue the programme's credential and a CLR 2.0 learner record bundling the counted credentials
    (409 ``pathway-incomplete`` with the progress when they do not complete it). ``Idempotency-Key``
    makes retries safe: the same request again answers the same pair."""
    row = pathways.get(session, tenant, pathway_id)
    return completion.complete(
        state, session, ctx, tenant, row, body, actor=who, idempotency_key=idempotency_key
    )

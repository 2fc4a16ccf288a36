"""Achievement (course) templates: create, list, read, update, archive."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.achievements import service as achievements
from app.deps import PrincipalDep, SessionDep, StateDep, TenantForIssue, TenantForRead
from schemas.api import INT32_MAX, AchievementTemplateIn, AchievementTemplateOut

__all__ = ["router"]

router = APIRouter(tags=["credentials"])


@router.post(
    "/v1/issuers/{slug}/achievements",
    status_code=status.HTTP_201_CREATED,
    response_model=AchievementTemplateOut,
)
def create_achievement(
    tenant: TenantForIssue,
    body: AchievementTemplateIn,
    session: SessionDep,
    state: StateDep,
    who: PrincipalDep,
) -> AchievementTemplateOut:
    """Create a course template (OB 3.0 Achievement with micro-credential descriptors). It is checked as
    it will be issued: the descriptor schema, the profiles it claims and its JSON-LD terms; each error
    names the field (``pointer``) and says what is wrong."""
    template, version = achievements.create(
        session, state.settings, tenant, body, actor=who, loader=state.loader
    )
    return achievements.template_out(template, version)


@router.get("/v1/issuers/{slug}/achievements", response_model=list[AchievementTemplateOut])
def list_achievements(
    tenant: TenantForRead, session: SessionDep, include_archived: bool = False
) -> list[AchievementTemplateOut]:
    """List the issuer's templates (current versions)."""
    return [
        achievements.template_out(t, v)
        for t, v in achievements.list_templates(session, tenant, include_archived=include_archived)
    ]


@router.get("/v1/issuers/{slug}/achievements/{template_id}", response_model=AchievementTemplateOut)
def get_achievement(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    template_id: uuid.UUID,
    tenant: TenantForRead,
    session: SessionDep,
    version: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
) -> AchievementTemplateOut:
    """Read a template (the current version, or ``?version=N``)."""
    template = achievements.get(session, tenant, template_id)
    return achievements.template_out(template, achievements.version_of(session, template, version))


@router.put("/v1/issuers/{slug}/achievements/{template_id}", response_model=AchievementTemplateOut)
def update_achievement(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    template_id: uuid.UUID,
    tenant: TenantForIssue,
    body: AchievementTemplateIn,
    session: SessionDep,
    state: StateDep,
    who: PrincipalDep,
) -> AchievementTemplateOut:
    """Save a new version of a template; issued credentials keep their version."""
    template = achievements.get(session, tenant, template_id)
    version = achievements.update(
        session, state.settings, tenant, template, body, actor=who, loader=state.loader
    )
    return achievements.template_out(template, version)


@router.delete("/v1/issuers/{slug}/achievements/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
def archive_achievement(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    template_id: uuid.UUID,
    tenant: TenantForIssue,
    session: SessionDep,
    who: PrincipalDep,
) -> Response:
    """Archive a template: no new credentials from it; issued ones are untouched."""
    achievements.archive(session, tenant, achievements.get(session, tenant, template_id), actor=who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

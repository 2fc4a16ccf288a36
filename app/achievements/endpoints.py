"""Achievement (course) templates: create, list, read, update, archive."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.achievements import service as achievements
from app.deps import PrincipalDep, SessionDep, SettingsDep
from app.tenants import service as tenants
from app.tokens.auth import authorize
from schemas.api import (
    AchievementTemplateIn,
    AchievementTemplateOut,
)

router = APIRouter(tags=["credentials"])


@router.post(
    "/v1/issuers/{slug}/achievements",
    status_code=status.HTTP_201_CREATED,
    response_model=AchievementTemplateOut,
)
def create_achievement(
    slug: str, body: AchievementTemplateIn, session: SessionDep, settings: SettingsDep, who: PrincipalDep
) -> AchievementTemplateOut:
    """Create a course template (OB 3.0 Achievement with micro-credential descriptors)."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "issue")
    template, version = achievements.create(session, settings, tenant, body, actor=who)
    return achievements.template_out(template, version)


@router.get("/v1/issuers/{slug}/achievements", response_model=list[AchievementTemplateOut])
def list_achievements(
    slug: str, session: SessionDep, who: PrincipalDep, include_archived: bool = False
) -> list[AchievementTemplateOut]:
    """List the issuer's templates (current versions)."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "read")
    return [
        achievements.template_out(t, v)
        for t, v in achievements.list_templates(session, tenant, include_archived=include_archived)
    ]


@router.get("/v1/issuers/{slug}/achievements/{template_id}", response_model=AchievementTemplateOut)
def get_achievement(
    slug: str,
    template_id: uuid.UUID,
    session: SessionDep,
    who: PrincipalDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> AchievementTemplateOut:
    """Read a template (the current version, or ``?version=N``)."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "read")
    template = achievements.get(session, tenant, template_id)
    return achievements.template_out(template, achievements.version_of(session, template, version))


@router.put("/v1/issuers/{slug}/achievements/{template_id}", response_model=AchievementTemplateOut)
def update_achievement(
    slug: str,
    template_id: uuid.UUID,
    body: AchievementTemplateIn,
    session: SessionDep,
    settings: SettingsDep,
    who: PrincipalDep,
) -> AchievementTemplateOut:
    """Save a new version of a template; issued credentials keep their version."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "issue")
    template = achievements.get(session, tenant, template_id)
    version = achievements.update(session, settings, tenant, template, body, actor=who)
    return achievements.template_out(template, version)


@router.delete("/v1/issuers/{slug}/achievements/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
def archive_achievement(
    slug: str, template_id: uuid.UUID, session: SessionDep, who: PrincipalDep
) -> Response:
    """Archive a template: no new credentials from it; issued ones are untouched."""
    tenant = tenants.get_by_slug(session, slug)
    authorize(who, tenant, "issue")
    achievements.archive(session, tenant, achievements.get(session, tenant, template_id), actor=who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""The queries on ``achievement_templates`` and ``achievement_template_versions``: a tenant's template,
its versions, the current version of each template, new rows. Every function takes the tenant (or its id)
and filters on it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.db.models import AchievementTemplate, AchievementTemplateVersion, Tenant
from app.db.tenancy import cross_tenant

__all__ = [
    "add_template",
    "add_version",
    "catalogue",
    "current_templates",
    "save",
    "template_of",
    "template_version",
    "template_with_current_version",
]


def template_of(session: Session, tenant: Tenant, template_id: uuid.UUID) -> AchievementTemplate | None:
    """The tenant's template with this id, or None (another tenant's template is not found either)."""
    return session.scalars(
        select(AchievementTemplate).where(
            AchievementTemplate.id == template_id, AchievementTemplate.tenant_id == tenant.id
        )
    ).one_or_none()


# Templates with their current versions (the tenant is bound by each statement that uses it).
_WITH_VERSIONS = select(AchievementTemplate, AchievementTemplateVersion).join(
    AchievementTemplateVersion,
    (AchievementTemplateVersion.template_id == AchievementTemplate.id)
    & (AchievementTemplateVersion.version == AchievementTemplate.current_version),
)
# Built once (every issuance runs it), the template and the tenant bound at execution.
_WITH_CURRENT_VERSION = _WITH_VERSIONS.where(
    AchievementTemplate.id == bindparam("template_id"),
    AchievementTemplate.tenant_id == bindparam("tenant_id"),
    AchievementTemplateVersion.tenant_id == bindparam("tenant_id"),
)


def template_with_current_version(
    session: Session, tenant: Tenant, template_id: uuid.UUID
) -> tuple[AchievementTemplate, AchievementTemplateVersion] | None:
    """The tenant's template with this id and its current version, in one statement; None when either is
    missing."""
    row = session.execute(
        _WITH_CURRENT_VERSION, {"template_id": template_id, "tenant_id": tenant.id}
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def template_version(
    session: Session, tenant_id: uuid.UUID, template_id: uuid.UUID, number: int
) -> AchievementTemplateVersion | None:
    """Version ``number`` of the tenant's template, or None."""
    return session.scalars(
        select(AchievementTemplateVersion).where(
            AchievementTemplateVersion.template_id == template_id,
            AchievementTemplateVersion.version == number,
            AchievementTemplateVersion.tenant_id == tenant_id,
        )
    ).one_or_none()


def current_templates(
    session: Session, tenant: Tenant, *, include_archived: bool
) -> list[tuple[AchievementTemplate, AchievementTemplateVersion]]:
    """The tenant's templates with their current versions, oldest first; without the archived ones
    unless asked."""
    stmt = _WITH_VERSIONS.where(
        AchievementTemplate.tenant_id == tenant.id, AchievementTemplateVersion.tenant_id == tenant.id
    ).order_by(AchievementTemplate.created_at)
    if not include_archived:
        stmt = stmt.where(AchievementTemplate.archived_at.is_(None))
    return [(row[0], row[1]) for row in session.execute(stmt).all()]


def catalogue(session: Session, tenant: Tenant | None) -> list[tuple[AchievementTemplateVersion, Tenant]]:
    """The current versions of the templates listed in the public catalogue, with their tenant: the
    tenant's, or (``tenant`` None) every tenant's; by tenant, then oldest first."""
    stmt = (
        select(AchievementTemplateVersion, Tenant)
        .join(
            AchievementTemplate,
            (AchievementTemplateVersion.template_id == AchievementTemplate.id)
            & (AchievementTemplateVersion.version == AchievementTemplate.current_version),
        )
        .join(Tenant, Tenant.id == AchievementTemplate.tenant_id)
        .where(AchievementTemplate.catalogue.is_(True), AchievementTemplate.archived_at.is_(None))
        .order_by(Tenant.name, AchievementTemplate.created_at, AchievementTemplate.id)
    )
    if tenant is not None:
        stmt = stmt.where(
            AchievementTemplate.tenant_id == tenant.id, AchievementTemplateVersion.tenant_id == tenant.id
        )
        return [(r[0], r[1]) for r in session.execute(stmt).all()]
    with cross_tenant("the public catalogue lists every issuer's published courses"):
        return [(r[0], r[1]) for r in session.execute(stmt).all()]


def add_template(
    session: Session,
    tenant: Tenant,
    *,
    template_id: uuid.UUID,
    name: str,
    now: dt.datetime,
    catalogue: bool = False,
) -> AchievementTemplate:
    """Store a new template of the tenant at version 1 (flushed)."""
    template = AchievementTemplate(
        id=template_id,
        tenant_id=tenant.id,
        current_version=1,
        name=name,
        created_at=now,
        updated_at=now,
        catalogue=catalogue,
    )
    session.add(template)
    session.flush()
    return template


def add_version(
    session: Session,
    tenant: Tenant,
    *,
    template_id: uuid.UUID,
    version: int,
    achievement: dict[str, Any],
    profiles: list[str],
    created_at: dt.datetime,
) -> AchievementTemplateVersion:
    """Add a version of the tenant's template; written at the next flush (``save``)."""
    row = AchievementTemplateVersion(
        template_id=template_id,
        tenant_id=tenant.id,
        version=version,
        achievement=achievement,
        profiles=profiles,
        created_at=created_at,
    )
    session.add(row)
    return row


def save(session: Session) -> None:
    """Write the pending changes to templates and versions now, inside the caller's transaction."""
    session.flush()

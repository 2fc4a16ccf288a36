"""Achievement templates: a course offered as a micro-credential, versioned, checked against the
descriptor profiles it claims before it is saved."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.achievements import checks, repository
from app.audit import service as audit
from app.db.base import utcnow
from app.db.models import AchievementTemplate, AchievementTemplateVersion, Tenant
from app.errors import NotFound, ValidationFailed
from app.settings import Settings
from app.tokens.auth import Principal
from app.urls import achievement_url
from issuer.achievement import AchievementError, normalize_achievement
from proofs.jsonld import DocumentLoader
from schemas.api import AchievementTemplateIn, AchievementTemplateOut

__all__ = [
    "archive",
    "catalogue",
    "create",
    "get",
    "get_with_current_version",
    "list_templates",
    "template_out",
    "update",
    "version_of",
]


def _checked_achievement(
    settings: Settings,
    tenant: Tenant,
    template_id: uuid.UUID,
    version: int,
    body: AchievementTemplateIn,
    loader: DocumentLoader,
) -> dict[str, Any]:
    try:
        achievement = normalize_achievement(
            body.achievement_body(),
            achievement_id=achievement_url(settings, tenant, template_id),
            version=str(version),
        )
    except AchievementError as exc:
        raise ValidationFailed(str(exc), type_name="invalid-achievement", errors=exc.errors) from None
    checks.check_descriptor(achievement, body.profiles)
    checks.check_profiles(achievement, body.profiles)
    checks.check_terms(loader, settings, tenant, achievement, body.profiles, now=utcnow())
    return achievement


def template_out(
    template: AchievementTemplate, version: AchievementTemplateVersion
) -> AchievementTemplateOut:
    return AchievementTemplateOut(
        id=template.id,
        version=version.version,
        profiles=list(version.profiles),
        achievement=version.achievement,
        created_at=template.created_at,
        updated_at=template.updated_at,
        archived_at=template.archived_at,
        catalogue=template.catalogue,
    )


def create(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    body: AchievementTemplateIn,
    *,
    actor: Principal | None,
    loader: DocumentLoader,
) -> tuple[AchievementTemplate, AchievementTemplateVersion]:
    template_id = uuid.uuid4()
    achievement = _checked_achievement(settings, tenant, template_id, 1, body, loader)
    now = utcnow()
    template = repository.add_template(
        session, tenant, template_id=template_id, name=achievement["name"], now=now, catalogue=body.catalogue
    )
    version = repository.add_version(
        session,
        tenant,
        template_id=template_id,
        version=1,
        achievement=achievement,
        profiles=list(body.profiles),
        created_at=now,
    )
    repository.save(session)
    audit.record(
        session,
        actor=actor,
        action="achievement.create",
        target_type="achievement",
        target_id=str(template_id),
        tenant_id=tenant.id,
        details={"version": 1, "profiles": list(body.profiles)},
    )
    return template, version


def get(session: Session, tenant: Tenant, template_id: uuid.UUID) -> AchievementTemplate:
    template = repository.template_of(session, tenant, template_id)
    if template is None:
        raise NotFound("no such achievement template", type_name="achievement-not-found")
    return template


def get_with_current_version(
    session: Session, tenant: Tenant, template_id: uuid.UUID
) -> tuple[AchievementTemplate, AchievementTemplateVersion]:
    """``get`` and ``version_of`` its current version, in one round trip (issuance's path)."""
    found = repository.template_with_current_version(session, tenant, template_id)
    if found is None:  # the template or its version is missing: the same problems as the two steps
        template = get(session, tenant, template_id)
        return template, version_of(session, template)
    return found


def version_of(
    session: Session, template: AchievementTemplate, version: int | None = None
) -> AchievementTemplateVersion:
    number = version or template.current_version
    row = repository.template_version(session, template.tenant_id, template.id, number)
    if row is None:
        raise NotFound(f"no version {number} of this template", type_name="achievement-not-found")
    return row


def list_templates(
    session: Session, tenant: Tenant, *, include_archived: bool = False
) -> list[tuple[AchievementTemplate, AchievementTemplateVersion]]:
    return repository.current_templates(session, tenant, include_archived=include_archived)


def catalogue(session: Session, tenant: Tenant | None) -> list[tuple[dict[str, Any], Tenant]]:
    """The achievements an issuer (or, with ``tenant`` None, every issuer) lists in its public catalogue,
    with their issuer."""
    return [(version.achievement, owner) for version, owner in repository.catalogue(session, tenant)]


def update(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    template: AchievementTemplate,
    body: AchievementTemplateIn,
    *,
    actor: Principal | None,
    loader: DocumentLoader,
) -> AchievementTemplateVersion:
    """Save a new version; credentials already issued keep the version they were issued from."""
    number = template.current_version + 1
    achievement = _checked_achievement(settings, tenant, template.id, number, body, loader)
    version = repository.add_version(
        session,
        tenant,
        template_id=template.id,
        version=number,
        achievement=achievement,
        profiles=list(body.profiles),
        created_at=utcnow(),
    )
    template.current_version = number
    template.name = achievement["name"]
    template.catalogue = body.catalogue
    template.updated_at = utcnow()
    repository.save(session)
    audit.record(
        session,
        actor=actor,
        action="achievement.update",
        target_type="achievement",
        target_id=str(template.id),
        tenant_id=tenant.id,
        details={"version": number, "profiles": list(body.profiles)},
    )
    return version


def archive(
    session: Session, tenant: Tenant, template: AchievementTemplate, *, actor: Principal | None
) -> None:
    template.archived_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="achievement.archive",
        target_type="achievement",
        target_id=str(template.id),
        tenant_id=tenant.id,
    )

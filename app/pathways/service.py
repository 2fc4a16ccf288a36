"""Stackable pathways: an issuer's programme defined as requirement groups of achievements (its own or
other issuers'), evaluated against a learner's verified credentials by the pure
:func:`verifier.pathways.evaluate`, with the clock's ``now``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.achievements import service as achievements
from app.audit import service as audit
from app.db.base import utcnow
from app.db.models import Pathway, Tenant
from app.errors import NotFound
from app.pathways import repository
from app.pathways.inputs import submissions
from app.settings import Settings
from app.state import AppState
from app.tenants.service import tenant_did
from app.tokens.auth import Principal
from app.urls import achievement_url
from schemas.pathways import CredentialsIn, PathwayIn, PathwayOut, ProgressOut
from verifier import Identity
from verifier import pathways as rules
from verifier.pathways import Progress

__all__ = [
    "all_pathways",
    "create",
    "evaluate",
    "get",
    "get_public",
    "list_pathways",
    "pathway_out",
    "pathway_url",
    "progress_out",
    "rules_of",
]


def pathway_url(settings: Settings, pathway: Pathway) -> str:
    """The pathway's public page (its progress form), also the programme's id."""
    return f"{settings.public_base_url}/pathways/{pathway.id}"


def _definition(session: Session, settings: Settings, tenant: Tenant, body: PathwayIn) -> dict[str, Any]:
    """The stored definition: the body with each template reference resolved to its achievement id, and
    the issuer's own DID on the trust list."""
    definition = body.model_dump(mode="json", exclude_none=True)
    for group, group_in in zip(definition["groups"], body.groups, strict=True):
        for entry, entry_in in zip(group["achievements"], group_in.achievements, strict=True):
            if entry_in.template_id is not None:
                template = achievements.get(session, tenant, entry_in.template_id)
                entry.pop("template_id")
                entry["achievement"] = achievement_url(settings, tenant, template.id)
    own = tenant_did(settings, tenant)
    trusted = list(dict.fromkeys([*([own] if own else []), *definition.get("recognised_issuers", [])]))
    definition["recognised_issuers"] = trusted
    return definition


def create(
    session: Session, settings: Settings, tenant: Tenant, body: PathwayIn, *, actor: Principal | None
) -> Pathway:
    row = repository.add(
        session, tenant, name=body.name, definition=_definition(session, settings, tenant, body), now=utcnow()
    )
    audit.record(
        session,
        actor=actor,
        action="pathway.create",
        target_type="pathway",
        target_id=str(row.id),
        tenant_id=tenant.id,
        details={"groups": len(body.groups), "credits_required": body.credits_required},
    )
    return row


def list_pathways(session: Session, tenant: Tenant) -> list[Pathway]:
    return repository.of_tenant(session, tenant)


def get(session: Session, tenant: Tenant, pathway_id: uuid.UUID) -> Pathway:
    rows = repository.of_tenant(session, tenant, pathway_id)
    if not rows:
        raise NotFound("no such pathway", type_name="pathway-not-found")
    return rows[0]


def get_public(session: Session, pathway_id: uuid.UUID) -> tuple[Pathway, Tenant]:
    found = repository.public(session, pathway_id)
    if found is None:
        raise NotFound("no such pathway", type_name="pathway-not-found")
    return found


def all_pathways(session: Session) -> list[tuple[Pathway, Tenant]]:
    return repository.all_public(session)


def pathway_out(settings: Settings, pathway: Pathway, tenant: Tenant) -> PathwayOut:
    d = pathway.definition
    return PathwayOut(
        id=pathway.id,
        url=pathway_url(settings, pathway),
        issuer=tenant.slug,
        issuer_id=tenant_did(settings, tenant) or "",
        name=pathway.name,
        description=d.get("description"),
        achievement_type=d.get("achievement_type", "Degree"),
        programme=d.get("programme"),
        credits_required=d["credits_required"],
        recency_years=d.get("recency_years"),
        recognised_issuers=list(d.get("recognised_issuers", [])),
        groups=list(d["groups"]),
        created_at=pathway.created_at,
    )


def rules_of(pathway: Pathway) -> rules.Pathway:
    """The stored definition as the evaluator's rules."""
    d = pathway.definition
    groups = tuple(
        rules.Group(
            id=g["id"],
            name=g.get("name"),
            min_credits=g.get("min_credits"),
            min_count=g.get("min_count"),
            entries=tuple(
                rules.Entry(e["achievement"], credits=e.get("credits"), min_result=e.get("min_result"))
                for e in g["achievements"]
            ),
        )
        for g in d["groups"]
    )
    return rules.Pathway(
        credits_required=d["credits_required"],
        groups=groups,
        recognised_issuers=frozenset(d.get("recognised_issuers", [])),
        recency_years=d.get("recency_years"),
    )


def evaluate(
    state: AppState,
    session: Session,
    pathway: Pathway,
    body: CredentialsIn,
    *,
    now: dt.datetime,
    learner: Identity | None = None,
) -> tuple[Progress, list[rules.Submission]]:
    """The learner's progress: every credential verified (and issued to ``learner``, else to
    ``body.learner`` when given), then the pathway's rules applied at ``now``; and the verified
    submissions (the completion bundles the counted ones)."""
    if learner is None and body.learner is not None:
        learner = Identity(body.learner.value, body.learner.type)
    items = submissions(state, session, body, now=now, learner=learner)
    return rules.evaluate(rules_of(pathway), items, now=now), items


def progress_out(settings: Settings, pathway: Pathway, progress: Progress) -> ProgressOut:
    return ProgressOut(pathway=pathway_url(settings, pathway), **progress.as_json())

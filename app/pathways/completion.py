"""Completing a pathway: when the learner's credentials meet every requirement, the institution issues,
in one transaction, the programme's OB 3.0 AchievementCredential (through the native issuance,
:func:`app.credentials.service.issue`) and a CLR 2.0 ``ClrCredential`` (:func:`issuer.clr.build_clr`)
that bundles it with the constituent credentials as they were sent (each keeps its own proof), with the
``isChildOf`` and ``precedes`` associations. Both are secured with the issuer's key and stored as its
credentials; the audit row names the pathway."""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.credentials import recipients
from app.credentials import service as credentials
from app.credentials.context import IssueContext
from app.credentials.securing import secure_all
from app.db.models import Credential, Pathway, Tenant
from app.errors import Conflict, ValidationFailed
from app.pathways import repository
from app.pathways import service as pathways
from app.state import AppState
from app.tenants.service import tenant_profile
from app.tokens.auth import Principal
from app.urls import credential_url
from issuer.clr import build_clr
from schemas.api import CredentialIssueIn, CredentialOut
from schemas.pathways import CompletionIn, CompletionOut
from verifier import Identity
from verifier.pathways import Progress, Submission

__all__ = ["complete"]


def _programme_achievement(pathway: Pathway, progress: Progress) -> dict[str, Any]:
    d = pathway.definition
    groups = "; ".join(
        f"{g.group.name or g.group.id}: "
        + ", ".join(
            part
            for part in (
                f"at least {g.group.min_credits:g} credits" if g.group.min_credits is not None else "",
                f"at least {g.group.min_count} achievements" if g.group.min_count is not None else "",
            )
            if part
        )
        for g in progress.groups
    )
    achievement: dict[str, Any] = {
        "type": ["Achievement"],
        "achievementType": d.get("achievement_type", "Degree"),
        "name": pathway.name,
        "description": d.get("description") or f"Awarded on completing the pathway {pathway.name}.",
        "criteria": {
            "narrative": f"Earn at least {d['credits_required']:g} credits from recognised, verified "
            f"credentials, meeting every requirement group ({groups})."
        },
        "creditsAvailable": d["credits_required"],
    }
    programme = d.get("programme")
    if programme and programme.get("reference"):
        achievement["otherIdentifier"] = [
            {
                "type": "IdentifierEntry",
                "identifier": programme["reference"],
                "identifierType": "ext:AccreditationReference",
            }
        ]
    return achievement


def _bundled(progress: Progress, items: list[Submission]) -> list[Mapping[str, Any]]:
    """The counted credentials as they were sent, in the order they were awarded; each must carry its
    Data Integrity proof (a CLR bundles JSON-LD credentials)."""
    by_label = {s.label: s for s in items}
    counted = sorted(progress.counted, key=lambda c: (c.issued is None, c.issued, c.credential))
    out: list[Mapping[str, Any]] = []
    for c in counted:
        result = by_label[c.credential].result
        credential = result.credential if result is not None else None
        if credential is None or "proof" not in credential:
            raise Conflict(
                "a counted credential is not JSON-LD with an embedded proof, which a CLR bundles",
                type_name="clr-needs-embedded-proof",
                credential=c.credential,
            )
        out.append(credential)
    return out


def _request_hash(pathway: Pathway, body: CompletionIn) -> str:
    """What makes two completion requests the same one: the pathway and the body."""
    text = json.dumps([str(pathway.id), body.model_dump(mode="json")], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def complete(
    state: AppState,
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    pathway: Pathway,
    body: CompletionIn,
    *,
    actor: Principal | None,
    idempotency_key: str | None = None,
) -> CompletionOut:
    """Issue the programme credential and the CLR when the pathway is complete; a 409
    ``pathway-incomplete`` problem (with the progress) otherwise. With ``idempotency_key``, the same
    request again answers the pair it issued first (the progress as of now), and another request with
    the key is a 409 ``idempotency-key-reused``."""
    kind, value = recipients.identity_of(body.recipient)
    learner = None if body.learner is not None else Identity(value, None if kind == "id" else kind)
    request_hash = _request_hash(pathway, body)
    issue_new = functools.partial(
        _complete_new,
        state,
        session,
        ctx,
        tenant,
        pathway,
        body,
        learner,
        actor,
        idempotency_key,
        request_hash,
    )
    if idempotency_key is None:
        return issue_new()
    replayed = functools.partial(
        _replayed, state, session, ctx, tenant, pathway, body, learner, idempotency_key, request_hash
    )
    if (earlier := replayed()) is not None:
        return earlier
    try:
        with session.begin_nested():  # a concurrent retry with the key may commit first
            out = issue_new()
            repository.save(session)
            return out
    except IntegrityError:
        if (earlier := replayed()) is None:
            raise
        return earlier


def _replayed(
    state: AppState,
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    pathway: Pathway,
    body: CompletionIn,
    learner: Identity | None,
    key: str,
    request_hash: str,
) -> CompletionOut | None:
    """The pair a completion with ``key`` issued before (and the progress as of now), or None."""
    clr_row = credentials.replayed(session, tenant, f"{key}:clr", request_hash)
    programme_row = credentials.replayed(session, tenant, f"{key}:programme", request_hash)
    if clr_row is None or programme_row is None:
        return None
    progress, _ = pathways.evaluate(state, session, pathway, body, now=ctx.now, learner=learner)
    return CompletionOut(
        progress=pathways.progress_out(ctx.settings, pathway, progress),
        programme_credential=credentials.credential_out(session, ctx.settings, programme_row),
        clr=credentials.credential_out(session, ctx.settings, clr_row),
    )


def _complete_new(
    state: AppState,
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    pathway: Pathway,
    body: CompletionIn,
    learner: Identity | None,
    actor: Principal | None,
    idempotency_key: str | None,
    request_hash: str,
) -> CompletionOut:
    progress, items = pathways.evaluate(state, session, pathway, body, now=ctx.now, learner=learner)
    out = pathways.progress_out(ctx.settings, pathway, progress)
    if not progress.complete:
        raise Conflict(
            "the credentials do not complete the pathway",
            type_name="pathway-incomplete",
            progress=out.model_dump(),
        )
    constituents = _bundled(progress, items)
    programme_row, _ = credentials.issue(
        session,
        ctx,
        tenant,
        CredentialIssueIn(
            achievement=_programme_achievement(pathway, progress),
            recipient=body.recipient,
            credits_earned=progress.credits_earned,
            formats=["ldp_vc"],
        ),
        actor=actor,
    )
    if idempotency_key is not None:  # the key is the completion's: its request, not the derived body
        programme_row.idempotency_key = f"{idempotency_key}:programme"
        programme_row.request_hash = request_hash
    programme_out = credentials.credential_out(session, ctx.settings, programme_row)
    programme_vc = programme_out.credentials["ldp_vc"]
    subject = programme_vc["credentialSubject"]
    clr_uuid = uuid.uuid4()
    try:
        unsigned = build_clr(
            credential_id=credential_url(ctx.settings, clr_uuid),
            issuer=tenant_profile(ctx.settings, tenant),
            name=f"{pathway.name}: learner record",
            description=f"The achievements that complete {pathway.name}, and the programme's credential.",
            programme_credential=programme_vc,
            constituents=constituents,
            valid_from=ctx.now,
            subject_id=subject.get("id"),
            identifiers=subject.get("identifier") or (),
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), type_name="invalid-credential") from None
    documents = secure_all(session, ctx, tenant, unsigned, ["ldp_vc"])
    clr_row = Credential(
        id=clr_uuid,
        tenant_id=tenant.id,
        achievement_name=f"{pathway.name} (CLR)"[:500],
        recipient_ref=programme_row.recipient_ref,
        recipient_lookup=programme_row.recipient_lookup,
        valid_from=ctx.now,
        issued_at=ctx.now,
        issued_by_token_id=actor.token_id if actor else None,
        status="active",
        credential_uri=credential_url(ctx.settings, clr_uuid),
        idempotency_key=f"{idempotency_key}:clr" if idempotency_key is not None else None,
        request_hash=request_hash if idempotency_key is not None else None,
    )
    credentials.store_issued(session, ctx, tenant, clr_row, documents, actor=actor, template_id=None)
    audit.record(
        session,
        actor=actor,
        action="pathway.complete",
        target_type="pathway",
        target_id=str(pathway.id),
        tenant_id=tenant.id,
        details={
            "programme_credential": str(programme_row.id),
            "clr": str(clr_uuid),
            "bundled": len(constituents),
        },
    )
    clr_out = CredentialOut(
        id=credential_url(ctx.settings, clr_uuid),
        credential_id=clr_uuid,
        template_id=None,
        template_version=None,
        recipient=clr_row.recipient_ref,
        status="active",
        issued_at=ctx.now,
        valid_from=ctx.now,
        valid_until=None,
        formats=["ldp_vc"],
        credentials={"ldp_vc": json.loads(documents["ldp_vc"][1])},
    )
    return CompletionOut(progress=out, programme_credential=programme_out, clr=clr_out)

"""Native issuance and the read model of issued credentials.

``issue``: one transaction builds, validates, secures and stores a credential with its status entries and
audit row. A retry with the same ``Idempotency-Key`` returns the first result; the same key with a different
request is refused; of two concurrent requests with one key, the second answers with the first's result.

The other issuance paths (the VC-API in ``app.vcapi.service``, the wallet copy in
``app.credentials.holder``) share ``store_issued``; securing is in ``app.credentials.securing``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.achievements import service as achievements
from app.achievements.checks import check_credential_schema
from app.audit import service as audit
from app.credentials import recipients, repository
from app.credentials.context import IssueContext
from app.credentials.securing import refuse_violations, secure_all
from app.db.models import Credential, CredentialDocument, StatusList, Tenant
from app.errors import BadRequest, Conflict, NotFound, ValidationFailed
from app.settings import Settings
from app.status import service as status
from app.tenants.service import tenant_did, tenant_profile
from app.tokens.auth import Principal
from app.urls import credential_url
from app.webhooks import service as webhooks
from issuer.achievement import AchievementError, normalize_achievement
from issuer.build import build_credential
from schemas.api import CredentialIssueIn, CredentialOut

__all__ = [
    "badge_document",
    "check",
    "credential_out",
    "document",
    "documents_of",
    "find_by_uri",
    "get_credential",
    "issue",
    "list_credentials",
    "replayed",
    "store_issued",
]


# --- native issuance ---------------------------------------------------------------------------------

# session.info key of what ``_issue_new`` just stored, for ``credential_out`` in the same request.
_JUST_ISSUED = "shomei.credentials.just_issued"


class _Document(NamedTuple):
    """What ``credential_out`` reads of a stored document."""

    format: str
    media_type: str
    content: str


def _request_hash(body: CredentialIssueIn) -> str:
    data = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def issue(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    body: CredentialIssueIn,
    *,
    actor: Principal | None,
    idempotency_key: str | None = None,
) -> tuple[Credential, bool]:
    """Issue a credential. Returns (credential, created); ``created`` is False for an idempotent replay."""
    request_hash = _request_hash(body)
    if idempotency_key is not None:
        replay = _replay(session, tenant, idempotency_key, request_hash)
        if replay is not None:
            return replay, False
    if idempotency_key is None:
        # No key, no replay to fall back on: a clash (IntegrityError) fails the request and the session
        # dependency rolls the whole transaction back, so the savepoint below (two round trips) would
        # change nothing.
        return _issue_new(session, ctx, tenant, body, actor, idempotency_key, request_hash), True
    try:
        with session.begin_nested():
            return _issue_new(session, ctx, tenant, body, actor, idempotency_key, request_hash), True
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key committed first: answer with its result.
        replay = _replay(session, tenant, idempotency_key, request_hash)
        if replay is None:
            raise
        return replay, False


def _replay(session: Session, tenant: Tenant, key: str, request_hash: str) -> Credential | None:
    existing = repository.by_idempotency_key(session, tenant, key)
    if existing is not None and existing.request_hash != request_hash:
        raise Conflict(
            "this Idempotency-Key was used with a different request", type_name="idempotency-key-reused"
        )
    return existing


def replayed(session: Session, tenant: Tenant, key: str, request_hash: str) -> Credential | None:
    """The tenant's credential stored with ``Idempotency-Key: key``, or None; a 409
    ``idempotency-key-reused`` when that key was used for a request of another ``request_hash``."""
    return _replay(session, tenant, key, request_hash)


class _Unsigned(NamedTuple):
    """A credential built and checked, not yet secured: what ``_issue_new`` stores and ``check`` refuses."""

    document: dict[str, Any]
    achievement: dict[str, Any]
    template_id: uuid.UUID | None
    version_id: uuid.UUID | None
    version_number: int | None
    recipient_ref: str
    valid_from: dt.datetime


def _build_checked(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    body: CredentialIssueIn,
    credential_uuid: uuid.UUID,
    status_entries: Callable[[], list[dict[str, Any]]],
) -> _Unsigned:
    """The unsigned credential of ``body``, checked (template, recipient, dates, VC Data Model, the OB 3.0
    and descriptor profile schemas); ``status_entries`` gives its ``credentialStatus`` once all else passed
    the checks that come before it."""
    if tenant_did(ctx.settings, tenant) is None:
        raise Conflict("the issuer has no signing key yet", type_name="signing-key-missing")

    template_id = version_id = None
    version_number: int | None = None
    profiles: list[str] = []  # the descriptor profiles the template claims (none for an inline achievement)
    if body.achievement_id is not None:
        template, version = achievements.get_with_current_version(session, tenant, body.achievement_id)
        if template.archived_at is not None:
            raise Conflict("the achievement template is archived", type_name="achievement-archived")
        achievement = version.achievement
        template_id, version_id, version_number = template.id, version.id, version.version
        profiles = list(version.profiles)
    else:
        try:
            achievement = normalize_achievement(
                body.achievement or {},
                achievement_id=f"{credential_url(ctx.settings, credential_uuid)}#achievement",
                version="1",
            )
        except AchievementError as exc:
            raise ValidationFailed(str(exc), type_name="invalid-achievement", errors=exc.errors) from None

    recipient, recipient_ref = recipients.subject(body.recipient)
    valid_from = body.valid_from or ctx.now
    entries = status_entries()
    try:
        unsigned = build_credential(
            credential_id=credential_url(ctx.settings, credential_uuid),
            issuer=tenant_profile(ctx.settings, tenant),
            achievement=achievement,
            recipient=recipient,
            valid_from=valid_from,
            valid_until=body.valid_until,
            awarded_date=body.awarded_date or valid_from,
            results=body.result or (),
            evidence=body.evidence or (),
            activity_start=body.activity_start_date,
            activity_end=body.activity_end_date,
            credits_earned=body.credits_earned,
            narrative=body.narrative,
            term=body.term,
            credential_status=entries,
            profiles=profiles,
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), type_name="invalid-credential") from None
    refuse_violations(unsigned)  # the VC Data Model first (the callers tell secure_all it is checked)
    check_credential_schema(unsigned, profiles)
    return _Unsigned(
        unsigned, achievement, template_id, version_id, version_number, recipient_ref, valid_from
    )


def check(session: Session, ctx: IssueContext, tenant: Tenant, body: CredentialIssueIn) -> None:
    """Raise what ``issue`` would refuse ``body`` for, without issuing (a bulk job's dry run): no status
    index is taken (the entries name a placeholder position) and nothing is stored here; the credential is
    secured in every format and the result thrown away, so that a missing key or JSON-LD that cannot be
    processed shows too. (Securing an SD-JWT VC may store the key's certificate chain: the caller rolls
    back what it must not keep.)"""
    credential_uuid = uuid.uuid4()
    placeholder = status.Allocation(StatusList(id=uuid.uuid4(), tenant_id=tenant.id, sequence=1), 0)

    def entries() -> list[dict[str, Any]]:
        url = credential_url(ctx.settings, credential_uuid)
        return status.credential_status_entries(ctx.settings, tenant, placeholder, credential_url=url)

    built = _build_checked(session, ctx, tenant, body, credential_uuid, entries)
    secure_all(
        session,
        ctx,
        tenant,
        built.document,
        body.formats,
        from_template=built.template_id is not None,
        checked=True,  # _build_checked refused its violations
    )


def _issue_new(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    body: CredentialIssueIn,
    actor: Principal | None,
    idempotency_key: str | None,
    request_hash: str,
) -> Credential:
    credential_uuid = uuid.uuid4()
    allocations: list[status.Allocation] = []

    def entries() -> list[dict[str, Any]]:
        allocations.append(status.allocate(session, tenant, size=ctx.settings.status_list_size))
        url = credential_url(ctx.settings, credential_uuid)
        return status.credential_status_entries(ctx.settings, tenant, allocations[0], credential_url=url)

    built = _build_checked(session, ctx, tenant, body, credential_uuid, entries)
    (allocation,) = allocations
    documents = secure_all(
        session,
        ctx,
        tenant,
        built.document,
        body.formats,
        from_template=built.template_id is not None,
        checked=True,  # _build_checked refused its violations
    )
    credential = Credential(
        id=credential_uuid,
        tenant_id=tenant.id,
        template_id=built.template_id,
        template_version_id=built.version_id,
        achievement_name=str(built.achievement["name"])[:500],
        recipient_ref=built.recipient_ref,
        recipient_lookup=recipients.lookup_for(ctx, tenant, body.recipient),
        valid_from=built.valid_from,
        valid_until=body.valid_until,
        issued_at=ctx.now,
        issued_by_token_id=actor.token_id if actor else None,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        status="active",
        credential_uri=credential_url(ctx.settings, credential_uuid),
        status_list_id=allocation.status_list.id,
        status_index=allocation.index,
    )
    store_issued(session, ctx, tenant, credential, documents, actor=actor, template_id=built.template_id)
    if len(documents) == 1:
        # credential_out of this response reads what was just written without two more SELECTs. One
        # document only: several are ordered by the database's collation, which is the database's to say.
        ((fmt, (media_type, text)),) = documents.items()
        session.info[(_JUST_ISSUED, credential.id)] = (fmt, media_type, text, built.version_number)
    return credential


def store_issued(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    credential: Credential,
    documents: Mapping[str, tuple[str, str]],
    *,
    actor: Principal | None,
    template_id: uuid.UUID | None,
) -> None:
    """Write the credential row, its documents exactly as issued (with their sha256) and the audit row."""
    repository.add_issued(session, tenant, credential, documents, now=ctx.now)
    audit.record(
        session,
        actor=actor,
        action="credential.issue",
        target_type="credential",
        target_id=str(credential.id),
        tenant_id=tenant.id,
        details={"formats": list(documents), "template_id": str(template_id) if template_id else None},
        at_once=True,
    )
    if credential.derived_from_id is None:  # a wallet's bound copy is not a new credential
        data = {
            "issuer": tenant.slug,
            "credential_id": str(credential.id),
            "id": credential.credential_uri,
            "template_id": str(template_id) if template_id else None,
            "formats": list(documents),
        }
        webhooks.emit(session, tenant, "credential.issued", data, now=ctx.now)


# --- reads -------------------------------------------------------------------------------------------


def get_credential(session: Session, tenant: Tenant | None, credential_uuid: uuid.UUID) -> Credential:
    """The tenant's credential; with ``tenant`` None, any tenant's (the public credential URL)."""
    if tenant is None:
        row = repository.get_public(session, credential_uuid)
    else:
        row = repository.get(session, tenant, credential_uuid)
    if row is None:
        raise NotFound("no such credential", type_name="credential-not-found")
    return row


def find_by_uri(session: Session, tenant: Tenant, uri: str) -> Credential:
    """The tenant's most recent credential whose ``id`` is ``uri`` (our URL or a VC-API caller's id)."""
    row = repository.latest_by_uri(session, tenant, uri)
    if row is None:
        raise NotFound("no credential with this id", type_name="credential-not-found")
    return row


def documents_of(session: Session, credential: Credential) -> Sequence[CredentialDocument]:
    """The credential's stored documents, oldest first, then by format."""
    return repository.documents(session, credential.tenant_id, credential.id)


def badge_document(session: Session, credential: Credential) -> CredentialDocument:
    """The document the credential's baked badges carry: its JSON-LD, else its VC-JWT (OB 3.0 §5.3 bakes a
    credential's JSON or its compact JWS). A credential issued only as an SD-JWT VC has no baked badge."""
    doc = document(session, credential, prefer_jwt=False)
    if doc.media_type.endswith("jwt") and doc.media_type != "application/vc+jwt":
        raise NotFound(
            "the credential has no baked badge (an SD-JWT VC is not baked)", type_name="badge-not-found"
        )
    return doc


def document(session: Session, credential: Credential, *, prefer_jwt: bool) -> CredentialDocument:
    """The document to serve: the VC-JWT or the JSON-LD one first as preferred; an SD-JWT VC only when the
    credential has nothing else."""
    docs = list(documents_of(session, credential))
    jwts = [d for d in docs if d.media_type == "application/vc+jwt"]
    lds = [d for d in docs if not d.media_type.endswith("jwt")]
    others = [d for d in docs if d not in jwts and d not in lds]  # SD-JWT VC: only when nothing else
    ordered = (jwts + lds if prefer_jwt else lds + jwts) + others
    if not ordered:
        raise NotFound("the credential has no stored document", type_name="credential-not-found")
    return ordered[0]


def credential_out(session: Session, settings: Settings, credential: Credential) -> CredentialOut:
    """The issuance record: status, dates, template version and every format as issued."""
    just_issued = session.info.pop((_JUST_ISSUED, credential.id), None)
    if just_issued is not None:  # issued by this session (``_issue_new``): its one document and version
        fmt, media_type, text, version = just_issued
        docs: Sequence[_Document | CredentialDocument] = [_Document(fmt, media_type, text)]
    else:
        docs = documents_of(session, credential)
        version = None
        if credential.template_version_id is not None:
            version = repository.template_version_number(
                session, credential.tenant_id, credential.template_version_id
            )
    return CredentialOut(
        id=credential_url(settings, credential.id),
        credential_id=credential.id,
        template_id=credential.template_id,
        template_version=version,
        recipient=credential.recipient_ref,
        status=credential.status,
        issued_at=credential.issued_at,
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        formats=[d.format for d in docs],
        credentials={
            d.format: (d.content if d.media_type.endswith("jwt") else json.loads(d.content)) for d in docs
        },
    )


def list_credentials(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    *,
    achievement_id: uuid.UUID | None,
    recipient: str | None,
    issued_after: dt.datetime | None,
    issued_before: dt.datetime | None,
    offset: int,
    limit: int,
) -> tuple[list[CredentialOut], int | None]:
    """A page of the tenant's credentials (template, recipient, issue date filters) and the next page's
    offset, None after the last."""
    lookup = recipients.query_lookup(ctx, tenant, recipient) if recipient else None
    for value in (issued_after, issued_before):
        if value is not None and value.tzinfo is None:
            raise BadRequest("issued_after / issued_before need a time zone", type_name="invalid-query")
    rows = repository.page(
        session,
        tenant,
        template_id=achievement_id,
        recipient_lookup=lookup,
        issued_after=issued_after,
        issued_before=issued_before,
        offset=offset,
        limit=limit + 1,
    )
    items = [credential_out(session, ctx.settings, c) for c in rows[:limit]]
    return items, offset + limit if len(rows) > limit else None

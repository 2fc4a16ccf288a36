"""Issuance: one transaction builds, validates, secures and stores a credential with its audit row.

A retry with the same ``Idempotency-Key`` returns the first result; the same key with a different
request is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.achievements import service as achievements
from app.audit import service as audit
from app.credentials import sd_jwt_vc
from app.db.models import Credential, CredentialDocument, SigningKey, Tenant
from app.errors import BadRequest, Conflict, NotFound, ValidationFailed
from app.keys import service as keys
from app.keys import x5c as sd_jwt_vc_x5c
from app.keystore import KeyCustody
from app.settings import Settings
from app.status import service as status
from app.tenants.service import tenant_did, tenant_profile
from app.tokens.auth import Principal
from app.urls import credential_url
from issuer.achievement import AchievementError, normalize_achievement
from issuer.build import JP_PROFILE, VC_V2, Recipient, build_credential, format_datetime, identity_hash
from issuer.secure import FORMAT_SUITES, MEDIA_TYPES, SecuringError, secure
from profiles.validation import validate_credential_schema
from proofs.jsonld import DocumentLoader
from proofs.keys import KeyAlgorithm
from schemas.api import CredentialIssueIn, CredentialOut, RecipientIn


@dataclass(frozen=True, slots=True)
class IssueContext:
    settings: Settings
    custody: KeyCustody
    loader: DocumentLoader
    lookup_key: bytes
    now: dt.datetime
    ca: sd_jwt_vc_x5c.CertificateAuthority
    wallet_trust_anchors: Sequence[bytes] = ()  # wallet providers, for OpenID4VCI key attestations


def recipient_lookup(lookup_key: bytes, tenant_id: uuid.UUID, kind: str, value: str) -> str:
    """Keyed hash used to find a learner's credentials without storing the identifier itself."""
    msg = f"{tenant_id}|{kind}|{value}".encode()
    return hmac.new(lookup_key, msg, hashlib.sha256).hexdigest()


def _normalize_identity(recipient: RecipientIn) -> tuple[str, str]:
    if recipient.id:
        return "id", recipient.id
    if recipient.email:
        return "emailAddress", recipient.email.strip().lower()
    if recipient.identifier is None:
        raise ValidationFailed("recipient needs an id, email or identifier", type_name="invalid-recipient")
    return recipient.identifier_type, recipient.identifier.strip()


def lookup_for(ctx: IssueContext, tenant: Tenant, recipient: RecipientIn) -> str:
    kind, value = _normalize_identity(recipient)
    return recipient_lookup(ctx.lookup_key, tenant.id, "id" if kind == "id" else "identifier", value)


def _recipient(recipient: RecipientIn) -> tuple[Recipient, str]:
    kind, value = _normalize_identity(recipient)
    if kind == "id":
        return Recipient(id=value, given_name=recipient.given_name, family_name=recipient.family_name), value
    salt = secrets.token_hex(8)
    hashed = identity_hash(value, salt)
    identity = {
        "type": "IdentityObject",
        "identityType": kind,
        "hashed": True,
        "identityHash": hashed,
        "salt": salt,
    }
    return (
        Recipient(
            identifiers=(identity,), given_name=recipient.given_name, family_name=recipient.family_name
        ),
        hashed,
    )


def _request_hash(body: CredentialIssueIn) -> str:
    data = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def documents_of(session: Session, credential: Credential) -> Sequence[CredentialDocument]:
    return session.scalars(
        select(CredentialDocument)
        .where(CredentialDocument.credential_id == credential.id)
        .order_by(CredentialDocument.created_at, CredentialDocument.format)
    ).all()


def credential_out(session: Session, settings: Settings, credential: Credential) -> CredentialOut:
    docs = documents_of(session, credential)
    version = None
    if credential.template_version_id is not None:
        from app.db.models import AchievementTemplateVersion

        row = session.get(AchievementTemplateVersion, credential.template_version_id)
        version = row.version if row else None
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


def _signing_key(session: Session, tenant: Tenant, algorithm: KeyAlgorithm, fmt: str) -> SigningKey:
    row = keys.active_key(session, tenant, algorithm)
    if row is None:
        raise Conflict(
            f"format {fmt} needs an active {algorithm} key: POST /v1/issuers/{tenant.slug}/keys "
            f'{{"type": "{algorithm}"}}',
            type_name="signing-key-missing",
        )
    return row


def secure_all(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    unsigned: dict[str, Any],
    formats: Sequence[str],
    *,
    holder_jwk: dict[str, Any] | None = None,
) -> dict[str, tuple[str, str]]:
    """Secure ``unsigned`` in every requested format; returns format -> (media type, serialized text)."""
    did = tenant_did(ctx.settings, tenant)
    out: dict[str, tuple[str, str]] = {}
    for fmt in dict.fromkeys(formats):
        if fmt in sd_jwt_vc.SD_JWT_FORMATS:
            text = sd_jwt_vc.issue_learning_credential(
                session,
                ctx.settings,
                ctx.custody,
                ctx.ca,
                tenant,
                unsigned,
                now=ctx.now,
                holder_jwk=holder_jwk,
                fmt=fmt,
            )
            out[fmt] = (sd_jwt_vc.MEDIA_TYPE, text)
            continue
        algorithm = FORMAT_SUITES[fmt].algorithm
        row = _signing_key(session, tenant, algorithm, fmt)
        signer = keys.signer_for(ctx.custody, row)
        try:
            text = secure(
                unsigned,
                fmt=fmt,
                signer=signer,
                verification_method=f"{did}#{row.fragment}",
                loader=ctx.loader,
                now=ctx.now,
            )
        except SecuringError as exc:
            raise ValidationFailed(str(exc), type_name=exc.type_name, **exc.extra) from None
        out[fmt] = (MEDIA_TYPES[fmt], text)
    return out


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
    try:
        with session.begin_nested():
            return _issue_new(session, ctx, tenant, body, actor, idempotency_key, request_hash), True
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key committed first: answer with its result.
        replay = _replay(session, tenant, idempotency_key, request_hash) if idempotency_key else None
        if replay is None:
            raise
        return replay, False


def _replay(session: Session, tenant: Tenant, key: str, request_hash: str) -> Credential | None:
    existing = session.scalars(
        select(Credential).where(Credential.tenant_id == tenant.id, Credential.idempotency_key == key)
    ).one_or_none()
    if existing is not None and existing.request_hash != request_hash:
        raise Conflict(
            "this Idempotency-Key was used with a different request", type_name="idempotency-key-reused"
        )
    return existing


def _issue_new(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    body: CredentialIssueIn,
    actor: Principal | None,
    idempotency_key: str | None,
    request_hash: str,
) -> Credential:
    if tenant_did(ctx.settings, tenant) is None:
        raise Conflict("the issuer has no signing key yet", type_name="signing-key-missing")

    template_id = version_id = None
    profiles: list[str] = []  # the descriptor profiles the template claims (none for an inline achievement)
    credential_uuid = uuid.uuid4()
    if body.achievement_id is not None:
        template = achievements.get(session, tenant, body.achievement_id)
        if template.archived_at is not None:
            raise Conflict("the achievement template is archived", type_name="achievement-archived")
        version = achievements.version_of(session, template)
        achievement = version.achievement
        template_id, version_id = template.id, version.id
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

    recipient, recipient_ref = _recipient(body.recipient)
    valid_from = body.valid_from or ctx.now
    allocation = status.allocate(session, tenant, size=ctx.settings.status_list_size)
    status_entries = status.credential_status_entries(
        ctx.settings, tenant, allocation, credential_url=credential_url(ctx.settings, credential_uuid)
    )
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
            credential_status=status_entries,
            profiles=profiles,
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), type_name="invalid-credential") from None
    schema_errors = validate_credential_schema(unsigned, strict=JP_PROFILE in profiles)
    if schema_errors:
        raise ValidationFailed(
            "the credential does not match the OB 3.0 / descriptor JSON Schemas",
            type_name="schema-validation-failed",
            errors=[{"path": e.path, "message": e.message} for e in schema_errors],
        )
    documents = secure_all(session, ctx, tenant, unsigned, body.formats)
    credential = Credential(
        id=credential_uuid,
        tenant_id=tenant.id,
        template_id=template_id,
        template_version_id=version_id,
        achievement_name=str(achievement["name"])[:500],
        recipient_ref=recipient_ref,
        recipient_lookup=lookup_for(ctx, tenant, body.recipient),
        valid_from=valid_from,
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
    _store(session, ctx, tenant, credential, documents, actor=actor, template_id=template_id)
    return credential


def _store(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    credential: Credential,
    documents: dict[str, tuple[str, str]],
    *,
    actor: Principal | None,
    template_id: uuid.UUID | None,
) -> None:
    """Write the credential row, its documents exactly as issued (with their sha256) and the audit row."""
    session.add(credential)
    session.flush()
    for fmt, (media_type, text) in documents.items():
        session.add(
            CredentialDocument(
                credential_id=credential.id,
                tenant_id=tenant.id,
                format=fmt,
                media_type=media_type,
                content=text,
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                created_at=ctx.now,
            )
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="credential.issue",
        target_type="credential",
        target_id=str(credential.id),
        tenant_id=tenant.id,
        details={"formats": list(documents), "template_id": str(template_id) if template_id else None},
    )


def get_credential(session: Session, tenant: Tenant | None, credential_uuid: uuid.UUID) -> Credential:
    stmt = select(Credential).where(Credential.id == credential_uuid)
    if tenant is not None:
        stmt = stmt.where(Credential.tenant_id == tenant.id)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound("no such credential", type_name="credential-not-found")
    return row


def document(session: Session, credential: Credential, *, prefer_jwt: bool) -> CredentialDocument:
    docs = list(documents_of(session, credential))
    jwts = [d for d in docs if d.media_type == "application/vc+jwt"]
    lds = [d for d in docs if not d.media_type.endswith("jwt")]
    others = [d for d in docs if d not in jwts and d not in lds]  # SD-JWT VC: only when nothing else
    ordered = (jwts + lds if prefer_jwt else lds + jwts) + others
    if not ordered:
        raise NotFound("the credential has no stored document", type_name="credential-not-found")
    return ordered[0]


_VC_V1 = "https://www.w3.org/2018/credentials/v1"


_DI_V2 = "https://w3id.org/security/data-integrity/v2"


_VC_API_SUITES = {
    "eddsa-rdfc-2022": "ldp_vc:eddsa-rdfc-2022",
    "ecdsa-rdfc-2019": "ldp_vc:ecdsa-rdfc-2019",
}


def _vc_api_format(session: Session, tenant: Tenant, options: dict[str, Any]) -> str:
    suite = options.get("cryptosuite") or options.get("format")
    if suite is None:
        return (
            "ldp_vc" if keys.active_key(session, tenant, KeyAlgorithm.ED25519) else "ldp_vc:ecdsa-rdfc-2019"
        )
    fmt = _VC_API_SUITES.get(str(suite), str(suite))
    if fmt not in FORMAT_SUITES:
        raise BadRequest(f"unsupported cryptosuite or format {suite!r}", type_name="unsupported-format")
    return fmt


def _parse_time(value: Any, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} is not an XML Schema dateTime", type_name="invalid-credential") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def issue_vc_api(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    credential: dict[str, Any],
    options: dict[str, Any],
    *,
    actor: Principal | None,
) -> tuple[Credential, str]:
    """W3C VC-API ``POST /credentials/issue``: secure a caller-built credential as the tenant.

    The issuer must be the tenant (or absent: then it is set); a revocation (and, when enabled,
    suspension) ``credentialStatus`` is added to VCDM 2.0 credentials that carry none.
    Returns the stored row and the serialized credential.
    """
    contexts = credential.get("@context")
    contexts = [contexts] if isinstance(contexts, str) else contexts
    if not isinstance(contexts, list) or not contexts or contexts[0] not in (VC_V2, _VC_V1):
        raise BadRequest(
            "@context must start with the VC v2 (or v1.1) context", type_name="invalid-credential"
        )
    types = credential.get("type")
    if not (types == "VerifiableCredential" or (isinstance(types, list) and "VerifiableCredential" in types)):
        raise BadRequest("type must include VerifiableCredential", type_name="invalid-credential")
    if (
        not isinstance(credential.get("credentialSubject"), (dict, list))
        or not credential["credentialSubject"]
    ):
        raise BadRequest("credentialSubject is required", type_name="invalid-credential")
    if "proof" in credential:
        raise BadRequest("the credential already has a proof", type_name="invalid-credential")
    did = tenant_did(ctx.settings, tenant)
    if did is None:
        raise Conflict("the issuer has no signing key yet", type_name="signing-key-missing")
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer is not None and issuer_id != did:
        raise BadRequest(f"issuer must be this issuer's DID {did}", type_name="issuer-mismatch")
    fmt = _vc_api_format(session, tenant, options)
    unsigned = dict(credential)
    unsigned["@context"] = list(contexts)
    unsigned.setdefault("issuer", did)
    if isinstance(options.get("credentialId"), str):
        unsigned["id"] = options["credentialId"]
    v2 = contexts[0] == VC_V2
    if v2:
        valid_from = _parse_time(unsigned.get("validFrom"), "validFrom") or ctx.now
    else:
        unsigned.setdefault("issuanceDate", format_datetime(ctx.now))
        valid_from = _parse_time(unsigned["issuanceDate"], "issuanceDate") or ctx.now
        if FORMAT_SUITES[fmt].cryptosuite and _DI_V2 not in unsigned["@context"]:
            unsigned["@context"].append(_DI_V2)
    valid_until = _parse_time(unsigned.get("validUntil" if v2 else "expirationDate"), "validUntil")

    credential_uuid = uuid.uuid4()
    allocation = None
    if v2 and "credentialStatus" not in unsigned:
        allocation = status.allocate(session, tenant, size=ctx.settings.status_list_size)
        subject_url = unsigned.get("id") or credential_url(ctx.settings, credential_uuid)
        entries = status.credential_status_entries(
            ctx.settings, tenant, allocation, credential_url=subject_url
        )
        unsigned["credentialStatus"] = entries
    types_list = types if isinstance(types, list) else [types]
    if {"OpenBadgeCredential", "AchievementCredential"} & set(types_list):
        schema_errors = validate_credential_schema(unsigned)
        if schema_errors:
            raise ValidationFailed(
                "the credential does not match the OB 3.0 / descriptor JSON Schemas",
                type_name="schema-validation-failed",
                errors=[{"path": e.path, "message": e.message} for e in schema_errors],
            )
    documents = secure_all(session, ctx, tenant, unsigned, [fmt])
    subject = unsigned["credentialSubject"]
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    name = unsigned.get("name") if isinstance(unsigned.get("name"), str) else "VerifiableCredential"
    row = Credential(
        id=credential_uuid,
        tenant_id=tenant.id,
        achievement_name=str(name)[:500],
        recipient_ref=str(subject_id or "")[:300],
        recipient_lookup=recipient_lookup(
            ctx.lookup_key, tenant.id, "id", str(subject_id or credential_uuid)
        ),
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=ctx.now,
        issued_by_token_id=actor.token_id if actor else None,
        status="active",
        credential_uri=str(unsigned["id"])[:1000] if isinstance(unsigned.get("id"), str) else None,
        status_list_id=allocation.status_list.id if allocation else None,
        status_index=allocation.index if allocation else None,
    )
    _store(session, ctx, tenant, row, documents, actor=actor, template_id=None)
    return row, documents[fmt][1]


def find_by_uri(session: Session, tenant: Tenant, uri: str) -> Credential:
    """The tenant's most recent credential whose ``id`` is ``uri`` (our URL or a VC-API caller's id)."""
    row = session.scalars(
        select(Credential)
        .where(Credential.tenant_id == tenant.id, Credential.credential_uri == uri)
        .order_by(Credential.issued_at.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        raise NotFound("no credential with this id", type_name="credential-not-found")
    return row


def issue_for_holder(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    original: Credential,
    *,
    holder_id: str,
    fmt: str,
    actor: Principal | None,
    holder_jwk: dict[str, Any] | None = None,
) -> tuple[Credential, str]:
    """A copy of an issued credential bound to a wallet's key (OpenID4VCI): the same achievement, result
    and dates, ``credentialSubject.id`` = the holder's DID, its own id and status entries, secured in
    ``fmt``. Status changes of the original apply to it (``derived_from_id``)."""
    stored = next((d for d in documents_of(session, original) if not d.media_type.endswith("jwt")), None)
    if stored is None:
        raise Conflict("the credential has no JSON-LD form to copy", type_name="credential-not-copyable")
    unsigned = {k: v for k, v in json.loads(stored.content).items() if k != "proof"}
    credential_uuid = uuid.uuid4()
    url = credential_url(ctx.settings, credential_uuid)
    unsigned["id"] = url
    subject = dict(unsigned["credentialSubject"])
    subject["id"] = holder_id
    unsigned["credentialSubject"] = subject
    allocation = status.allocate(session, tenant, size=ctx.settings.status_list_size)
    entries = status.credential_status_entries(ctx.settings, tenant, allocation, credential_url=url)
    unsigned["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    documents = secure_all(session, ctx, tenant, unsigned, [fmt], holder_jwk=holder_jwk)
    row = Credential(
        id=credential_uuid,
        tenant_id=tenant.id,
        template_id=original.template_id,
        template_version_id=original.template_version_id,
        achievement_name=original.achievement_name,
        recipient_ref=holder_id[:300],
        recipient_lookup=original.recipient_lookup,
        valid_from=original.valid_from,
        valid_until=original.valid_until,
        issued_at=ctx.now,
        issued_by_token_id=actor.token_id if actor else None,
        status=original.status,
        status_reason=original.status_reason,
        credential_uri=url,
        status_list_id=allocation.status_list.id,
        status_index=allocation.index,
        derived_from_id=original.id,
    )
    _store(session, ctx, tenant, row, documents, actor=actor, template_id=original.template_id)
    return row, documents[fmt][1]

"""W3C VC-API (VCALM) issuance and status changes, as the bearer token's tenant: securing a credential the
caller built, and setting or clearing its revocation or suspension status by its ``id``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pyld import jsonld
from sqlalchemy.orm import Session

from app.clock import Clock
from app.credentials import service as issuance
from app.credentials.context import IssueContext
from app.credentials.recipients import recipient_lookup
from app.credentials.securing import jsonld_problem, refuse_violations, secure_all
from app.db.models import Credential, Tenant
from app.errors import BadRequest, Conflict, ValidationFailed
from app.keys import service as keys
from app.settings import Settings
from app.status import service as status
from app.tenants import service as tenants
from app.tenants.service import tenant_did
from app.tokens.auth import Principal, authorize
from app.urls import credential_url
from issuer.build import VC_V2, format_datetime
from issuer.secure import FORMAT_SUITES
from profiles.validation import validate_credential_schema
from proofs.jsonld import JsonLdFailure
from proofs.keys import KeyAlgorithm
from schemas.api import StatusOut

__all__ = ["issue_vc_api", "set_status", "token_tenant"]

_VC_V1 = "https://www.w3.org/2018/credentials/v1"


_DI_V2 = "https://w3id.org/security/data-integrity/v2"


_VC_API_SUITES = {
    "eddsa-rdfc-2022": "ldp_vc:eddsa-rdfc-2022",
    "ecdsa-rdfc-2019": "ldp_vc:ecdsa-rdfc-2019",
}


def token_tenant(session: Session, who: Principal, scope: str) -> Tenant:
    """The bearer token's own issuer, once the token may act on it with ``scope`` (VC-API paths name no
    issuer)."""
    if who.tenant_id is None:
        raise BadRequest(
            "VC-API calls need an issuer's token, not a service token", type_name="tenant-required"
        )
    tenant = tenants.get_by_id(session, who.tenant_id)
    authorize(who, tenant, scope)
    return tenant


def _vc_api_format(session: Session, tenant: Tenant, options: dict[str, Any]) -> str:
    suite = options.get("cryptosuite") or options.get("format")
    if suite is None:
        return (
            "ldp_vc" if keys.active_key(session, tenant, KeyAlgorithm.ED25519) else "ldp_vc:ecdsa-rdfc-2019"
        )
    fmt = _VC_API_SUITES.get(str(suite), str(suite))
    # The VC-API answers with the credential and its proof (a JSON document): Data Integrity only.
    if fmt not in FORMAT_SUITES or FORMAT_SUITES[fmt].cryptosuite is None:
        raise BadRequest(f"unsupported cryptosuite or format {suite!r}", type_name="unsupported-format")
    return fmt


def _parse_time(value: Any, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        parsed.astimezone(dt.UTC)  # and a time in UTC (9999-12-31T23:00-12:00 is not: it would overflow)
    except (ValueError, OverflowError):
        raise BadRequest(f"{name} is not an XML Schema dateTime", type_name="invalid-credential") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@contextmanager
def _jsonld_refusals() -> Iterator[None]:
    """The last line for JSON-LD that a step did not turn into a problem itself: a 422, never a 500."""
    try:
        yield
    except JsonLdFailure as exc:
        raise jsonld_problem(exc) from None
    except jsonld.JsonLdError as exc:
        code = getattr(exc, "code", None)
        raise jsonld_problem(JsonLdFailure("JSON-LD processing failed", code=code)) from None


@_jsonld_refusals()
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

    The credential must meet the VC Data Model (:mod:`profiles.vcdm`: a 422 problem listing every
    violation) and name the tenant as its ``issuer``; a revocation (and, when enabled, suspension)
    ``credentialStatus`` is added to VCDM 2.0 credentials that carry none. JSON-LD that cannot be
    processed is a 422 problem too. Returns the stored row and the serialized credential.
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
    unsigned = dict(credential)
    if isinstance(options.get("credentialId"), str):
        unsigned["id"] = options["credentialId"]
    v2 = contexts[0] == VC_V2
    if not v2:
        unsigned.setdefault("issuanceDate", format_datetime(ctx.now))
    # The VC Data Model as the caller wrote it (the issuer included: the VC-API does not fill it in).
    refuse_violations(unsigned)
    issuer = unsigned["issuer"]
    if (issuer.get("id") if isinstance(issuer, dict) else issuer) != did:
        raise BadRequest(f"issuer must be this issuer's DID {did}", type_name="issuer-mismatch")
    fmt = _vc_api_format(session, tenant, options)
    unsigned["@context"] = list(contexts)
    if v2:
        valid_from = _parse_time(unsigned.get("validFrom"), "validFrom") or ctx.now
    else:
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
    issuance.store_issued(session, ctx, tenant, row, documents, actor=actor, template_id=None)
    return row, documents[fmt][1]


def _action(purpose: str, set_: bool) -> str:
    """The status change that sets (``set_``) or clears the status of ``purpose``."""
    if purpose == "revocation" and set_:
        return "revoke"
    if purpose == "suspension":
        return "suspend" if set_ else "reinstate"
    if purpose == "revocation":
        raise BadRequest("revocation is final and cannot be undone", type_name="revocation-final")
    raise BadRequest(f"status purpose {purpose!r} cannot be set here", type_name="unsupported-purpose")


def set_status(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    credential_id: str,
    purposes: Sequence[str],
    *,
    set_: bool,
    actor: Principal | None,
    clock: Clock,
) -> StatusOut:
    """W3C VC-API ``POST /credentials/status``: set or clear the status of each purpose, in order, of the
    tenant's credential whose ``id`` is ``credential_id``; its status afterwards."""
    credential = issuance.find_by_uri(session, tenant, credential_id)
    for purpose in purposes:
        status.change_status(
            session,
            tenant,
            credential,
            action=_action(purpose, set_),
            reason="other",
            note="VC-API",
            actor=actor,
            now=clock.now(),
        )
    return status.status_out(session, settings, tenant, credential)

"""Securing an unsigned credential in the requested formats: Data Integrity and VC-JWT with the tenant's
active key of the format's algorithm, SD-JWT VC with its P-256 key and ``x5c`` chain. Every issuance path
(native, VC-API, the wallet copy) comes through :func:`secure_all`, so no credential is signed that breaks
the VC Data Model (:func:`refuse_violations`) or whose JSON-LD cannot be processed (a 422 problem)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.credentials import sd_jwt_vc
from app.credentials.context import IssueContext
from app.db.models import SigningKey, Tenant
from app.errors import Conflict, ValidationFailed
from app.keys import service as keys
from app.metrics import service as metrics
from app.settings import Settings
from app.tenants.service import tenant_did
from issuer.secure import FORMAT_SUITES, MEDIA_TYPES, SecuringError, secure
from profiles.vcdm import validate_credential
from proofs.jsonld import AliasedTerm, InvalidContext, JsonLdFailure
from proofs.keys import KeyAlgorithm
from proofs.rdfc import TooComplex, TooLarge

__all__ = ["check_format", "jsonld_problem", "refuse_violations", "secure_all"]

# What a credential of a template shares with every other credential of that template.
_TEMPLATE_FRAGMENTS = ("achievement",)


def refuse_violations(credential: Mapping[str, Any]) -> None:
    """Raise a 422 problem listing every VC Data Model violation of a credential about to be signed
    (:mod:`profiles.vcdm`); its ``type`` is the first violation's, ``errors`` has each one's type,
    JSON Pointer and detail."""
    violations = validate_credential(credential, issuing=True)
    if violations:
        raise ValidationFailed(
            f"the credential breaks the VC Data Model: {violations[0].message}"
            + (f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""),
            type_name=violations[0].type_name,
            errors=[v.as_json() for v in violations],
        )


def jsonld_problem(exc: JsonLdFailure) -> ValidationFailed:
    """The 422 problem for JSON-LD that cannot be processed: ``invalid-context`` when a context is at
    fault, else ``invalid-json-ld``; ``code`` is the JSON-LD 1.1 API error code when there is one."""
    extra = {"code": exc.code} if exc.code else {}
    if isinstance(exc, TooLarge):
        return ValidationFailed(
            "the credential's canonical form would be too large to sign (RDFC-1.0 §6): a term (e.g. a very "
            "long node id) recurs in far more statements than the credential's size calls for",
            type_name="canonical-form-too-large",
        )
    if isinstance(exc, TooComplex):
        return ValidationFailed(
            "the credential's blank nodes are too alike to canonicalize within the RDFC-1.0 work bound "
            "(verifiers such as Digital Bazaar's would refuse it): give its nodes ids or tell them apart",
            type_name="canonicalization-too-complex",
        )
    if isinstance(exc, AliasedTerm):
        return ValidationFailed(
            f"the member {exc.member!r} names {exc.iri} by another name than its context gives it: write "
            "it by its term (a credential is signed in compacted form)",
            type_name="aliased-term",
            member=exc.member,
        )
    if isinstance(exc, InvalidContext):
        return ValidationFailed(
            "a JSON-LD context of the credential cannot be processed", type_name="invalid-context", **extra
        )
    return ValidationFailed(
        "the credential's JSON-LD cannot be processed", type_name="invalid-json-ld", **extra
    )


def _signing_key(session: Session, tenant: Tenant, algorithm: KeyAlgorithm, fmt: str) -> SigningKey:
    """The tenant's active key of ``algorithm`` (or of another type that secures the format, e.g. P-384 for
    ecdsa-rdfc-2019); a format without one is a conflict the issuer can fix."""
    row = keys.active_key_of(session, tenant, FORMAT_SUITES[fmt].algorithms)
    if row is None:
        raise Conflict(
            f"format {fmt} needs an active {algorithm} key: POST /v1/issuers/{tenant.slug}/keys "
            f'{{"type": "{algorithm}"}}',
            type_name="signing-key-missing",
        )
    return row


def check_format(
    session: Session, settings: Settings, tenant: Tenant, unsigned: Mapping[str, Any], fmt: str
) -> None:
    """What :func:`secure_all` would refuse ``unsigned`` for in ``fmt``, checked without signing: no
    active key for the format, or (SD-JWT VC) claims the type needs that the credential lacks."""
    if fmt in sd_jwt_vc.SD_JWT_FORMATS:
        sd_jwt_vc.check_projection(settings, tenant, unsigned, fmt=fmt)
        if keys.active_key(session, tenant, KeyAlgorithm.P256) is None:
            raise Conflict(
                f'{fmt} needs an active P-256 key: POST /v1/issuers/{tenant.slug}/keys {{"type": "P-256"}}',
                type_name="signing-key-missing",
            )
        return
    _signing_key(session, tenant, FORMAT_SUITES[fmt].algorithm, fmt)


def secure_all(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    unsigned: dict[str, Any],
    formats: Sequence[str],
    *,
    holder_jwk: dict[str, Any] | None = None,
    from_template: bool = False,
    checked: bool = False,
) -> dict[str, tuple[str, str]]:
    """Secure ``unsigned`` in every requested format; returns format -> (media type, serialized text).
    Refused (422) when it breaks the VC Data Model or its JSON-LD cannot be processed.
    ``from_template``: the achievement is a template's, the same in every credential of the template, so
    a Data Integrity proof memoizes its JSON-LD processing (``issuer.secure``'s ``recurring``).
    ``checked``: the caller has just run :func:`refuse_violations` on this very document, unchanged since
    (native issuance), so it is not run twice."""
    if not checked:
        refuse_violations(unsigned)
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
            metrics.credential_issued(fmt)
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
                recurring=_TEMPLATE_FRAGMENTS if from_template else (),
            )
        except SecuringError as exc:
            raise ValidationFailed(str(exc), type_name=exc.type_name, **exc.extra) from None
        except JsonLdFailure as exc:  # an invalid context or document (not an unknown context or term)
            raise jsonld_problem(exc) from None
        out[fmt] = (MEDIA_TYPES[fmt], text)
        metrics.credential_issued(fmt)
    return out

"""Tenant signing keys: create, rotate, retire, publish (DID document and JWKS), and sign.

A rotated key stays ``published`` (in the DID document and JWKS) so that every credential it signed
keeps verifying; only an explicit retire withdraws it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.db.base import utcnow
from app.db.models import SigningKey, Tenant
from app.errors import Conflict, NotFound, ValidationFailed
from app.keys import repository
from app.keystore import KeyCustody, Signer
from app.settings import Settings
from app.tenants.service import tenant_did
from app.tokens.auth import Principal
from proofs.did import PublishedKey, did_document, jwks
from proofs.keys import KeyAlgorithm, PublicKey
from proofs.x509 import X509Error, imported_chain, leaf_subject_alt_names, split_pem_chain
from schemas.api import KeyOut, unstorable_text
from verifier.domain_linkage import origin_of

__all__ = [
    "active_key",
    "active_key_of",
    "create",
    "import_certificate",
    "key_out",
    "last_change",
    "list_keys",
    "published_did_document",
    "published_did_document_by_slug",
    "published_jwks",
    "retire",
    "rotate",
    "signer_for",
]


def key_out(settings: Settings, tenant: Tenant, row: SigningKey) -> KeyOut:
    did = tenant_did(settings, tenant)
    return KeyOut(
        id=row.id,
        type=row.algorithm,
        state=row.state,
        verification_method=f"{did}#{row.fragment}",
        publicKeyMultibase=row.public_multikey,
        publicKeyJwk=row.public_jwk,
        created_at=row.created_at,
        rotated_at=row.rotated_at,
        retired_at=row.retired_at,
        x5c=row.certificate_chain,
    )


def list_keys(session: Session, tenant: Tenant, *, include_retired: bool = True) -> Sequence[SigningKey]:
    return repository.keys_of(session, tenant, include_retired=include_retired)


def last_change(session: Session, tenant: Tenant) -> dt.datetime | None:
    """When the tenant's keys last changed: what was signed before then may be signed by a key that is
    no longer active (and, once retired, no longer published)."""
    return repository.last_change(session, tenant)


def active_key(session: Session, tenant: Tenant, algorithm: KeyAlgorithm) -> SigningKey | None:
    return repository.active_key(session, tenant, str(algorithm))


def active_key_of(session: Session, tenant: Tenant, algorithms: Sequence[KeyAlgorithm]) -> SigningKey | None:
    """The tenant's active key of the first of ``algorithms`` it has one of (a format that several key
    types can secure: ecdsa-rdfc-2019 with P-256, else P-384)."""
    for algorithm in algorithms:
        row = active_key(session, tenant, algorithm)
        if row is not None:
            return row
    return None


def _new_key(session: Session, tenant: Tenant, algorithm: KeyAlgorithm, custody: KeyCustody) -> SigningKey:
    key_id = uuid.uuid4()
    public, reference = custody.generate(algorithm, key_id=str(key_id))
    return repository.add_key(
        session,
        tenant,
        key_id=key_id,
        algorithm=str(algorithm),
        fragment=public.multikey(),
        public_multikey=public.multikey(),
        public_jwk=public.jwk(),
        sealed_private_key=reference,
        custody=custody.name,
        created_at=utcnow(),
    )


def create(
    session: Session, tenant: Tenant, algorithm: KeyAlgorithm, *, custody: KeyCustody, actor: Principal | None
) -> SigningKey:
    if active_key(session, tenant, algorithm) is not None:
        raise Conflict(
            f"the issuer already has an active {algorithm} key; rotate it instead",
            type_name="active-key-exists",
        )
    if tenant.did_method == "key" and tenant.did_key is not None:
        raise Conflict(
            "a did:key issuer has exactly one key; use did:web for several keys or rotation",
            type_name="did-key-single-key",
        )
    row = _new_key(session, tenant, algorithm, custody)
    if tenant.did_method == "key":
        tenant.did_key = PublicKey.from_multikey(row.fragment).did_key()
    repository.save(session)
    audit.record(
        session,
        actor=actor,
        action="key.create",
        target_type="key",
        target_id=str(row.id),
        tenant_id=tenant.id,
        details={"algorithm": row.algorithm, "fragment": row.fragment},
    )
    return row


def rotate(
    session: Session, tenant: Tenant, algorithm: KeyAlgorithm, *, custody: KeyCustody, actor: Principal | None
) -> SigningKey:
    if tenant.did_method == "key":
        raise Conflict("a did:key issuer cannot rotate its key", type_name="did-key-single-key")
    old = active_key(session, tenant, algorithm)
    if old is None:
        raise NotFound(f"the issuer has no active {algorithm} key to rotate", type_name="no-active-key")
    now = utcnow()
    old.state = "published"
    old.rotated_at = now
    repository.save(session)
    row = _new_key(session, tenant, algorithm, custody)
    repository.save(session)
    audit.record(
        session,
        actor=actor,
        action="key.rotate",
        target_type="key",
        target_id=str(row.id),
        tenant_id=tenant.id,
        details={"algorithm": row.algorithm, "previous": str(old.id), "fragment": row.fragment},
    )
    return row


def retire(session: Session, tenant: Tenant, key_id: uuid.UUID, *, actor: Principal | None) -> SigningKey:
    row = repository.key_of(session, tenant, key_id)
    if row is None:
        raise NotFound("no such key")
    if row.state == "active":
        raise Conflict("rotate an active key before retiring it", type_name="key-active")
    if row.state == "retired":
        raise Conflict("the key is already retired", type_name="key-already-retired")
    row.state = "retired"
    row.retired_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="key.retire",
        target_type="key",
        target_id=str(row.id),
        tenant_id=tenant.id,
    )
    return row


def import_certificate(
    session: Session,
    tenant: Tenant,
    key_id: uuid.UUID,
    pem: str,
    *,
    actor: Principal | None,
    now: dt.datetime,
    issuer: str,
) -> SigningKey:
    """Attach an institution's X.509 chain to an active P-256 key (SD-JWT VC ``x5c`` in production). Its
    leaf must name ``issuer`` (the SD-JWT VC ``iss`` of the tenant) as a URI subjectAltName: verifiers
    match an https ``iss`` against URI entries only (SD-JWT VC §3.5), so a certificate naming the host
    alone would sign SD-JWT VCs that no verifier, ours included, attributes to the issuer."""
    row = repository.key_of(session, tenant, key_id)
    if row is None:
        raise NotFound("no such key")
    if row.algorithm != KeyAlgorithm.P256.value or row.state != "active":
        raise Conflict("certificates are for the active P-256 key", type_name="key-not-certifiable")
    try:
        x5c, leaf_key = imported_chain(split_pem_chain(pem), now)
    except X509Error as exc:
        raise ValidationFailed(
            f"the certificate chain is not valid: {exc}", type_name="invalid-certificate", code=exc.code
        ) from None
    if leaf_key != PublicKey.from_jwk(row.public_jwk):
        raise ValidationFailed("the certificate is for another key", type_name="certificate-key-mismatch")
    if issuer not in leaf_subject_alt_names(x5c)[0]:
        raise ValidationFailed(
            f"the certificate does not name the issuer {issuer} as a URI subjectAltName",
            type_name="certificate-names-another-issuer",
        )
    row.certificate_chain = x5c
    audit.record(
        session,
        actor=actor,
        action="key.certificate",
        target_type="key",
        target_id=str(row.id),
        tenant_id=tenant.id,
        details={"chain_length": len(x5c)},
    )
    return row


def _published(session: Session, tenant: Tenant) -> list[PublishedKey]:
    return _published_of(list_keys(session, tenant, include_retired=False))


def _published_of(rows: Sequence[SigningKey]) -> list[PublishedKey]:
    return [PublishedKey(row.fragment, PublicKey.from_jwk(row.public_jwk)) for row in rows]


def published_did_document(session: Session, settings: Settings, tenant: Tenant) -> dict[str, Any]:
    return _did_document_of(settings, tenant, _published(session, tenant))


def published_did_document_by_slug(
    session: Session, settings: Settings, slug: str
) -> tuple[Tenant, dict[str, Any]]:
    """The issuer with this slug and its published DID document (:func:`published_did_document`), read in one
    statement; NotFound when there is no such issuer (as ``tenants.get_by_slug``) or it has no key yet."""
    found = None if unstorable_text(slug) else repository.tenant_with_published_keys(session, slug)
    if found is None:
        raise NotFound("no such issuer")
    tenant, rows = found
    return tenant, _did_document_of(settings, tenant, _published_of(rows))


def _did_document_of(settings: Settings, tenant: Tenant, published: list[PublishedKey]) -> dict[str, Any]:
    did = tenant_did(settings, tenant)
    if did is None:
        raise NotFound("the issuer has no key yet")
    # The origin of the issuer's https url, claimed as its linked domain (issue 18: the origin's DID
    # configuration, GET /v1/issuers/{slug}/did-configuration.json hosted there, proves it).
    origin = origin_of(tenant.url) if tenant.url.startswith("https://") else None
    linked = [origin] if tenant.did_method == "web" and origin else []
    return did_document(did, published, linked_domains=linked)


def published_jwks(session: Session, settings: Settings, tenant: Tenant) -> dict[str, Any]:
    did = tenant_did(settings, tenant)
    if did is None:
        return {"keys": []}
    return jwks(did, _published(session, tenant))


def signer_for(custody: KeyCustody, row: SigningKey) -> Signer:
    """A signer for a stored key; the private key never leaves custody as bytes."""
    return custody.signer(row.sealed_private_key, key_id=str(row.id))

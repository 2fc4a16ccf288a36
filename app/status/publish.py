"""Publishing status lists (BSL v1.0 §3.1): the signed ``BitstringStatusListCredential`` of one list and
purpose, built from the list's stored bits (kept up to date change by change, never rebuilt from the
credentials) and cached per list version, so a list is signed once per change, not once per fetch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import PublishedStatusList, StatusList, Tenant
from app.db.session import READ_ONLY
from app.errors import Conflict, NotFound
from app.keys import service as keys
from app.keys.x5c import CertificateAuthority
from app.keystore import KeyCustody
from app.metrics import service as metrics
from app.settings import Settings
from app.status import repository
from app.status.token_status_list import refresh_due, token_status_list
from app.tenants.service import tenant_did
from app.urls import status_list_url
from issuer.secure import SecuringError, secure
from issuer.status.entries import PURPOSES
from issuer.status.list_credential import bitstring_status_list_credential
from issuer.status.reasons import MESSAGE_STATUS_SIZE
from proofs.jsonld import DocumentLoader
from proofs.keys import KeyAlgorithm
from proofs.statuslist import MIN_ENTRIES
from schemas.api import INT32_MAX

__all__ = ["PublishedList", "current_list", "published_list"]

# Same securing mechanism as the credentials (BSL v1.0 §3.6): Ed25519 first, else P-256, else P-384.
_LD_CHOICES = (
    (KeyAlgorithm.ED25519, "ldp_vc"),
    (KeyAlgorithm.P256, "ldp_vc:ecdsa-rdfc-2019"),
    (KeyAlgorithm.P384, "ldp_vc:ecdsa-rdfc-2019"),
)


_JWT_CHOICES = (
    (KeyAlgorithm.P256, "jwt_vc_json"),
    (KeyAlgorithm.ED25519, "jwt_vc_json"),
    (KeyAlgorithm.P384, "jwt_vc_json"),
)


@dataclass(frozen=True, slots=True)
class PublishedList:
    content: str
    media_type: str
    etag: str


def _bits(status_list: StatusList, purpose: str) -> tuple[bytes, int]:
    """The list's bitstring for ``purpose`` and the bits per entry."""
    return {
        "revocation": (status_list.revocation_bits, 1),
        "suspension": (status_list.suspension_bits, 1),
        "message": (status_list.message_bits, MESSAGE_STATUS_SIZE),
    }[purpose]


def _etag(content: str) -> str:
    return '"' + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32] + '"'


def _build(
    session: Session,
    settings: Settings,
    custody: KeyCustody,
    loader: DocumentLoader,
    tenant: Tenant,
    status_list: StatusList,
    purpose: str,
    fmt: str,
) -> str:
    did = tenant_did(settings, tenant)
    choices = _JWT_CHOICES if fmt == "jwt" else _LD_CHOICES
    found = [(row, f) for alg, f in choices if (row := keys.active_key(session, tenant, alg)) is not None]
    if did is None or not found:
        raise Conflict("the issuer has no active signing key", type_name="signing-key-missing")
    row, secure_fmt = found[0]
    bits, size = _bits(status_list, purpose)
    # However few positions the list allocates, the published bitstring has the Recommendation's minimum
    # length (BSL v1.0 §2.2 encodedList: "The uncompressed bitstring MUST be at least 16KB in size"; §3.2:
    # fewer than minimumNumberOfEntries entries of statusSize bits is a STATUS_LIST_LENGTH_ERROR).
    bits = bits.ljust(-(-MIN_ENTRIES * size // 8), b"\0")
    url = status_list_url(settings, tenant, status_list, purpose)
    unsigned = bitstring_status_list_credential(
        url=url,
        issuer=did,
        purpose=purpose,
        bits=bits,
        valid_from=status_list.updated_at,
        ttl_ms=settings.status_list_max_age_seconds * 1000,
    )
    try:
        return secure(
            unsigned,
            fmt=secure_fmt,
            signer=keys.signer_for(custody, row),
            verification_method=f"{did}#{row.fragment}",
            loader=loader,
            now=status_list.updated_at,
        )
    except SecuringError as exc:  # pragma: no cover - the list credential uses only the VC v2 context
        raise RuntimeError(f"status list credential could not be secured: {exc}") from exc


def published_list(
    session: Session,
    settings: Settings,
    custody: KeyCustody,
    loader: DocumentLoader,
    tenant: Tenant,
    *,
    sequence: int,
    purpose: str,
    jwt: bool,
    ca: CertificateAuthority | None = None,
    now: dt.datetime | None = None,
) -> PublishedList:
    """The signed list for (list ``sequence``, ``purpose``), from cache when current. ``purpose`` is a
    Bitstring Status List purpose, or ``tsl`` for the IETF Token Status List of the same positions,
    which expires (``exp``) and so is also signed anew when half its validity has passed."""
    now = now or dt.datetime.now(dt.UTC)
    found = _current(session, tenant, sequence=sequence, purpose=purpose, jwt=jwt, ca=ca, now=now)
    if isinstance(found, PublishedList):
        return found
    status_list, cached = found
    tsl = purpose == "tsl"
    fmt = "jwt" if jwt or tsl else "ld"
    if tsl and ca is not None:
        content = token_status_list(session, settings, custody, ca, tenant, status_list, now=now)
    else:
        content = _build(session, settings, custody, loader, tenant, status_list, purpose, fmt)
    # A concurrent request may cache the same version first; ours is equally valid.
    repository.store_publication(
        session, status_list, cached, purpose=purpose, fmt=fmt, content=content, now=now
    )
    metrics.status_list_published("tsl" if tsl else fmt)
    return PublishedList(content, _media_type(purpose, jwt), _etag(content))


def current_list(
    session: Session,
    tenant: Tenant,
    *,
    sequence: int,
    purpose: str,
    jwt: bool,
    ca: CertificateAuthority | None = None,
    now: dt.datetime | None = None,
) -> PublishedList | None:
    """:func:`published_list` without writing: the signed list when its stored publication is current,
    None when it must be signed anew (a read-only request leaves that to a transaction of its own).
    NotFound for a list that does not exist.

    A read-only session (a verification) reads each list once, in one statement
    (:func:`repository.list_snapshot`: the list's version, the keys' last change and its publications, not
    its bitstrings): a credential's revocation and suspension entries name one list, and nothing the
    session does can change it."""
    now = now or dt.datetime.now(dt.UTC)
    tsl, fmt = _check_purpose(tenant, sequence, purpose, jwt=jwt, ca=ca)
    memo: dict[tuple[Any, int, str], repository.ListSnapshot | None] | None = (
        session.info.setdefault("status lists read", {}) if session.info.get(READ_ONLY) else None
    )
    key = (tenant.id, sequence, fmt)
    if memo is not None and key in memo:
        snapshot = memo[key]
    else:
        snapshot = repository.list_snapshot(session, tenant, sequence, fmt)
        if memo is not None:
            memo[key] = snapshot
    if snapshot is None:
        raise NotFound("no such status list", type_name="status-list-not-found")
    cached = snapshot.publications.get(purpose)
    if cached is None or not _is_current(cached, snapshot.version, snapshot.key_change, tsl=tsl, now=now):
        return None
    return PublishedList(cached.content, _media_type(purpose, jwt), _etag(cached.content))


def _check_purpose(
    tenant: Tenant, sequence: int, purpose: str, *, jwt: bool, ca: CertificateAuthority | None
) -> tuple[bool, str]:
    """Whether ``purpose`` is the Token Status List's, and the stored format of the list asked for;
    NotFound for a list no issuer can have (a URL being verified may name any number and purpose), a
    suspension list the issuer does not keep, or a Token Status List without a CA to sign it."""
    tsl = purpose == "tsl"
    if not 1 <= sequence <= INT32_MAX or (tsl and ca is None):
        raise NotFound("no such status list", type_name="status-list-not-found")
    if (purpose not in PURPOSES and not tsl) or (purpose == "suspension" and not tenant.suspension_enabled):
        raise NotFound("no such status list", type_name="status-list-not-found")
    return tsl, "jwt" if jwt or tsl else "ld"


def _is_current(
    cached: PublishedStatusList | repository.Publication,
    version: int,
    key_change: dt.datetime | None,
    *,
    tsl: bool,
    now: dt.datetime,
) -> bool:
    """Whether a stored publication still stands for the list: signed at the list's version, after the
    issuer's keys last changed (a list signed before then is signed again with the new active key, so that
    retiring the rotated-out key, which withdraws it from the DID document, never leaves a published list
    that no longer verifies: issue 13, key lifecycle), and for a Token Status List before its refresh is
    due (it expires)."""
    return (
        cached.version == version
        and (key_change is None or cached.created_at >= key_change)
        and not (tsl and refresh_due(cached.created_at, now))
    )


def _media_type(purpose: str, jwt: bool) -> str:
    if purpose == "tsl":
        return "application/statuslist+jwt"
    return "application/vc+jwt" if jwt else "application/vc+ld+json"


def _current(
    session: Session,
    tenant: Tenant,
    *,
    sequence: int,
    purpose: str,
    jwt: bool,
    ca: CertificateAuthority | None,
    now: dt.datetime,
) -> PublishedList | tuple[StatusList, PublishedStatusList | None]:
    """The cached publication when current; else the list and its stale publication (None: never
    published). NotFound for a list that does not exist."""
    tsl, fmt = _check_purpose(tenant, sequence, purpose, jwt=jwt, ca=ca)
    status_list = repository.find_list(session, tenant, sequence)
    if status_list is None:
        raise NotFound("no such status list", type_name="status-list-not-found")
    cached = repository.cached_publication(session, status_list, purpose, fmt)
    if cached is not None and _is_current(
        cached, status_list.version, keys.last_change(session, tenant), tsl=tsl, now=now
    ):
        return PublishedList(cached.content, _media_type(purpose, jwt), _etag(cached.content))
    return status_list, cached

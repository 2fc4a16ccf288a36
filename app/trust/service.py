"""Issuer trust (issue 18): which issuers this deployment vouches for, the trust lists it imports, and the
DIF Domain Linkage Credentials it publishes.

- A service administrator vouches for a tenant (``tenants.vouched``): the tenant is a *known issuer* on
  this deployment's own list, under its DID and its issuer URL, and under the name it had when vouched for
  (``tenants.vouched_name``). A tenant that renames itself stays on the list under that name only: its
  credentials under the new name are reported unknown, listed under another name, and checked for
  look-alikes (:func:`verifier.trust.assess_issuer`), until an administrator vouches for it again.
- Imported lists: stored ones (``PUT /v1/trust-lists/{name}``) and the file ``SHOMEI_TRUST_LIST_FILE``
  (JSON: a list of ``{"id", "name"}``, or ``{"name", "entries": [...]}``), re-read when it changes (an
  unreadable file is logged and the last good reading kept).
- DID Configuration (DIF Well Known DID Configuration v1.0): a tenant's resource for the origin of its
  ``url``, to be served at that origin's ``/.well-known/did-configuration.json``; and this service's own
  resource, which links its origin only to the tenants a service administrator vouches for (a tenant
  cannot link itself to the service's domain by naming it as its URL).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from app import urls
from app.audit import service as audit
from app.db.models import Tenant, TrustList
from app.errors import Conflict, NotFound
from app.keys import service as keys
from app.keystore import KeyCustody
from app.settings import Settings
from app.tenants.service import tenant_did
from app.tokens.auth import Principal
from app.trust import repository
from issuer.domain_linkage import did_configuration, domain_linkage_jwt
from proofs.keys import KeyAlgorithm
from schemas.api import StorableModel
from verifier.domain_linkage import origin_of
from verifier.trust import TrustEntry

__all__ = [
    "OWN_LIST",
    "TrustEntryIn",
    "delete_list",
    "list_lists",
    "own_did_configuration",
    "own_origin",
    "put_list",
    "set_vouched",
    "tenant_did_configuration",
    "trust_entries",
]

OWN_LIST = "this service"
log = logging.getLogger("shomei.trust")


class TrustEntryIn(StorableModel):
    """An issuer on a trust list: its identifier (a DID or an https URL) and its name (text both databases
    store alike: no NUL, no lone surrogate)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=4, max_length=2000, pattern=r"^(did:[a-z0-9]+:|https://)\S+$")
    name: str = Field(min_length=1, max_length=300)


class _ListFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(default="imported", min_length=1, max_length=100)
    entries: list[TrustEntryIn]


_file_lock = threading.Lock()
_file_cache: dict[Path, tuple[float, list[TrustEntry]]] = {}


def _file_entries(path: Path) -> list[TrustEntry]:
    """The entries of the trust list file, read again when its modification time changes. A file that
    cannot be read (missing, not JSON, not a list) is logged, and the last good reading (if any) kept."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = -1.0
    with _file_lock:
        cached = _file_cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            parsed = _ListFile.model_validate({"entries": raw} if isinstance(raw, list) else raw)
        except (OSError, ValueError, ValidationError, RecursionError) as exc:
            log.warning("trust list file unreadable", extra={"path": str(path), "error": type(exc).__name__})
            entries = cached[1] if cached is not None else []
        else:
            entries = [TrustEntry(e.id, e.name, parsed.name) for e in parsed.entries]
        _file_cache[path] = (mtime, entries)
        return entries


def trust_entries(session: Session, settings: Settings) -> list[TrustEntry]:
    """Every issuer a list of this deployment vouches for: its own (vouched tenants, under their DID and
    their issuer URL, under the name vouched for), the stored lists, the file."""
    entries: list[TrustEntry] = []
    for tenant in repository.vouched_tenants(session):
        name = tenant.vouched_name if tenant.vouched_name is not None else tenant.name
        for identifier in (tenant_did(settings, tenant), urls.issuer_identifier(settings, tenant)):
            if identifier:
                entries.append(TrustEntry(identifier, name, OWN_LIST))
    for row in repository.lists(session):
        entries.extend(TrustEntry(str(e["id"]), str(e["name"]), row.name) for e in row.entries)
    if settings.trust_list_file is not None:
        entries.extend(_file_entries(settings.trust_list_file))
    return entries


def set_vouched(session: Session, tenant: Tenant, vouched: bool, *, actor: Principal | None) -> Tenant:
    """Vouch for ``tenant`` under its current name (vouching again takes its name anew), or no more."""
    tenant.vouched = vouched
    tenant.vouched_name = tenant.name if vouched else None
    repository.save(session)
    audit.record(
        session,
        actor=actor,
        action="tenant.vouch" if vouched else "tenant.unvouch",
        target_type="tenant",
        target_id=tenant.slug,
        tenant_id=tenant.id,
        details={"name": tenant.name} if vouched else None,
    )
    return tenant


def list_lists(session: Session) -> Sequence[TrustList]:
    return repository.lists(session)


def put_list(
    session: Session, name: str, entries: Sequence[TrustEntryIn], *, actor: Principal | None
) -> TrustList:
    if name == OWN_LIST:
        raise Conflict("this name is the deployment's own list", type_name="trust-list-reserved")
    row = repository.put_list(session, name, [e.model_dump() for e in entries])
    audit.record(
        session,
        actor=actor,
        action="trust-list.put",
        target_type="trust-list",
        target_id=name,
        tenant_id=None,
        details={"entries": len(entries)},
    )
    return row


def delete_list(session: Session, name: str, *, actor: Principal | None) -> None:
    if not repository.delete_list(session, name):
        raise NotFound("no such trust list")
    audit.record(
        session,
        actor=actor,
        action="trust-list.delete",
        target_type="trust-list",
        target_id=name,
        tenant_id=None,
    )


def own_origin(settings: Settings) -> str | None:
    """This service's own https origin (None on an http base URL: DID Configuration is https only)."""
    return origin_of(settings.public_base_url) if settings.public_base_url.startswith("https://") else None


def _linkage_jwt(
    session: Session, settings: Settings, custody: KeyCustody, tenant: Tenant, origin: str, now: dt.datetime
) -> str | None:
    did = tenant_did(settings, tenant)
    row = keys.active_key_of(session, tenant, list(KeyAlgorithm))
    if did is None or row is None:
        return None
    signer = keys.signer_for(custody, row)
    return domain_linkage_jwt(did, origin, key=signer, kid=f"{did}#{row.fragment}", now=now)


def tenant_did_configuration(
    session: Session, settings: Settings, custody: KeyCustody, tenant: Tenant, *, now: dt.datetime
) -> dict[str, Any]:
    """The DID Configuration resource for the origin of the tenant's ``url``, to be served at that
    origin's ``/.well-known/did-configuration.json``."""
    origin = origin_of(tenant.url)
    if origin is None:
        raise Conflict("the issuer's url is not an https URL", type_name="no-https-origin")
    token = _linkage_jwt(session, settings, custody, tenant, origin, now)
    if token is None:
        raise Conflict("the issuer has no key yet", type_name="no-signing-key")
    return did_configuration([token])


def own_did_configuration(
    session: Session, settings: Settings, custody: KeyCustody, *, now: dt.datetime
) -> dict[str, Any] | None:
    """This service's DID Configuration: its origin linked to each vouched tenant whose ``url`` has the
    same origin (None when the base URL is not https)."""
    origin = own_origin(settings)
    if origin is None:
        return None
    tokens = [
        token
        for tenant in repository.vouched_tenants(session)
        if origin_of(tenant.url) == origin
        and (token := _linkage_jwt(session, settings, custody, tenant, origin, now)) is not None
    ]
    return did_configuration(tokens)

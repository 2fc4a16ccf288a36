"""Credential status: race-free index allocation at issuance, status changes, list bookkeeping.

Allocation (inside the issuance transaction): each list has up to 16 stripes, counters that own the
positions ``s, s+16, s+32, …``. An issuer locks the least-used stripe with room (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so concurrent issuers take different stripes instead of queueing behind one row while they
sign; never waiting for one), takes its next position n and maps it to the index
``permuted_index(n)`` (``issuer.status.index``): random-looking, never repeated. The lock is held until
commit; a rollback returns the position. SQLite serializes writers at ``BEGIN IMMEDIATE``. A unique
(list, index) constraint on credentials backs it up. A full list is closed and a new one opened in a
savepoint, so a rollover never fails an issuance. The statements and their locks are in
``app.status.repository``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.db.base import utcnow
from app.db.models import Credential, StatusList, Tenant
from app.errors import Conflict, ValidationFailed
from app.settings import Settings
from app.status import repository
from app.tokens.auth import Principal
from app.urls import credential_url, status_list_url
from app.webhooks import service as webhooks
from issuer.status import entries
from issuer.status.index import permuted_index
from issuer.status.reasons import MESSAGE_STATUS_SIZE, REASONS
from proofs.statuslist import set_value
from schemas.api import StatusOut

__all__ = [
    "STRIPES",
    "Allocation",
    "allocate",
    "change_status",
    "credential_status_entries",
    "status_out",
]

_MAX_ATTEMPTS = 8


# Allocation counters per list: up to this many issuers allocate concurrently without waiting.
STRIPES = 16


@dataclass(frozen=True, slots=True)
class Allocation:
    status_list: StatusList
    index: int


def _empty(size: int, bits: int) -> bytes:
    return bytes((size * bits + 7) // 8)


def _open_new_list(session: Session, tenant: Tenant, size: int) -> None:
    """Open the next list (with its stripes) as the active one; losing a race to another worker is fine."""
    next_seq = repository.last_sequence(session, tenant) + 1
    now = utcnow()
    stripes = min(STRIPES, size)
    status_list = StatusList(
        tenant_id=tenant.id,
        active_tenant_id=tenant.id,
        sequence=next_seq,
        size=size,
        perm_key=secrets.token_bytes(32),
        revocation_bits=_empty(size, 1),
        suspension_bits=_empty(size, 1),
        message_bits=_empty(size, MESSAGE_STATUS_SIZE),
        version=1,
        created_at=now,
        updated_at=now,
    )
    # Stripe s of n owns the positions s, s+n, s+2n, ... below size.
    capacities = [(size - s + stripes - 1) // stripes for s in range(stripes)]
    repository.add_list(session, tenant, status_list, capacities)  # False: another worker opened it first


def allocate(session: Session, tenant: Tenant, *, size: int) -> Allocation:
    """Reserve a position on the tenant's active list, rolling over to a new list when it is full.

    Runs inside the issuance transaction: the stripe row lock is held until commit, and a rollback
    gives the position back. It never waits for another issuer's stripe (waiting on a stripe while
    others wait on the list row is how deadlocks start): when every stripe with room is taken, the list
    counts as full. The few positions this may leave unused (at most two per stripe) are never handed
    out, so no index repeats. Least-used stripe first keeps the stripes within a position or two of each
    other, so a list closes only when all but a few of its positions are used.
    """
    for _ in range(_MAX_ATTEMPTS):
        status_list = repository.active_list(session, tenant)
        if status_list is None:
            _open_new_list(session, tenant, size)
            continue
        position = repository.take_next_position(session, status_list)
        if position is not None:
            index = permuted_index(position, size=status_list.size, key=status_list.perm_key)
            return Allocation(status_list, index)
        # No stripe free: close this list (if nobody did yet) and open the next.
        repository.close_list(session, tenant, status_list)
        _open_new_list(session, tenant, size)
    raise Conflict("could not allocate a status list entry; retry", type_name="status-allocation-contention")


def _list_urls(settings: Settings, tenant: Tenant, status_list: StatusList) -> dict[str, str]:
    """Purpose -> the URL of its list credential, for the purposes the tenant's credentials carry."""
    return {
        purpose: status_list_url(settings, tenant, status_list, purpose)
        for purpose in entries.entry_purposes(suspension=tenant.suspension_enabled)
    }


def credential_status_entries(
    settings: Settings, tenant: Tenant, allocation: Allocation, *, credential_url: str
) -> list[dict[str, Any]]:
    """The ``credentialStatus`` entries of a credential (BSL v1.0 §2.1 BitstringStatusListEntry)."""
    return entries.credential_status_entries(
        credential_url=credential_url,
        index=allocation.index,
        list_urls=_list_urls(settings, tenant, allocation.status_list),
    )


_EVENTS = {
    "revoke": "credential.revoked",
    "suspend": "credential.suspended",
    "reinstate": "credential.reinstated",
}


def change_status(
    session: Session,
    tenant: Tenant,
    credential: Credential,
    *,
    action: str,
    reason: str,
    note: str | None,
    actor: Principal | None,
    now: dt.datetime,
) -> Credential:
    """Revoke (final), suspend or reinstate; one list row lock makes concurrent changes safe."""
    spec = REASONS.get(reason)
    if action != "reinstate" and (spec is None or action not in spec.actions):
        raise ValidationFailed(
            f"'{reason}' is not a reason for {action}",
            type_name="unknown-reason",
            allowed=sorted(code for code, r in REASONS.items() if action in r.actions),
        )
    # Lock the credential row first so that two concurrent changes see each other's outcome.
    repository.lock_credential(session, tenant, credential)
    if credential.status_list_id is None or credential.status_index is None:
        raise Conflict("this credential has no status entry", type_name="no-status-entry")
    current = credential.status
    if current == "revoked":
        raise Conflict("the credential is revoked; revocation is final", type_name="already-revoked")
    if action == "revoke":
        pass
    elif action == "suspend":
        if not tenant.suspension_enabled:
            raise Conflict("suspension is not enabled for this issuer", type_name="suspension-not-enabled")
        if current == "suspended":
            raise Conflict("the credential is already suspended", type_name="already-suspended")
    elif action == "reinstate":
        if current != "suspended":
            raise Conflict("only a suspended credential can be reinstated", type_name="not-suspended")
    else:  # pragma: no cover - the API schema restricts actions
        raise ValidationFailed(f"unknown action {action}", type_name="unknown-action")

    # The credential and every copy of it bound to a wallet (OpenID4VCI) change together.
    copies = repository.copies_for_update(session, tenant, credential)
    status_list = _apply(session, tenant, credential, action=action, reason=reason, previous=current, now=now)
    for copy in copies:
        _apply(session, tenant, copy, action=action, reason=reason, previous=current, now=now)
    index = credential.status_index
    audit.record(
        session,
        actor=actor,
        action=f"credential.{action}",
        target_type="credential",
        target_id=str(credential.id),
        tenant_id=tenant.id,
        details={
            "reason": reason,
            "note": note,
            "previous": current,
            "list": status_list.sequence,
            "index": index,
        },
    )
    data = {
        "issuer": tenant.slug,
        "credential_id": str(credential.id),
        "id": credential.credential_uri,
        "reason": reason,
        "previous": current,
    }
    webhooks.emit(session, tenant, _EVENTS[action], data, now=now)
    return credential


def _apply(
    session: Session,
    tenant: Tenant,
    credential: Credential,
    *,
    action: str,
    reason: str,
    previous: str,
    now: dt.datetime,
) -> StatusList:
    """Write one credential's bits (revocation, suspension, reason message) and its status."""
    index = credential.status_index
    if credential.status_list_id is None or index is None:  # pragma: no cover - checked by the caller
        raise Conflict("this credential has no status entry", type_name="no-status-entry")
    status_list = repository.list_for_update(session, tenant, credential.status_list_id)
    if action == "revoke":
        status_list.revocation_bits = set_value(status_list.revocation_bits, index, 1)
        if previous == "suspended":
            status_list.suspension_bits = set_value(status_list.suspension_bits, index, 0)
        status_list.message_bits = set_value(
            status_list.message_bits, index, REASONS[reason].value, MESSAGE_STATUS_SIZE
        )
        credential.status = "revoked"
    elif action == "suspend":
        status_list.suspension_bits = set_value(status_list.suspension_bits, index, 1)
        status_list.message_bits = set_value(
            status_list.message_bits, index, REASONS[reason].value, MESSAGE_STATUS_SIZE
        )
        credential.status = "suspended"
    else:
        status_list.suspension_bits = set_value(status_list.suspension_bits, index, 0)
        status_list.message_bits = set_value(status_list.message_bits, index, 0, MESSAGE_STATUS_SIZE)
        credential.status = "active"
    credential.status_reason = None if action == "reinstate" else reason
    status_list.version += 1
    status_list.updated_at = now
    return status_list


def status_out(session: Session, settings: Settings, tenant: Tenant, credential: Credential) -> StatusOut:
    """The credential's status, reason and the list credentials that publish it."""
    urls: list[str] = []
    if credential.status_list_id is not None:
        status_list = repository.get_list(session, tenant, credential.status_list_id)
        if status_list is not None:
            urls = list(_list_urls(settings, tenant, status_list).values())
    return StatusOut(
        id=credential_url(settings, credential.id),
        credential_id=credential.id,
        status=credential.status,
        reason=credential.status_reason,
        status_list_credentials=urls,
    )

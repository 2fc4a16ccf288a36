"""Credential status: race-free index allocation at issuance, status changes, list bookkeeping.

Allocation (inside the issuance transaction): one atomic ``UPDATE … SET allocated = allocated + 1
… RETURNING`` on the tenant's active list hands out position n, whose index is the keyed permutation
of n (``issuer.status_index``). PostgreSQL serializes concurrent issuers on that row; SQLite serializes
writers at ``BEGIN IMMEDIATE``. A unique (list, index) constraint on credentials backs it up. A full
list is closed and a new one opened in a savepoint, so a rollover never fails an issuance.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Credential, StatusList, Tenant
from app.errors import Conflict, ValidationFailed
from app.services import audit
from app.services.auth import Principal
from app.services.urls import credential_url, status_list_url
from app.settings import Settings
from issuer.status_index import permuted_index
from issuer.status_reasons import MESSAGE_STATUS_SIZE, REASONS, status_messages
from proofs.statuslist import set_value
from schemas.api import StatusOut

__all__ = [
    "Allocation",
    "allocate",
    "change_status",
    "credential_status_entries",
    "status_out",
]

PURPOSES = ("revocation", "suspension", "message")
_BITS = {"revocation": 1, "suspension": 1, "message": MESSAGE_STATUS_SIZE}
_MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Allocation:
    status_list: StatusList
    index: int


def _empty(size: int, bits: int) -> bytes:
    return bytes((size * bits + 7) // 8)


def _open_new_list(session: Session, tenant: Tenant, size: int) -> None:
    """Open the next list as the active one; losing a race to another worker is fine."""
    next_seq = (
        session.scalar(
            select(func.coalesce(func.max(StatusList.sequence), 0)).where(StatusList.tenant_id == tenant.id)
        )
        or 0
    ) + 1
    now = utcnow()
    try:
        with session.begin_nested():
            session.add(
                StatusList(
                    tenant_id=tenant.id,
                    active_tenant_id=tenant.id,
                    sequence=next_seq,
                    size=size,
                    allocated=0,
                    perm_key=secrets.token_bytes(32),
                    revocation_bits=_empty(size, 1),
                    suspension_bits=_empty(size, 1),
                    message_bits=_empty(size, MESSAGE_STATUS_SIZE),
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        return  # another worker opened it first (unique active_tenant_id or sequence)


def allocate(session: Session, tenant: Tenant, *, size: int) -> Allocation:
    """Reserve the next position on the tenant's active list (rolling over when it is full)."""
    for _ in range(_MAX_ATTEMPTS):
        row = session.execute(
            update(StatusList)
            .where(StatusList.active_tenant_id == tenant.id, StatusList.allocated < StatusList.size)
            .values(allocated=StatusList.allocated + 1)
            .returning(StatusList.id, StatusList.allocated)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if row is not None:
            status_list = session.get(StatusList, row[0])
            if status_list is None:  # pragma: no cover - the row was just updated in this transaction
                raise RuntimeError("status list vanished")
            position = row[1] - 1
            return Allocation(
                status_list, permuted_index(position, size=status_list.size, key=status_list.perm_key)
            )
        # No active list with room: close a full one (if any) and open the next.
        session.execute(
            update(StatusList)
            .where(StatusList.active_tenant_id == tenant.id, StatusList.allocated >= StatusList.size)
            .values(active_tenant_id=None)
            .execution_options(synchronize_session=False)
        )
        _open_new_list(session, tenant, size)
    raise Conflict("could not allocate a status list entry; retry", type_name="status-allocation-contention")


def credential_status_entries(
    settings: Settings, tenant: Tenant, allocation: Allocation, *, credential_url: str
) -> list[dict[str, Any]]:
    """The ``credentialStatus`` entries of a credential (BSL v1.0 §2.1 BitstringStatusListEntry)."""
    purposes = ["revocation"]
    if tenant.suspension_enabled:
        purposes.append("suspension")
    purposes.append("message")
    entries: list[dict[str, Any]] = []
    for purpose in purposes:
        entry: dict[str, Any] = {
            "id": f"{credential_url}#status-{purpose}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(allocation.index),
            "statusListCredential": status_list_url(settings, tenant, allocation.status_list, purpose),
        }
        if purpose == "message":
            entry["statusSize"] = MESSAGE_STATUS_SIZE
            entry["statusMessage"] = status_messages()
        entries.append(entry)
    return entries


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
    session.refresh(credential, with_for_update=True)
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

    status_list = session.scalars(
        select(StatusList).where(StatusList.id == credential.status_list_id).with_for_update()
    ).one()
    index = credential.status_index
    if action == "revoke":
        status_list.revocation_bits = set_value(status_list.revocation_bits, index, 1)
        if current == "suspended":
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
    return credential


def find_list(session: Session, tenant: Tenant, sequence: int) -> StatusList | None:
    return session.scalars(
        select(StatusList).where(StatusList.tenant_id == tenant.id, StatusList.sequence == sequence)
    ).one_or_none()


def list_bits(status_list: StatusList, purpose: str) -> tuple[bytes, int]:
    return {
        "revocation": (status_list.revocation_bits, 1),
        "suspension": (status_list.suspension_bits, 1),
        "message": (status_list.message_bits, MESSAGE_STATUS_SIZE),
    }[purpose]


def status_out(session: Session, settings: Settings, tenant: Tenant, credential: Credential) -> StatusOut:
    urls: list[str] = []
    if credential.status_list_id is not None:
        status_list = session.get(StatusList, credential.status_list_id)
        if status_list is not None:
            purposes = ["revocation", *(["suspension"] if tenant.suspension_enabled else []), "message"]
            urls = [status_list_url(settings, tenant, status_list, p) for p in purposes]
    return StatusOut(
        id=credential_url(settings, credential.id),
        credential_id=credential.id,
        status=credential.status,
        reason=credential.status_reason,
        status_list_credentials=urls,
    )

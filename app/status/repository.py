"""The queries of the status domain: the tenant's lists and their allocation stripes (with the row locks
that make allocation race-free), the row locks of a status change, and the cache of published list
credentials.

Every statement, lock and savepoint is the one the allocator and the status changes were designed with;
``app.status.service`` says why each is there.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from app.db.models import Credential, PublishedStatusList, SigningKey, StatusList, StatusListStripe, Tenant

__all__ = [
    "active_list",
    "add_list",
    "cached_publication",
    "close_list",
    "copies_for_update",
    "find_list",
    "get_list",
    "last_sequence",
    "list_for_update",
    "list_snapshot",
    "lock_credential",
    "store_publication",
    "take_next_position",
]


# --- allocation ------------------------------------------------------------------------------------


# Built once (every issuance runs both), their values bound at execution.
# The active list is read for its id, size, key and sequence: its three bitstrings (96 KiB at the default
# 131,072 entries, sent as hex text by PostgreSQL and decoded at every issuance) load only if asked for.
_ACTIVE_LIST = (
    select(StatusList)
    .where(
        StatusList.active_tenant_id == bindparam("tenant_id"), StatusList.tenant_id == bindparam("tenant_id")
    )
    .options(
        defer(StatusList.revocation_bits), defer(StatusList.suspension_bits), defer(StatusList.message_bits)
    )
)
_CHOSEN_STRIPE = (
    select(StatusListStripe.stripe)
    .where(
        StatusListStripe.status_list_id == bindparam("list_id"),
        StatusListStripe.allocated < StatusListStripe.capacity,
    )
    .order_by(StatusListStripe.allocated, StatusListStripe.stripe)
    .limit(1)
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_TAKE_POSITION = (
    update(StatusListStripe)
    .where(
        StatusListStripe.status_list_id == bindparam("list_id"),
        StatusListStripe.stripe == _CHOSEN_STRIPE,
        StatusListStripe.allocated < StatusListStripe.capacity,
    )
    .values(allocated=StatusListStripe.allocated + 1)
    .returning(StatusListStripe.stripe, StatusListStripe.stripes, StatusListStripe.allocated)
    .execution_options(synchronize_session=False)
)


def active_list(session: Session, tenant: Tenant) -> StatusList | None:
    """The tenant's one list that takes new credentials, if any."""
    return session.scalars(_ACTIVE_LIST, {"tenant_id": tenant.id}).one_or_none()


def last_sequence(session: Session, tenant: Tenant) -> int:
    """The highest sequence number of the tenant's lists (0 before the first)."""
    return (
        session.scalar(
            select(func.coalesce(func.max(StatusList.sequence), 0)).where(StatusList.tenant_id == tenant.id)
        )
        or 0
    )


def add_list(session: Session, tenant: Tenant, status_list: StatusList, capacities: Sequence[int]) -> bool:
    """Insert the tenant's new ``status_list`` with one stripe per capacity (stripe ``s`` of ``n`` owns the
    positions ``s, s+n, …``), in a savepoint. False when another worker opened it first (the unique
    ``active_tenant_id`` or ``(tenant_id, sequence)``): nothing of ours is left then."""
    if status_list.tenant_id != tenant.id:
        raise ValueError("the list belongs to another tenant")
    try:
        with session.begin_nested():
            session.add(status_list)
            session.flush()
            session.add_all(
                StatusListStripe(
                    status_list_id=status_list.id,
                    stripe=s,
                    stripes=len(capacities),
                    capacity=capacity,
                    allocated=0,
                )
                for s, capacity in enumerate(capacities)
            )
            session.flush()
    except IntegrityError:
        return False
    return True


def take_next_position(session: Session, status_list: StatusList) -> int | None:
    """Count the next position of the list's least-used stripe with room as allocated and return it, in
    one statement (``UPDATE … WHERE stripe = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``): the stripes
    other transactions hold are skipped (PostgreSQL; SQLite has no row locks and one writer), and the
    row lock is held until commit, so a rollback gives the position back. None when no stripe is free."""
    row = session.execute(_TAKE_POSITION, {"list_id": status_list.id}).one_or_none()
    if row is None:
        return None
    stripe, stripes, allocated = row
    return int(stripe + stripes * (allocated - 1))


def close_list(session: Session, tenant: Tenant, status_list: StatusList) -> None:
    """Take the list off new credentials, unless somebody did already."""
    session.execute(
        update(StatusList)
        .where(
            StatusList.id == status_list.id,
            StatusList.tenant_id == tenant.id,
            StatusList.active_tenant_id.is_not(None),
        )
        .values(active_tenant_id=None)
        .execution_options(synchronize_session=False)
    )
    session.expire(status_list)


# --- status changes --------------------------------------------------------------------------------


def lock_credential(session: Session, tenant: Tenant, credential: Credential) -> None:
    """Lock the credential's row and reload it (``FOR UPDATE``), so that concurrent changes see each
    other's outcome."""
    session.scalars(
        select(Credential)
        .where(Credential.id == credential.id, Credential.tenant_id == tenant.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def copies_for_update(session: Session, tenant: Tenant, credential: Credential) -> Sequence[Credential]:
    """The copies of the credential bound to wallets (OpenID4VCI), locked, in id order."""
    return session.scalars(
        select(Credential)
        .where(Credential.derived_from_id == credential.id, Credential.tenant_id == tenant.id)
        .order_by(Credential.id)
        .with_for_update()
    ).all()


def list_for_update(session: Session, tenant: Tenant, list_id: uuid.UUID) -> StatusList:
    """The list, locked for its bits (``FOR NO KEY UPDATE`` on PostgreSQL: credentials may still point
    at it meanwhile)."""
    return session.scalars(
        select(StatusList)
        .where(StatusList.id == list_id, StatusList.tenant_id == tenant.id)
        .with_for_update(key_share=True)
    ).one()


# --- reads and publication -------------------------------------------------------------------------


def find_list(session: Session, tenant: Tenant, sequence: int) -> StatusList | None:
    """The tenant's list number ``sequence``."""
    return session.scalars(
        select(StatusList).where(StatusList.tenant_id == tenant.id, StatusList.sequence == sequence)
    ).one_or_none()


@dataclass(frozen=True, slots=True)
class Publication:
    """A signed list credential as stored: the list version it was signed at, when, and its text."""

    version: int
    created_at: dt.datetime
    content: str


@dataclass(frozen=True, slots=True)
class ListSnapshot:
    """What deciding whether a list's stored publications are current needs, read in one statement: the
    list's version, when the tenant's keys last changed (None: never), and its publications in one format
    by purpose."""

    version: int
    key_change: dt.datetime | None
    publications: dict[str, Publication]


# Built once (building a select of three scalar subqueries costs about 0.3 ms, five times running it), with
# the tenant, the list's sequence and the format bound at each execution.
_KEY_TIMES = [
    select(func.max(column)).where(SigningKey.tenant_id == bindparam("tenant_id")).scalar_subquery()
    for column in (SigningKey.created_at, SigningKey.rotated_at, SigningKey.retired_at)
]
_SNAPSHOT = (
    select(
        StatusList.version,
        PublishedStatusList.purpose,
        PublishedStatusList.version,
        PublishedStatusList.created_at,
        PublishedStatusList.content,
        *_KEY_TIMES,
    )
    .select_from(StatusList)
    .outerjoin(
        PublishedStatusList,
        and_(
            PublishedStatusList.status_list_id == StatusList.id,
            PublishedStatusList.format == bindparam("fmt"),
        ),
    )
    .where(StatusList.tenant_id == bindparam("tenant_id"), StatusList.sequence == bindparam("sequence"))
)


def list_snapshot(session: Session, tenant: Tenant, sequence: int, fmt: str) -> ListSnapshot | None:
    """The tenant's list number ``sequence`` as a :class:`ListSnapshot` of its ``fmt`` publications, in one
    statement (its bitstrings are not read); None when there is no such list."""
    rows = session.execute(_SNAPSHOT, {"tenant_id": tenant.id, "sequence": sequence, "fmt": fmt}).all()
    if not rows:
        return None
    changes = [t for t in rows[0][5:] if t is not None]
    publications = {
        purpose: Publication(version, created_at, content)
        for _v, purpose, version, created_at, content, *_times in rows
        if purpose is not None
    }
    return ListSnapshot(rows[0][0], max(changes) if changes else None, publications)


def get_list(session: Session, tenant: Tenant, list_id: uuid.UUID) -> StatusList | None:
    """The tenant's list by its id."""
    return session.scalars(
        select(StatusList).where(StatusList.id == list_id, StatusList.tenant_id == tenant.id)
    ).one_or_none()


def cached_publication(
    session: Session, status_list: StatusList, purpose: str, fmt: str
) -> PublishedStatusList | None:
    """The list credential last signed for (list, purpose, format), of whatever version."""
    return session.scalars(
        select(PublishedStatusList).where(
            PublishedStatusList.status_list_id == status_list.id,
            PublishedStatusList.purpose == purpose,
            PublishedStatusList.format == fmt,
        )
    ).one_or_none()


def store_publication(
    session: Session,
    status_list: StatusList,
    cached: PublishedStatusList | None,
    *,
    purpose: str,
    fmt: str,
    content: str,
    now: dt.datetime,
) -> None:
    """Cache ``content`` as the list credential of the list's current version, in a savepoint: when a
    concurrent request cached the same version first, theirs stays (ours is equally valid)."""
    try:
        with session.begin_nested():
            if cached is None:
                session.add(
                    PublishedStatusList(
                        status_list_id=status_list.id,
                        purpose=purpose,
                        format=fmt,
                        version=status_list.version,
                        content=content,
                        created_at=now,
                    )
                )
            else:
                cached.version = status_list.version
                cached.content = content
                cached.created_at = now
    except IntegrityError:
        pass

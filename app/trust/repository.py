"""The queries of issuer trust: the tenants a service administrator vouches for (the ``vouched`` column
of ``tenants``, which is the tenant itself: nothing filters by tenant) and the imported trust lists
(service-wide)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.models import Tenant, TrustList

__all__ = ["delete_list", "lists", "put_list", "save", "vouched_tenants"]


# Built once: every verification of a proven issuer reads both (the issuer trust section).
_VOUCHED = select(Tenant).where(Tenant.vouched.is_(True)).order_by(Tenant.slug)
_LISTS = select(TrustList).order_by(TrustList.name)


def vouched_tenants(session: Session) -> Sequence[Tenant]:
    return session.scalars(_VOUCHED).all()


def save(session: Session) -> None:
    """Write the changes made to a tenant now, inside the caller's transaction."""
    session.flush()


def lists(session: Session) -> Sequence[TrustList]:
    return session.scalars(_LISTS).all()


def put_list(session: Session, name: str, entries: list[dict[str, str]]) -> TrustList:
    """Create or replace the list ``name`` (flushed)."""
    row = session.get(TrustList, name)
    if row is None:
        row = TrustList(name=name, entries=entries)
        session.add(row)
    else:
        row.entries = entries
    session.flush()
    return row


def delete_list(session: Session, name: str) -> bool:
    return bool(session.execute(delete(TrustList).where(TrustList.name == name)).rowcount)  # type: ignore[attr-defined]

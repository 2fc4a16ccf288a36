"""Tenant isolation: the tables a tenant owns, and the one way for a query to cross tenants on purpose.

Every repository function that reads, changes or deletes rows of a tenant-owned table takes the tenant and
filters on ``tenant_id``. A query that must not (a bearer token looked up by its hash, a public credential
URL, the service-wide audit log) runs inside ``cross_tenant("why")``; the test suite refuses any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from app.db.base import Base
from app.db.models import Tenant  # the models module registers every table on Base.metadata

__all__ = ["TENANT_OWNED", "cross_tenant", "crossing_reason"]

# Tables with a tenant_id column; `tenants` itself is the tenant.
TENANT_OWNED: frozenset[str] = frozenset(
    table.name
    for table in Base.metadata.sorted_tables
    if "tenant_id" in table.c and table is not Tenant.__table__
)

_reason: ContextVar[str | None] = ContextVar("cross_tenant_reason", default=None)


@contextmanager
def cross_tenant(reason: str) -> Iterator[None]:
    """Mark the queries run inside as deliberately not filtered by tenant, for ``reason``."""
    if not reason.strip():
        raise ValueError("say why the query crosses tenants")
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


def crossing_reason() -> str | None:
    """Why the current query may cross tenants, or None when it must filter on the tenant."""
    return _reason.get()

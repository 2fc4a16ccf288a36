"""The queries on ``issuance_jobs`` and ``issuance_job_rows``: a tenant's jobs and their rows, and the queue
the workers serve (leasing pending rows with ``FOR UPDATE SKIP LOCKED``, finding finished jobs) across every
tenant."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from app.db.models import IssuanceJob, IssuanceJobRow, Tenant
from app.db.tenancy import cross_tenant

__all__ = [
    "Claim",
    "add",
    "by_key",
    "cancel_pending",
    "claim",
    "counts",
    "get",
    "lock",
    "lock_row",
    "page",
    "pending_rows",
    "progress",
    "rows",
    "start",
    "unfinished_without_pending",
]

_ACTIVE = ("queued", "running")
_WORKERS = "the job workers serve every tenant's queue"


class Claim(NamedTuple):
    """A pending row a worker leased."""

    tenant_id: uuid.UUID
    job_id: uuid.UUID
    row_number: int


def by_key(session: Session, tenant: Tenant, key: str) -> IssuanceJob | None:
    """The tenant's job uploaded with ``Idempotency-Key: key``."""
    return session.scalars(
        select(IssuanceJob).where(IssuanceJob.tenant_id == tenant.id, IssuanceJob.idempotency_key == key)
    ).one_or_none()


def add(session: Session, tenant: Tenant, job: IssuanceJob, rows: Iterable[dict[str, Any]]) -> None:
    """Store a new job and its rows (one multi-row INSERT)."""
    session.add(job)
    session.flush()
    values = [{**row, "job_id": job.id, "tenant_id": tenant.id} for row in rows]
    if values:
        session.execute(insert(IssuanceJobRow), values)


def get(session: Session, tenant: Tenant, job_id: uuid.UUID) -> IssuanceJob | None:
    return session.scalars(
        select(IssuanceJob).where(IssuanceJob.tenant_id == tenant.id, IssuanceJob.id == job_id)
    ).one_or_none()


def lock(session: Session, tenant: Tenant, job_id: uuid.UUID) -> IssuanceJob | None:
    """The job, its row locked until the transaction ends (a status change)."""
    return session.scalars(
        select(IssuanceJob)
        .where(IssuanceJob.tenant_id == tenant.id, IssuanceJob.id == job_id)
        .with_for_update()
    ).one_or_none()


def page(session: Session, tenant: Tenant, *, offset: int, limit: int) -> Sequence[IssuanceJob]:
    """The tenant's jobs, newest first."""
    return session.scalars(
        select(IssuanceJob)
        .where(IssuanceJob.tenant_id == tenant.id)
        .order_by(IssuanceJob.created_at.desc(), IssuanceJob.id)
        .offset(offset)
        .limit(limit)
    ).all()


def counts(session: Session, tenant: Tenant, job_id: uuid.UUID) -> dict[str, int]:
    """The job's rows by state."""
    found = session.execute(
        select(IssuanceJobRow.state, func.count())
        .where(IssuanceJobRow.tenant_id == tenant.id, IssuanceJobRow.job_id == job_id)
        .group_by(IssuanceJobRow.state)
    ).all()
    return {state: int(n) for state, n in found}


def progress(session: Session, tenant: Tenant, job_id: uuid.UUID, since: dt.datetime) -> int:
    """How many of the job's rows a worker finished from ``since`` on (issued or failed)."""
    return int(
        session.scalar(
            select(func.count()).where(
                IssuanceJobRow.tenant_id == tenant.id,
                IssuanceJobRow.job_id == job_id,
                IssuanceJobRow.state.in_(("issued", "failed")),
                IssuanceJobRow.finished_at >= since,
            )
        )
        or 0
    )


def rows(session: Session, tenant: Tenant, job_id: uuid.UUID) -> Sequence[IssuanceJobRow]:
    """The job's rows in order."""
    return session.scalars(
        select(IssuanceJobRow)
        .where(IssuanceJobRow.tenant_id == tenant.id, IssuanceJobRow.job_id == job_id)
        .order_by(IssuanceJobRow.row_number)
    ).all()


def cancel_pending(session: Session, tenant: Tenant, job_id: uuid.UUID, *, now: dt.datetime) -> None:
    """Mark the job's pending rows cancelled (their requests erased)."""
    session.execute(
        update(IssuanceJobRow)
        .where(
            IssuanceJobRow.tenant_id == tenant.id,
            IssuanceJobRow.job_id == job_id,
            IssuanceJobRow.state == "pending",
        )
        .values(state="cancelled", payload=None, finished_at=now, lease_owner=None, lease_expires_at=None)
    )


def lock_row(
    session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID, row_number: int
) -> tuple[IssuanceJobRow, IssuanceJob, Tenant] | None:
    """A leased row (locked until the transaction ends: its issuance) with its job and tenant, in one
    round trip: a worker knows a claim's tenant by its id only."""
    found = session.execute(
        select(IssuanceJobRow, IssuanceJob, Tenant)
        .join(IssuanceJob, IssuanceJob.id == IssuanceJobRow.job_id)
        .join(Tenant, Tenant.id == IssuanceJobRow.tenant_id)
        .where(
            IssuanceJobRow.tenant_id == tenant_id,
            IssuanceJob.tenant_id == tenant_id,
            IssuanceJobRow.job_id == job_id,
            IssuanceJobRow.row_number == row_number,
        )
        .with_for_update(of=IssuanceJobRow)
    ).one_or_none()
    return None if found is None else (found[0], found[1], found[2])


def claim(session: Session, *, owner: str, now: dt.datetime, until: dt.datetime, limit: int) -> list[Claim]:
    """Lease up to ``limit`` pending rows whose lease is free or expired, any tenant's, to ``owner`` until
    ``until`` (each lease counts as an attempt). ``SKIP LOCKED``: workers claiming at the same moment get
    different rows without waiting on each other (SQLite has one writer at a time and ignores it)."""
    with cross_tenant(_WORKERS):
        found = [
            Claim(*row)
            for row in session.execute(
                select(IssuanceJobRow.tenant_id, IssuanceJobRow.job_id, IssuanceJobRow.row_number)
                .where(
                    IssuanceJobRow.state == "pending",
                    or_(IssuanceJobRow.lease_expires_at.is_(None), IssuanceJobRow.lease_expires_at < now),
                )
                .order_by(IssuanceJobRow.job_id, IssuanceJobRow.row_number)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
        ]
        for job_id in {c.job_id for c in found}:
            session.execute(
                update(IssuanceJobRow)
                .where(
                    IssuanceJobRow.job_id == job_id,
                    IssuanceJobRow.row_number.in_([c.row_number for c in found if c.job_id == job_id]),
                )
                .values(lease_owner=owner, lease_expires_at=until, attempts=IssuanceJobRow.attempts + 1)
            )
    return found


def start(session: Session, job_ids: Iterable[uuid.UUID], *, now: dt.datetime) -> None:
    """Mark queued jobs running (a worker leased their first rows)."""
    with cross_tenant(_WORKERS):
        session.execute(
            update(IssuanceJob)
            .where(IssuanceJob.id.in_(list(job_ids)), IssuanceJob.status == "queued")
            .values(status="running", started_at=now)
        )


def unfinished_without_pending(session: Session, *, limit: int = 50) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant id, job id) of queued or running jobs with no pending row left: to be finished."""
    pending = exists().where(IssuanceJobRow.job_id == IssuanceJob.id, IssuanceJobRow.state == "pending")
    with cross_tenant(_WORKERS):
        found = session.execute(
            select(IssuanceJob.tenant_id, IssuanceJob.id)
            .where(IssuanceJob.status.in_(_ACTIVE), ~pending)
            .limit(limit)
        ).all()
    return [(tenant_id, job_id) for tenant_id, job_id in found]


def pending_rows(session: Session) -> int:
    """How many rows of every tenant's jobs wait to be issued: the queue's depth (``/metrics``)."""
    with cross_tenant("the queue's depth across tenants, for /metrics"):
        return int(
            session.execute(
                select(func.count()).select_from(IssuanceJobRow).where(IssuanceJobRow.state == "pending")
            ).scalar_one()
        )

"""The events a job emits when it finishes: ``job.completed`` (every row ended, at least one issued, or the
job had none) and ``job.failed`` (no row could be issued).

:func:`emit` is the one hook point, called in the transaction that finishes the job. It records the audit
row and writes the event to the webhooks outbox (:func:`app.webhooks.service.emit`) in that transaction,
so that no event exists without its change and no change without its event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.db.models import IssuanceJob, Tenant
from app.webhooks import service as webhooks

__all__ = ["JobEvent", "emit"]

JobEvent = Literal["job.completed", "job.failed"]


def emit(
    session: Session,
    tenant: Tenant,
    job: IssuanceJob,
    event: JobEvent,
    data: dict[str, Any],
    *,
    now: dt.datetime,
) -> None:
    """Record ``event`` of ``job`` (its counts in ``data``) and queue its webhooks, in the caller's
    transaction."""
    audit.record(
        session,
        actor=None,
        action=event,
        target_type="issuance_job",
        target_id=str(job.id),
        tenant_id=tenant.id,
        details={"status": job.status, **data},
    )
    webhooks.emit(session, tenant, event, {"job_id": str(job.id), "status": job.status, **data}, now=now)

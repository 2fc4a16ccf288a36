"""What a job worker does, one transaction at a time: lease pending rows, issue each row, close finished jobs.

Exactly once per row: a row is issued in its own transaction, through the same code as ``POST
/v1/issuers/{slug}/credentials`` (``app.credentials.service.issue``: the status index, the audit row, the
idempotency record keyed by the row's key; the wallet offer of ``app.oid4vci.offers``), and the row's own
outcome is written in that same transaction. A worker killed mid-row commits nothing of it; its lease
expires and another worker takes the row over. A row that was committed is not pending any more; and were
it run again, its idempotency record would answer with the credential already issued.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from contextlib import nullcontext

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.credentials import service as issuance
from app.credentials.context import issue_context
from app.db.models import IssuanceJobRow
from app.errors import ServiceError, ValidationFailed
from app.jobs import repository, service
from app.jobs.repository import Claim
from app.oid4vci import offers
from app.state import AppState
from app.tenants import service as tenants
from app.tokens.auth import Principal
from issuer.achievement import AchievementError
from issuer.sd_jwt_vc import ProjectionError
from schemas.api import CredentialIssueIn

__all__ = ["Claim", "RetryLater", "claim", "close_finished", "run_row"]

log = logging.getLogger("shomei.jobs")

# Problems that say "not now" rather than "never": the row stays pending and is tried again.
_TRANSIENT = frozenset({"status-allocation-contention", "service-unavailable"})


class RetryLater(Exception):
    """The row could not be issued now (a transient conflict): it stays pending, its lease runs out."""


def claim(state: AppState, *, owner: str) -> list[Claim]:
    """Lease the next pending rows (``jobs_batch_rows``) to ``owner`` for ``jobs_lease_seconds``."""
    settings = state.settings
    now = state.clock.now()
    until = now + dt.timedelta(seconds=settings.jobs_lease_seconds)
    with state.sessionmaker.begin() as session:
        claims = repository.claim(session, owner=owner, now=now, until=until, limit=settings.jobs_batch_rows)
        if claims:
            repository.start(session, {c.job_id for c in claims}, now=now)
    return claims


def run_row(state: AppState, item: Claim) -> str | None:
    """Issue the leased row in its own transaction: 'issued', 'failed', or None when it was not pending any
    more (finished by another worker, or cancelled). ``RetryLater`` or a database error leaves it pending."""
    with state.sessionmaker.begin() as session:
        return _run_row(state, session, item)


def _run_row(state: AppState, session: Session, item: Claim) -> str | None:
    found = repository.lock_row(session, item.tenant_id, item.job_id, item.row_number)
    if found is None:
        return None
    row, job, tenant = found
    if row.state != "pending" or row.payload is None:
        return None
    now = state.clock.now()
    ctx = issue_context(state, now)
    if row.attempts > state.settings.jobs_max_attempts:
        error: ServiceError = ServiceError(
            f"the row was tried {row.attempts - 1} times", type_name="issuance-attempts-exhausted"
        )
        _fail(row, error, now)
        return "failed"
    actor = Principal(
        token_id=job.created_by_token_id or uuid.UUID(int=0),
        tenant_id=tenant.id,
        scopes=frozenset({"issue"}),
    )
    try:
        body = CredentialIssueIn.model_validate(row.payload)
        # ``issue`` with a key writes only inside a savepoint of its own, which a refusal rolls back; an
        # offer made after it needs one around both (two round trips saved on every row without one).
        with session.begin_nested() if body.offer is not None else nullcontext():
            credential, created = issuance.issue(
                session, ctx, tenant, body, actor=actor, idempotency_key=row.idempotency_key
            )
            offer = None
            if body.offer is not None:
                made = offers.issuance_offer(
                    session,
                    ctx.settings,
                    tenant,
                    credential,
                    formats=body.offer.formats,
                    with_tx_code=False,
                    replay=not created,
                    actor=actor,
                    now=now,
                )
                offer = offers.offer_out(ctx.settings, made[0], None) if made is not None else None
    except ServiceError as exc:
        if exc.type_name in _TRANSIENT:
            raise RetryLater(exc.type_name) from None
        _fail(row, exc, now)
        return "failed"
    except ValidationError:
        _fail(row, ValidationFailed("the stored row no longer validates"), now)
        return "failed"
    except (AchievementError, ProjectionError) as exc:  # what the HTTP API answers as 422 (app.main)
        _fail(row, ValidationFailed(str(exc) or "the row is not valid", type_name="validation-error"), now)
        return "failed"
    row.state, row.credential_id, row.replayed, row.offer = "issued", credential.id, not created, offer
    row.payload, row.finished_at, row.lease_owner, row.lease_expires_at = None, now, None, None
    return "issued"


def _fail(row: IssuanceJobRow, error: ServiceError, now: dt.datetime) -> None:
    row.state, row.problem, row.payload, row.finished_at = "failed", error.to_problem(), None, now
    row.lease_owner = row.lease_expires_at = None


def close_finished(state: AppState) -> int:
    """Close the jobs that have no pending row left (their last rows finished, or a worker was killed
    between a job's last row and its closing); how many this call closed."""
    with state.sessionmaker.begin() as session:
        found = repository.unfinished_without_pending(session)
    closed = 0
    for tenant_id, job_id in found:
        with state.sessionmaker.begin() as session:
            tenant = tenants.get_by_id(session, tenant_id)
            if service.finish(session, tenant, job_id, now=state.clock.now()) is not None:
                closed += 1
    return closed

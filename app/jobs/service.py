"""Bulk issuance jobs: an upload becomes a job and its rows, in one transaction; the workers
(:mod:`app.jobs.runner`) issue the rows; the API reads progress and results, and cancels.

The same upload again with the same ``Idempotency-Key`` answers the job it made (nothing new is queued);
the same key with another upload is refused. A dry run checks every row as a real run would issue it
(template, recipient, dates, the template's profile rules) and stores nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.achievements import service as achievements
from app.audit import service as audit
from app.credentials import service as issuance
from app.credentials.context import IssueContext
from app.db.models import IssuanceJob, IssuanceJobRow, Tenant
from app.errors import Conflict, NotFound, PayloadTooLarge, ServiceError, ValidationFailed
from app.jobs import events, repository
from app.jobs.rows import UploadRow, check_mapping, request_for
from app.settings import Settings
from app.tokens.auth import Principal
from app.urls import credential_url, job_url
from schemas.api import CredentialIssueIn
from schemas.jobs import JobDryRunOut, JobOptionsIn, JobOut, JobRowProblem

__all__ = [
    "cancel",
    "create",
    "dry_run",
    "finish",
    "get_job",
    "job_out",
    "list_jobs",
    "queue_depth",
    "results_csv",
    "results_jsonl",
]

_ACTIVE = ("queued", "running")


def _request_hash(options: JobOptionsIn, rows: Sequence[UploadRow]) -> str:
    data = {
        "options": options.model_dump(mode="json"),
        "rows": [r.fields if r.problem is None else {"unreadable": r.problem.type} for r in rows],
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _check_upload(session: Session, tenant: Tenant, options: JobOptionsIn, rows: Sequence[UploadRow]) -> None:
    if not rows:
        raise ValidationFailed("the upload has no rows", type_name="empty-job")
    check_mapping(options.mapping)
    if options.template_id is not None:
        achievements.get(session, tenant, options.template_id)  # achievement-not-found


def _problem(error: ServiceError) -> dict[str, Any]:
    return error.to_problem()


def create(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    options: JobOptionsIn,
    rows: Sequence[UploadRow],
    *,
    actor: Principal,
    idempotency_key: str | None,
    now: dt.datetime,
) -> tuple[IssuanceJob, bool]:
    """Queue a job of ``rows``: (job, created); created is False for the same upload again."""
    if len(rows) > settings.jobs_max_rows:
        raise PayloadTooLarge(f"a job has at most {settings.jobs_max_rows} rows", type_name="too-many-rows")
    request_hash = _request_hash(options, rows)
    key = idempotency_key or f"job-{uuid.uuid4().hex}"
    replay = _replay(session, tenant, key, request_hash)
    if replay is not None:
        return replay, False
    _check_upload(session, tenant, options, rows)
    try:
        with session.begin_nested():
            return _create_new(session, tenant, options, rows, actor, key, request_hash, now), True
    except IntegrityError:  # the same upload, sent twice at once: the first one's job
        replay = _replay(session, tenant, key, request_hash)
        if replay is None:
            raise
        return replay, False


def _replay(session: Session, tenant: Tenant, key: str, request_hash: str) -> IssuanceJob | None:
    job = repository.by_key(session, tenant, key)
    if job is not None and job.request_hash != request_hash:
        raise Conflict(
            "this Idempotency-Key was used with another upload", type_name="idempotency-key-reused"
        )
    return job


def _requests(
    rows: Sequence[UploadRow], options: JobOptionsIn, job_key: str
) -> Iterator[tuple[UploadRow, str, CredentialIssueIn | None, ServiceError | None]]:
    """Each row with its key and its credential request, or the problem that refuses it (a key that an
    earlier row has is one: ``duplicate-row-key``)."""
    seen: set[str] = set()
    for row in rows:
        row_key, body, problem = request_for(row, options, job_key)
        if problem is None and row_key in seen:
            problem = ValidationFailed("another row has this idempotency_key", type_name="duplicate-row-key")
        seen.add(row_key)
        yield row, row_key, body, problem


def _create_new(
    session: Session,
    tenant: Tenant,
    options: JobOptionsIn,
    rows: Sequence[UploadRow],
    actor: Principal,
    key: str,
    request_hash: str,
    now: dt.datetime,
) -> IssuanceJob:
    job = IssuanceJob(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        idempotency_key=key,
        request_hash=request_hash,
        status="queued",
        total=len(rows),
        options=options.model_dump(mode="json", exclude={"mapping", "dry_run"}),
        created_by_token_id=actor.token_id,
        created_at=now,
    )
    values: list[dict[str, Any]] = []
    for row, row_key, body, problem in _requests(rows, options, key):
        values.append(
            {
                "row_number": row.number,
                "idempotency_key": row_key,
                "state": "pending" if problem is None else "failed",
                "payload": body.model_dump(mode="json") if body is not None and problem is None else None,
                "problem": _problem(problem) if problem is not None else None,
                "finished_at": now if problem is not None else None,
                "replayed": False,
                "attempts": 0,
            }
        )
    repository.add(session, tenant, job, values)
    audit.record(
        session,
        actor=actor,
        action="job.create",
        target_type="issuance_job",
        target_id=str(job.id),
        tenant_id=tenant.id,
        details={"total": job.total, "formats": list(options.formats)},
    )
    if all(v["state"] != "pending" for v in values):
        finish(session, tenant, job.id, now=now)
    return job


def dry_run(
    session: Session, ctx: IssueContext, tenant: Tenant, options: JobOptionsIn, rows: Sequence[UploadRow]
) -> JobDryRunOut:
    """Check every row as a real run would issue it (signed, then thrown away); issue and store nothing."""
    if len(rows) > ctx.settings.jobs_max_rows:
        raise PayloadTooLarge(
            f"a job has at most {ctx.settings.jobs_max_rows} rows", type_name="too-many-rows"
        )
    _check_upload(session, tenant, options, rows)
    errors: list[JobRowProblem] = []
    checking = session.begin_nested()  # rolled back: a dry run keeps nothing
    for row, _, body, problem in _requests(rows, options, "dry-run"):
        if problem is None and body is not None:
            try:
                issuance.check(session, ctx, tenant, body)
            except ServiceError as exc:
                problem = exc
        if problem is not None:
            errors.append(JobRowProblem(row=row.number, problem=_problem(problem)))
    checking.rollback()
    return JobDryRunOut(total=len(rows), valid=len(rows) - len(errors), failed=len(errors), errors=errors)


def finish(session: Session, tenant: Tenant, job_id: uuid.UUID, *, now: dt.datetime) -> IssuanceJob | None:
    """Close a queued or running job that has no pending row left, and emit its event; None when it is
    not (yet) to be closed. The job's row lock makes this happen once whichever worker gets here."""
    job = repository.lock(session, tenant, job_id)
    if job is None or job.status not in _ACTIVE:
        return None
    counts = repository.counts(session, tenant, job_id)
    if counts.get("pending", 0):
        return None
    issued, failed = counts.get("issued", 0), counts.get("failed", 0)
    job.status = "failed" if failed and not issued else "succeeded"
    job.started_at = job.started_at or now
    job.finished_at = now
    data = {"total": job.total, "issued": issued, "failed": failed}
    events.emit(
        session, tenant, job, "job.failed" if job.status == "failed" else "job.completed", data, now=now
    )
    return job


def get_job(session: Session, tenant: Tenant, job_id: uuid.UUID) -> IssuanceJob:
    job = repository.get(session, tenant, job_id)
    if job is None:
        raise NotFound("no such job", type_name="job-not-found")
    return job


def job_out(
    session: Session, settings: Settings, tenant: Tenant, job: IssuanceJob, *, now: dt.datetime
) -> JobOut:
    """The job with its counts, its rate since it started and the time left at that rate."""
    counts = repository.counts(session, tenant, job.id)
    issued, failed, pending = counts.get("issued", 0), counts.get("failed", 0), counts.get("pending", 0)
    rate = eta = None
    if job.started_at is not None:
        elapsed = ((job.finished_at or now) - job.started_at).total_seconds()
        finished = repository.progress(session, tenant, job.id, job.started_at)
        if elapsed > 0 and finished:
            rate = round(finished / elapsed, 2)
            eta = round(pending / rate, 1) if job.status in _ACTIVE else None
    url = job_url(settings, tenant, job.id)
    return JobOut(
        id=job.id,
        status=job.status,
        total=job.total,
        done=issued + failed,
        issued=issued,
        failed=failed,
        cancelled=counts.get("cancelled", 0),
        pending=pending,
        rate_per_s=rate,
        eta_s=eta,
        template_id=job.options.get("template_id"),
        formats=list(job.options.get("formats", [])),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        links={"self": url, "results": f"{url}/results"},
    )


def list_jobs(
    session: Session, settings: Settings, tenant: Tenant, *, offset: int, limit: int, now: dt.datetime
) -> tuple[list[JobOut], int | None]:
    """A page of the tenant's jobs, newest first, and the next page's offset (None after the last)."""
    found = repository.page(session, tenant, offset=offset, limit=limit + 1)
    items = [job_out(session, settings, tenant, job, now=now) for job in found[:limit]]
    return items, offset + limit if len(found) > limit else None


def cancel(
    session: Session, tenant: Tenant, job_id: uuid.UUID, *, actor: Principal, now: dt.datetime
) -> IssuanceJob:
    """Stop a queued or running job: its pending rows are cancelled (rows already issued stay issued)."""
    job = repository.lock(session, tenant, job_id)
    if job is None:
        raise NotFound("no such job", type_name="job-not-found")
    if job.status not in _ACTIVE:
        raise Conflict(f"the job has finished ({job.status})", type_name="job-finished")
    repository.cancel_pending(session, tenant, job_id, now=now)
    job.status, job.finished_at = "cancelled", now
    audit.record(
        session,
        actor=actor,
        action="job.cancel",
        target_type="issuance_job",
        target_id=str(job.id),
        tenant_id=tenant.id,
    )
    return job


def _result(settings: Settings, row: IssuanceJobRow) -> dict[str, Any]:
    out: dict[str, Any] = {"row": row.row_number, "status": row.state, "idempotency_key": row.idempotency_key}
    if row.credential_id is not None:
        out["credential_id"] = str(row.credential_id)
        out["credential_url"] = credential_url(settings, row.credential_id)
        out["replayed"] = row.replayed
    if row.offer is not None:
        out["offer"] = row.offer
    if row.problem is not None:
        out["problem"] = row.problem
    return out


def results_jsonl(session: Session, settings: Settings, tenant: Tenant, job: IssuanceJob) -> Iterator[str]:
    """The job's rows as JSON Lines: row, status, credential id and URL, or the problem."""
    for row in repository.rows(session, tenant, job.id):
        yield json.dumps(_result(settings, row), separators=(",", ":")) + "\n"


_CSV_COLUMNS = (
    "row",
    "status",
    "idempotency_key",
    "credential_id",
    "credential_url",
    "replayed",
    "problem_type",
)


def results_csv(session: Session, settings: Settings, tenant: Tenant, job: IssuanceJob) -> str:
    """The job's rows as CSV (a header line, then one line per row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for row in repository.rows(session, tenant, job.id):
        result = _result(settings, row)
        result["problem_type"] = (result.get("problem") or {}).get("type", "")
        writer.writerow([result.get(c, "") for c in _CSV_COLUMNS])
    return out.getvalue()


def queue_depth(session: Session) -> int:
    """The rows of every tenant's jobs still waiting to be issued."""
    return repository.pending_rows(session)

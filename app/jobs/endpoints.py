"""Bulk issuance jobs: upload (CSV, JSON Lines or a JSON array), progress, results, cancel, list."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from app.deps import (
    ClockDep,
    IssueContextDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TenantForIssue,
    TenantForRead,
)
from app.errors import BadRequest, SafeJSONResponse, UnsupportedMediaType, ValidationFailed
from app.jobs import service as jobs
from app.jobs.rows import UploadRow, json_rows, read_rows, upload_kind
from app.urls import job_url
from app.verification.body import refuse_duplicate_members
from schemas.api import IDEMPOTENCY_KEY_PATTERN, INT64_MAX
from schemas.jobs import JobDryRunOut, JobListOut, JobOptionsIn, JobOut

__all__ = ["router"]

router = APIRouter(tags=["jobs"])

_JSONL = "application/x-ndjson"
_FORM_FIELDS = ("template_id", "formats", "mapping", "dry_run", "offer_formats")


def _invalid(exc: ValidationError) -> ValidationFailed:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    listed = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in errors]
    return ValidationFailed("the job's options did not pass validation", errors=listed)


def _form_options(form: Any) -> dict[str, Any]:
    """The options of a multipart upload: text fields, lists comma-separated or repeated, the mapping as
    JSON text."""
    options: dict[str, Any] = {}
    for name in _FORM_FIELDS:
        values = [v for v in form.getlist(name) if isinstance(v, str)]
        if not values:
            continue
        if name in ("formats", "offer_formats"):
            items = [item.strip() for v in values for item in v.split(",") if item.strip()]
            if name == "formats":
                options["formats"] = items
            else:
                options["offer"] = {"formats": items}
        elif name == "mapping":
            try:
                options["mapping"] = json.loads(values[-1])
            except (ValueError, RecursionError):
                raise ValidationFailed("mapping must be a JSON object", type_name="invalid-mapping") from None
        else:
            options[name] = values[-1]
    return options


async def _read_upload(request: Request, max_bytes: int) -> tuple[JobOptionsIn, list[UploadRow]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=20) as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise BadRequest("send the rows as the multipart field 'file'", type_name="missing-file")
            raw = await upload.read(max_bytes + 1)
            kind = upload_kind(upload.filename, upload.content_type, raw)
            fields = _form_options(form)
        try:
            options = JobOptionsIn.model_validate(fields)
        except ValidationError as exc:
            raise _invalid(exc) from None
        return options, read_rows(raw, kind)
    if content_type not in ("application/json", ""):
        raise UnsupportedMediaType("send multipart/form-data (a file) or application/json ({rows, ...})")
    raw = await request.body()
    refuse_duplicate_members(raw)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("the body could not be parsed as JSON", type_name="malformed-json") from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValidationFailed(
            "the body is {rows: [...], template_id, formats, ...}", type_name="validation-error"
        )
    rows = data.pop("rows")
    try:
        options = JobOptionsIn.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None
    return options, json_rows(rows)


@router.post(
    "/v1/issuers/{slug}/jobs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses={200: {"model": JobDryRunOut, "description": "A dry run's report: nothing issued or stored."}},
)
async def create_job(
    request: Request,
    tenant: TenantForIssue,
    session: SessionDep,
    ctx: IssueContextDep,
    who: PrincipalDep,
    idempotency_key: Annotated[
        str | None, Header(pattern=IDEMPOTENCY_KEY_PATTERN, min_length=1, max_length=180)
    ] = None,
) -> Response:
    """Queue a bulk issuance job: a CSV, JSON Lines or JSON file as the multipart field ``file`` (with the
    fields ``template_id``, ``formats``, ``mapping``, ``dry_run``, ``offer_formats``), or JSON ``{rows,
    template_id, formats, mapping, dry_run, offer}``. ``Idempotency-Key``: the same upload again answers
    the same job. With ``dry_run`` every row is checked and nothing is issued (200, the rows' problems)."""
    options, rows = await _read_upload(request, ctx.settings.max_body_bytes)

    def work() -> Response:
        if options.dry_run:
            report = jobs.dry_run(session, ctx, tenant, options, rows)
            return SafeJSONResponse(report.model_dump(mode="json"), status_code=status.HTTP_200_OK)
        job, created = jobs.create(
            session,
            ctx.settings,
            tenant,
            options,
            rows,
            actor=who,
            idempotency_key=idempotency_key,
            now=ctx.now,
        )
        out = jobs.job_out(session, ctx.settings, tenant, job, now=ctx.now)
        headers = {"Location": job_url(ctx.settings, tenant, job.id)}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        body = out.model_dump(mode="json", by_alias=True)
        return SafeJSONResponse(body, status_code=status.HTTP_202_ACCEPTED, headers=headers)

    return await run_in_threadpool(work)


@router.get("/v1/issuers/{slug}/jobs", response_model=JobListOut, response_model_by_alias=True)
def list_jobs(
    tenant: TenantForRead,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
) -> JobListOut:
    """The issuer's jobs, newest first, with their progress."""
    items, next_offset = jobs.list_jobs(
        session, settings, tenant, offset=offset, limit=limit, now=clock.now()
    )
    return JobListOut(items=items, next_offset=next_offset)


@router.get("/v1/issuers/{slug}/jobs/{job_id}", response_model=JobOut, response_model_by_alias=True)
def get_job(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document
    job_id: uuid.UUID,
    tenant: TenantForRead,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> JobOut:
    """The job's status and progress: total, done, issued, failed, rate_per_s, eta_s."""
    return jobs.job_out(session, settings, tenant, jobs.get_job(session, tenant, job_id), now=clock.now())


@router.get("/v1/issuers/{slug}/jobs/{job_id}/results")
def job_results(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document
    job_id: uuid.UUID,
    tenant: TenantForRead,
    session: SessionDep,
    settings: SettingsDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Each row's outcome: row, status, credential id and URL, or the problem. JSON Lines, or CSV with
    ``Accept: text/csv``."""
    job = jobs.get_job(session, tenant, job_id)
    if accept and accept.split(",")[0].split(";")[0].strip().lower() == "text/csv":
        return Response(jobs.results_csv(session, settings, tenant, job), media_type="text/csv")
    return Response("".join(jobs.results_jsonl(session, settings, tenant, job)), media_type=_JSONL)


@router.post("/v1/issuers/{slug}/jobs/{job_id}/cancel", response_model=JobOut, response_model_by_alias=True)
def cancel_job(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document
    job_id: uuid.UUID,
    tenant: TenantForIssue,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> JobOut:
    """Stop a queued or running job: its pending rows are cancelled; rows already issued stay issued."""
    now = clock.now()
    job = jobs.cancel(session, tenant, job_id, actor=who, now=now)
    return jobs.job_out(session, settings, tenant, job, now=now)

"""Verification for our own API: `POST /v1/verify`, a report with every check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.deps import ClockDep, CustodyDep, SessionDep, SettingsDep
from app.errors import BadRequest, UnsupportedMediaType, ValidationFailed
from app.state import app_state
from app.verification import service as verification
from app.verification.service import run_verification
from profiles import descriptors
from verifier.verify import Identity

router = APIRouter(tags=["verify"])


class IdentityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=500)
    type: str | None = Field(default=None, max_length=100)


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any] | str | None = None
    url: str | None = Field(default=None, max_length=2000)
    identity: IdentityIn | None = None


def _profiles(raw: str | None) -> list[str]:
    names = [p.strip() for p in (raw or "").split(",") if p.strip()]
    unknown = [p for p in names if p not in descriptors.PROFILES]
    if unknown:
        raise ValidationFailed(
            f"unknown profile(s): {', '.join(unknown)}",
            type_name="unknown-profile",
            allowed=list(descriptors.PROFILES),
        )
    return names


@router.post("/v1/verify")
async def verify(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
    profiles: Annotated[str | None, Query(description="comma-separated descriptor profiles")] = None,
) -> JSONResponse:
    """Verify a credential: JSON ``{credential}`` (object or JWT), ``{url}``, or a multipart ``file``
    (JSON, JWT, or a baked PNG / SVG badge)."""
    selected = _profiles(profiles)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    identity: Identity | None = None
    url: str | None = None
    data: str | dict[str, Any] = ""
    if content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise BadRequest(
                    "send the credential as the multipart field 'file'", type_name="missing-file"
                )
            raw = await upload.read(settings.max_body_bytes + 1)
            claimed = form.get("identity")
        data = verification.credential_from_upload(raw)
        if isinstance(claimed, str) and claimed:
            identity = Identity(claimed)
    elif content_type in ("application/json", ""):
        try:
            body = VerifyIn.model_validate_json(await request.body())
        except ValueError as exc:
            raise ValidationFailed("the body must be {credential} or {url}", errors=str(exc)[:2000]) from None
        if (body.credential is None) == (body.url is None):
            raise ValidationFailed("give exactly one of credential and url", type_name="validation-error")
        if body.url is not None:
            url = body.url
        else:
            data = body.credential  # type: ignore[assignment]
        if body.identity is not None:
            identity = Identity(body.identity.value, body.identity.type)
    else:
        raise UnsupportedMediaType("send application/json or multipart/form-data")

    def work() -> JSONResponse:  # database and network work off the event loop
        source = (
            data
            if url is None
            else verification.fetch_credential(session, settings, app_state(request.app).http, url)
        )
        result = run_verification(
            request, session, settings, custody, clock, source, profiles=selected, identity=identity
        )
        return JSONResponse(result.as_json())

    return await run_in_threadpool(work)

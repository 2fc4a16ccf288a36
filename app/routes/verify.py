"""Verification API: ``POST /v1/verify`` (JSON, JWT, URL or an uploaded badge image) and the VC-API
``POST /credentials/verify``. Public: employers need no account. An invalid credential is a 200 with
``verified: false``; only input that cannot be read is an error."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.deps import ClockDep, CustodyDep, SessionDep, SettingsDep
from app.errors import BadRequest, UnsupportedMediaType, ValidationFailed
from app.services import verification
from schemas import descriptors
from verifier.verify import Identity, UnreadableCredential, VerificationResult

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


def run_verification(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
    data: str | dict[str, Any],
    *,
    profiles: list[str],
    identity: Identity | None = None,
) -> VerificationResult:
    state = request.app.state
    verifier = verification.make_verifier(
        session,
        settings,
        custody,
        state.loader,
        state.http,
        state.status_cache,
        state.did_cache,
        state.ca,
        state.trust_anchors,
    )
    try:
        return verifier.verify(data, now=clock.now(), profiles=profiles, identity=identity)
    except UnreadableCredential as exc:
        raise BadRequest(str(exc), type_name=exc.type_name) from None


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
            else verification.fetch_credential(session, settings, request.app.state.http, url)
        )
        result = run_verification(
            request, session, settings, custody, clock, source, profiles=selected, identity=identity
        )
        return JSONResponse(result.as_json())

    return await run_in_threadpool(work)


class VcApiVerifyIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    verifiableCredential: dict[str, Any] | str
    options: dict[str, Any] = Field(default_factory=dict)


@router.post("/credentials/verify")
def vc_api_verify(
    body: VcApiVerifyIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
) -> JSONResponse:
    """W3C VC-API verify: 200 ``{verified, checks, warnings, errors}``; a failed check is listed in
    ``errors`` (what the W3C suites count as a rejection)."""
    vc: Any = body.verifiableCredential
    if isinstance(vc, dict) and vc.get("type") == "EnvelopedVerifiableCredential":
        vc = str(vc.get("id", "")).split(",", 1)[-1]
    result = run_verification(request, session, settings, custody, clock, vc, profiles=[])
    failed = [c for c in result.checks if c.outcome == "failed"]
    return JSONResponse(
        {
            "verified": result.verified,
            "checks": [c.id for c in result.checks if c.outcome == "passed"],
            "warnings": [c.as_json() for c in result.checks if c.outcome == "warning"],
            "errors": [c.as_json() for c in failed],
            "problemDetails": [{"type": c.type, "title": c.message} for c in failed],
        }
    )

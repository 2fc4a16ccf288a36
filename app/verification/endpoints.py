"""Verification for our own API: `POST /v1/verify`, a report with every check."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from app.errors import BadRequest, SafeJSONResponse, UnsupportedMediaType, ValidationFailed
from app.state import app_state
from app.verification import service as verification
from profiles import descriptors
from verifier import Identity

__all__ = ["router"]

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


# A \\u escape of a surrogate: Python's JSON reader takes a lone one, pydantic's refuses it.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _read_plainly(raw: bytes, parsed: object) -> VerifyIn | None:
    """The body as :data:`VerifyIn` reads it, validated from the strict reading ``parsed`` (the JSON text
    is not parsed a second time) where both readers read the bytes alike: UTF-8 without a byte order mark,
    a NUL byte or an escaped surrogate. None otherwise, and for a body the model refuses: pydantic then
    reads the text itself, and answers as it always has.

    A NUL byte is never in UTF-8 JSON text (a control character is escaped in a string, and is no
    whitespace): where there is one, Python's reader took the bytes as UTF-16 or UTF-32 (it detects them
    without a byte order mark), pydantic refuses them."""
    if not isinstance(parsed, dict) or b"\x00" in raw or _SURROGATE_ESCAPE.search(raw):
        return None
    if not raw.isascii():
        if raw.startswith(b"\xef\xbb\xbf"):
            return None
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        return VerifyIn.model_validate(parsed)
    except ValidationError:
        return None


async def _read_body(
    request: Request, max_bytes: int
) -> tuple[str | dict[str, Any] | None, str | None, Identity | None]:
    """The body: (credential, url, identity), exactly one of credential and url given."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise BadRequest(
                    "send the credential as the multipart field 'file'", type_name="missing-file"
                )
            raw = await upload.read(max_bytes + 1)
            claimed = form.get("identity")
        identity = Identity(claimed) if isinstance(claimed, str) and claimed else None
        return verification.credential_from_upload(raw), None, identity
    if content_type not in ("application/json", ""):
        raise UnsupportedMediaType("send application/json or multipart/form-data")
    raw = await request.body()
    # pydantic would keep the last of two same-named members: read strictly first (duplicate-member).
    body = _read_plainly(raw, verification.read_strictly(raw))
    if body is None:
        try:
            body = VerifyIn.model_validate_json(raw)
        except ValueError as exc:
            raise ValidationFailed("the body must be {credential} or {url}", errors=str(exc)[:2000]) from None
    if (body.credential is None) == (body.url is None):
        raise ValidationFailed("give exactly one of credential and url", type_name="validation-error")
    identity = Identity(body.identity.value, body.identity.type) if body.identity is not None else None
    return body.credential, body.url, identity


@router.post("/v1/verify")
async def verify(
    request: Request,
    profiles: Annotated[str | None, Query(description="comma-separated descriptor profiles")] = None,
) -> JSONResponse:
    """Verify a credential: JSON ``{credential}`` (object or JWT), ``{url}``, or a multipart ``file``
    (JSON, JWT, or a baked PNG / SVG badge)."""
    state = app_state(request.app)
    selected = _profiles(profiles)
    credential, url, identity = await _read_body(request, state.settings.max_body_bytes)

    def work() -> JSONResponse:
        # Database and network work off the event loop, in one hand-off to the thread pool: the read-only
        # session (``app.deps.ReadSessionDep``'s unit of work) is opened, ended and closed here too, where
        # the dependency took a second hand-off to commit and close it. Leaving the block closes the
        # session, which rolls back whatever an error left open.
        with state.read_sessionmaker() as session:
            data = (
                credential
                if credential is not None
                else verification.fetch_credential(session, state.settings, state.http, url or "")
            )
            result = verification.run_verification(
                state, session, data, now=state.clock.now(), profiles=selected, identity=identity
            )
            session.commit()
        return SafeJSONResponse(result.as_json())  # messages may quote the credential's text

    return await run_in_threadpool(work)

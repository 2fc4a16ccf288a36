"""W3C VC-API (VCALM) issuer endpoints, scoped to the bearer token's tenant, for the W3C interop suites."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.deps import ClockDep, IssueContextDep, PrincipalDep, SessionDep, SettingsDep, StateDep
from app.errors import SafeJSONResponse
from app.vcapi import service as vcapi
from app.verification.service import run_verification
from schemas.api import StorableModel

__all__ = ["router"]

router = APIRouter(tags=["vc-api"])


class IssueRequest(StorableModel):
    model_config = ConfigDict(extra="ignore")

    credential: dict[str, Any]
    options: dict[str, Any] = Field(default_factory=dict)


class StatusEntryIn(StorableModel):
    model_config = ConfigDict(extra="allow")

    type: str = "BitstringStatusListEntry"
    statusPurpose: str


class UpdateStatusRequest(StorableModel):
    model_config = ConfigDict(extra="ignore")

    credentialId: str
    credentialStatus: StatusEntryIn | list[StatusEntryIn]
    status: bool


@router.post("/credentials/issue", status_code=status.HTTP_201_CREATED)
def vc_api_issue(
    body: IssueRequest, session: SessionDep, ctx: IssueContextDep, who: PrincipalDep
) -> JSONResponse:
    """Secure ``credential`` as the token's issuer; 201 ``{verifiableCredential}``."""
    tenant = vcapi.token_tenant(session, who, "issue")
    _row, text = vcapi.issue_vc_api(session, ctx, tenant, body.credential, body.options, actor=who)
    return JSONResponse({"verifiableCredential": json.loads(text)}, status_code=status.HTTP_201_CREATED)


@router.post("/credentials/status")
def vc_api_status(
    body: UpdateStatusRequest, session: SessionDep, settings: SettingsDep, clock: ClockDep, who: PrincipalDep
) -> JSONResponse:
    """Set (``status: true``) or clear a credential's revocation or suspension status by its ``id``."""
    tenant = vcapi.token_tenant(session, who, "revoke")
    entries = body.credentialStatus if isinstance(body.credentialStatus, list) else [body.credentialStatus]
    out = vcapi.set_status(
        session,
        settings,
        tenant,
        body.credentialId,
        [entry.statusPurpose for entry in entries],
        set_=body.status,
        actor=who,
        clock=clock,
    )
    return JSONResponse(out.model_dump(mode="json"))


class VcApiVerifyIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    verifiableCredential: dict[str, Any] | str
    options: dict[str, Any] = Field(default_factory=dict)


@router.post("/credentials/verify")
def vc_api_verify(body: VcApiVerifyIn, session: SessionDep, state: StateDep, clock: ClockDep) -> JSONResponse:
    """W3C VC-API verify: 200 ``{verified, checks, warnings, errors}``; a failed check is listed in
    ``errors`` (what the W3C suites count as a rejection)."""
    vc: Any = body.verifiableCredential
    if isinstance(vc, dict) and vc.get("type") == "EnvelopedVerifiableCredential":
        vc = str(vc.get("id", "")).split(",", 1)[-1]
    result = run_verification(state, session, vc, now=clock.now(), profiles=[])
    failed = [c for c in result.checks if c.outcome == "failed"]
    return SafeJSONResponse(  # messages may quote the credential's text
        {
            "verified": result.verified,
            "checks": [c.id for c in result.checks if c.outcome == "passed"],
            "warnings": [c.as_json() for c in result.checks if c.outcome == "warning"],
            "errors": [c.as_json() for c in failed],
            "problemDetails": [{"type": c.type, "title": c.message} for c in failed],
        }
    )

"""W3C VC-API (VCALM) issuer endpoints, scoped to the bearer token's tenant, for the W3C interop suites."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.credentials import service as issuance
from app.db.models import Tenant
from app.deps import ClockDep, CustodyDep, IssueContextDep, PrincipalDep, SessionDep, SettingsDep
from app.errors import BadRequest, NotFound
from app.status import service as status_service
from app.tokens.auth import Principal, authorize
from app.verification.service import run_verification

router = APIRouter(tags=["vc-api"])


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    credential: dict[str, Any]
    options: dict[str, Any] = Field(default_factory=dict)


class StatusEntryIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = "BitstringStatusListEntry"
    statusPurpose: str


class UpdateStatusRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    credentialId: str
    credentialStatus: StatusEntryIn | list[StatusEntryIn]
    status: bool


def _token_tenant(session: SessionDep, who: Principal, scope: str) -> Tenant:
    if who.tenant_id is None:
        raise BadRequest(
            "VC-API calls need an issuer's token, not a service token", type_name="tenant-required"
        )
    tenant = session.get(Tenant, who.tenant_id)
    if tenant is None:
        raise NotFound("no such issuer")
    authorize(who, tenant, scope)
    return tenant


@router.post("/credentials/issue", status_code=status.HTTP_201_CREATED)
def vc_api_issue(
    body: IssueRequest,
    request: Request,
    session: SessionDep,
    ctx: IssueContextDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> JSONResponse:
    """Secure ``credential`` as the token's issuer; 201 ``{verifiableCredential}``."""
    tenant = _token_tenant(session, who, "issue")
    _row, text = issuance.issue_vc_api(session, ctx, tenant, body.credential, body.options, actor=who)
    return JSONResponse({"verifiableCredential": json.loads(text)}, status_code=status.HTTP_201_CREATED)


@router.post("/credentials/status")
def vc_api_status(
    body: UpdateStatusRequest, session: SessionDep, settings: SettingsDep, clock: ClockDep, who: PrincipalDep
) -> JSONResponse:
    """Set (``status: true``) or clear a credential's revocation or suspension status by its ``id``."""
    tenant = _token_tenant(session, who, "revoke")
    credential = issuance.find_by_uri(session, tenant, body.credentialId)
    entries = body.credentialStatus if isinstance(body.credentialStatus, list) else [body.credentialStatus]
    for entry in entries:
        purpose = entry.statusPurpose
        if purpose == "revocation" and body.status:
            action = "revoke"
        elif purpose == "suspension":
            action = "suspend" if body.status else "reinstate"
        elif purpose == "revocation":
            raise BadRequest("revocation is final and cannot be undone", type_name="revocation-final")
        else:
            raise BadRequest(
                f"status purpose {purpose!r} cannot be set here", type_name="unsupported-purpose"
            )
        status_service.change_status(
            session,
            tenant,
            credential,
            action=action,
            reason="other",
            note="VC-API",
            actor=who,
            now=clock.now(),
        )
    out = status_service.status_out(session, settings, tenant, credential)
    return JSONResponse(out.model_dump(mode="json"))


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

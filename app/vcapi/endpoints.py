"""W3C VC-API (VCALM) issuer endpoints, scoped to the bearer token's tenant, for the W3C interop suites."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.deps import (
    ClockDep,
    IssueContextDep,
    PrincipalDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
    StateDep,
)
from app.errors import SafeJSONResponse
from app.vcapi import service as vcapi
from app.vcapi import verification
from app.verification.service import strict_json_body
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


@router.post(
    "/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(strict_json_body)],  # a member named twice: 400 duplicate-member
)
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


@router.post(
    "/credentials/verify",
    dependencies=[Depends(strict_json_body)],  # a member named twice: 400 duplicate-member
    responses={
        status.HTTP_400_BAD_REQUEST: {
            "description": "Not verified, or not a credential: the same members, as a problem (problem+json)."
        }
    },
)
def vc_api_verify(
    body: VcApiVerifyIn, session: ReadSessionDep, state: StateDep, clock: ClockDep
) -> JSONResponse:
    """W3C VC-API verify: 200 if the credential verifies, else 400 (``/v1/verify`` answers 200 either way)."""
    answer = verification.verify_credential(state, session, body.verifiableCredential, now=clock.now())
    # messages may quote the credential's text
    return SafeJSONResponse(answer.body, status_code=answer.status, media_type=answer.media_type)

"""Status changes (revoke, suspend, reinstate) and the published Bitstring Status List credentials."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from app.credentials import service as issuance
from app.deps import ClockDep, PrincipalDep, SessionDep, SettingsDep, StateDep, TenantForRead, TenantForRevoke
from app.status import publish as status_publish
from app.status import service as status
from app.tenants import service as tenants
from schemas.api import INT32_MAX, StatusChangeIn, StatusOut

__all__ = ["router"]

router = APIRouter(tags=["status"])


@router.post("/v1/issuers/{slug}/credentials/{credential_id}/status", response_model=StatusOut)
def change_status(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    credential_id: uuid.UUID,
    tenant: TenantForRevoke,
    body: StatusChangeIn,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> StatusOut:
    """Revoke (final), suspend or reinstate a credential; the change is published in its status lists."""
    credential = issuance.get_credential(session, tenant, credential_id)
    status.change_status(
        session,
        tenant,
        credential,
        action=body.action,
        reason=body.reason,
        note=body.note,
        actor=who,
        now=clock.now(),
    )
    return status.status_out(session, settings, tenant, credential)


@router.get("/v1/issuers/{slug}/credentials/{credential_id}/status", response_model=StatusOut)
def read_status(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    credential_id: uuid.UUID,
    tenant: TenantForRead,
    session: SessionDep,
    settings: SettingsDep,
) -> StatusOut:
    """The credential's current status and the lists that publish it."""
    credential = issuance.get_credential(session, tenant, credential_id)
    return status.status_out(session, settings, tenant, credential)


# What the JSON-LD list credential answers besides its own media type (BSL v1.0 §4 "Media Types").
_LD_RANGES = frozenset(
    {
        "application/vc+ld+json",
        "application/vc",
        "application/ld+json",
        "application/json",
        "application/*",
        "*/*",
    }
)


def _wants_jwt(accept: str | None) -> bool:
    """Whether ``Accept`` asks for the VC-JWT: ``application/vc+jwt`` with a q-value above 0 and no lower
    than that of any range the JSON-LD form answers (RFC 9110 §12.5.1: "a value of 0 means 'not
    acceptable'"); a plain mention of it, whatever its weight, is not a request for it."""
    jwt_q, ld_q = 0.0, 0.0
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if media == "application/vc+jwt":
            jwt_q = max(jwt_q, quality)
        elif media in _LD_RANGES:
            ld_q = max(ld_q, quality)
    return jwt_q > 0 and jwt_q >= ld_q


@router.get("/status/{slug}/{sequence}/{purpose}")
def status_list_credential(
    slug: str,
    sequence: Annotated[int, Path(ge=1, le=INT32_MAX)],
    purpose: str,
    session: SessionDep,
    state: StateDep,
    accept: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The signed ``BitstringStatusListCredential``: Data Integrity, or the VC-JWT on
    ``Accept: application/vc+jwt``.

    Public and cacheable: ``ETag``, ``Cache-Control: max-age`` and ``304`` on ``If-None-Match``.
    """
    published = status_publish.published_list(
        session,
        state.settings,
        state.custody,
        state.loader,
        tenants.get_by_slug(session, slug),
        sequence=sequence,
        purpose=purpose,
        jwt=_wants_jwt(accept),
        ca=state.ca,
    )
    headers = {
        "ETag": published.etag,
        "Cache-Control": f"public, max-age={state.settings.status_list_max_age_seconds}",
        "Vary": "Accept",
        "Access-Control-Allow-Origin": "*",
    }
    if if_none_match and published.etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(published.content, media_type=published.media_type, headers=headers)

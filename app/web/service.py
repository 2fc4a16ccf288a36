"""The credential page: the stored credential verified and rendered."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.credentials import service as issuance
from app.deps import ClockDep, CustodyDep, SessionDep, SettingsDep
from app.urls import credential_url
from app.verification.service import run_verification
from app.web.render import _descriptor_rows, render_page
from profiles import descriptors


def credential_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
    credential_id: uuid.UUID,
) -> HTMLResponse:
    row = issuance.get_credential(session, None, credential_id)
    document = issuance.document(session, row, prefer_jwt=False)
    has_jwt = document.media_type.endswith("jwt") or any(
        d.media_type.endswith("jwt") for d in issuance.documents_of(session, row)
    )
    result = run_verification(
        request, session, settings, custody, clock, document.content, profiles=list(descriptors.PROFILES)
    )
    vc = result.credential or {}
    subject = vc.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    issuer = vc.get("issuer") or {}
    learner = " ".join(str(subject[k]) for k in ("givenName", "familyName") if subject.get(k)) or None
    image = achievement.get("image")
    image_id = image.get("id") if isinstance(image, dict) else image
    base = credential_url(settings, credential_id)
    return render_page(
        "credential.html",
        result=result,
        achievement=achievement,
        issuer_name=issuer.get("name", issuer.get("id", "")) if isinstance(issuer, dict) else issuer,
        learner=learner,
        image_url=image_id
        if isinstance(image_id, str) and image_id.startswith(("https://", "data:image/"))
        else f"{base}/badge.svg",
        valid_from=str(vc.get("validFrom", ""))[:10],
        valid_until=str(vc.get("validUntil", ""))[:10] or None,
        descriptor=_descriptor_rows(achievement),
        base=base,
        has_jwt=has_jwt,
    )

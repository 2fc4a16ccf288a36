"""The pages' work: a stored credential read through the credentials domain, verified and rendered
(the credential page), baked into its badge image, and the /verify form's submission verified."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app.credentials import service as issuance
from app.errors import ServiceError
from app.state import AppState
from app.urls import credential_url
from app.verification import service as verification
from app.web.render import descriptor_rows, render_page
from media import baking
from media.badge_image import default_badge_svg
from media.qr import qr_png
from profiles import descriptors

__all__ = ["baked_png", "baked_svg", "credential_page", "stored_credential", "verify_submission"]


def stored_credential(session: Session, credential_id: uuid.UUID, *, jwt: bool) -> tuple[dict[str, Any], str]:
    """A stored credential, found by its public id: its JSON-LD form (empty when it exists only as a JWT)
    and the text of the form asked for (the JWT when ``jwt`` and there is one)."""
    row = issuance.get_credential(session, None, credential_id)
    doc = issuance.document(session, row, prefer_jwt=jwt)
    ld = issuance.document(session, row, prefer_jwt=False)
    vc = json.loads(ld.content) if not ld.media_type.endswith("jwt") else {}
    return vc, doc.content


def _default_svg(vc: dict[str, Any]) -> str:
    achievement = (vc.get("credentialSubject") or {}).get("achievement") or {}
    issuer = vc.get("issuer") or {}
    return default_badge_svg(str(achievement.get("name", "Credential")), str(issuer.get("name", "")))


def baked_svg(state: AppState, vc: dict[str, Any], text: str) -> str:
    """The credential ``text`` baked into the achievement's or issuer's SVG, else into a default one."""
    image = verification.badge_image(state.http, state.image_cache, vc, "svg")
    svg = image.decode("utf-8") if image is not None else _default_svg(vc)
    return baking.bake_svg(svg, text)


def baked_png(state: AppState, credential_id: uuid.UUID, vc: dict[str, Any], text: str) -> bytes:
    """The credential ``text`` baked into the achievement's or issuer's PNG, else into its QR code."""
    image = verification.badge_image(state.http, state.image_cache, vc, "png") or qr_png(
        credential_url(state.settings, credential_id), scale=8
    )
    return baking.bake_png(image, text)


def credential_page(
    state: AppState, session: Session, credential_id: uuid.UUID, *, now: dt.datetime
) -> HTMLResponse:
    """The credential page: the stored credential verified, with its achievement, learner and dates."""
    row = issuance.get_credential(session, None, credential_id)
    document = issuance.document(session, row, prefer_jwt=False)
    has_jwt = document.media_type.endswith("jwt") or any(
        d.media_type.endswith("jwt") for d in issuance.documents_of(session, row)
    )
    result = verification.run_verification(
        state, session, document.content, now=now, profiles=list(descriptors.PROFILES)
    )
    vc = result.credential or {}
    subject = vc.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    issuer = vc.get("issuer") or {}
    learner = " ".join(str(subject[k]) for k in ("givenName", "familyName") if subject.get(k)) or None
    image = achievement.get("image")
    image_id = image.get("id") if isinstance(image, dict) else image
    base = credential_url(state.settings, credential_id)
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
        descriptor=descriptor_rows(achievement),
        base=base,
        has_jwt=has_jwt,
    )


def verify_submission(
    state: AppState, session: Session, *, now: dt.datetime, raw: bytes | None, text: str, url: str
) -> HTMLResponse:
    """The /verify page for a submitted credential: an uploaded file, else pasted text, else a URL."""
    try:
        if raw is not None:
            data: str = verification.credential_from_upload(raw)
        elif text:
            data = text
        elif url:
            data = verification.fetch_credential(session, state.settings, state.http, url)
        else:
            return render_page(
                "verify.html", 400, error="Paste a credential, choose a file or enter an address."
            )
        result = verification.run_verification(
            state, session, data, now=now, profiles=list(descriptors.PROFILES)
        )
    except ServiceError as exc:
        return render_page("verify.html", exc.status, error=exc.detail or exc.title)
    return render_page("verify.html", result=result)

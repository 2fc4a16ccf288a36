"""Pages for people: the credential's QR codes, downloads and badge images; the employer's /verify page."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.credentials import service as issuance
from app.deps import ClockDep, CustodyDep, SessionDep, SettingsDep
from app.errors import ServiceError
from app.state import app_state
from app.urls import credential_url
from app.verification import service as verification
from app.verification.service import run_verification
from app.web.render import render_page
from media import baking
from media.badge_image import default_badge_svg
from media.qr import qr_png, qr_svg
from profiles import descriptors

router = APIRouter(tags=["pages"], include_in_schema=False)


def _stored(session: SessionDep, credential_id: uuid.UUID, *, jwt: bool) -> tuple[dict[str, Any], str]:
    row = issuance.get_credential(session, None, credential_id)
    doc = issuance.document(session, row, prefer_jwt=jwt)
    ld = issuance.document(session, row, prefer_jwt=False)
    vc = json.loads(ld.content) if not ld.media_type.endswith("jwt") else {}
    return vc, doc.content


def _badge_svg(vc: dict[str, Any]) -> str:
    achievement = (vc.get("credentialSubject") or {}).get("achievement") or {}
    issuer = vc.get("issuer") or {}
    return default_badge_svg(str(achievement.get("name", "Credential")), str(issuer.get("name", "")))


@router.get("/credentials/{credential_id}/qr.svg")
def credential_qr_svg(credential_id: uuid.UUID, settings: SettingsDep) -> Response:
    url = credential_url(settings, credential_id)
    return Response(qr_svg(url, title=f"QR code for {url}"), media_type="image/svg+xml")


@router.get("/credentials/{credential_id}/qr.png")
def credential_qr_png(credential_id: uuid.UUID, settings: SettingsDep) -> Response:
    return Response(qr_png(credential_url(settings, credential_id)), media_type="image/png")


@router.get("/credentials/{credential_id}/download.json")
def download_json(credential_id: uuid.UUID, session: SessionDep) -> Response:
    _vc, text = _stored(session, credential_id, jwt=False)
    headers = {"Content-Disposition": f'attachment; filename="credential-{credential_id}.json"'}
    return Response(text, media_type="application/vc+ld+json", headers=headers)


@router.get("/credentials/{credential_id}/download.jwt")
def download_jwt(credential_id: uuid.UUID, session: SessionDep) -> Response:
    _vc, text = _stored(session, credential_id, jwt=True)
    headers = {"Content-Disposition": f'attachment; filename="credential-{credential_id}.jwt"'}
    return Response(text, media_type="application/vc+jwt", headers=headers)


@router.get("/credentials/{credential_id}/badge.svg")
def badge_svg(credential_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    """The credential baked into its badge image (the achievement's or issuer's SVG, else a default one)."""
    vc, text = _stored(session, credential_id, jwt=False)
    state = app_state(request.app)
    image = verification.badge_image(state.http, state.image_cache, vc, "svg")
    svg = image.decode("utf-8") if image is not None else _badge_svg(vc)
    headers = {"Content-Disposition": f'inline; filename="badge-{credential_id}.svg"'}
    return Response(baking.bake_svg(svg, text), media_type="image/svg+xml", headers=headers)


@router.get("/credentials/{credential_id}/badge.png")
def badge_png(
    credential_id: uuid.UUID, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The credential baked into its badge image (the achievement's or issuer's PNG, else its QR code)."""
    vc, text = _stored(session, credential_id, jwt=False)
    state = app_state(request.app)
    image = verification.badge_image(state.http, state.image_cache, vc, "png") or qr_png(
        credential_url(settings, credential_id), scale=8
    )
    headers = {"Content-Disposition": f'attachment; filename="badge-{credential_id}.png"'}
    return Response(baking.bake_png(image, text), media_type="image/png", headers=headers)


@router.get("/verify")
def verify_page() -> HTMLResponse:
    return render_page("verify.html")


@router.post("/verify")
async def verify_form(
    request: Request, session: SessionDep, settings: SettingsDep, custody: CustodyDep, clock: ClockDep
) -> HTMLResponse:
    async with request.form(max_files=1, max_fields=10) as form:
        text = str(form.get("credential") or "").strip()
        url = str(form.get("url") or "").strip()
        upload = form.get("file")
        raw = (
            await upload.read(settings.max_body_bytes + 1)
            if isinstance(upload, UploadFile) and upload.filename
            else None
        )

    def work() -> HTMLResponse:  # database and network work off the event loop
        try:
            if raw is not None:
                data: str = verification.credential_from_upload(raw)
            elif text:
                data = text
            elif url:
                data = verification.fetch_credential(session, settings, app_state(request.app).http, url)
            else:
                return render_page(
                    "verify.html", 400, error="Paste a credential, choose a file or enter an address."
                )
            result = run_verification(
                request, session, settings, custody, clock, data, profiles=list(descriptors.PROFILES)
            )
        except ServiceError as exc:
            return render_page("verify.html", exc.status, error=exc.detail or exc.title)
        return render_page("verify.html", result=result)

    return await run_in_threadpool(work)

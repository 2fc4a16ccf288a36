"""Pages for people: the credential's QR codes, downloads and badge images; the employer's /verify page.

Every page only reads (``ReadSessionDep``): on SQLite a write session's first statement is ``BEGIN
IMMEDIATE``, so a page that rendered a PDF or a PNG inside one held the database's write lock for the
rendering, and a client fetching certificates in a loop (no token needed) queued every write of the
service until they timed out (found by an outside sweep: writes waited 11 s, then 500s). A status list
that a verification finds changed is stored in a transaction of its own, as on /v1/verify."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.deps import ClockDep, ReadSessionDep, SettingsDep, StateDep
from app.urls import credential_url
from app.web import service as pages
from app.web.render import page_language, render_page
from media.qr import qr_png, qr_svg

__all__ = ["router"]

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/credentials/{credential_id}/qr.svg")
def credential_qr_svg(credential_id: uuid.UUID, settings: SettingsDep) -> Response:
    url = credential_url(settings, credential_id)
    return Response(qr_svg(url, title=f"QR code for {url}"), media_type="image/svg+xml")


@router.get("/credentials/{credential_id}/qr.png")
def credential_qr_png(credential_id: uuid.UUID, settings: SettingsDep) -> Response:
    return Response(qr_png(credential_url(settings, credential_id)), media_type="image/png")


def _download(session: ReadSessionDep, credential_id: uuid.UUID, *, jwt: bool) -> Response:
    """The credential in the form asked for, or in the one form it has, labelled as what it is (a
    credential issued only as a JWT was served from download.json as application/vc+ld+json)."""
    text, media_type = pages.stored_download(session, credential_id, jwt=jwt)
    is_jwt = media_type.endswith("jwt")
    kind = "application/vc+ld+json" if not is_jwt else media_type
    name = f"credential-{credential_id}.{'jwt' if is_jwt else 'json'}"
    return Response(text, media_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/credentials/{credential_id}/download.json")
def download_json(credential_id: uuid.UUID, session: ReadSessionDep) -> Response:
    return _download(session, credential_id, jwt=False)


@router.get("/credentials/{credential_id}/download.jwt")
def download_jwt(credential_id: uuid.UUID, session: ReadSessionDep) -> Response:
    return _download(session, credential_id, jwt=True)


@router.get("/credentials/{credential_id}/badge.svg")
def badge_svg(
    credential_id: uuid.UUID, request: Request, session: ReadSessionDep, state: StateDep
) -> Response:
    """The credential baked into its badge image (the achievement's or issuer's SVG, else a default one
    in the reader's language)."""
    vc, text = pages.stored_badge_credential(session, credential_id)
    headers = {"Content-Disposition": f'inline; filename="badge-{credential_id}.svg"'}
    svg = pages.baked_svg(state, vc, text, lang=page_language(request))
    return Response(svg, media_type="image/svg+xml", headers=headers)


@router.get("/credentials/{credential_id}/badge.png")
def badge_png(
    credential_id: uuid.UUID, request: Request, session: ReadSessionDep, state: StateDep
) -> Response:
    """The credential baked into its badge art (the achievement's or issuer's PNG, else its SVG art
    rendered as a PNG)."""
    vc, text = pages.stored_badge_credential(session, credential_id)
    headers = {"Content-Disposition": f'attachment; filename="badge-{credential_id}.png"'}
    png = pages.baked_png(state, vc, text, lang=page_language(request))
    return Response(png, media_type="image/png", headers=headers)


@router.get("/credentials/{credential_id}/certificate.pdf")
def certificate_pdf(
    credential_id: uuid.UUID, request: Request, session: ReadSessionDep, state: StateDep
) -> Response:
    """A printable certificate (PDF) with the credential's QR code and verification URL."""
    vc, _text = pages.stored_credential(session, credential_id, jwt=False)
    headers = {"Content-Disposition": f'inline; filename="certificate-{credential_id}.pdf"'}
    pdf = pages.certificate(state, credential_id, vc, lang=page_language(request))
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/verify")
def verify_page(request: Request) -> HTMLResponse:
    return render_page("verify.html", lang=page_language(request))


@router.post("/verify")
async def verify_form(
    request: Request, session: ReadSessionDep, clock: ClockDep, state: StateDep
) -> HTMLResponse:
    async with request.form(max_files=1, max_fields=10) as form:
        text = str(form.get("credential") or "").strip()
        url = str(form.get("url") or "").strip()
        upload = form.get("file")
        raw = (
            await upload.read(state.settings.max_body_bytes + 1)
            if isinstance(upload, UploadFile) and upload.filename
            else None
        )
    # database and network work off the event loop
    return await run_in_threadpool(
        pages.verify_submission,
        state,
        session,
        now=clock.now(),
        raw=raw,
        text=text,
        url=url,
        lang=page_language(request),
    )

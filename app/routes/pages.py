"""Server-rendered pages for people: a credential's public page (its ``id`` URL asked for HTML), its QR
code and downloads, and the employer's "verify a credential" page. No JavaScript needed."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.deps import ClockDep, CustodyDep, SessionDep, SettingsDep
from app.errors import ServiceError
from app.routes.verify import run_verification
from app.services import issuance, verification
from app.services.urls import credential_url
from proofs import baking
from proofs.badge_image import default_badge_svg
from proofs.qr import qr_png, qr_svg
from schemas import descriptors
from verifier.verify import VerificationResult

__all__ = ["credential_page", "render_page", "router", "wants_html"]

router = APIRouter(tags=["pages"], include_in_schema=False)

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
OUTCOME_WORDS = {
    "passed": "✓ Passed",
    "failed": "✗ Failed",
    "warning": "! Warning",
    "skipped": "– Not checked",
}
CHECK_NAMES = {
    "format": "Format",
    "contexts": "Vocabulary",
    "schema": "Structure",
    "proof": "Signature",
    "issuer": "Issuer",
    "validity": "Dates",
    "status": "Revocation",
    "recipient": "Learner",
}
PROFILE_NAMES = {
    "ob3-minimal": "Open Badges 3.0 minimum",
    "eu-microcredential": "EU micro-credential (Council Recommendation 2022, Annex I)",
    "jp-mc-framework": "Japanese micro-credential framework",
}
_DESCRIPTOR_FIELDS = (
    ("notionalWorkloadHours", "Workload (hours)"),
    ("participationForm", "Form of participation"),
    ("assessmentMethod", "Assessment"),
    ("entryRequirement", "Entry requirements"),
    ("qaClass", "Quality assurance class"),
)


def wants_html(accept: str | None) -> bool:
    """True when the client prefers HTML to JSON-LD or a JWT (a browser)."""
    if not accept:
        return False
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if media.startswith(("application/", "text/plain")) or media == "*/*":
            return False
    return False


def _summary(result: VerificationResult) -> tuple[str, str | None]:
    if result.verified:
        return (
            "The signature is valid, it was signed by the issuer it names, it is within its dates and the "
            "issuer has not revoked it.",
            None,
        )
    failed = next(c for c in result.checks if c.outcome == "failed")
    status = None
    if failed.type and failed.type.endswith("credential-revoked"):
        status = "Revoked"
    elif failed.type and failed.type.endswith("credential-suspended"):
        status = "Suspended"
    elif failed.type and failed.type.endswith("expired"):
        status = "Expired"
    return failed.message, status


def render_page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    result: VerificationResult | None = context.get("result")
    if result is not None:
        context["summary"], context["status_failure"] = _summary(result)
        context.setdefault("profiles", result.profiles)
    context.update(outcome_words=OUTCOME_WORDS, check_names=CHECK_NAMES, profile_names=PROFILE_NAMES)
    return HTMLResponse(_ENV.get_template(name).render(**context), status_code=status_code)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("name") or value.get("description") or value.get("id") or "")
    return str(value)


def _descriptor_rows(achievement: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    mc = achievement.get("mcDescriptor") or {}
    outcomes = [o.get("description") for o in mc.get("learningOutcome", []) if isinstance(o, dict)]
    if outcomes:
        rows.append(("Learning outcomes", "; ".join(str(o) for o in outcomes if o)))
    for key, label in _DESCRIPTOR_FIELDS:
        if mc.get(key) not in (None, "", []):
            rows.append((label, _text(mc[key])))
    credits = [
        f"{c.get('creditValue')} {c.get('creditSystem')}" for c in mc.get("credit", []) if isinstance(c, dict)
    ]
    if credits:
        rows.append(("Credits", ", ".join(credits)))
    levels = [
        a.get("targetName")
        for a in achievement.get("alignment", []) or []
        if isinstance(a, dict) and a.get("targetType") == "ext:QualificationsFrameworkLevel"
    ]
    if levels:
        rows.append(("Level", ", ".join(str(level) for level in levels)))
    qa = [
        _text(q.get("qaBody") or q.get("description") or q.get("qaType"))
        for q in mc.get("qualityAssurance", [])
        if isinstance(q, dict)
    ]
    if qa:
        rows.append(("Quality assurance", "; ".join(qa)))
    stack = mc.get("stackability") or {}
    towards = [_text(t) for t in stack.get("stackableTowards", []) if isinstance(t, dict)]
    if stack:
        rows.append(
            (
                "Stackability",
                f"{stack.get('integration', '')}" + (f": towards {', '.join(towards)}" if towards else ""),
            )
        )
    return rows


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
    state = request.app.state
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
    state = request.app.state
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
                data = verification.fetch_credential(session, settings, request.app.state.http, url)
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

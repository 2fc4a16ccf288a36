"""The pages' work: a stored credential read through the credentials domain, verified and rendered
(the credential page, in the reader's language), baked into its badge image (the SVG art, and the PNG
rendered from it), its printable certificate (PDF) and LinkedIn link, and the /verify form's submission
verified."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app.credentials import service as issuance
from app.errors import ServiceError
from app.state import AppState
from app.urls import credential_url, own_credential_id
from app.verification import service as verification
from app.web.i18n import Words
from app.web.render import descriptor_rows, render_page
from media import baking
from media.badge_image import default_badge_svg
from media.certificate import CertificateText, certificate_pdf
from media.qr import qr_png
from media.render import svg_to_png
from profiles import descriptors
from verifier import UnreadableCredential, VerificationResult, read_credential
from verifier.fields import issuer_id

__all__ = [
    "baked_png",
    "baked_svg",
    "certificate",
    "credential_page",
    "linkedin_url",
    "stored_badge_credential",
    "stored_credential",
    "stored_download",
    "verify_submission",
]


def stored_credential(session: Session, credential_id: uuid.UUID, *, jwt: bool) -> tuple[dict[str, Any], str]:
    """A stored credential, found by its public id: its JSON-LD form (empty when it exists only as a JWT)
    and the text of the form asked for (the JWT when ``jwt`` and there is one)."""
    row = issuance.get_credential(session, None, credential_id)
    doc = issuance.document(session, row, prefer_jwt=jwt)
    ld = issuance.document(session, row, prefer_jwt=False)
    vc = json.loads(ld.content) if not ld.media_type.endswith("jwt") else {}
    return vc, doc.content


def stored_badge_credential(session: Session, credential_id: uuid.UUID) -> tuple[dict[str, Any], str]:
    """As :func:`stored_credential`, the text being what the credential's badges bake (none for an SD-JWT
    VC: a 404 ``badge-not-found``, not a 422 for a request that was valid)."""
    doc = issuance.badge_document(session, issuance.get_credential(session, None, credential_id))
    return (json.loads(doc.content) if not doc.media_type.endswith("jwt") else {}), doc.content


def stored_download(session: Session, credential_id: uuid.UUID, *, jwt: bool) -> tuple[str, str]:
    """The text of a stored credential in the form asked for (the VC-JWT when ``jwt``, else the JSON-LD),
    or in the form it has when it has only one, with that form's own media type."""
    row = issuance.get_credential(session, None, credential_id)
    doc = issuance.document(session, row, prefer_jwt=jwt)
    return doc.content, doc.media_type


def _names(vc: dict[str, Any]) -> tuple[str, str]:
    achievement = (vc.get("credentialSubject") or {}).get("achievement") or {}
    issuer = vc.get("issuer") or {}
    return str(achievement.get("name", "Credential")), str(
        issuer.get("name", "") if isinstance(issuer, dict) else ""
    )


def _art_svg(state: AppState, vc: dict[str, Any], lang: str) -> str:
    """The badge art: the achievement's or issuer's SVG, else the default seal in ``lang``."""
    image = verification.badge_image(state.http, state.image_cache, vc, "svg")
    if image is not None:
        return image.decode("utf-8")
    title, issuer = _names(vc)
    return default_badge_svg(title, issuer, lang=lang)


def baked_svg(state: AppState, vc: dict[str, Any], text: str, *, lang: str = "en") -> str:
    """The credential ``text`` baked into the achievement's or issuer's SVG, else into a default one."""
    return baking.bake_svg(_art_svg(state, vc, lang), text)


def _art_png(state: AppState, vc: dict[str, Any], lang: str) -> bytes:
    """The badge art as a PNG: the achievement's or issuer's PNG, else its SVG art rendered."""
    return verification.badge_image(state.http, state.image_cache, vc, "png") or svg_to_png(
        _art_svg(state, vc, lang)
    )


def baked_png(state: AppState, vc: dict[str, Any], text: str, *, lang: str = "en") -> bytes:
    """The credential ``text`` baked (OB 3.0 §5.3, iTXt ``openbadgecredential``) into the badge art."""
    return baking.bake_png(_art_png(state, vc, lang), text)


def _year_month(value: Any) -> tuple[int, int] | None:
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return day.year, day.month


def linkedin_url(vc: dict[str, Any], url: str) -> str:
    """LinkedIn's add-to-profile link for a certification: name, organisation, issue and expiry month,
    the credential's URL and id."""
    title, issuer = _names(vc)
    params: dict[str, Any] = {"startTask": "CERTIFICATION_NAME", "name": title, "organizationName": issuer}
    if (issued := _year_month(vc.get("validFrom") or vc.get("awardedDate"))) is not None:
        params.update(issueYear=issued[0], issueMonth=issued[1])
    if (until := _year_month(vc.get("validUntil"))) is not None:
        params.update(expirationYear=until[0], expirationMonth=until[1])
    params.update(certUrl=url, certId=str(vc.get("id", url)))
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


_CERTIFICATE_WORDS = {
    "en": (
        "Certificate",
        "Awarded to {name}",
        "Issued by {issuer}",
        "Issued {date}",
        "Verify this credential at",
    ),
    "ja": ("修了証", "{name} 殿", "発行者: {issuer}", "発行日: {date}", "この証明書の検証:"),
}


def certificate(state: AppState, credential_id: uuid.UUID, vc: dict[str, Any], *, lang: str) -> bytes:
    """The printable certificate (PDF) in ``lang``: badge art, achievement, learner, issuer, dates, the
    QR code of the credential's URL and the URL."""
    words = Words(lang)
    title, issuer = _names(vc)
    url = credential_url(state.settings, credential_id)
    heading, to, by, on, verify_at = _CERTIFICATE_WORDS[lang]
    dates = on.format(date=words.date(vc.get("validFrom")))
    if vc.get("validUntil"):
        dates += f" · {words('card.valid_until')}: {words.date(vc['validUntil'])}"
    learner = words.name(vc.get("credentialSubject") or {}) or ""
    text = CertificateText(
        lang=lang,
        heading=heading,
        achievement=title,
        awarded_to=to.format(name=learner) if learner else "",
        issuer=by.format(issuer=issuer),
        dates=dates,
        verify_line=verify_at,
        url=url,
    )
    issued = dt.datetime.fromisoformat(
        str(vc.get("validFrom", "2000-01-01T00:00:00Z")).replace("Z", "+00:00")
    )
    return certificate_pdf(
        text, badge_png=_art_png(state, vc, lang), qr_png=qr_png(url, scale=8), created=issued
    )


def credential_page(
    state: AppState, session: Session, credential_id: uuid.UUID, *, now: dt.datetime, lang: str = "en"
) -> HTMLResponse:
    """The credential page: the stored credential verified, with its card, checks and descriptor."""
    row = issuance.get_credential(session, None, credential_id)
    document = issuance.document(session, row, prefer_jwt=False)
    has_jwt = document.media_type.endswith("jwt") or any(
        d.media_type.endswith("jwt") for d in issuance.documents_of(session, row)
    )
    result = verification.run_verification(
        state, session, document.content, now=now, profiles=list(descriptors.PROFILES)
    )
    vc = result.credential or {}
    achievement = (vc.get("credentialSubject") or {}).get("achievement") or {}
    base = credential_url(state.settings, credential_id)
    # an SD-JWT VC only: no baked badge (badge_document), so no badge links nor badge image to show
    has_badge = not document.media_type.endswith("jwt") or document.media_type == "application/vc+jwt"
    return render_page(
        "credential.html",
        lang=lang,
        image_fallback=f"{base}/badge.svg?lang={lang}" if has_badge else None,
        has_badge=has_badge,
        result=result,
        achievement=achievement,
        descriptor=descriptor_rows(achievement, Words(lang)),
        base=base,
        has_jwt=has_jwt,
        linkedin_url=linkedin_url(vc, base),
    )


def verify_submission(
    state: AppState,
    session: Session,
    *,
    now: dt.datetime,
    raw: bytes | None,
    text: str,
    url: str,
    lang: str = "en",
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
            return render_page("verify.html", 400, lang=lang, error=Words(lang)("verify.empty"))
        result = verification.run_verification(
            state, session, data, now=now, profiles=list(descriptors.PROFILES)
        )
    except ServiceError as exc:
        return render_page("verify.html", exc.status, lang=lang, error=exc.detail or exc.title)
    own = _own_credential(session, state, result)
    fallback = f"{credential_url(state.settings, own)}/badge.svg?lang={lang}" if own is not None else None
    return render_page("verify.html", lang=lang, result=result, image_fallback=fallback)


def _own_credential(session: Session, state: AppState, result: VerificationResult) -> uuid.UUID | None:
    """The credential of ours that ``result``'s credential is, whose badge image the card may show: its
    ``id`` names one we issued, and its issuer, proven by its signature, is the issuer of the one we
    stored. Anyone can write our credential's URL as the ``id`` of a credential they sign; the badge art
    of ours (the achievement and issuer names drawn in it) would then stand beside what they signed."""
    own = own_credential_id(state.settings, str((result.credential or {}).get("id", "")))
    proven = result.issuer()
    check = result.check("issuer")
    if own is None or proven is None or check is None or check.outcome != "passed":
        return None
    try:
        _, text = stored_credential(session, own, jwt=False)
        stored = read_credential(text)
    except (ServiceError, UnreadableCredential):
        return None
    claims = stored.jwt.payload if stored.jwt is not None else {}
    stored_issuer = issuer_id(stored.credential or {}) or claims.get("iss")
    return own if stored_issuer == proven.id else None

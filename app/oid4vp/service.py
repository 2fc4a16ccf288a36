"""Presentation requests of a tenant acting as verifier (OpenID4VP 1.0 under HAIP 1.0).

:func:`create_request` stores a request (the DCQL query read by :func:`verifier.dcql.read_query`, the
verifier identity of :mod:`app.oid4vp.identity`, a fresh ephemeral response-encryption key, a
single-use ``nonce`` and ``state``); :func:`request_object` signs the request object a wallet fetches
from the ``request_uri`` (GET, or POST with ``wallet_nonce``, §5.10); :func:`answer` takes the wallet's
response at the ``response_uri``: opened by :mod:`app.oid4vp.response`, the request claimed once (a
second response is a replay), every presentation checked, the result stored on the request. The
employer sees it at the API (:func:`status_out`) or on the request's page (:func:`page`), reached with
the page secret (cross-device: the employer's screen) or the ``response_code`` the same-device
redirect carries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app import urls
from app.audit import service as audit
from app.db.models import PresentationRequest, Tenant
from app.errors import NotFound, ValidationFailed
from app.oid4vp import repository
from app.oid4vp.errors import RequestGone, ResponseRefused
from app.oid4vp.identity import request_signer, verifier_identity
from app.oid4vp.response import ENC_VALUES, check_vp_token, new_response_key, open_response
from app.settings import Settings
from app.state import AppState
from app.tenants import service as tenants
from app.tokens.auth import Principal
from proofs.vc_jwt import sign_jws
from schemas.api import MAX_DEPTH, PresentationRequestIn
from verifier.dcql import DcqlError, read_query

__all__ = [
    "answer",
    "create_request",
    "deep_link",
    "page",
    "poll",
    "request_object",
    "request_out",
    "status_out",
]

JAR_TYP = "oauth-authz-req+jwt"
_STATIC_AUDIENCE = "https://self-issued.me/v2"  # OpenID4VP 1.0 §5.8: a request not sent to a known wallet
_OPEN = ("pending", "retrieved")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # what neither database stores in text (schemas.api)
_VP_FORMATS = {
    "dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256", "ES384", "EdDSA"]},
    "ldp_vc": {
        "proof_type_values": ["DataIntegrityProof"],
        "cryptosuite_values": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"],
    },
}


# The reasons of a refusal, in the words of the employer's page.
_REASON_WORDS = {
    "nonce-mismatch": "the presentation was made for another request (nonce)",
    "audience-mismatch": "the presentation was made for another verifier (aud)",
    "key-binding-missing": "it was not presented by the holder the credential is bound to",
    "invalid-key-binding": "it was not presented by the holder the credential is bound to",
    "key-binding-stale": "the presentation is too old",
    "holder-binding-missing": "it is bound to no holder: anyone with a copy could present it",
    "holder-mismatch": "it was not presented by the holder it was issued to",
    "claim-not-disclosed": "a requested claim was not disclosed",
    "credential-type-mismatch": "it is not the kind of credential asked for",
    "credential-query-unanswered": "a requested credential is missing",
    "credential-revoked": "the issuer has revoked the credential",
    "credential-suspended": "the issuer has suspended the credential",
    "status-unrecognized": "the issuer gives the credential a status this verifier does not know",
    "untrusted-issuer": "the issuer is not one this verifier trusts",
    "expired": "the credential has expired",
    "not-yet-valid": "the credential is not valid yet",
    "wallet-declined": "the holder declined to share",
}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _status(request: PresentationRequest, now: dt.datetime) -> str:
    if request.status in _OPEN and request.expires_at <= now:
        return "expired"
    return request.status


def create_request(
    state: AppState,
    session: Session,
    tenant: Tenant,
    body: PresentationRequestIn,
    *,
    actor: Principal,
    now: dt.datetime,
) -> tuple[PresentationRequest, str]:
    """Store a new request; returns it and the page secret (shown once, stored as a hash)."""
    try:
        query = read_query(body.dcql_query)
    except DcqlError as exc:
        raise ValidationFailed(str(exc), type_name="invalid-dcql-query", rule=exc.code) from None
    identity = verifier_identity(
        session, state.settings, state.ca, tenant, prefix=body.client_id_prefix, now=now
    )
    request_id = uuid.uuid4()
    sealed, public_jwk = new_response_key(state.settings.load_kek(), str(request_id))
    view = secrets.token_urlsafe(24)
    request = PresentationRequest(
        id=request_id,
        query=query,
        purpose=body.purpose,
        trusted_issuers=list(body.trusted_issuers),
        response_mode=body.response_mode,
        flow=body.flow,
        client_id=identity.client_id,
        x5c=identity.x5c,
        nonce=secrets.token_urlsafe(32),
        state=secrets.token_urlsafe(32),
        response_key=sealed,
        response_jwk=public_jwk,
        view_hash=_hash(view),
        status="pending",
        expires_at=now + dt.timedelta(seconds=body.expires_in),
        created_at=now,
        created_by_token_id=actor.token_id,
    )
    repository.add_request(session, tenant, request)
    audit.record(
        session,
        actor=actor,
        action="presentation-request.create",
        target_type="presentation-request",
        target_id=str(request.id),
        tenant_id=tenant.id,
        details={"credential_queries": [c["id"] for c in query["credentials"]], "flow": body.flow},
    )
    return request, view


def _page_url(settings: Settings, tenant: Tenant, request: PresentationRequest) -> str:
    return urls.presentation_request_url(settings, tenant, request) + "/page"


def request_out(
    settings: Settings, tenant: Tenant, request: PresentationRequest, view: str | None, now: dt.datetime
) -> dict[str, Any]:
    """The API's view of a request (``page_url`` with its secret only in the answer to the creation)."""
    base = urls.presentation_request_url(settings, tenant, request)
    out: dict[str, Any] = {
        "id": str(request.id),
        "status": _status(request, now),
        "request_uri": base,
        "deep_link": urls.presentation_deep_link(settings, tenant, request),
        "qr_svg_url": base + "/qr.svg",
        "status_url": urls.presentation_status_url(settings, tenant, request),
        "client_id": request.client_id,
        "response_mode": request.response_mode,
        "flow": request.flow,
        "purpose": request.purpose,
        "dcql_query": request.query,
        "expires_at": request.expires_at.isoformat(),
    }
    if view is not None:
        out["page_url"] = _page_url(settings, tenant, request) + "?view=" + view
    return out


def _find(session: Session, tenant: Tenant, request_id: uuid.UUID) -> PresentationRequest:
    request = repository.find_request(session, tenant, request_id)
    if request is None:
        raise NotFound("no such presentation request")
    return request


def status_out(
    settings: Settings, session: Session, tenant: Tenant, request_id: uuid.UUID, now: dt.datetime
) -> dict[str, Any]:
    """The request, its status and, once answered, the result (every check of every presentation)."""
    request = _find(session, tenant, request_id)
    out = request_out(settings, tenant, request, None, now)
    out["created_at"] = request.created_at.isoformat()
    out["retrieved_at"] = request.retrieved_at.isoformat() if request.retrieved_at else None
    out["answered_at"] = request.answered_at.isoformat() if request.answered_at else None
    out["result"] = request.result
    return out


def _public(session: Session, slug: str, request_id: uuid.UUID) -> tuple[Tenant, PresentationRequest]:
    tenant = tenants.get_by_slug(session, slug)
    return tenant, _find(session, tenant, request_id)


def request_object(
    state: AppState,
    session: Session,
    slug: str,
    request_id: uuid.UUID,
    *,
    wallet_nonce: str | None,
    now: dt.datetime,
) -> str:
    """The signed request object (JAR) of an open request; ``wallet_nonce`` (request_uri_method post)
    is echoed in it."""
    tenant, request = _public(session, slug, request_id)
    status = _status(request, now)
    if status not in _OPEN:
        raise RequestGone(f"the request is {status}", reason=f"request-{status}")
    settings = state.settings
    client_metadata: dict[str, Any] = {
        "client_name": tenant.name,
        "jwks": {"keys": [request.response_jwk]},
        "vp_formats_supported": {
            f: v
            for f, v in _VP_FORMATS.items()
            if any(c["format"] == f for c in request.query["credentials"])
        },
    }
    if request.response_mode == "direct_post.jwt":
        client_metadata["encrypted_response_enc_values_supported"] = list(ENC_VALUES)
    payload: dict[str, Any] = {
        "iss": request.client_id,
        "aud": _STATIC_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(request.expires_at.timestamp()),
        "client_id": request.client_id,
        "response_type": "vp_token",
        "response_mode": request.response_mode,
        "response_uri": urls.presentation_response_url(settings, tenant, request),
        "nonce": request.nonce,
        "state": request.state,
        "dcql_query": request.query,
        "client_metadata": client_metadata,
    }
    if wallet_nonce is not None:
        payload["wallet_nonce"] = wallet_nonce
    header = {"alg": "ES256", "typ": JAR_TYP, "x5c": request.x5c}
    token = sign_jws(header, payload, key=request_signer(session, state.custody, tenant, request.x5c))
    if request.retrieved_at is None:
        request.retrieved_at, request.status = now, "retrieved"
    return token


def answer(
    state: AppState,
    session: Session,
    slug: str,
    request_id: uuid.UUID,
    form: Mapping[str, str],
    *,
    now: dt.datetime,
) -> dict[str, Any]:
    """Take a wallet's response: refused (ResponseRefused) when it is not this request's or the request
    is spent; else the request is claimed once, its presentations checked and the result stored. The
    body answers the wallet (same-device: the ``redirect_uri`` of the result page)."""
    tenant, request = _public(session, slug, request_id)
    if request.answered_at is not None:
        raise RequestGone("the request has already been answered", reason="replayed-response")
    if request.expires_at <= now:
        raise RequestGone("the request has expired", reason="request-expired")
    params = open_response(state.settings.load_kek(), request, form)
    if not repository.claim_for_answer(session, tenant, request, now=now):
        raise RequestGone("the request has already been answered", reason="replayed-response")
    try:
        if "error" in params:  # the wallet's error response (OpenID4VP 1.0 §8.5): the holder declined
            result = {
                "verified": False,
                "reasons": ["wallet-declined"],
                "wallet_error": str(params["error"])[:100],
                "unanswered": [c["id"] for c in request.query["credentials"]],
                "presentations": [],
            }
        else:
            result = check_vp_token(state, session, request, params.get("vp_token"), now=now)
    except ResponseRefused as exc:
        result = {"verified": False, "reasons": [exc.reason], "unanswered": [], "presentations": []}
        _store(session, tenant, request, result)
        raise
    body: dict[str, Any] = {}
    if request.flow == "same_device":
        code = secrets.token_urlsafe(24)
        request.response_code_hash = _hash(code)
        body["redirect_uri"] = _page_url(state.settings, tenant, request) + "?response_code=" + code
    _store(session, tenant, request, result)
    return body


def _storable(value: Any, depth: int = 0) -> Any:
    """``value`` as both databases store it: NUL and lone surrogates replaced (U+FFFD), numbers that are
    not finite as null, nesting cut at MAX_DEPTH. A wallet's answer (its error text, an issuer's claims)
    is stored as it came, never refused for it, nor a 5xx."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:
        return "\u2026"
    if isinstance(value, dict):
        return {_storable(str(k)): _storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v, depth + 1) for v in value]
    return value


def _store(session: Session, tenant: Tenant, request: PresentationRequest, result: dict[str, Any]) -> None:
    result = _storable(result)
    request.result = result
    request.status = "verified" if result["verified"] else "rejected"
    audit.record(
        session,
        actor=None,
        action="presentation-request.answer",
        target_type="presentation-request",
        target_id=str(request.id),
        tenant_id=tenant.id,
        details={"verified": result["verified"], "reasons": result["reasons"]},
    )


def _page_access(request: PresentationRequest, view: str | None, response_code: str | None) -> None:
    """The page opens with the page secret or the same-device response code; anything else is 404."""
    for secret, stored in ((view, request.view_hash), (response_code, request.response_code_hash)):
        if secret and stored and hmac.compare_digest(_hash(secret), stored):
            return
    raise NotFound("no such presentation request")


def deep_link(
    settings: Settings, session: Session, slug: str, request_id: uuid.UUID, *, now: dt.datetime
) -> str:
    """The deep link of an open request (what its QR code holds)."""
    tenant, request = _public(session, slug, request_id)
    if _status(request, now) not in _OPEN:
        raise NotFound("the presentation request is no longer open")
    return urls.presentation_deep_link(settings, tenant, request)


def poll(
    session: Session,
    slug: str,
    request_id: uuid.UUID,
    *,
    view: str | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """What the employer's page polls: the request's status."""
    _tenant, request = _public(session, slug, request_id)
    _page_access(request, view, None)
    return {"status": _status(request, now)}


def page(
    settings: Settings,
    session: Session,
    slug: str,
    request_id: uuid.UUID,
    *,
    view: str | None,
    response_code: str | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The template context of the request's page: the QR code while it is open, then the result."""
    tenant, request = _public(session, slug, request_id)
    _page_access(request, view, response_code)
    return {
        "tenant": tenant,
        "request": request,
        "status": _status(request, now),
        "deep_link": urls.presentation_deep_link(settings, tenant, request),
        "qr_url": urls.presentation_request_url(settings, tenant, request) + "/qr.svg",
        "poll_url": urls.presentation_request_url(settings, tenant, request) + "/poll",
        "view": view,
        "answer": request.result,
        "reason_words": _REASON_WORDS,
    }

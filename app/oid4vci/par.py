"""Pushed authorization requests (RFC 9126 §2), the first step of the authorization code flow: the
wallet's request checked (``client_id``, ``redirect_uri``, PKCE, the DPoP key the code will be bound
to, the offer's ``issuer_state``, what it asks for by ``scope`` and ``authorization_details``) and stored
under a single-use ``request_uri``. The PKCE check of the code verifier at the token endpoint is here
too, beside the challenge it answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.db.models import CredentialOffer, Tenant
from app.oid4vci import repository
from app.oid4vci.client_auth import ClientEvidence, authenticate_client
from app.oid4vci.codes import offer_id_for_issuer_state, secret_hash
from app.oid4vci.errors import OAuthError, dpop_refusal
from app.oid4vci.offers import usable
from app.settings import Settings
from issuer.wallet.dpop import DpopProof
from proofs import strict_json
from proofs.constant_time import same_text
from proofs.multibase import b64url_encode

__all__ = ["check_code_verifier", "push", "single_params"]

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"


REQUEST_URI_TTL = dt.timedelta(seconds=60)  # from the push to the browser's first visit


# Rows are kept a while after they expire: a code used twice must still find the token it gave.
KEEP_AFTER_EXPIRY = dt.timedelta(hours=1)


_PKCE_VALUE = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1/§4.2 (unreserved characters)


_JKT = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url SHA-256 JWK thumbprint (RFC 7638)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


_VSCHAR = re.compile(r"[\x20-\x7e]+")  # RFC 6749 Appendix A


_REFUSED_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about", "filesystem"})


MAX_CLIENT_ID = 200


MAX_REDIRECT_URI = 2000


MAX_STATE = 1000


def single_params(params: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Parameters by name; each at most once (RFC 6749 §3.1)."""
    values: dict[str, str] = {}
    for name, value in params:
        if name in values:
            raise OAuthError("invalid_request", f"{name} is given more than once")
        values[name] = value
    return values


def _client_id(value: str | None) -> str:
    if not value or len(value) > MAX_CLIENT_ID or not _VSCHAR.fullmatch(value):
        raise OAuthError("invalid_request", f"client_id is required (1 to {MAX_CLIENT_ID} characters)")
    return value


def _redirect_uri(value: str | None) -> str:
    """An absolute URI without fragment (RFC 6749 §3.1.2): https, a private-use scheme of a native
    wallet (RFC 8252 §7.1), or http on a loopback host only (RFC 8252 §7.3)."""
    if not value:
        raise OAuthError("invalid_request", "redirect_uri is required")
    if len(value) > MAX_REDIRECT_URI or not value.isascii() or any(c <= " " or c == "\x7f" for c in value):
        raise OAuthError("invalid_request", "redirect_uri is not a usable URI")
    if "#" in value:
        raise OAuthError("invalid_request", "redirect_uri must not have a fragment")
    try:
        parts = urlsplit(value)
        host = parts.hostname
        _port = parts.port
    except ValueError:
        raise OAuthError("invalid_request", "redirect_uri is not a usable URI") from None
    scheme = parts.scheme.lower()
    if not scheme or not _SCHEME.fullmatch(scheme):
        raise OAuthError("invalid_request", "redirect_uri must be an absolute URI")
    if scheme == "https":
        if not host:
            raise OAuthError("invalid_request", "an https redirect_uri needs a host")
    elif scheme == "http":
        if not _is_loopback(host):
            raise OAuthError("invalid_request", "an http redirect_uri is allowed for loopback hosts only")
    elif scheme in _REFUSED_SCHEMES or not (parts.netloc or parts.path):
        raise OAuthError("invalid_request", f"redirect_uri scheme {scheme!r} is not allowed")
    return value


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _pkce_challenge(form: dict[str, str]) -> str:
    challenge = form.get("code_challenge")
    if not challenge or not _PKCE_VALUE.fullmatch(challenge):
        raise OAuthError("invalid_request", "code_challenge is required (PKCE, RFC 7636)")
    if form.get("code_challenge_method") != "S256":
        raise OAuthError("invalid_request", "code_challenge_method must be S256")
    return challenge


def check_code_verifier(verifier: str, challenge: str) -> None:
    """The token request's PKCE ``code_verifier`` must answer the pushed S256 ``code_challenge``."""
    if not _PKCE_VALUE.fullmatch(verifier):
        raise OAuthError("invalid_request", "code_verifier must be 43 to 128 unreserved characters")
    s256 = b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())
    if not same_text(s256, challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")


def _code_dpop_key(form: dict[str, str], proof: DpopProof | None) -> str | None:
    """The key the code will be bound to (RFC 9449 §10): ``dpop_jkt`` and/or the PAR's DPoP proof,
    which must then agree (§10.1)."""
    jkt = form.get("dpop_jkt")
    if jkt is not None and not _JKT.fullmatch(jkt):
        raise OAuthError("invalid_request", "dpop_jkt is not a SHA-256 JWK thumbprint")
    if jkt is not None and proof is not None and not same_text(jkt, proof.jkt):
        raise dpop_refusal("dpop_jkt does not match the key of the DPoP proof", 400)
    return jkt if jkt is not None else (proof.jkt if proof is not None else None)


def _offer_for_issuer_state(
    session: Session, tenant: Tenant, lookup_key: bytes, value: str | None, now: dt.datetime
) -> CredentialOffer:
    if not value:
        raise OAuthError("invalid_request", "issuer_state is required: start from a credential offer")
    offer_id = offer_id_for_issuer_state(lookup_key, value)
    offer = None
    if offer_id is not None:
        offer = repository.find_offer(session, tenant, offer_id)
    if offer is None:
        raise OAuthError("invalid_request", "unknown issuer_state")
    if not usable(offer, now):
        raise OAuthError("invalid_request", "the offer was already used, revoked or has expired")
    return offer


def _requested(form: dict[str, str], offer: CredentialOffer) -> tuple[list[str], list[str]]:
    """The configurations asked for (``scope`` values and ``authorization_details`` of type
    ``openid_credential``, OpenID4VCI §5.1.1-5.1.2), all of them in the offer; and of those, the ones
    asked for by ``authorization_details``."""
    by_scope: list[str] = []
    scope = form.get("scope")
    if scope is not None:
        for value in scope.split(" "):
            if not value:
                continue
            if value not in offer.configuration_ids:
                raise OAuthError("invalid_scope", f"scope {value!r} is not a configuration of this offer")
            by_scope.append(value)
    by_details: list[str] = []
    raw = form.get("authorization_details")
    if raw is not None:
        try:
            details = strict_json.loads(raw)
        except strict_json.DuplicateMember as exc:  # two readings of one request (strict_json says why)
            raise OAuthError(
                "invalid_authorization_details", f"authorization_details is malformed: {exc}"
            ) from None
        except (ValueError, RecursionError):
            raise OAuthError("invalid_authorization_details", "authorization_details is not JSON") from None
        if not isinstance(details, list) or not details:
            raise OAuthError(
                "invalid_authorization_details", "authorization_details must be a non-empty array"
            )
        for detail in details:
            if not isinstance(detail, dict) or detail.get("type") != "openid_credential":
                raise OAuthError(
                    "invalid_authorization_details", "only authorization details of type openid_credential"
                )
            config_id = detail.get("credential_configuration_id")
            if not isinstance(config_id, str) or config_id not in offer.configuration_ids:
                raise OAuthError(
                    "invalid_authorization_details",
                    f"credential_configuration_id {config_id!r} is not a configuration of this offer",
                )
            by_details.append(config_id)
    if not by_scope and not by_details:
        raise OAuthError(
            "invalid_scope", "ask for credentials with scope or authorization_details (openid_credential)"
        )
    by_details = list(dict.fromkeys(by_details))
    return list(dict.fromkeys([*by_details, *by_scope])), by_details


def push(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    params: Sequence[tuple[str, str]],
    *,
    lookup_key: bytes,
    now: dt.datetime,
    evidence: ClientEvidence,
) -> dict[str, Any]:
    """Pushed authorization request endpoint (RFC 9126 §2): check and store the request; answer the
    ``request_uri`` that stands for it (single use, ``REQUEST_URI_TTL``). A wallet attestation, when
    sent (or required), authenticates the client as at the token endpoint."""
    form = single_params(params)
    proof, _wallet = authenticate_client(
        session,
        settings,
        tenant,
        evidence,
        endpoint="par",
        client_id=form.get("client_id") or None,  # empty = omitted (RFC 6749 §3.1)
        now=now,
    )
    if "request_uri" in form:
        raise OAuthError("invalid_request", "request_uri must not be pushed (RFC 9126 §2.1)")
    if "request" in form:
        raise OAuthError("invalid_request", "request objects are not supported: push the parameters")
    response_type = form.get("response_type")
    if not response_type:
        raise OAuthError("invalid_request", "response_type is required")
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "only response_type=code is supported")
    if form.get("response_mode", "query") != "query":
        raise OAuthError("invalid_request", "only response_mode=query is supported")
    client_id = _client_id(form.get("client_id"))
    redirect_uri = _redirect_uri(form.get("redirect_uri"))
    challenge = _pkce_challenge(form)
    state = form.get("state")
    if state is not None and len(state) > MAX_STATE:
        raise OAuthError("invalid_request", f"state is longer than {MAX_STATE} characters")
    dpop_jkt = _code_dpop_key(form, proof)
    offer = _offer_for_issuer_state(session, tenant, lookup_key, form.get("issuer_state"), now)
    configuration_ids, by_details = _requested(form, offer)

    repository.delete_expired_authorizations(session, tenant, now - KEEP_AFTER_EXPIRY)
    request_uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
    repository.add_authorization(
        session,
        tenant,
        offer_id=offer.id,
        request_uri_hash=secret_hash(request_uri),
        client_id=client_id,
        redirect_uri=redirect_uri,
        code_challenge=challenge,
        configuration_ids=configuration_ids,
        authorization_details=by_details,
        state=state,
        dpop_jkt=dpop_jkt,
        expires_at=now + REQUEST_URI_TTL,
        created_at=now,
    )
    return {"request_uri": request_uri, "expires_in": int(REQUEST_URI_TTL.total_seconds())}

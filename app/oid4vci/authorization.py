"""The OpenID4VCI authorization code flow (§5, §6), issuer-initiated: HAIP 1.0 requires it next to the
pre-authorized code flow, with Pushed Authorization Requests (RFC 9126, required here), PKCE with S256
only (RFC 7636) and DPoP (RFC 9449).

The flow starts from one of our offers: its ``authorization_code`` grant carries an ``issuer_state``
(an HMAC of the offer id) that the wallet pushes with its authorization request (:func:`push`). The
browser then shows the learner a consent page (:func:`consent`) naming the issuer, the achievement and
what the wallet receives, asking for the offer's transaction code if it has one; the learner approves
or cancels (:func:`decide`), and the browser returns to the wallet with a single-use authorization code
(or ``access_denied``) and ``iss`` (RFC 9207). The wallet exchanges the code at the token endpoint
(:func:`exchange_code`, called by ``oid4vci.redeem``) for the same access token the pre-authorized flow
gives, limited to the configurations it asked for. An offer is redeemed once, by either flow.

Clients are not registered: ``client_id`` is whatever the wallet calls itself (or, when the wallet
sends a wallet attestation, the attested client: ``oid4vci.client_attestation``, required by
configuration), and what binds the steps together is the pushed request: its ``redirect_uri``, PKCE
challenge and optional DPoP key. The ``request_uri`` and the code are secrets, stored hashed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import urls
from app.audit import service as audit
from app.db.models import Credential, CredentialOffer, Oid4vciAuthorization, Tenant
from app.oid4vci.service import (
    AUTHORIZATION_CODE_GRANT,
    CONFIGURATIONS,
    ClientEvidence,
    OAuthError,
    authenticate_client,
    dpop_refusal,
    grant_access_token,
    offer_id_for_issuer_state,
    secret_hash,
    tx_code_matches,
    usable,
)
from app.settings import Settings
from issuer.wallet.dpop import DpopProof
from proofs.multibase import b64url_encode

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"


REQUEST_URI_TTL = dt.timedelta(seconds=60)  # from the push to the browser's first visit


# Once the page was shown, the learner has this long (from the push) to find the code and decide.
INTERACTION_TTL = dt.timedelta(minutes=10)


CODE_TTL = dt.timedelta(seconds=60)


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


@dataclass(frozen=True, slots=True)
class Consent:
    """What the consent page shows; ``error`` is set (and ``status`` 400) after a wrong tx_code."""

    action: str
    request_uri: str
    client_id: str
    issuer_name: str
    achievement_name: str
    configurations: list[str]
    destination: str
    tx_code: bool
    error: str | None = None
    status: int = 200


@dataclass(frozen=True, slots=True)
class Redirect:
    """The authorization response: back to the wallet's ``redirect_uri`` (303)."""

    location: str


# -- pushed authorization request (RFC 9126 §2) --------------------------------------------------------
def _single(params: Sequence[tuple[str, str]]) -> dict[str, str]:
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


def _code_dpop_key(form: dict[str, str], proof: DpopProof | None) -> str | None:
    """The key the code will be bound to (RFC 9449 §10): ``dpop_jkt`` and/or the PAR's DPoP proof,
    which must then agree (§10.1)."""
    jkt = form.get("dpop_jkt")
    if jkt is not None and not _JKT.fullmatch(jkt):
        raise OAuthError("invalid_request", "dpop_jkt is not a SHA-256 JWK thumbprint")
    if jkt is not None and proof is not None and not hmac.compare_digest(jkt, proof.jkt):
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
        offer = session.scalars(
            select(CredentialOffer).where(
                CredentialOffer.id == offer_id, CredentialOffer.tenant_id == tenant.id
            )
        ).one_or_none()
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
            details = json.loads(raw)
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
    form = _single(params)
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

    session.execute(
        delete(Oid4vciAuthorization).where(
            Oid4vciAuthorization.tenant_id == tenant.id,
            Oid4vciAuthorization.expires_at < now - KEEP_AFTER_EXPIRY,
        )
    )
    request_uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
    session.add(
        Oid4vciAuthorization(
            tenant_id=tenant.id,
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
    )
    return {"request_uri": request_uri, "expires_in": int(REQUEST_URI_TTL.total_seconds())}


# -- authorization endpoint: the consent page (RFC 9126 §4) ---------------------------------------------
def _pending(
    session: Session, tenant: Tenant, params: Sequence[tuple[str, str]], now: dt.datetime
) -> tuple[Oid4vciAuthorization, dict[str, str]]:
    """The pushed request a browser request names by ``request_uri`` and ``client_id``. Any failure here
    is shown as an error page, never redirected: without a valid pushed request the redirect_uri is
    not known to be the client's (RFC 6749 §4.1.2.1)."""
    form = _single(params)
    request_uri = form.get("request_uri")
    if not request_uri:
        raise OAuthError(
            "invalid_request",
            "only pushed authorization requests are accepted (RFC 9126): send client_id and the "
            "request_uri the pushed authorization request endpoint gave",
        )
    row = session.scalars(
        select(Oid4vciAuthorization)
        .where(
            Oid4vciAuthorization.request_uri_hash == secret_hash(request_uri),
            Oid4vciAuthorization.tenant_id == tenant.id,
        )
        .with_for_update()
    ).one_or_none()
    if row is None or row.decided_at is not None or row.expires_at < now:
        raise OAuthError("invalid_request", "the request_uri is unknown, was already used or has expired")
    if form.get("client_id") != row.client_id:
        raise OAuthError("invalid_request", "client_id does not match the pushed authorization request")
    return row, form


def _redirect(settings: Settings, tenant: Tenant, row: Oid4vciAuthorization, **params: str) -> Redirect:
    """The authorization response (RFC 6749 §4.1.2, §4.1.2.1) with ``state`` and ``iss`` (RFC 9207);
    a query the redirect_uri already has is kept."""
    values = dict(params)
    if row.state is not None:
        values["state"] = row.state
    values["iss"] = urls.issuer_identifier(settings, tenant)
    parts = urlsplit(row.redirect_uri)
    query = "&".join(q for q in (parts.query, urlencode(values)) if q)
    return Redirect(urlunsplit(parts._replace(query=query)))


def _deny(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    row: Oid4vciAuthorization,
    now: dt.datetime,
    description: str,
    *,
    reason: str,
) -> Redirect:
    row.decided_at = now
    audit.record(
        session,
        actor=None,
        action="offer.deny",
        target_type="offer",
        target_id=str(row.offer_id),
        tenant_id=tenant.id,
        details={"reason": reason, "client_id": row.client_id},
    )
    return _redirect(settings, tenant, row, error="access_denied", error_description=description)


def _locked_offer(session: Session, row: Oid4vciAuthorization) -> CredentialOffer | None:
    return session.scalars(
        select(CredentialOffer).where(CredentialOffer.id == row.offer_id).with_for_update()
    ).one_or_none()


def _consent(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    row: Oid4vciAuthorization,
    offer: CredentialOffer,
    request_uri: str,
    *,
    error: str | None = None,
) -> Consent:
    credential = session.get(Credential, offer.credential_id)
    target = urlsplit(row.redirect_uri)
    return Consent(
        action=urls.issuer_endpoint_url(settings, tenant, "authorize"),
        request_uri=request_uri,
        client_id=row.client_id,
        issuer_name=tenant.name,
        achievement_name=credential.achievement_name if credential is not None else "",
        configurations=[CONFIGURATIONS[c].name for c in row.configuration_ids if c in CONFIGURATIONS],
        destination=f"{target.scheme}://{target.netloc}" if target.netloc else target.scheme,
        tx_code=offer.tx_code_hash is not None,
        error=error,
        status=400 if error else 200,
    )


def consent(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    params: Sequence[tuple[str, str]],
    *,
    now: dt.datetime,
) -> Consent | Redirect:
    """``GET`` authorization endpoint: the consent page for a pushed request (it may be reloaded; the
    learner then has until ``INTERACTION_TTL`` after the push to decide)."""
    row, form = _pending(session, tenant, params, now)
    offer = _locked_offer(session, row)
    if offer is None or not usable(offer, now):
        return _deny(
            session, settings, tenant, row, now, "the offer was used, revoked or has expired", reason="offer"
        )
    row.expires_at = max(row.expires_at, row.created_at + INTERACTION_TTL)
    return _consent(session, settings, tenant, row, offer, form["request_uri"])


def decide(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    params: Sequence[tuple[str, str]],
    *,
    now: dt.datetime,
) -> Consent | Redirect:
    """``POST`` authorization endpoint: the learner's decision. Approving checks the offer's tx_code as
    the token endpoint does (a wrong one counts; the offer is burnt after three), then gives a
    single-use authorization code (``CODE_TTL``); cancelling answers ``access_denied``. Either way the
    request_uri is spent. The request_uri itself, a single-use secret only the page had, keeps other
    sites from posting a decision (CSRF)."""
    row, form = _pending(session, tenant, params, now)
    request_uri = form["request_uri"]
    offer = _locked_offer(session, row)
    if offer is None or not usable(offer, now):
        return _deny(
            session, settings, tenant, row, now, "the offer was used, revoked or has expired", reason="offer"
        )
    action = form.get("action")
    if action == "deny":
        return _deny(session, settings, tenant, row, now, "the learner cancelled", reason="cancelled")
    if action != "approve":
        raise OAuthError("invalid_request", "choose to add the credential to your wallet or to cancel")
    if offer.tx_code_hash is not None:
        tx_code = form.get("tx_code", "").strip()
        if not tx_code:
            return _consent(
                session, settings, tenant, row, offer, request_uri, error="Enter the 6-digit code."
            )
        if not tx_code_matches(offer, tx_code, now):
            if offer.revoked_at is not None:
                return _deny(
                    session,
                    settings,
                    tenant,
                    row,
                    now,
                    "too many wrong transaction codes: the offer is no longer valid",
                    reason="tx_code",
                )
            return _consent(
                session,
                settings,
                tenant,
                row,
                offer,
                request_uri,
                error="That code is not right. Check the code your institution gave you and try again.",
            )
    code = secrets.token_urlsafe(32)
    row.decided_at = now
    row.code_hash = secret_hash(code)
    row.code_expires_at = now + CODE_TTL
    audit.record(
        session,
        actor=None,
        action="offer.authorize",
        target_type="offer",
        target_id=str(offer.id),
        tenant_id=tenant.id,
        details={"client_id": row.client_id, "configurations": list(row.configuration_ids)},
    )
    return _redirect(settings, tenant, row, code=code)


# -- token endpoint: the authorization code grant (RFC 6749 §4.1.3, OpenID4VCI §6.1) ---------------------
def _s256(verifier: str) -> str:
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def exchange_code(
    session: Session,
    tenant: Tenant,
    form: dict[str, str],
    *,
    proof: DpopProof | None,
    now: dt.datetime,
    audit_details: dict[str, Any] | None = None,
    authenticated_client_id: str | None = None,
) -> dict[str, Any]:
    """An authorization code (with the PAR's ``client_id`` and ``redirect_uri``, and the PKCE verifier)
    → the offer's access token, covering the configurations the wallet asked for. A code bound to a
    DPoP key needs a proof by that key (RFC 9449 §10). A code used twice revokes the token it gave
    (RFC 6749 §4.1.2). When the wallet asked with ``authorization_details``, the response names them
    with their ``credential_identifiers`` (OpenID4VCI §6.2): ours are the configuration ids.

    ``client_id`` is required of a client that does not authenticate (RFC 6749 §4.1.3); a wallet that
    authenticated with a wallet attestation (``authenticated_client_id``, its ``sub``) may leave it out
    (draft-ietf-oauth-attestation-based-client-auth: a ``client_id`` sent must equal ``sub``, checked
    by ``client_attestation``)."""
    if authenticated_client_id is not None and not form.get("client_id"):
        form = {**form, "client_id": authenticated_client_id}
    for name in ("code", "redirect_uri", "code_verifier", "client_id"):
        if not form.get(name):
            raise OAuthError("invalid_request", f"{name} is required")
    row = session.scalars(
        select(Oid4vciAuthorization)
        .where(
            Oid4vciAuthorization.code_hash == secret_hash(form["code"]),
            Oid4vciAuthorization.tenant_id == tenant.id,
        )
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise OAuthError("invalid_grant", "unknown authorization code")
    offer = _locked_offer(session, row)
    if row.used_at is not None:
        if offer is not None and offer.access_token_hash is not None:
            offer.access_token_hash = None
            offer.access_token_expires_at = None
            audit.record(
                session,
                actor=None,
                action="offer.token_revoked",
                target_type="offer",
                target_id=str(offer.id),
                tenant_id=tenant.id,
                details={"reason": "authorization code used twice"},
            )
        raise OAuthError("invalid_grant", "the authorization code was already used")
    if row.code_expires_at is None or row.code_expires_at < now:
        raise OAuthError("invalid_grant", "the authorization code has expired")
    if form["client_id"] != row.client_id:
        raise OAuthError("invalid_grant", "the authorization code was issued to another client_id")
    if form["redirect_uri"] != row.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    verifier = form["code_verifier"]
    if not _PKCE_VALUE.fullmatch(verifier):
        raise OAuthError("invalid_request", "code_verifier must be 43 to 128 unreserved characters")
    if not hmac.compare_digest(_s256(verifier), row.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    if row.dpop_jkt is not None:
        if proof is None:
            raise dpop_refusal("the authorization code is bound to a DPoP key: send a DPoP proof", 400)
        if not hmac.compare_digest(proof.jkt, row.dpop_jkt):
            raise dpop_refusal("the DPoP proof is not signed by the key the code is bound to", 400)
    if offer is None or not usable(offer, now):
        raise OAuthError("invalid_grant", "the offer was already redeemed, revoked or has expired")
    row.used_at = now
    offer.authorized_configurations = list(row.configuration_ids)
    offer.credential_identifiers = list(row.authorization_details)
    body = grant_access_token(
        session,
        tenant,
        offer,
        proof,
        now,
        audit_details={"grant_type": AUTHORIZATION_CODE_GRANT, **(audit_details or {})},
    )
    if row.authorization_details:
        body["authorization_details"] = [
            {"type": "openid_credential", "credential_configuration_id": c, "credential_identifiers": [c]}
            for c in row.authorization_details
        ]
    return body

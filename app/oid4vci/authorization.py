"""The OpenID4VCI authorization code flow (§5, §6), issuer-initiated: HAIP 1.0 requires it next to the
pre-authorized code flow, with Pushed Authorization Requests (RFC 9126, required here), PKCE with S256
only (RFC 7636) and DPoP (RFC 9449). This module holds the authorization endpoint (the consent page and
the learner's decision) and the exchange of the code at the token endpoint.

The flow starts from one of our offers: its ``authorization_code`` grant carries an ``issuer_state``
(an HMAC of the offer id) that the wallet pushes with its authorization request (``par.push``). The
browser then shows the learner a consent page (:func:`consent`) naming the issuer, the achievement and
what the wallet receives, asking for the offer's transaction code if it has one; the learner approves
or cancels (:func:`decide`), and the browser returns to the wallet with a single-use authorization code
(or ``access_denied``) and ``iss`` (RFC 9207). The wallet exchanges the code at the token endpoint
(:func:`exchange_code`, called by ``token.redeem``) for the same access token the pre-authorized flow
gives, limited to the configurations it asked for. An offer is redeemed once, by either flow.

Clients are not registered: ``client_id`` is whatever the wallet calls itself (or, when the wallet
sends a wallet attestation, the attested client: ``client_auth.authenticate_client``, required by
configuration), and what binds the steps together is the pushed request: its ``redirect_uri``, PKCE
challenge and optional DPoP key. The ``request_uri`` and the code are secrets, stored hashed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy.orm import Session

from app import urls
from app.audit import service as audit
from app.credentials import service as issuance
from app.db.models import CredentialOffer, Oid4vciAuthorization, Tenant
from app.errors import NotFound
from app.oid4vci import repository
from app.oid4vci.codes import secret_hash
from app.oid4vci.errors import OAuthError, dpop_refusal
from app.oid4vci.metadata import AUTHORIZATION_CODE_GRANT, CONFIGURATIONS
from app.oid4vci.offers import grant_access_token, tx_code_matches, usable
from app.oid4vci.par import check_code_verifier, single_params
from app.settings import Settings
from issuer.wallet.dpop import DpopProof

__all__ = ["Redirect", "consent", "decide", "exchange_code"]

# Once the page was shown, the learner has this long (from the push) to find the code and decide.
INTERACTION_TTL = dt.timedelta(minutes=10)


CODE_TTL = dt.timedelta(seconds=60)


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


# -- authorization endpoint: the consent page (RFC 9126 §4) ---------------------------------------------
def _pending(
    session: Session, tenant: Tenant, params: Sequence[tuple[str, str]], now: dt.datetime
) -> tuple[Oid4vciAuthorization, dict[str, str]]:
    """The pushed request a browser request names by ``request_uri`` and ``client_id``. Any failure here
    is shown as an error page, never redirected: without a valid pushed request the redirect_uri is
    not known to be the client's (RFC 6749 §4.1.2.1)."""
    form = single_params(params)
    request_uri = form.get("request_uri")
    if not request_uri:
        raise OAuthError(
            "invalid_request",
            "only pushed authorization requests are accepted (RFC 9126): send client_id and the "
            "request_uri the pushed authorization request endpoint gave",
        )
    row = repository.lock_authorization_by_request_uri(session, tenant, secret_hash(request_uri))
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


def _locked_offer(session: Session, tenant: Tenant, row: Oid4vciAuthorization) -> CredentialOffer | None:
    return repository.lock_offer(session, tenant, row.offer_id)


def _pending_offer(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    params: Sequence[tuple[str, str]],
    now: dt.datetime,
) -> tuple[Oid4vciAuthorization, dict[str, str], CredentialOffer] | Redirect:
    """The pushed request (:func:`_pending`) and its offer, both locked; an ``access_denied`` redirect
    (the request spent) when the offer was used, revoked or has expired."""
    row, form = _pending(session, tenant, params, now)
    offer = _locked_offer(session, tenant, row)
    if offer is None or not usable(offer, now):
        return _deny(
            session, settings, tenant, row, now, "the offer was used, revoked or has expired", reason="offer"
        )
    return row, form, offer


def _achievement_name(session: Session, tenant: Tenant, offer: CredentialOffer) -> str:
    try:
        return issuance.get_credential(session, tenant, offer.credential_id).achievement_name
    except NotFound:
        return ""


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
    target = urlsplit(row.redirect_uri)
    return Consent(
        action=urls.issuer_endpoint_url(settings, tenant, "authorize"),
        request_uri=request_uri,
        client_id=row.client_id,
        issuer_name=tenant.name,
        achievement_name=_achievement_name(session, tenant, offer),
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
    pending = _pending_offer(session, settings, tenant, params, now)
    if isinstance(pending, Redirect):
        return pending
    row, form, offer = pending
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
    pending = _pending_offer(session, settings, tenant, params, now)
    if isinstance(pending, Redirect):
        return pending
    row, form, offer = pending
    request_uri = form["request_uri"]
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
    with the attestation)."""
    if authenticated_client_id is not None and not form.get("client_id"):
        form = {**form, "client_id": authenticated_client_id}
    for name in ("code", "redirect_uri", "code_verifier", "client_id"):
        if not form.get(name):
            raise OAuthError("invalid_request", f"{name} is required")
    row = repository.lock_authorization_by_code(session, tenant, secret_hash(form["code"]))
    if row is None:
        raise OAuthError("invalid_grant", "unknown authorization code")
    offer = _locked_offer(session, tenant, row)
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
    check_code_verifier(form["code_verifier"], row.code_challenge)
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

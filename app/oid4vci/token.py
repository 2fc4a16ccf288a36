"""The token endpoint (OpenID4VCI §6): a pre-authorized code (with the offer's transaction code, if it
has one) or an authorization code (``authorization.exchange_code``) → the offer's access token. An
offer is redeemed once, by either grant.

The sender is checked first (``client_auth.authenticate_client``): with a ``DPoP`` header (RFC 9449 §5)
the token is bound to the proof's key and is of type DPoP, without it is a Bearer token; an attested
wallet is named in the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import CredentialOffer, Tenant
from app.oid4vci import repository
from app.oid4vci.authorization import exchange_code
from app.oid4vci.client_auth import ClientEvidence, authenticate_client, wallet_details
from app.oid4vci.codes import offer_id_for_pre_authorized_code
from app.oid4vci.errors import OAuthError
from app.oid4vci.metadata import AUTHORIZATION_CODE_GRANT, PRE_AUTH_GRANT
from app.oid4vci.offers import grant_access_token, tx_code_matches, usable
from app.settings import Settings

__all__ = ["redeem"]


def _offer_for_code(session: Session, tenant: Tenant, lookup_key: bytes, code: str) -> CredentialOffer:
    """The offer a pre-authorized code names, locked for redeeming it."""
    offer_id = offer_id_for_pre_authorized_code(lookup_key, code)
    if offer_id is None:
        raise OAuthError("invalid_grant", "unknown pre-authorized code")
    offer = repository.lock_offer(session, tenant, offer_id)
    if offer is None:
        raise OAuthError("invalid_grant", "unknown pre-authorized code")
    return offer


def redeem(
    session: Session,
    tenant: Tenant,
    form: dict[str, str],
    *,
    lookup_key: bytes,
    now: dt.datetime,
    settings: Settings,
    evidence: ClientEvidence,
) -> dict[str, Any]:
    """Token endpoint (OpenID4VCI §6): a pre-authorized code (+ tx_code), or an authorization code
    (PKCE; see :func:`app.oid4vci.authorization.exchange_code`) → access token. An offer is redeemed
    once, by either grant.

    With a ``DPoP`` header (RFC 9449 §5) the token is bound to the proof's key and is of type DPoP;
    without, it is a Bearer token."""
    proof, wallet = authenticate_client(
        session,
        settings,
        tenant,
        evidence,
        endpoint="token",
        client_id=form.get("client_id") or None,  # empty = omitted (RFC 6749 §3.1)
        now=now,
    )
    audit_details = wallet_details(wallet)
    grant_type = form.get("grant_type")
    if grant_type == AUTHORIZATION_CODE_GRANT:
        return exchange_code(
            session,
            tenant,
            form,
            proof=proof,
            now=now,
            audit_details=audit_details,
            authenticated_client_id=wallet.client_id if wallet is not None else None,
        )
    if grant_type != PRE_AUTH_GRANT:
        raise OAuthError(
            "unsupported_grant_type", "the pre-authorized code and authorization code grants are supported"
        )
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is required")
    offer = _offer_for_code(session, tenant, lookup_key, code)
    if not usable(offer, now):
        raise OAuthError("invalid_grant", "the pre-authorized code was already used, revoked or has expired")
    tx_code = form.get("tx_code")
    if offer.tx_code_hash is not None:
        if not tx_code:
            raise OAuthError("invalid_request", "tx_code is required")
        if not tx_code_matches(offer, tx_code, now):
            raise OAuthError("invalid_grant", "wrong tx_code")
    elif tx_code:
        raise OAuthError("invalid_request", "this offer has no tx_code")
    return grant_access_token(session, tenant, offer, proof, now, audit_details=audit_details)

"""Who sends a request to the OpenID4VCI endpoints: DPoP proofs (RFC 9449) and wallet (client)
attestations (draft-ietf-oauth-attestation-based-client-auth, as HAIP 1.0 asks).

At the token and PAR endpoints (:func:`authenticate_client`) a DPoP proof binds what the endpoint gives
to its key, and a wallet attestation authenticates the client. A token requested with a DPoP proof is
bound to the proof's key and is used with the ``DPoP`` scheme and a fresh proof per request
(:func:`check_sender`); a token requested without one is a Bearer token. Every one-time proof (a DPoP
proof's or an attestation PoP's ``jti``) is remembered while it could be accepted, so that a replay is
refused.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app import urls
from app.db.models import CredentialOffer, Tenant
from app.oid4vci import repository
from app.oid4vci.codes import secret_hash
from app.oid4vci.errors import OAuthError, dpop_refusal
from app.settings import Settings
from issuer.wallet.attestation import AttestationError, ClientAttestation, verify_client_attestation
from issuer.wallet.dpop import DpopError, DpopProof, verify_dpop_proof

__all__ = ["ClientEvidence", "authenticate_client", "check_sender", "wallet_details"]

DPOP_MAX_AGE = 300  # seconds a DPoP proof is accepted after its iat (RFC 9449 §11.1)


DPOP_LEEWAY = 60  # clock skew allowed either side


# A proof's jti is remembered for as long as the proof could be accepted.
DPOP_JTI_TTL = dt.timedelta(seconds=DPOP_MAX_AGE + 2 * DPOP_LEEWAY)


@dataclass(frozen=True, slots=True)
class ClientEvidence:
    """What a wallet's token or PAR request carries to show who sends it: its ``DPoP`` header proofs
    (RFC 9449) and its ``OAuth-Client-Attestation`` / ``-PoP`` headers, with the wallet providers
    trusted here."""

    dpop: Sequence[str] = ()
    attestation: Sequence[str] = ()
    attestation_pop: Sequence[str] = ()
    wallet_trust_anchors: Sequence[bytes] = ()


def _dpop_proof(
    headers: Sequence[str], *, url: str, now: dt.datetime, access_token: str | None, status: int
) -> DpopProof | None:
    """The request's ``DPoP`` header proof, checked (RFC 9449 §4.3) for ``POST url``; None without one."""
    if not headers:
        return None
    if len(headers) > 1:
        raise dpop_refusal("send a single DPoP header", status)
    try:
        return verify_dpop_proof(
            headers[0],
            method="POST",
            url=url,
            now=int(now.timestamp()),
            max_age=DPOP_MAX_AGE,
            leeway=DPOP_LEEWAY,
            access_token=access_token,
        )
    except DpopError as exc:
        raise dpop_refusal(f"{exc} ({exc.code})", status) from None


def _first_use(session: Session, tenant: Tenant, key: str, now: dt.datetime) -> bool:
    """Record a one-time proof (``key`` names its kind, key and ``jti``) until it could no longer be
    accepted anyway; False if it was seen before (a replay)."""
    repository.delete_expired_seen_jtis(session, now)
    return repository.remember_jti(session, tenant, secret_hash(f"{tenant.id}|{key}"), now + DPOP_JTI_TTL)


def _spend_dpop_proof(
    session: Session, tenant: Tenant, proof: DpopProof, now: dt.datetime, status: int
) -> None:
    """Remember the proof's ``jti`` (per key) while the proof could be accepted; a replay is refused."""
    if not _first_use(session, tenant, f"{proof.jkt}|{proof.jti}", now):
        raise dpop_refusal("this DPoP proof was already used (jti)", status)


def authenticate_client(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    evidence: ClientEvidence,
    *,
    endpoint: str,
    client_id: str | None,
    now: dt.datetime,
) -> tuple[DpopProof | None, ClientAttestation | None]:
    """The token and PAR endpoints' checks of the sender: a DPoP proof for ``endpoint`` (used once;
    it binds what the endpoint gives to its key) and a wallet attestation."""
    proof = _dpop_proof(
        evidence.dpop,
        url=urls.issuer_endpoint_url(settings, tenant, endpoint),
        now=now,
        access_token=None,
        status=400,
    )
    if proof is not None:
        _spend_dpop_proof(session, tenant, proof, now, 400)
    return proof, _client_attestation(session, settings, tenant, evidence, client_id=client_id, now=now)


def _client_attestation(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    evidence: ClientEvidence,
    *,
    client_id: str | None,
    now: dt.datetime,
) -> ClientAttestation | None:
    """OAuth client authentication by wallet attestation (draft-ietf-oauth-attestation-based-client-auth,
    as HAIP asks): both headers or neither; the attestation from a trusted wallet provider, its PoP
    for this authorization server, fresh and never seen before. Required when the service is
    configured to require wallet attestations. Failures are ``invalid_client`` (401)."""
    attestation, pop = evidence.attestation, evidence.attestation_pop
    if not attestation and not pop:
        if settings.require_wallet_attestations:
            raise OAuthError(
                "invalid_client", "a wallet attestation (OAuth-Client-Attestation) is required", 401
            )
        return None
    if len(attestation) != 1 or len(pop) != 1:
        raise OAuthError(
            "invalid_client",
            "send one OAuth-Client-Attestation and one OAuth-Client-Attestation-PoP header",
            401,
        )
    try:
        result = verify_client_attestation(
            attestation[0],
            pop[0],
            audience=urls.issuer_identifier(settings, tenant),
            trust_anchors=evidence.wallet_trust_anchors,
            now=now,
            client_id=client_id,
        )
    except AttestationError as exc:
        raise OAuthError(
            "invalid_client", f"the wallet attestation is not accepted ({exc.code}): {exc}", 401
        ) from None
    if not _first_use(session, tenant, f"client-attestation-pop|{result.instance_jkt}|{result.pop_jti}", now):
        raise OAuthError("invalid_client", "this client attestation PoP was already used (jti)", 401)
    return result


def wallet_details(wallet: ClientAttestation | None) -> dict[str, Any]:
    """What the audit log keeps of an attested wallet."""
    if wallet is None:
        return {}
    return {
        "wallet": {"client_id": wallet.client_id, "provider": wallet.attester, "name": wallet.wallet_name}
    }


def check_sender(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    offer: CredentialOffer,
    *,
    scheme: str,
    token: str,
    dpop: Sequence[str],
    endpoint: str,
    now: dt.datetime,
) -> None:
    """A Bearer token is presented as ``Bearer``; a DPoP-bound one as ``DPoP`` with a fresh proof for
    this endpoint's public URL and this token, signed by the key the token is bound to (RFC 9449 §7)."""
    if offer.dpop_jkt is None:
        if scheme.lower() != "bearer":
            raise OAuthError("invalid_token", "this access token is not DPoP-bound: use Bearer", status=401)
        return
    if scheme.lower() != "dpop":
        raise OAuthError(
            "invalid_token", "this access token is DPoP-bound: use DPoP", status=401, challenge="DPoP"
        )
    url = urls.issuer_endpoint_url(settings, tenant, endpoint)
    proof = _dpop_proof(dpop, url=url, now=now, access_token=token, status=401)
    if proof is None:
        raise dpop_refusal("a DPoP proof is required with a DPoP-bound access token", 401)
    if not hmac.compare_digest(proof.jkt, offer.dpop_jkt):
        raise dpop_refusal("the DPoP proof is not signed by the key the access token is bound to", 401)
    _spend_dpop_proof(session, tenant, proof, now, 401)

"""The credential and notification endpoints (OpenID4VCI §8, §11), behind the access token an offer was
redeemed for: the key proofs of possession (``jwt`` proofs, with their key attestations, OpenID4VCI 1.0
Appendix D and F.1), issuing the holder's copies of the offered credential (one per key proof, bound to
that key, by the credentials domain), and the wallet's notifications of what it did with them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app import urls
from app.audit import service as audit
from app.credentials import service as issuance
from app.credentials.context import IssueContext
from app.credentials.holder import issue_for_holder
from app.db.models import CredentialOffer, Tenant
from app.errors import ServiceError
from app.oid4vci import repository
from app.oid4vci.client_auth import check_sender
from app.oid4vci.codes import secret_hash
from app.oid4vci.errors import OAuthError
from app.oid4vci.metadata import CONFIGURATIONS, PROOF_SIGNING_ALGS
from app.oid4vci.nonces import consume_nonce
from app.settings import Settings
from issuer.wallet.attestation import AttestationError, verify_key_attestation
from issuer.wallet.proof_key import HolderKey, ProofKeyError, holder_key
from proofs.keys import InvalidKey, InvalidSignature, jwk_thumbprint
from proofs.sd_jwt_vc_claims import numeric_date
from proofs.vc_jwt import JwtError, parse_jwt, typ_is

__all__ = ["notification", "request_credential"]

PROOF_MAX_AGE = dt.timedelta(minutes=5)


# -- proofs of possession -------------------------------------------------------------------------------
def _key_attestation(
    ctx: IssueContext, header: dict[str, Any], jwk: dict[str, Any], proof_nonce: Any
) -> None:
    """A ``key_attestation`` in the proof header (OpenID4VCI 1.0 Appendix D.1, HAIP) must come from a
    trusted wallet provider and attest the proof's key; a ``nonce`` in it must be the proof's
    ``c_nonce`` (Appendix F.1). It is required when the service is configured to require wallet
    attestations."""
    attestation = header.get("key_attestation")
    if attestation is None:
        if ctx.settings.require_wallet_attestations:
            raise OAuthError("invalid_proof", "a key attestation (key_attestation) is required")
        return
    if not isinstance(attestation, str):
        raise OAuthError("invalid_proof", "key_attestation must be a compact JWT")
    try:
        attested = verify_key_attestation(attestation, trust_anchors=ctx.wallet_trust_anchors, now=ctx.now)
    except AttestationError as exc:
        raise OAuthError(
            "invalid_proof", f"the key attestation is not accepted ({exc.code}): {exc}"
        ) from None
    if jwk_thumbprint(jwk) not in attested.attested_jkts:
        raise OAuthError("invalid_proof", "the proof is not signed with an attested key")
    if attested.nonce is not None and attested.nonce != proof_nonce:
        raise OAuthError("invalid_proof", "the key attestation was made for another c_nonce")


def _holder_from_proof(
    ctx: IssueContext, tenant: Tenant, proof: Any, binding_methods: Sequence[str]
) -> tuple[HolderKey, Any]:
    """Check a ``jwt`` key proof (OpenID4VCI §8.2.1.1, Appendix F.1): the holder's key (its ``jwk``, or
    a ``did:jwk`` ``kid`` where the configuration binds to did:jwk) and the ``c_nonce`` it names, which
    the caller spends once for the whole request."""
    settings, now = ctx.settings, ctx.now
    if not isinstance(proof, str):
        raise OAuthError("invalid_proof", "a jwt key proof is a compact JWS string")
    try:
        parsed = parse_jwt(proof, typs=frozenset({"openid4vci-proof+jwt"}))
    except JwtError as exc:
        raise OAuthError("invalid_proof", f"the key proof is not a valid JWS: {exc}") from None
    header, payload = parsed.header, parsed.payload
    if parsed.algorithm.jws_alg not in PROOF_SIGNING_ALGS:  # what proof_signing_alg_values_supported says
        raise OAuthError("invalid_proof", f"the key proof alg must be one of {', '.join(PROOF_SIGNING_ALGS)}")
    if not typ_is(header.get("typ"), ("openid4vci-proof+jwt",)):
        raise OAuthError("invalid_proof", "the key proof typ must be openid4vci-proof+jwt")
    try:
        holder = holder_key(header, binding_methods=binding_methods)
    except ProofKeyError as exc:
        raise OAuthError("invalid_proof", str(exc)) from None
    try:
        if holder.key.algorithm != parsed.algorithm:
            raise OAuthError("invalid_proof", "the key proof alg does not match its key")
        holder.key.verify(parsed.signature, parsed.signing_input)
    except (InvalidKey, InvalidSignature, ValueError):
        raise OAuthError("invalid_proof", "the key proof signature does not verify") from None
    if payload.get("aud") != urls.issuer_identifier(settings, tenant):
        raise OAuthError("invalid_proof", "the key proof is for another audience (aud)")
    iat = numeric_date(payload.get("iat"))  # None for a non-number or one no date-time holds (10**400)
    if iat is None or abs(now.timestamp() - iat) > PROOF_MAX_AGE.total_seconds():
        raise OAuthError("invalid_proof", "the key proof iat is missing or not fresh")
    _key_attestation(ctx, header, holder.jwk, payload.get("nonce"))
    return holder, payload.get("nonce")


def _live(offer: CredentialOffer | None, now: dt.datetime) -> CredentialOffer | None:
    """The offer whose access token was sent, if the token may still be used: unexpired, and the
    institution has not revoked the offer since (a revoked offer revokes the token it gave, RFC 6750
    §3.1: "expired, revoked, malformed, or invalid")."""
    if offer is None or offer.revoked_at is not None:
        return None
    expires = offer.access_token_expires_at
    return offer if expires is not None and expires >= now else None


# -- credential endpoint --------------------------------------------------------------------------------
def request_credential(
    session: Session,
    ctx: IssueContext,
    tenant: Tenant,
    *,
    authorization: str | None,
    body: Any,
    dpop: Sequence[str] = (),
) -> dict[str, Any]:
    """Credential endpoint (OpenID4VCI §8): one credential per key proof (batch up to the batch size).

    A refused request keeps nothing (its work runs in a savepoint) but the DPoP proof it spent: a
    proof is single use whatever became of its request (RFC 9449 §11.1)."""
    now = ctx.now
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() not in ("bearer", "dpop") or not token:
        raise OAuthError("invalid_token", "a Bearer or DPoP access token is required", status=401)
    offer = _live(
        repository.find_offer_by_access_token(session, tenant, secret_hash(token.strip()), lock=True), now
    )
    if offer is None:
        raise OAuthError("invalid_token", "the access token is unknown, expired or revoked", status=401)
    check_sender(
        session,
        ctx.settings,
        tenant,
        offer,
        scheme=scheme,
        token=token.strip(),
        dpop=dpop,
        endpoint="credential",
        now=now,
    )
    with session.begin_nested():
        return _issue_credentials(session, ctx, tenant, offer, body)


def _requested_configuration(offer: CredentialOffer, body: dict[str, Any]) -> str:
    """The configuration a credential request asks for, if the access token covers it (§8.2): by
    ``credential_identifier`` when the token response gave identifiers for it (``authorization_details``
    in the authorization code flow), else by ``credential_configuration_id``. What the token covers is
    what the wallet was authorized for: the offer's configurations, or the subset it asked for."""
    identifiers = offer.credential_identifiers or []
    if "credential_identifier" in body:
        if not identifiers:
            raise OAuthError("unknown_credential_identifier", "no credential identifiers were issued")
        if "credential_configuration_id" in body:
            raise OAuthError(
                "invalid_credential_request",
                "send credential_identifier or credential_configuration_id, not both",
            )
        identifier = body["credential_identifier"]
        if not isinstance(identifier, str) or identifier not in identifiers:
            raise OAuthError("unknown_credential_identifier", f"unknown credential identifier {identifier!r}")
        return identifier  # our identifiers are the configuration ids (one credential each)
    config_id = body.get("credential_configuration_id")
    if not isinstance(config_id, str) or config_id not in CONFIGURATIONS:
        raise OAuthError("unknown_credential_configuration", f"unknown configuration {config_id!r}")
    authorized = (
        offer.authorized_configurations
        if offer.authorized_configurations is not None
        else offer.configuration_ids
    )
    if config_id not in authorized:
        raise OAuthError("invalid_credential_request", "the access token does not cover this configuration")
    if config_id in identifiers:
        raise OAuthError(
            "invalid_credential_request",
            "the token response gave a credential_identifier for this configuration: request it with that",
        )
    return config_id


def _issue_credentials(
    session: Session, ctx: IssueContext, tenant: Tenant, offer: CredentialOffer, body: Any
) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise OAuthError("invalid_credential_request", "the body must be a JSON object")
    config_id = _requested_configuration(offer, body)
    if config_id in (offer.issued_configurations or []):
        raise OAuthError("invalid_credential_request", "this credential was already issued with this token")
    proofs = body.get("proofs")
    jwts = proofs.get("jwt") if isinstance(proofs, dict) and set(proofs) == {"jwt"} else None
    if not isinstance(jwts, list) or not 1 <= len(jwts) <= 4:
        raise OAuthError("invalid_proof", "send proofs.jwt with one to four key proofs")
    original = issuance.get_credential(session, tenant, offer.credential_id)
    if original.status != "active":
        raise OAuthError("credential_request_denied", "the credential is no longer active")
    config = CONFIGURATIONS[config_id]
    binding = config.binding_methods
    checked = [_holder_from_proof(ctx, tenant, proof, binding) for proof in jwts]
    # One c_nonce serves the whole request (OpenID4VCI 1.0 §7, §8.2): each one the proofs name is
    # spent once, so proofs sharing it are accepted and it still cannot serve another request.
    for nonce in dict.fromkeys(nonce if isinstance(nonce, str) else None for _holder, nonce in checked):
        consume_nonce(session, tenant, nonce, ctx.now)
    credentials = []
    for holder, _nonce in checked:
        try:
            _row, text = issue_for_holder(
                session,
                ctx,
                tenant,
                original,
                holder_id=holder.did,
                fmt=config.issue_format,
                actor=None,
                holder_jwk=holder.jwk,
            )
        except ServiceError as exc:  # wallets get OpenID4VCI errors, never problem+json (§8.3.1.2)
            raise OAuthError(
                "credential_request_denied", f"the credential cannot be issued ({exc.type_name}): {exc}"
            ) from None
        credentials.append({"credential": json.loads(text) if config.format == "ldp_vc" else text})
    offer.issued_configurations = [*(offer.issued_configurations or []), config_id]
    notification_id = f"{offer.id}.{config_id}"
    return {"credentials": credentials, "notification_id": notification_id}


# -- notification endpoint ------------------------------------------------------------------------------
def notification(
    session: Session,
    tenant: Tenant,
    *,
    authorization: str | None,
    body: Any,
    now: dt.datetime,
    settings: Settings,
    dpop: Sequence[str] = (),
) -> None:
    """Notification endpoint (OpenID4VCI §11): record what the wallet did with the credential."""
    scheme, _, token = (authorization or "").partition(" ")
    offer = _live(
        repository.find_offer_by_access_token(session, tenant, secret_hash(token.strip()), lock=False), now
    )
    if scheme.lower() not in ("bearer", "dpop") or offer is None:
        raise OAuthError("invalid_token", "the access token is unknown, expired or revoked", status=401)
    check_sender(
        session,
        settings,
        tenant,
        offer,
        scheme=scheme,
        token=token.strip(),
        dpop=dpop,
        endpoint="notification",
        now=now,
    )
    if (
        not isinstance(body, dict)
        or body.get("event") not in ("credential_accepted", "credential_failure", "credential_deleted")
        or not isinstance(body.get("notification_id"), str)
    ):
        raise OAuthError("invalid_notification_request", "notification_id and a known event are required")
    if not body["notification_id"].startswith(f"{offer.id}."):
        raise OAuthError("invalid_notification_id", "unknown notification_id")
    audit.record(
        session,
        actor=None,
        action=f"offer.{body['event']}",
        target_type="offer",
        target_id=str(offer.id),
        tenant_id=tenant.id,
        details={"notification_id": body["notification_id"], "at": now.isoformat()},
    )

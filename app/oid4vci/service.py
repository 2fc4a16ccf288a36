"""OpenID for Verifiable Credential Issuance 1.0 (pre-authorized code flow) per tenant.

The authorization code flow (PAR, PKCE, the consent page) lives in ``oid4vci_authorization``; it ends
at the same token endpoint (:func:`redeem`) with the same access token.

Each tenant is a credential issuer at ``{base}/issuers/{slug}`` and its own authorization server. An
offer names an issued credential; redeeming it gives the wallet a copy bound to its key
(``issuance.issue_for_holder``). Offers are single use and expire; the pre-authorized code is an HMAC
of the offer id (never stored); transaction codes, access tokens and nonces are stored hashed; nonces
are single use. Errors are OAuth / OpenID4VCI error codes (§6.3, §8.3.1.2).

A token requested with a DPoP proof (RFC 9449, as HAIP 1.0 requires) is bound to the proof's key and
is used with the ``DPoP`` scheme and a fresh proof per request (proof ``jti`` values are kept for
replay detection); a token requested without one is a Bearer token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import urls
from app.audit import service as audit
from app.credentials import service as issuance
from app.db.models import Credential, CredentialOffer, Oid4vciNonce, Oid4vciSeenJti, Tenant
from app.errors import Conflict, NotFound, ValidationFailed
from app.keys import x5c as sd_jwt_vc
from app.keystore import KeyCustody
from app.settings import Settings
from app.tokens.auth import Principal
from issuer.build import OB_CONTEXT, VC_V2
from issuer.sd_jwt_vc import LEARNING_CREDENTIAL_VCT, MICRO_CREDENTIAL_CLAIMS, micro_credential_vct
from issuer.wallet.attestation import (
    AttestationError,
    ClientAttestation,
    verify_client_attestation,
    verify_key_attestation,
)
from issuer.wallet.dpop import DPOP_ALGORITHMS, DpopError, DpopProof, verify_dpop_proof
from proofs.keys import InvalidKey, InvalidSignature, PublicKey, jwk_thumbprint
from proofs.multibase import b64url_encode
from proofs.vc_jwt import JwtError, parse_jwt, sign_jws


@dataclass(frozen=True, slots=True)
class ClientEvidence:
    """What a wallet's token or PAR request carries to show who sends it: its ``DPoP`` header proofs
    (RFC 9449) and its ``OAuth-Client-Attestation`` / ``-PoP`` headers, with the wallet providers
    trusted here."""

    dpop: Sequence[str] = ()
    attestation: Sequence[str] = ()
    attestation_pop: Sequence[str] = ()
    wallet_trust_anchors: Sequence[bytes] = ()


PRE_AUTH_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


AUTHORIZATION_CODE_GRANT = "authorization_code"


OFFER_TTL = dt.timedelta(days=14)


TOKEN_TTL = dt.timedelta(minutes=10)


NONCE_TTL = dt.timedelta(minutes=5)


PROOF_MAX_AGE = dt.timedelta(minutes=5)


TX_CODE_ATTEMPTS = 3


DPOP_MAX_AGE = 300  # seconds a DPoP proof is accepted after its iat (RFC 9449 §11.1)


DPOP_LEEWAY = 60  # clock skew allowed either side


# A proof's jti is remembered for as long as the proof could be accepted.
DPOP_JTI_TTL = dt.timedelta(seconds=DPOP_MAX_AGE + 2 * DPOP_LEEWAY)


_EU_DISPLAYED_CLAIMS = (
    "family_name",
    "given_name",
    "achievement_title",
    "achievement_description",
    "learning_outcomes",
    "issuing_authority",
    "issuing_country",
    "date_of_issuance",
)


@dataclass(frozen=True, slots=True)
class Configuration:
    id: str
    format: str  # OpenID4VCI format identifier
    issue_format: str  # our issuance format
    name: str

    def metadata(self, public_base_url: str, *, key_attestations: bool = False) -> dict[str, Any]:
        jwt_proofs: dict[str, Any] = {"proof_signing_alg_values_supported": ["ES256", "EdDSA"]}
        if key_attestations:  # OpenID4VCI 1.0 §12.2.4: present = every proof needs a key attestation
            jwt_proofs["key_attestations_required"] = {}
        proof_types = {"jwt": jwt_proofs}
        base: dict[str, Any] = {
            "format": self.format,
            "scope": self.id,
            "cryptographic_binding_methods_supported": ["did:jwk"],
            "proof_types_supported": proof_types,
            "credential_metadata": {"display": [{"name": self.name, "locale": "en"}]},
        }
        credential_type = {"type": ["VerifiableCredential", "OpenBadgeCredential"]}
        if self.format == "dc+sd-jwt":
            base["cryptographic_binding_methods_supported"] = ["jwk"]
            base["credential_signing_alg_values_supported"] = ["ES256"]
            if self.issue_format == "dc+sd-jwt":
                base["vct"] = LEARNING_CREDENTIAL_VCT
                base["credential_metadata"]["claims"] = [{"path": [name]} for name in _EU_DISPLAYED_CLAIMS]
            else:  # Shomei's own type: its Type Metadata is served at the vct URL
                base["vct"] = micro_credential_vct(public_base_url)
                base["credential_metadata"]["claims"] = [
                    {
                        "path": [claim.name],
                        "mandatory": claim.mandatory,
                        "display": [{"name": claim.label, "locale": "en"}],
                    }
                    for claim in MICRO_CREDENTIAL_CLAIMS
                ]
            return base
        if self.format == "ldp_vc":
            base["credential_signing_alg_values_supported"] = ["eddsa-rdfc-2022"]
            base["credential_definition"] = {"@context": [VC_V2, OB_CONTEXT], **credential_type}
        else:
            base["credential_signing_alg_values_supported"] = ["ES256"]
            base["credential_definition"] = credential_type
        return base


CONFIGURATIONS: dict[str, Configuration] = {
    c.id: c
    for c in (
        Configuration("ob3_ldp_vc", "ldp_vc", "ldp_vc", "Open Badge 3.0 (Data Integrity)"),
        Configuration("ob3_jwt_vc_json", "jwt_vc_json", "jwt_vc_json", "Open Badge 3.0 (VC-JWT)"),
        Configuration(
            "eudi_learning_credential_dc_sd_jwt",
            "dc+sd-jwt",
            "dc+sd-jwt",
            "EU Learning Credential (SD-JWT VC)",
        ),
        Configuration(
            "shomei_micro_credential_dc_sd_jwt",
            "dc+sd-jwt",
            "dc+sd-jwt:micro-credential",
            "Micro-credential with all descriptors (SD-JWT VC)",
        ),
    )
}


FORMAT_CONFIGURATION = {
    "ldp_vc": "ob3_ldp_vc",
    "ldp_vc:eddsa-rdfc-2022": "ob3_ldp_vc",
    "jwt_vc_json": "ob3_jwt_vc_json",
    "dc+sd-jwt": "eudi_learning_credential_dc_sd_jwt",
    "dc+sd-jwt:micro-credential": "shomei_micro_credential_dc_sd_jwt",
}


class OAuthError(Exception):
    """An error answered as ``{error, error_description}`` (RFC 6749 §5.2, OpenID4VCI §8.3.1.2).

    ``challenge`` is the authentication scheme a 401 names in ``WWW-Authenticate``: ``Bearer``
    (RFC 6750 §3) or ``DPoP`` (RFC 9449 §7.1)."""

    def __init__(self, error: str, description: str, status: int = 400, *, challenge: str = "Bearer") -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.challenge = challenge


def secret_hash(value: str) -> str:
    """How secrets (codes, tokens, nonces, request URIs) are stored and looked up: SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def issuer_metadata(settings: Settings, tenant: Tenant) -> dict[str, Any]:
    """Credential Issuer Metadata (OpenID4VCI §12.2)."""
    display: dict[str, Any] = {"name": tenant.name, "locale": "en"}
    if tenant.image:
        display["logo"] = {"uri": tenant.image, "alt_text": f"{tenant.name} logo"}
    return {
        "credential_issuer": urls.issuer_identifier(settings, tenant),
        "credential_endpoint": urls.issuer_endpoint_url(settings, tenant, "credential"),
        "nonce_endpoint": urls.issuer_endpoint_url(settings, tenant, "nonce"),
        "notification_endpoint": urls.issuer_endpoint_url(settings, tenant, "notification"),
        "batch_credential_issuance": {"batch_size": 4},
        "display": [display],
        "credential_configurations_supported": {
            cid: c.metadata(settings.public_base_url, key_attestations=settings.require_wallet_attestations)
            for cid, c in CONFIGURATIONS.items()
        },
    }


SIGNED_METADATA_TTL = dt.timedelta(days=1)


def signed_issuer_metadata(
    session: Session,
    settings: Settings,
    custody: KeyCustody,
    ca: sd_jwt_vc.CertificateAuthority,
    tenant: Tenant,
    *,
    now: dt.datetime,
) -> str:
    """Signed Credential Issuer Metadata (OpenID4VCI 1.0 §12.2.3), for ``Accept: application/jwt``: a
    JWT (``typ`` ``openidvci-issuer-metadata+jwt``) whose payload is the metadata with ``sub`` = the
    Credential Issuer Identifier and ``iat``/``exp``, signed ES256 by the tenant's key with its ``x5c``
    chain (HAIP). Raises ``Conflict`` (signing-key-missing) without an active P-256 key."""
    metadata = issuer_metadata(settings, tenant)
    issued = int(now.timestamp())
    payload = {
        **metadata,
        "sub": metadata["credential_issuer"],
        "iss": metadata["credential_issuer"],
        "iat": issued,
        "exp": issued + int(SIGNED_METADATA_TTL.total_seconds()),
    }
    signer, x5c = sd_jwt_vc.x5c_signer(session, settings, custody, ca, tenant)
    header = {"alg": "ES256", "typ": "openidvci-issuer-metadata+jwt", "x5c": x5c}
    return sign_jws(header, payload, key=signer)


def authorization_server_metadata(settings: Settings, tenant: Tenant) -> dict[str, Any]:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414): the pre-authorized code flow and, as HAIP 1.0
    requires next to it, the authorization code flow with PAR (RFC 9126, required), PKCE S256 only
    (RFC 7636) and public clients; the authorization response carries ``iss`` (RFC 9207)."""
    return {
        "issuer": urls.issuer_identifier(settings, tenant),
        "authorization_endpoint": urls.issuer_endpoint_url(settings, tenant, "authorize"),
        "pushed_authorization_request_endpoint": urls.issuer_endpoint_url(settings, tenant, "par"),
        "require_pushed_authorization_requests": True,
        "token_endpoint": urls.issuer_endpoint_url(settings, tenant, "token"),
        "grant_types_supported": [AUTHORIZATION_CODE_GRANT, PRE_AUTH_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": (
            ["attest_jwt_client_auth"]
            if settings.require_wallet_attestations
            else ["attest_jwt_client_auth", "none"]
        ),
        "authorization_response_iss_parameter_supported": True,
        "authorization_details_types_supported": ["openid_credential"],
        "scopes_supported": list(CONFIGURATIONS),
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),
    }


def _code_key(lookup_key: bytes) -> bytes:
    return hmac.new(lookup_key, b"shomei/oid4vci/pre-authorized-code/v1", hashlib.sha256).digest()


def pre_authorized_code(lookup_key: bytes, offer_id: uuid.UUID) -> str:
    mac = hmac.new(_code_key(lookup_key), offer_id.bytes, hashlib.sha256).digest()
    return f"{offer_id.hex}.{b64url_encode(mac)}"


def _state_key(lookup_key: bytes) -> bytes:
    return hmac.new(lookup_key, b"shomei/oid4vci/issuer-state/v1", hashlib.sha256).digest()


def issuer_state(lookup_key: bytes, offer_id: uuid.UUID) -> str:
    """The offer's ``issuer_state`` for the authorization code grant: like the pre-authorized code an
    HMAC of the offer id (never stored), under another derived key, so that the two values differ."""
    mac = hmac.new(_state_key(lookup_key), offer_id.bytes, hashlib.sha256).digest()
    return f"{offer_id.hex}.{b64url_encode(mac)}"


def offer_id_for_issuer_state(lookup_key: bytes, value: str) -> uuid.UUID | None:
    """The offer id an ``issuer_state`` names, or None when the value is not one of ours."""
    offer_hex, _, _mac = value.partition(".")
    try:
        offer_id = uuid.UUID(hex=offer_hex)
    except ValueError:
        return None
    if not hmac.compare_digest(issuer_state(lookup_key, offer_id), value):
        return None
    return offer_id


def _offer_for_code(session: Session, tenant: Tenant, lookup_key: bytes, code: str) -> CredentialOffer:
    offer_hex, _, _mac = code.partition(".")
    try:
        offer_id = uuid.UUID(hex=offer_hex)
    except ValueError:
        raise OAuthError("invalid_grant", "unknown pre-authorized code") from None
    if not hmac.compare_digest(pre_authorized_code(lookup_key, offer_id), code):
        raise OAuthError("invalid_grant", "unknown pre-authorized code")
    offer = session.scalars(
        select(CredentialOffer)
        .where(CredentialOffer.id == offer_id, CredentialOffer.tenant_id == tenant.id)
        .with_for_update()
    ).one_or_none()
    if offer is None:
        raise OAuthError("invalid_grant", "unknown pre-authorized code")
    return offer


def offer_document(
    settings: Settings, tenant: Tenant, offer: CredentialOffer, lookup_key: bytes
) -> dict[str, Any]:
    """The Credential Offer (OpenID4VCI §4.1.1)."""
    grant: dict[str, Any] = {"pre-authorized_code": pre_authorized_code(lookup_key, offer.id)}
    if offer.tx_code_hash is not None:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": 6,
            "description": "Enter the 6-digit code your institution gave you",
        }
    return {
        "credential_issuer": urls.issuer_identifier(settings, tenant),
        "credential_configuration_ids": list(offer.configuration_ids),
        "grants": {
            AUTHORIZATION_CODE_GRANT: {"issuer_state": issuer_state(lookup_key, offer.id)},
            PRE_AUTH_GRANT: grant,
        },
    }


def offer_out(settings: Settings, offer: CredentialOffer, tx_code: str | None) -> dict[str, Any]:
    """What the institution gets for an offer: deep link, QR codes, claim page; ``tx_code`` (shown
    only here, once) when the offer has one."""
    base = urls.offer_url(settings, offer)
    out: dict[str, Any] = {
        "id": str(offer.id),
        "offer_uri": urls.offer_deep_link(settings, offer),
        "credential_offer_uri": base,
        "claim_page_url": f"{base}/claim",
        "qr_svg_url": f"{base}/qr.svg",
        "qr_png_url": f"{base}/qr.png",
        "configurations": list(offer.configuration_ids),
        "expires_at": offer.expires_at.isoformat(),
        "redeemed_at": offer.redeemed_at.isoformat() if offer.redeemed_at else None,
        "revoked_at": offer.revoked_at.isoformat() if offer.revoked_at else None,
    }
    if tx_code is not None:
        out["tx_code"] = tx_code
    return out


def issuance_offer(
    session: Session,
    tenant: Tenant,
    credential: Credential,
    *,
    formats: list[str],
    with_tx_code: bool,
    replay: bool,
    actor: Principal | None,
    now: dt.datetime,
) -> tuple[CredentialOffer, str | None] | None:
    """The offer an issuance request asked for: a new one, or for an idempotent replay the one the
    first request made (see :func:`_replayed_offer`)."""
    if not replay:
        return create_offer(
            session, tenant, credential, formats=formats, with_tx_code=with_tx_code, actor=actor, now=now
        )
    return _replayed_offer(session, tenant, credential, actor=actor, now=now)


def _replayed_offer(
    session: Session, tenant: Tenant, credential: Credential, *, actor: Principal | None, now: dt.datetime
) -> tuple[CredentialOffer, str | None] | None:
    """For an idempotent replay of an issuance that made an offer: that same offer, with a fresh
    transaction code (the first one is stored only hashed). None when the offer is gone (redeemed,
    revoked, expired)."""
    offer = session.scalars(
        select(CredentialOffer)
        .where(CredentialOffer.tenant_id == tenant.id, CredentialOffer.credential_id == credential.id)
        .order_by(CredentialOffer.created_at)
        .limit(1)
        .with_for_update()
    ).one_or_none()
    if offer is None or not usable(offer, now):
        return None
    tx_code = None
    if offer.tx_code_hash is not None:
        tx_code = f"{secrets.randbelow(10**6):06d}"
        offer.tx_code_hash = secret_hash(f"{offer.id}|{tx_code}")
        offer.tx_code_attempts = 0
        audit.record(
            session,
            actor=actor,
            action="offer.tx_code_reissued",
            target_type="offer",
            target_id=str(offer.id),
            tenant_id=tenant.id,
        )
    return offer, tx_code


def create_offer(
    session: Session,
    tenant: Tenant,
    credential: Credential,
    *,
    formats: list[str],
    with_tx_code: bool,
    actor: Principal | None,
    now: dt.datetime,
) -> tuple[CredentialOffer, str | None]:
    """Store an offer for ``credential``; returns it and the transaction code (shown once)."""
    if credential.status != "active" or credential.derived_from_id is not None:
        raise Conflict(
            "only an active, originally issued credential can be offered", type_name="not-offerable"
        )
    unknown = [f for f in formats if f not in FORMAT_CONFIGURATION]
    if unknown or not formats:
        raise ValidationFailed(
            f"unsupported format(s) for wallets: {', '.join(unknown) or 'none given'}",
            type_name="unsupported-format",
            allowed=sorted(FORMAT_CONFIGURATION),
        )
    tx_code = f"{secrets.randbelow(10**6):06d}" if with_tx_code else None
    offer = CredentialOffer(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        credential_id=credential.id,
        configuration_ids=list(dict.fromkeys(FORMAT_CONFIGURATION[f] for f in formats)),
        tx_code_hash=None,
        tx_code_attempts=0,
        expires_at=now + OFFER_TTL,
        issued_configurations=[],
        created_at=now,
        created_by_token_id=actor.token_id if actor else None,
    )
    if tx_code is not None:
        offer.tx_code_hash = secret_hash(f"{offer.id}|{tx_code}")
    session.add(offer)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="offer.create",
        target_type="offer",
        target_id=str(offer.id),
        tenant_id=tenant.id,
        details={
            "credential": str(credential.id),
            "configurations": offer.configuration_ids,
            "tx_code": tx_code is not None,
        },
    )
    return offer, tx_code


def get_offer(session: Session, tenant: Tenant | None, offer_id: uuid.UUID) -> CredentialOffer:
    stmt = select(CredentialOffer).where(CredentialOffer.id == offer_id)
    if tenant is not None:
        stmt = stmt.where(CredentialOffer.tenant_id == tenant.id)
    offer = session.scalars(stmt).one_or_none()
    if offer is None:
        raise NotFound("no such offer", type_name="offer-not-found")
    return offer


def revoke_offer(
    session: Session, tenant: Tenant, offer: CredentialOffer, *, actor: Principal | None, now: dt.datetime
) -> None:
    offer.revoked_at = offer.revoked_at or now
    audit.record(
        session,
        actor=actor,
        action="offer.revoke",
        target_type="offer",
        target_id=str(offer.id),
        tenant_id=tenant.id,
    )


def usable(offer: CredentialOffer, now: dt.datetime) -> bool:
    return offer.revoked_at is None and offer.redeemed_at is None and offer.expires_at > now


def dpop_refusal(description: str, status: int) -> OAuthError:
    return OAuthError("invalid_dpop_proof", description, status, challenge="DPoP")


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
    session.execute(delete(Oid4vciSeenJti).where(Oid4vciSeenJti.expires_at < now))
    seen = Oid4vciSeenJti(
        jti_hash=secret_hash(f"{tenant.id}|{key}"), tenant_id=tenant.id, expires_at=now + DPOP_JTI_TTL
    )
    try:
        with session.begin_nested():
            session.add(seen)
    except IntegrityError:
        return False
    return True


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
    return proof, client_attestation(session, settings, tenant, evidence, client_id=client_id, now=now)


def client_attestation(
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


def _check_sender(
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
    (PKCE; see :func:`app.services.oid4vci_authorization.exchange_code`) → access token. An offer is
    redeemed once, by either grant.

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
    wallet_details = _wallet_details(wallet)
    grant_type = form.get("grant_type")
    if grant_type == AUTHORIZATION_CODE_GRANT:
        from app.oid4vci import authorization as oid4vci_authorization

        return oid4vci_authorization.exchange_code(
            session,
            tenant,
            form,
            proof=proof,
            now=now,
            audit_details=wallet_details,
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
    return grant_access_token(session, tenant, offer, proof, now, audit_details=wallet_details)


def _wallet_details(wallet: ClientAttestation | None) -> dict[str, Any]:
    """What the audit log keeps of an attested wallet."""
    if wallet is None:
        return {}
    return {
        "wallet": {"client_id": wallet.client_id, "provider": wallet.attester, "name": wallet.wallet_name}
    }


def tx_code_matches(offer: CredentialOffer, tx_code: str, now: dt.datetime) -> bool:
    """Check the offer's transaction code; a wrong one counts as an attempt, and after
    ``TX_CODE_ATTEMPTS`` of them the offer is burnt (revoked)."""
    if offer.tx_code_hash is not None and hmac.compare_digest(
        secret_hash(f"{offer.id}|{tx_code}"), offer.tx_code_hash
    ):
        return True
    offer.tx_code_attempts += 1
    if offer.tx_code_attempts >= TX_CODE_ATTEMPTS:
        offer.revoked_at = now  # too many guesses: the offer is burnt
    return False


def grant_access_token(
    session: Session,
    tenant: Tenant,
    offer: CredentialOffer,
    proof: DpopProof | None,
    now: dt.datetime,
    *,
    audit_details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Redeem the offer: its access token (stored hashed), bound to the DPoP proof's key if any."""
    token = secrets.token_urlsafe(32)
    offer.redeemed_at = now
    offer.access_token_hash = secret_hash(token)
    offer.access_token_expires_at = now + TOKEN_TTL
    offer.dpop_jkt = proof.jkt if proof is not None else None
    token_type = "DPoP" if proof is not None else "Bearer"
    audit.record(
        session,
        actor=None,
        action="offer.redeem",
        target_type="offer",
        target_id=str(offer.id),
        tenant_id=tenant.id,
        details={"token_type": token_type, **(audit_details or {})},
    )
    return {"access_token": token, "token_type": token_type, "expires_in": int(TOKEN_TTL.total_seconds())}


def new_nonce(session: Session, tenant: Tenant, *, now: dt.datetime) -> str:
    """Nonce endpoint (OpenID4VCI §7): a fresh single-use ``c_nonce``."""
    session.execute(delete(Oid4vciNonce).where(Oid4vciNonce.expires_at < now))
    nonce = secrets.token_urlsafe(24)
    session.add(Oid4vciNonce(nonce_hash=secret_hash(nonce), tenant_id=tenant.id, expires_at=now + NONCE_TTL))
    return nonce


def _consume_nonce(session: Session, tenant: Tenant, nonce: Any, now: dt.datetime) -> None:
    if not isinstance(nonce, str):
        raise OAuthError("invalid_nonce", "the key proof has no c_nonce")
    row = session.scalars(
        select(Oid4vciNonce)
        .where(Oid4vciNonce.nonce_hash == secret_hash(nonce), Oid4vciNonce.tenant_id == tenant.id)
        .with_for_update()
    ).one_or_none()
    if row is None or row.expires_at < now:
        raise OAuthError("invalid_nonce", "the c_nonce is unknown, used or expired")
    session.delete(row)
    session.flush()


def _key_attestation(
    ctx: issuance.IssueContext, header: dict[str, Any], jwk: dict[str, Any], proof_nonce: Any
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
    session: Session, ctx: issuance.IssueContext, tenant: Tenant, proof: Any
) -> tuple[str, dict[str, Any]]:
    """Check a ``jwt`` key proof (OpenID4VCI §8.2.1.1, Appendix F.1); returns the holder's did:jwk and JWK."""
    settings, now = ctx.settings, ctx.now
    if not isinstance(proof, str):
        raise OAuthError("invalid_proof", "a jwt key proof is a compact JWS string")
    try:
        parsed = parse_jwt(proof, typs=frozenset({"openid4vci-proof+jwt"}))
    except JwtError as exc:
        raise OAuthError("invalid_proof", f"the key proof is not a valid JWS: {exc}") from None
    header, payload = parsed.header, parsed.payload
    if header.get("typ") != "openid4vci-proof+jwt":
        raise OAuthError("invalid_proof", "the key proof typ must be openid4vci-proof+jwt")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or "d" in jwk or "kid" in header or "x5c" in header:
        raise OAuthError("invalid_proof", "the key proof must carry the holder's public key as jwk")
    try:
        key = PublicKey.from_jwk(jwk)
        if key.algorithm != parsed.algorithm:
            raise OAuthError("invalid_proof", "the key proof alg does not match its key")
        key.verify(parsed.signature, parsed.signing_input)
    except (InvalidKey, InvalidSignature, ValueError):
        raise OAuthError("invalid_proof", "the key proof signature does not verify") from None
    if payload.get("aud") != urls.issuer_identifier(settings, tenant):
        raise OAuthError("invalid_proof", "the key proof is for another audience (aud)")
    iat = payload.get("iat")
    if not isinstance(iat, int | float) or abs(now.timestamp() - iat) > PROOF_MAX_AGE.total_seconds():
        raise OAuthError("invalid_proof", "the key proof iat is missing or not fresh")
    _key_attestation(ctx, header, jwk, payload.get("nonce"))
    _consume_nonce(session, tenant, payload.get("nonce"), now)
    public: dict[str, Any] = {k: v for k, v in key.jwk().items() if k != "kid"}
    return "did:jwk:" + b64url_encode(json.dumps(public, separators=(",", ":")).encode()), public


def request_credential(
    session: Session,
    ctx: issuance.IssueContext,
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
    offer = session.scalars(
        select(CredentialOffer)
        .where(
            CredentialOffer.access_token_hash == secret_hash(token.strip()),
            CredentialOffer.tenant_id == tenant.id,
        )
        .with_for_update()
    ).one_or_none()
    if offer is None or offer.access_token_expires_at is None or offer.access_token_expires_at < now:
        raise OAuthError("invalid_token", "the access token is unknown or expired", status=401)
    _check_sender(
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
    session: Session, ctx: issuance.IssueContext, tenant: Tenant, offer: CredentialOffer, body: Any
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
    credentials = []
    for proof in jwts:
        holder, holder_jwk = _holder_from_proof(session, ctx, tenant, proof)
        _row, text = issuance.issue_for_holder(
            session,
            ctx,
            tenant,
            original,
            holder_id=holder,
            fmt=config.issue_format,
            actor=None,
            holder_jwk=holder_jwk,
        )
        credentials.append({"credential": json.loads(text) if config.format == "ldp_vc" else text})
    offer.issued_configurations = [*(offer.issued_configurations or []), config_id]
    notification_id = f"{offer.id}.{config_id}"
    return {"credentials": credentials, "notification_id": notification_id}


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
    offer = session.scalars(
        select(CredentialOffer).where(
            CredentialOffer.access_token_hash == secret_hash(token.strip()),
            CredentialOffer.tenant_id == tenant.id,
        )
    ).one_or_none()
    if (
        scheme.lower() not in ("bearer", "dpop")
        or offer is None
        or offer.access_token_expires_at is None
        or offer.access_token_expires_at < now
    ):
        raise OAuthError("invalid_token", "the access token is unknown or expired", status=401)
    _check_sender(
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

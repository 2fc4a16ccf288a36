"""Wallet attestations, as HAIP 1.0 uses them: the OAuth client attestation a wallet sends with its
token request (draft-ietf-oauth-attestation-based-client-auth: ``OAuth-Client-Attestation`` and
``OAuth-Client-Attestation-PoP``), and the key attestation in a ``jwt`` key proof (OpenID4VCI 1.0
Appendix D, header ``key_attestation``). Both are issued by a wallet provider, whose certificate chain
(``x5c``) must lead to one of the configured wallet trust anchors.

Pure: the clock and the trust anchors are passed in; the caller keeps the PoP ``jti`` replay cache.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from proofs.errors import ProofsError
from proofs.keys import InvalidKey, InvalidSignature, PublicKey, is_private_jwk, jwk_thumbprint
from proofs.vc_jwt import JwtError, ParsedJwt, parse_jwt, typ_is
from proofs.x509 import X509Error, verify_chain

__all__ = ["AttestationError", "ClientAttestation", "verify_client_attestation", "verify_key_attestation"]

CLIENT_ATTESTATION_TYP = "oauth-client-attestation+jwt"


CLIENT_ATTESTATION_POP_TYP = "oauth-client-attestation-pop+jwt"


# OpenID4VCI 1.0 registers key-attestation+jwt; earlier drafts (and some wallets) wrote keyattestation+jwt.
KEY_ATTESTATION_TYPS = frozenset({"key-attestation+jwt", "keyattestation+jwt"})


class AttestationError(ProofsError):
    """An attestation is malformed, untrusted, stale or does not match; ``code`` says which check."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ClientAttestation:
    """A verified client attestation: the wallet instance's ``client_id`` (``sub``), the wallet
    provider (``iss``), the wallet's name when given, its instance key's thumbprint and the PoP
    ``jti`` (for replay detection)."""

    client_id: str
    attester: str
    wallet_name: str | None
    instance_jkt: str
    pop_jti: str


@dataclass(frozen=True, slots=True)
class KeyAttestation:
    """A verified key attestation: the attested keys' thumbprints and the storage / user
    authentication levels the wallet provider vouches for."""

    attested_jkts: frozenset[str]
    key_storage: tuple[str, ...]
    user_authentication: tuple[str, ...]
    nonce: str | None = None


def _parse(token: str, typs: frozenset[str], what: str) -> ParsedJwt:
    try:
        parsed = parse_jwt(token, typs=None)
    except JwtError as exc:
        raise AttestationError("MALFORMED", f"the {what} is not a valid JWS: {exc}") from None
    if not typ_is(parsed.header.get("typ"), typs):
        raise AttestationError("WRONG_TYP", f"the {what} typ must be {' or '.join(sorted(typs))}")
    return parsed


def _verify(parsed: ParsedJwt, key: PublicKey, what: str) -> None:
    if key.algorithm != parsed.algorithm:
        raise AttestationError("ALG_MISMATCH", f"the {what} alg does not match its key")
    try:
        key.verify(parsed.signature, parsed.signing_input)
    except InvalidSignature:
        raise AttestationError("SIGNATURE_INVALID", f"the {what} signature does not verify") from None


def _provider_signed(parsed: ParsedJwt, trust_anchors: Sequence[bytes], now: dt.datetime, what: str) -> None:
    """The JWT is signed by a wallet provider whose ``x5c`` chain leads to a trust anchor."""
    x5c = parsed.header.get("x5c")
    if not isinstance(x5c, list) or not x5c:
        raise AttestationError("NO_X5C", f"the {what} has no x5c certificate chain")
    if not trust_anchors:
        raise AttestationError("UNTRUSTED", "no wallet provider is trusted here (no wallet trust anchors)")
    try:
        key = verify_chain(x5c, trust_anchors, now)
    except X509Error as exc:
        raise AttestationError(
            "UNTRUSTED", f"the {what} certificate chain is not trusted ({exc.code})"
        ) from None
    _verify(parsed, key, what)


def _public_jwk(value: Any, what: str) -> tuple[PublicKey, str]:
    if not isinstance(value, dict) or is_private_jwk(value):
        raise AttestationError("BAD_KEY", f"{what} must be a public JWK")
    try:
        return PublicKey.from_jwk(value), jwk_thumbprint(value)
    except (InvalidKey, KeyError, ValueError):
        raise AttestationError("BAD_KEY", f"{what} is not a supported public key") from None


def _time(payload: dict[str, Any], name: str, *, required: bool, what: str) -> int | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise AttestationError("BAD_TIME", f"the {what} {name} must be a NumericDate")
    return value


def _check_window(
    payload: dict[str, Any],
    now: int,
    leeway: int,
    what: str,
    *,
    iat_required: bool,
    exp_required: bool,
    max_age: int | None,
) -> None:
    """``iat`` not in the future (nor older than ``max_age``), ``exp`` not passed, with ``leeway``."""
    iat = _time(payload, "iat", required=iat_required, what=what)
    exp = _time(payload, "exp", required=exp_required, what=what)
    if iat is not None and iat > now + leeway:
        raise AttestationError("NOT_YET_VALID", f"the {what} is issued in the future")
    if iat is not None and max_age is not None and iat < now - max_age - leeway:
        raise AttestationError("STALE", f"the {what} is too old")
    if exp is not None and exp < now - leeway:
        raise AttestationError("EXPIRED", f"the {what} has expired")


def verify_client_attestation(
    attestation: str,
    pop: str,
    *,
    audience: str,
    trust_anchors: Sequence[bytes],
    now: dt.datetime,
    client_id: str | None = None,
    max_pop_age: int = 300,
    leeway: int = 60,
) -> ClientAttestation:
    """Check a client attestation and its proof of possession for a request to the authorization
    server ``audience``: the attestation is signed by a trusted wallet provider, names the client
    (``sub``) and its instance key (``cnf.jwk``) and has not expired; the PoP is signed by that key,
    is for ``audience``, fresh, and names the same client. ``client_id``, when the request has one,
    must be that client too."""
    epoch = int(now.timestamp())
    parsed = _parse(attestation, frozenset({CLIENT_ATTESTATION_TYP}), "client attestation")
    _provider_signed(parsed, trust_anchors, now, "client attestation")
    claims = parsed.payload
    _check_window(
        claims, epoch, leeway, "client attestation", iat_required=False, exp_required=True, max_age=None
    )
    subject, attester = claims.get("sub"), claims.get("iss")
    if not isinstance(subject, str) or not subject or not isinstance(attester, str) or not attester:
        raise AttestationError("MISSING_CLAIM", "the client attestation needs iss and sub")
    cnf = claims.get("cnf")
    instance_key, instance_jkt = _public_jwk(cnf.get("jwk") if isinstance(cnf, dict) else None, "cnf.jwk")

    proof = _parse(pop, frozenset({CLIENT_ATTESTATION_POP_TYP}), "client attestation PoP")
    _verify(proof, instance_key, "client attestation PoP")
    pop_claims = proof.payload
    _check_window(
        pop_claims,
        epoch,
        leeway,
        "client attestation PoP",
        iat_required=True,
        exp_required=False,
        max_age=max_pop_age,
    )
    aud = pop_claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise AttestationError("WRONG_AUDIENCE", "the client attestation PoP is for another audience")
    if "iss" in pop_claims and pop_claims["iss"] != subject:
        raise AttestationError("CLIENT_MISMATCH", "the PoP iss is not the attested client")
    jti = pop_claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 256:
        raise AttestationError("MISSING_CLAIM", "the client attestation PoP needs a jti")
    if client_id is not None and client_id != subject:
        raise AttestationError("CLIENT_MISMATCH", "client_id is not the attested client")
    name = claims.get("wallet_name")
    return ClientAttestation(subject, attester, name if isinstance(name, str) else None, instance_jkt, jti)


def verify_key_attestation(
    attestation: str, *, trust_anchors: Sequence[bytes], now: dt.datetime, leeway: int = 60
) -> KeyAttestation:
    """Check a key attestation (OpenID4VCI 1.0 Appendix D.1) as used in a ``jwt`` proof: signed by a
    trusted wallet provider, ``iat`` not in the future, ``exp`` present and not passed, and
    ``attested_keys`` a non-empty list of public JWKs."""
    parsed = _parse(attestation, KEY_ATTESTATION_TYPS, "key attestation")
    _provider_signed(parsed, trust_anchors, now, "key attestation")
    claims = parsed.payload
    _check_window(
        claims,
        int(now.timestamp()),
        leeway,
        "key attestation",
        iat_required=True,
        exp_required=True,
        max_age=None,
    )
    keys = claims.get("attested_keys")
    if not isinstance(keys, list) or not keys:
        raise AttestationError("MISSING_CLAIM", "the key attestation needs attested_keys")
    jkts = frozenset(_public_jwk(jwk, "each attested key")[1] for jwk in keys)

    def levels(name: str) -> tuple[str, ...]:
        value = claims.get(name)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    nonce = claims.get("nonce")
    if nonce is not None and not isinstance(nonce, str):  # Appendix D.1: a string; not ignored when malformed
        raise AttestationError("MALFORMED", "the key attestation nonce must be a string")
    return KeyAttestation(jkts, levels("key_storage"), levels("user_authentication"), nonce)

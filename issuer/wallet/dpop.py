"""DPoP proof JWTs (RFC 9449 §4): checking one proof against the request it came with.

Pure: the clock is passed in; no database (the caller keeps the ``jti`` replay cache, RFC 9449 §11.1)
and no network. The algorithms are the asymmetric ones this service supports: ES256 and EdDSA.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from proofs.errors import ProofsError
from proofs.keys import InvalidKey, InvalidSignature, KeyAlgorithm, PublicKey, is_private_jwk, jwk_thumbprint
from proofs.multibase import b64url_encode
from proofs.vc_jwt import JwtError, parse_jwt, typ_is

__all__ = ["DPOP_ALGORITHMS", "DpopError", "DpopProof", "access_token_hash", "verify_dpop_proof"]

DPOP_TYP = "dpop+jwt"


#: JWS ``alg`` → the key algorithm it requires (``none``, HS* and RSA are refused).
DPOP_ALGORITHMS: dict[str, KeyAlgorithm] = {"ES256": KeyAlgorithm.P256, "EdDSA": KeyAlgorithm.ED25519}


MAX_PROOF_LENGTH = 8192


MAX_JTI_LENGTH = 256


_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


_DEFAULT_PORTS = {"http": 80, "https": 443}


_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


class DpopError(ProofsError):
    """A DPoP proof is malformed or does not match its request; ``code`` says which check failed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class DpopProof:
    """A checked proof: the RFC 7638 thumbprint of its key, its ``jti`` and ``iat``."""

    jkt: str
    jti: str
    iat: int


def access_token_hash(access_token: str) -> str:
    """The ``ath`` value: base64url (no padding) of SHA-256 of the token's ASCII bytes (RFC 9449 §4.2)."""
    return b64url_encode(hashlib.sha256(access_token.encode("ascii")).digest())


def _normalize_path(path: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PERCENT.sub(fix, path) or "/"


def _target(url: str) -> tuple[str, str, int, str] | None:
    """Scheme, host, port and path of an http(s) URL, normalized per RFC 3986 §6.2.2-6.2.3 (case,
    percent-encoding, default port, empty path); query and fragment are left out. None if unusable."""
    if not url.isascii() or any(c <= " " or c == "\x7f" for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    return scheme, host.lower(), port or _DEFAULT_PORTS[scheme], _normalize_path(parts.path)


def verify_dpop_proof(
    proof: str,
    *,
    method: str,
    url: str,
    now: int,
    max_age: int = 300,
    leeway: int = 60,
    access_token: str | None = None,
) -> DpopProof:
    """Check a DPoP proof per RFC 9449 §4.3 for a request ``method url`` at time ``now`` (epoch seconds).

    ``url`` is the endpoint's public URL; ``htu`` must name it (query and fragment ignored). ``iat`` must
    lie in ``[now - max_age - leeway, now + leeway]``. With ``access_token``, ``ath`` must be its hash;
    without, ``ath`` is ignored. Replay (``jti``) is the caller's to check. Raises :class:`DpopError`.
    """
    if not isinstance(proof, str) or len(proof) > MAX_PROOF_LENGTH or not _COMPACT_JWS.fullmatch(proof):
        raise DpopError("MALFORMED_PROOF", "a DPoP proof is exactly one compact JWS")
    try:
        parsed = parse_jwt(proof, typs=None)
    except JwtError as exc:
        raise DpopError(exc.code, f"the DPoP proof is not a valid JWS: {exc}") from None
    header, payload = parsed.header, parsed.payload
    if not typ_is(header.get("typ"), (DPOP_TYP,)):
        raise DpopError("WRONG_TYP", f"the DPoP proof typ must be {DPOP_TYP}")
    alg = header.get("alg")
    expected = DPOP_ALGORITHMS.get(alg) if isinstance(alg, str) else None
    if expected is None:
        raise DpopError("UNSUPPORTED_ALG", f"unsupported DPoP proof alg {alg!r}")

    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise DpopError("INVALID_JWK", "the DPoP proof header must carry the public key as jwk")
    if is_private_jwk(jwk):
        raise DpopError("PRIVATE_JWK", "the DPoP proof jwk must not contain a private key")
    try:
        key = PublicKey.from_jwk(jwk)
    except InvalidKey:
        raise DpopError("INVALID_JWK", "the DPoP proof jwk is not a usable public key") from None
    if key.algorithm is not expected or jwk.get("alg", alg) != alg:
        raise DpopError("ALG_MISMATCH", "the DPoP proof alg does not match its jwk")
    try:
        key.verify(parsed.signature, parsed.signing_input)
    except InvalidSignature:
        raise DpopError("SIGNATURE_INVALID", "the DPoP proof signature does not verify") from None

    jti = payload.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise DpopError("INVALID_JTI", f"the DPoP proof jti must be a string of 1 to {MAX_JTI_LENGTH} chars")
    if payload.get("htm") != method:
        raise DpopError("HTM_MISMATCH", f"the DPoP proof htm must be {method}")
    htu = payload.get("htu")
    target = _target(htu) if isinstance(htu, str) else None
    if target is None or target != _target(url):
        raise DpopError("HTU_MISMATCH", f"the DPoP proof htu must be {url}")
    iat = payload.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise DpopError("INVALID_IAT", "the DPoP proof iat must be an integer")
    if iat < now - max_age - leeway:
        raise DpopError("IAT_TOO_OLD", "the DPoP proof is too old (iat)")
    if iat > now + leeway:
        raise DpopError("IAT_IN_FUTURE", "the DPoP proof iat is in the future")
    if access_token is not None:
        ath = payload.get("ath")
        if ath is None:
            raise DpopError("ATH_MISSING", "the DPoP proof has no ath for the access token")
        try:
            expected_ath = access_token_hash(access_token)
        except UnicodeEncodeError:
            raise DpopError("ATH_MISMATCH", "the access token is not ASCII") from None
        if not isinstance(ath, str) or not hmac.compare_digest(ath.encode(), expected_ath.encode()):
            raise DpopError("ATH_MISMATCH", "the DPoP proof ath does not match the access token")
    return DpopProof(jkt=jwk_thumbprint(key.jwk()), jti=jti, iat=iat)

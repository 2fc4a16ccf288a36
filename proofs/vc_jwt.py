"""VC-JWT: the OB 3.0 profile (OB 3.0 §8.2: VCDM 2.0 payload at the top level, ``typ`` JWT, registered
claims ``iss``/``jti``/``nbf``/``sub``/``exp``), reading also the VCDM 1.1 ``vc`` claim and VC-JOSE
``vc+jwt`` (standards.md §4). Pure functions: keys and clock are passed in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from proofs import strict_json
from proofs.errors import ProofsError
from proofs.keys import InvalidSignature, KeyAlgorithm, PublicKey
from proofs.multibase import MultibaseError, b64url_decode, b64url_encode
from proofs.signer import Signer

__all__ = [
    "JwtError",
    "ParsedJwt",
    "encode_ob_vc_jwt",
    "parse_jwt",
    "sign_jws",
    "typ_is",
    "verify_jws",
]

_ACCEPTED_TYPS = frozenset({"JWT", "vc+jwt", "vc+ld+jwt"})  # compared as media types (typ_is)
_JOSE_TYPS = frozenset({"vc+jwt", "vc+ld+jwt"})  # VC-JOSE-COSE: the payload is the VC
_ALG_OF = {alg.jws_alg: alg for alg in KeyAlgorithm}
# The largest compact JWS read: as large as a credential may be (verifier.formats). Reading is linear
# (base64url, JSON), so a larger bound would cost no more than a millisecond per 100 KiB; a JWT has no
# smaller size that every genuine one keeps to (a credential may embed its images as data: URLs).
_MAX_TOKEN = 1_048_576


def _media_type(typ: str) -> str:
    lowered = typ.lower()
    return lowered if "/" in lowered else "application/" + lowered


def typ_is(typ: object, accepted: Collection[str]) -> bool:
    """Whether a JOSE header's ``typ`` is one of the ``accepted`` media types. RFC 7515 §4.1.9: media type
    names are compared case-insensitively (RFC 2045), and a value without a "/" is read as if
    "application/" were prepended, so ``jwt``, ``application/JWT`` and ``JWT`` are one type. A missing or
    non-string ``typ`` is none of them."""
    if type(typ) is not str:
        return False
    return _media_type(typ) in {_media_type(a) for a in accepted}


class JwtError(ProofsError):
    """A token is not a well-formed JWS, or its claims contradict the credential."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _b64json(value: Mapping[str, Any]) -> str:
    return b64url_encode(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _epoch(value: str) -> int:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp())


def sign_jws(header: Mapping[str, Any], payload: Mapping[str, Any], *, key: Signer) -> str:
    """Compact JWS of ``payload`` with ``header`` (whose ``alg`` must match the key)."""
    if header.get("alg") != key.algorithm.jws_alg:
        raise JwtError("ALG_MISMATCH", f"header alg {header.get('alg')} does not match the key")
    signing_input = f"{_b64json(header)}.{_b64json(payload)}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def encode_ob_vc_jwt(credential: Mapping[str, Any], *, key: Signer, kid: str) -> str:
    """The OB 3.0 VC-JWT of an unsigned credential: header ``{alg, kid, typ: JWT}``; payload is the
    credential plus ``iss``, ``jti``, ``nbf`` and, when present, ``sub`` and ``exp``."""
    issuer = credential["issuer"]
    payload: dict[str, Any] = dict(credential)
    payload["iss"] = issuer["id"] if isinstance(issuer, Mapping) else issuer
    if "id" in credential:
        payload["jti"] = credential["id"]
    payload["nbf"] = _epoch(credential["validFrom"])
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        payload["sub"] = subject["id"]
    if "validUntil" in credential:
        payload["exp"] = _epoch(credential["validUntil"])
    header = {"alg": key.algorithm.jws_alg, "kid": kid, "typ": "JWT"}
    return sign_jws(header, payload, key=key)


@dataclass(frozen=True, slots=True)
class ParsedJwt:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def algorithm(self) -> KeyAlgorithm:
        return _ALG_OF[self.header["alg"]]

    @property
    def credential(self) -> dict[str, Any]:
        """The credential: the VCDM 1.1 ``vc`` claim when present (and the token is not VC-JOSE-COSE),
        else the payload (VCDM 2.0)."""
        vc = self.payload.get("vc")
        if self.legacy and isinstance(vc, dict):
            return vc
        return {k: v for k, v in self.payload.items() if k not in _REGISTERED}

    @property
    def legacy(self) -> bool:
        """The VCDM 1.1 form (the credential in the ``vc`` claim). A ``vc+jwt`` token (VC-JOSE-COSE §3.1.1)
        is never one: its payload is the credential, whatever members it has."""
        return isinstance(self.payload.get("vc"), dict) and not typ_is(self.header.get("typ"), _JOSE_TYPS)


_REGISTERED = frozenset({"iss", "jti", "nbf", "sub", "exp", "iat", "aud", "cnf"})


def _canonical_b64url(text: str) -> bytes:
    """A part of a compact JWS, decoded: base64url in its one written form (RFC 7515 §2: no padding, no
    line breaks, whitespace or other characters; RFC 4648 §3.5: zero pad bits), else MultibaseError. The
    lenient decoder reads ``sig=`` or a changed last character as the same bytes: one signed token would
    have many texts, told apart by any reader that keys on the token (a replay or status cache)."""
    decoded = b64url_decode(text)
    if b64url_encode(decoded) != text:
        raise MultibaseError("not canonical base64url")
    return decoded


def _decode_part(text: str, what: str) -> dict[str, Any]:
    """A header or the claims: base64url JSON with each member name once (RFC 7515 §5.2, RFC 7519 §4
    allow a parser to reject duplicates; we do, so no reader can see another ``alg`` or claim)."""
    try:
        value = strict_json.loads(_canonical_b64url(text))
    except strict_json.DuplicateMember as exc:
        raise JwtError("DUPLICATE_MEMBER", f"the JWT {what} is malformed: {exc}") from None
    except (MultibaseError, ValueError, UnicodeDecodeError, RecursionError):
        raise JwtError("MALFORMED_JWT", f"the JWT {what} is not base64url JSON") from None
    if not isinstance(value, dict):
        raise JwtError("MALFORMED_JWT", f"the JWT {what} is not a JSON object")
    return value


def _shown(value: object) -> str:
    """A header value in a message: its repr, shortened (it is anyone's input)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_jwt(token: str, *, typs: frozenset[str] | None = _ACCEPTED_TYPS) -> ParsedJwt:
    """Split and decode a compact JWS; checks ``alg`` (never ``none``) and ``typ`` (one of ``typs``; any
    when ``typs`` is None), not the signature."""
    token = token.strip()
    if len(token) > _MAX_TOKEN:
        raise JwtError("TOO_LARGE", f"the JWT is larger than {_MAX_TOKEN} characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("MALFORMED_JWT", "a compact JWS has three dot-separated parts")
    header = _decode_part(parts[0], "header")
    payload = _decode_part(parts[1], "payload")
    alg = header.get("alg")
    if type(alg) is not str or alg not in _ALG_OF:
        raise JwtError("UNSUPPORTED_ALG", f"unsupported JWS alg {_shown(alg)}")
    typ = header.get("typ")
    if typ is not None and type(typ) is not str:
        raise JwtError("MALFORMED_JWT", "the JWT typ is not a string")
    if typs is not None and typ is not None and not typ_is(typ, typs):
        raise JwtError("UNSUPPORTED_TYP", f"unsupported JWT typ {typ!r}")
    if "crit" in header:
        raise JwtError("UNSUPPORTED_CRIT", "critical JWS header parameters are not supported")
    try:
        signature = _canonical_b64url(parts[2])
    except MultibaseError:
        raise JwtError("MALFORMED_JWT", "the JWT signature is not base64url") from None
    return ParsedJwt(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def verify_jws(parsed: ParsedJwt, public_key: PublicKey) -> None:
    """Check the signature with ``public_key``; raises :class:`JwtError` ``SIGNATURE_INVALID``."""
    if public_key.algorithm != parsed.algorithm:
        raise JwtError("ALG_MISMATCH", "the key does not match the JWS alg")
    try:
        public_key.verify(parsed.signature, parsed.signing_input)
    except InvalidSignature:
        raise JwtError("SIGNATURE_INVALID", "the JWS signature does not verify") from None

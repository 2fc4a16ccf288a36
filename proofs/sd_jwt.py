"""SD-JWT (RFC 9901) and SD-JWT VC (draft-ietf-oauth-sd-jwt-vc): issuance, parsing, verification and
Key Binding. Pure functions: keys, salts and the clock are passed in (standards.md §7.1, §9.4).

Serialization is the compact form ``<issuer-jwt>~<disclosure>~…~[<kb-jwt>]``. Disclosures are the
base64url of the JSON array ``[salt, name, value]`` (object properties) or ``[salt, value]`` (array
elements), written the way the specification's reference generator writes them (``", "``/``": "``
separators, non-ASCII kept as UTF-8), so the published examples are reproduced byte for byte. A
verifier never re-serializes a Disclosure: digests are always taken over the received text.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from proofs import strict_json
from proofs.constant_time import same_text
from proofs.errors import ProofsError
from proofs.keys import InvalidKey, PublicKey
from proofs.multibase import MultibaseError, b64url_decode, b64url_encode
from proofs.sd_jwt_vc_claims import NEVER_DISCLOSABLE, forbidden_disclosures, numeric_date
from proofs.signer import Signer
from proofs.vc_jwt import JwtError, ParsedJwt, parse_jwt, sign_jws, typ_is, verify_jws

__all__ = [
    "SdJwt",
    "SdJwtError",
    "disclosure_digest",
    "holder_key_from_cnf",
    "issue_sd_jwt",
    "make_disclosure",
    "make_kb_jwt",
    "parse_compact_jwt",
    "parse_sd_jwt",
    "sd_hash",
    "verify_kb_jwt",
    "verify_sd_jwt",
]

_SD_ALG = "sha-256"
_SD_JWT_VC_TYP = "dc+sd-jwt"
# ``vc+sd-jwt`` was the media type until draft -06 (Nov 2024); read, never written.
_SD_JWT_VC_TYPS = frozenset({_SD_JWT_VC_TYP, "vc+sd-jwt"})
_KB_JWT_TYP = "kb+jwt"
_RESERVED_NAMES = frozenset({"_sd", "...", "_sd_alg"})
_MAX_TOKEN = 2_000_000
_MAX_DISCLOSURES = 10_000
_MAX_DEPTH = 64
_COMPACT_CHARACTERS = re.compile(r"[A-Za-z0-9_\-.~]*")

# A path to a disclosable claim: object keys (str) and array positions (int), from the payload root.
ClaimPath = tuple[str | int, ...]


class SdJwtError(ProofsError):
    """An SD-JWT is malformed, does not verify, or violates RFC 9901 §7 processing rules."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- disclosures -------------------------------------------------------------------------------


def _default_salt() -> str:
    """128 bits of CSPRNG salt, base64url (RFC 9901 §4.2.1 and §9.3)."""
    return b64url_encode(secrets.token_bytes(16))


def _ascii(text: str) -> bytes:
    """The ASCII of base64url text (what digests are over); any other text is a malformed SD-JWT."""
    if not _COMPACT_CHARACTERS.fullmatch(text):
        raise SdJwtError("MALFORMED_SD_JWT", "an SD-JWT holds only base64url characters, '.' and '~'")
    return text.encode("ascii")


def disclosure_digest(disclosure: str) -> str:
    """``b64url(sha256(ascii(disclosure)))`` (RFC 9901 §4.2.3)."""
    return b64url_encode(hashlib.sha256(_ascii(disclosure)).digest())


def make_disclosure(salt: str, name: str | None, value: Any) -> tuple[str, str]:
    """An object-property Disclosure ``[salt, name, value]`` or, with ``name=None``, an array-element
    Disclosure ``[salt, value]``; returns ``(disclosure, digest)``."""
    if name is not None and name in _RESERVED_NAMES:
        raise SdJwtError("RESERVED_CLAIM_NAME", f"{name!r} cannot be a disclosed claim name")
    array = [salt, value] if name is None else [salt, name, value]
    disclosure = b64url_encode(json.dumps(array, ensure_ascii=False).encode("utf-8"))
    return disclosure, disclosure_digest(disclosure)


# -- issuance ----------------------------------------------------------------------------------


def _normalize_paths(disclosable: Collection[str | ClaimPath]) -> set[ClaimPath]:
    paths: set[ClaimPath] = set()
    for item in disclosable:
        path: ClaimPath = (item,) if isinstance(item, str) else tuple(item)
        if not path or not all(isinstance(p, str | int) and not isinstance(p, bool) for p in path):
            raise SdJwtError("BAD_DISCLOSABLE_PATH", f"invalid disclosable path {item!r}")
        if path[0] in NEVER_DISCLOSABLE:  # nor any part of one (SD-JWT VC §2.2.2)
            raise SdJwtError("NOT_DISCLOSABLE", f"{path[0]!r} must not be selectively disclosable")
        paths.add(path)
    return paths


@dataclass
class _Issuance:
    paths: set[ClaimPath]
    salt_source: Callable[[], str]
    decoys: int
    disclosures: list[str] = field(default_factory=list)
    used: set[ClaimPath] = field(default_factory=set)

    def decoy_digests(self) -> list[str]:
        # RFC 9901 §4.2.5: the digest of a random value, indistinguishable from a real one.
        return [disclosure_digest(self.salt_source()) for _ in range(self.decoys)]

    def build(self, value: Any, path: ClaimPath) -> Any:
        if isinstance(value, Mapping):
            return self.build_object(value, path)
        if isinstance(value, list | tuple):
            return self.build_array(value, path)
        return value

    def build_object(self, obj: Mapping[str, Any], path: ClaimPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        digests: list[str] = []
        for name, child in obj.items():
            if not isinstance(name, str) or name in _RESERVED_NAMES:
                raise SdJwtError("RESERVED_CLAIM_NAME", f"claim name {name!r} is reserved")
            child_path = (*path, name)
            built = self.build(child, child_path)  # children first, as the reference generator does
            if child_path in self.paths:
                disclosure, digest = make_disclosure(self.salt_source(), name, built)
                self.disclosures.append(disclosure)
                digests.append(digest)
                self.used.add(child_path)
            else:
                out[name] = built
        if digests:
            out["_sd"] = sorted(digests + self.decoy_digests())
        return out

    def build_array(self, items: Sequence[Any], path: ClaimPath) -> list[Any]:
        out: list[Any] = []
        for position, child in enumerate(items):
            child_path = (*path, position)
            built = self.build(child, child_path)
            if child_path in self.paths:
                disclosure, digest = make_disclosure(self.salt_source(), None, built)
                self.disclosures.append(disclosure)
                out.append({"...": digest})
                self.used.add(child_path)
            else:
                out.append(built)
        return out


def issue_sd_jwt(
    claims: Mapping[str, Any],
    *,
    disclosable: Collection[str | ClaimPath],
    key: Signer,
    header: Mapping[str, Any] | None = None,
    salt_source: Callable[[], str] = _default_salt,
    decoys: int = 0,
) -> str:
    """Issue ``<jws>~<d1>~…~<dn>~``.

    ``disclosable`` holds top-level claim names and/or paths (tuples of keys and array positions, e.g.
    ``("address", "locality")`` or ``("nationalities", 0)``); a path inside a disclosable parent is
    hidden inside the parent's Disclosure. Every ``_sd`` array gets ``decoys`` decoy digests and is
    sorted. The payload carries ``_sd_alg: "sha-256"``. The header defaults to
    ``{"alg": <key alg>, "typ": "dc+sd-jwt"}``; give ``kid`` or ``x5c`` in ``header``.
    """
    if decoys < 0:
        raise ValueError("decoys must be >= 0")
    if "_sd_alg" in claims:
        raise SdJwtError("RESERVED_CLAIM_NAME", "_sd_alg is set by the issuer function")
    paths = _normalize_paths(disclosable)
    issuance = _Issuance(paths, salt_source, decoys)
    payload = issuance.build_object(claims, ())
    missing = paths - issuance.used
    if missing:
        raise SdJwtError("UNKNOWN_DISCLOSABLE_PATH", f"no claim at {sorted(map(str, missing))}")
    payload["_sd_alg"] = _SD_ALG
    jws_header: dict[str, Any] = {"alg": key.algorithm.jws_alg, "typ": _SD_JWT_VC_TYP}
    jws_header.update(header or {})
    try:
        jws = sign_jws(jws_header, payload, key=key)
    except JwtError as exc:
        raise SdJwtError(exc.code, str(exc)) from None
    return "~".join([jws, *issuance.disclosures, ""])


# -- parsing -----------------------------------------------------------------------------------


def parse_compact_jwt(token: str, *, typs: Collection[str] | None) -> ParsedJwt:
    """Split and decode a compact JWS without checking the signature (:func:`proofs.vc_jwt.parse_jwt`, its
    errors as :class:`SdJwtError`). ``typs``: the ``typ`` values accepted, as media types (``typ_is``;
    ``None``: any). ``alg`` must be a supported asymmetric algorithm (never ``none``)."""
    if token.count(".") != 2 or not all(token.split(".")):
        raise SdJwtError("MALFORMED_JWT", "a compact JWS has three non-empty dot-separated parts")
    try:
        parsed = parse_jwt(token, typs=None)
    except JwtError as exc:
        raise SdJwtError(exc.code, str(exc)) from None
    if typs is not None and not typ_is(parsed.header.get("typ"), typs):
        raise SdJwtError("UNSUPPORTED_TYP", f"unexpected JWT typ {parsed.header.get('typ')!r}")
    return parsed


@dataclass(frozen=True, slots=True)
class SdJwt:
    """A parsed SD-JWT or SD-JWT+KB. ``disclosures`` keep their received text."""

    issuer_jwt: ParsedJwt
    issuer_jwt_compact: str
    disclosures: tuple[str, ...]
    kb_jwt: ParsedJwt | None = None
    kb_jwt_compact: str | None = None

    @property
    def without_kb(self) -> str:
        """The presentation up to and including the last ``~`` (the ``sd_hash`` input)."""
        return "~".join([self.issuer_jwt_compact, *self.disclosures, ""])

    def serialize(self) -> str:
        return self.without_kb + (self.kb_jwt_compact or "")


def parse_sd_jwt(text: str) -> SdJwt:
    """Parse ``<jwt>~<d>~…~[<kb-jwt>]``: the structure (base64url parts only), not signatures or digests."""
    text = text.strip()
    if len(text) > _MAX_TOKEN:
        raise SdJwtError("MALFORMED_SD_JWT", "the SD-JWT is too large")
    _ascii(text)
    parts = text.split("~")
    if len(parts) < 2:
        raise SdJwtError("MALFORMED_SD_JWT", "an SD-JWT ends with '~' or a Key Binding JWT")
    if len(parts) - 2 > _MAX_DISCLOSURES:
        raise SdJwtError("MALFORMED_SD_JWT", "too many Disclosures")
    disclosures = tuple(parts[1:-1])
    if any(not d for d in disclosures):
        raise SdJwtError("MALFORMED_SD_JWT", "empty Disclosure between '~' separators")
    issuer_jwt = parse_compact_jwt(parts[0], typs=None)
    kb_jwt = parse_compact_jwt(parts[-1], typs=None) if parts[-1] else None
    for disclosure in disclosures:
        _refuse_duplicate_members(disclosure)
    return SdJwt(issuer_jwt, parts[0], disclosures, kb_jwt, parts[-1] or None)


# -- verification ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Disclosure:
    salt: str
    name: str | None
    value: Any


def _duplicate(exc: strict_json.DuplicateMember) -> SdJwtError:
    return SdJwtError("DUPLICATE_MEMBER", f"a Disclosure is malformed: {exc}")


def _refuse_duplicate_members(text: str) -> None:
    """A Disclosure whose JSON names a member twice is refused when the SD-JWT is read (the other
    defects of a Disclosure are found when it is used)."""
    try:
        strict_json.loads(b64url_decode(text))
    except strict_json.DuplicateMember as exc:
        raise _duplicate(exc) from None
    except (MultibaseError, ValueError, UnicodeDecodeError, RecursionError):
        return


def _decode_disclosure(text: str) -> _Disclosure:
    try:
        array = strict_json.loads(b64url_decode(text))
    except strict_json.DuplicateMember as exc:
        raise _duplicate(exc) from None
    except (MultibaseError, ValueError, UnicodeDecodeError, RecursionError):
        raise SdJwtError("MALFORMED_DISCLOSURE", "a Disclosure is not base64url JSON") from None
    if not isinstance(array, list) or len(array) not in (2, 3) or not isinstance(array[0], str):
        raise SdJwtError("MALFORMED_DISCLOSURE", "a Disclosure is a JSON array [salt, (name,) value]")
    if len(array) == 2:
        return _Disclosure(array[0], None, array[1])
    name = array[1]
    if not isinstance(name, str):
        raise SdJwtError("MALFORMED_DISCLOSURE", "a Disclosure claim name must be a string")
    if name in _RESERVED_NAMES:
        raise SdJwtError("MALFORMED_DISCLOSURE", f"{name!r} cannot be a disclosed claim name")
    return _Disclosure(array[0], name, array[2])


class _Reconstruction:
    """RFC 9901 §7.1 step 3: replace digests by disclosed values, each Disclosure used exactly once."""

    def __init__(self, disclosures: Mapping[str, _Disclosure]) -> None:
        self.by_digest = disclosures
        self.seen_digests: set[str] = set()
        self.used: set[str] = set()

    def _note(self, digest: Any) -> str:
        if not isinstance(digest, str):
            raise SdJwtError("MALFORMED_SD_JWT", "digests are strings")
        if digest in self.seen_digests:
            raise SdJwtError("DUPLICATE_DIGEST", "a digest appears more than once")
        self.seen_digests.add(digest)
        return digest

    def process(self, value: Any, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise SdJwtError("MALFORMED_SD_JWT", "the payload is nested too deeply")
        if isinstance(value, dict):
            return self.process_object(value, depth)
        if isinstance(value, list):
            return self.process_array(value, depth)
        return value

    def process_object(self, obj: dict[str, Any], depth: int) -> dict[str, Any]:
        digests = obj.get("_sd", [])
        if not isinstance(digests, list):
            raise SdJwtError("MALFORMED_SD_JWT", "_sd must be an array")
        out: dict[str, Any] = {}
        for name, child in obj.items():
            if name == "_sd":
                continue
            if name == "...":
                raise SdJwtError("MALFORMED_SD_JWT", "'...' is only allowed as an array element")
            out[name] = self.process(child, depth + 1)
        for raw in digests:
            digest = self._note(raw)
            disclosure = self.by_digest.get(digest)
            if disclosure is None:
                continue  # a decoy or an undisclosed claim
            if disclosure.name is None:
                raise SdJwtError("DISCLOSURE_KIND_MISMATCH", "an array-element Disclosure is used in _sd")
            if disclosure.name in out:
                raise SdJwtError("CLAIM_NAME_CLASH", f"disclosed claim {disclosure.name!r} already exists")
            self.used.add(digest)
            out[disclosure.name] = self.process(disclosure.value, depth + 1)
        return out

    def process_array(self, items: list[Any], depth: int) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if isinstance(item, dict) and "..." in item:
                if len(item) != 1:
                    raise SdJwtError("MALFORMED_SD_JWT", "an array digest object has only the '...' key")
                digest = self._note(item["..."])
                disclosure = self.by_digest.get(digest)
                if disclosure is None:
                    continue  # undisclosed element or decoy: removed
                if disclosure.name is not None:
                    raise SdJwtError("DISCLOSURE_KIND_MISMATCH", "an object Disclosure is used in an array")
                self.used.add(digest)
                out.append(self.process(disclosure.value, depth + 1))
            else:
                out.append(self.process(item, depth + 1))
        return out


def verify_sd_jwt(
    sd: SdJwt,
    public_key: PublicKey,
    *,
    typs: Collection[str] | None = _SD_JWT_VC_TYPS,
    require_vct: bool = True,
    now: int | None = None,
    leeway: int = 0,
) -> dict[str, Any]:
    """Verify the issuer signature, then return the processed payload (RFC 9901 §7.1).

    Rejects (``SdJwtError.code``): ``UNSUPPORTED_TYP``, ``SIGNATURE_INVALID``/``ALG_MISMATCH``,
    ``UNSUPPORTED_SD_ALG``, ``MALFORMED_DISCLOSURE``, ``DUPLICATE_DISCLOSURE``, ``DUPLICATE_DIGEST``,
    ``CLAIM_NAME_CLASH``, ``DISCLOSURE_KIND_MISMATCH``, ``UNREFERENCED_DISCLOSURE``,
    ``FORBIDDEN_DISCLOSURE`` (an SD-JWT VC never-disclosable claim disclosed, or a digest inside one),
    ``MISSING_VCT``, and with ``now`` ``EXPIRED``/``NOT_YET_VALID``. ``_sd_alg`` is removed from the
    result; ``cnf`` is kept.
    """
    jwt = sd.issuer_jwt
    if typs is not None and not typ_is(jwt.header.get("typ"), typs):
        raise SdJwtError("UNSUPPORTED_TYP", f"unexpected SD-JWT typ {jwt.header.get('typ')!r}")
    try:
        verify_jws(jwt, public_key)
    except JwtError as exc:
        raise SdJwtError(exc.code, str(exc)) from None
    payload = jwt.payload
    sd_alg = payload.get("_sd_alg", _SD_ALG)
    if sd_alg != _SD_ALG:
        raise SdJwtError("UNSUPPORTED_SD_ALG", f"unsupported _sd_alg {sd_alg!r}")
    by_digest: dict[str, _Disclosure] = {}
    for text in sd.disclosures:
        digest = disclosure_digest(text)
        if digest in by_digest:
            raise SdJwtError("DUPLICATE_DISCLOSURE", "the same Disclosure is included twice")
        by_digest[digest] = _decode_disclosure(text)
    reconstruction = _Reconstruction(by_digest)
    processed = reconstruction.process_object({k: v for k, v in payload.items() if k != "_sd_alg"}, 0)
    if reconstruction.used != set(by_digest):
        raise SdJwtError("UNREFERENCED_DISCLOSURE", "a Disclosure is not referenced by the payload")
    top_digests = set(payload.get("_sd", []))
    top_level_disclosed = {d.name for g, d in by_digest.items() if g in top_digests and d.name is not None}
    forbidden = forbidden_disclosures(payload, top_level_disclosed)
    if forbidden:
        raise SdJwtError("FORBIDDEN_DISCLOSURE", f"{forbidden} must not be selectively disclosable")
    if require_vct and not isinstance(processed.get("vct"), str):
        raise SdJwtError("MISSING_VCT", "an SD-JWT VC has a string vct claim")
    if now is not None:
        _check_time(processed, now, leeway)
    return processed


def _check_time(claims: Mapping[str, Any], now: int, leeway: int) -> None:
    """``exp``/``nbf``, when present, are NumericDates (fractional ones included) compared with ``now``;
    one that is not a NumericDate (a boolean, text) is refused as the check it belongs to."""
    exp, nbf = (claims.get(name) for name in ("exp", "nbf"))
    if exp is not None and ((at := numeric_date(exp)) is None or now > at + leeway):
        raise SdJwtError("EXPIRED", "the SD-JWT has expired")
    if nbf is not None and ((at := numeric_date(nbf)) is None or now + leeway < at):
        raise SdJwtError("NOT_YET_VALID", "the SD-JWT is not yet valid")


# -- key binding -------------------------------------------------------------------------------


def sd_hash(presentation_without_kb: str) -> str:
    """``b64url(sha256(ascii(<jwt>~<d1>~…~)))`` (RFC 9901 §4.3.1)."""
    return b64url_encode(hashlib.sha256(_ascii(presentation_without_kb)).digest())


def make_kb_jwt(sd_jwt_without_kb: str, *, holder_key: Signer, aud: str, nonce: str, iat: int) -> str:
    """The Key Binding JWT for ``sd_jwt_without_kb`` (which must end with ``~``); append it to that
    string to form the SD-JWT+KB presentation."""
    if not sd_jwt_without_kb.endswith("~"):
        raise SdJwtError("MALFORMED_SD_JWT", "the presentation without KB-JWT ends with '~'")
    header = {"alg": holder_key.algorithm.jws_alg, "typ": _KB_JWT_TYP}
    payload = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash(sd_jwt_without_kb)}
    return sign_jws(header, payload, key=holder_key)


def holder_key_from_cnf(payload: Mapping[str, Any]) -> PublicKey:
    """The holder key from ``cnf.jwk`` of a processed payload (SD-JWT VC §2.2.2.2)."""
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if not isinstance(jwk, dict):
        raise SdJwtError("MISSING_CNF", "the SD-JWT has no cnf.jwk holder key")
    try:
        return PublicKey.from_jwk(jwk)
    except InvalidKey as exc:
        raise SdJwtError("MISSING_CNF", f"cnf.jwk is not a usable key: {exc}") from None


def verify_kb_jwt(
    sd: SdJwt,
    holder_public_key: PublicKey,
    *,
    aud: str,
    nonce: str,
    now: int,
    max_age: int,
    leeway: int = 5,
) -> dict[str, Any]:
    """Verify the Key Binding JWT (RFC 9901 §7.3 step 5); returns its payload.

    Codes: ``MISSING_KB_JWT``, ``UNSUPPORTED_TYP``, ``KB_SIGNATURE_INVALID``, ``KB_AUD_MISMATCH``,
    ``KB_NONCE_MISMATCH``, ``KB_IAT_INVALID`` (missing, in the future, or older than ``max_age``
    seconds), ``KB_SD_HASH_MISMATCH``.
    """
    kb = sd.kb_jwt
    if kb is None:
        raise SdJwtError("MISSING_KB_JWT", "the presentation has no Key Binding JWT")
    if not typ_is(kb.header.get("typ"), (_KB_JWT_TYP,)):
        raise SdJwtError("UNSUPPORTED_TYP", "the Key Binding JWT typ is not kb+jwt")
    try:
        verify_jws(kb, holder_public_key)
    except JwtError:
        raise SdJwtError("KB_SIGNATURE_INVALID", "the Key Binding JWT signature does not verify") from None
    claims = kb.payload
    if claims.get("aud") != aud:
        raise SdJwtError("KB_AUD_MISMATCH", "the Key Binding JWT is for another audience")
    if not isinstance(claims.get("nonce"), str) or not same_text(claims["nonce"], nonce):
        raise SdJwtError("KB_NONCE_MISMATCH", "the Key Binding JWT nonce does not match")
    iat = numeric_date(claims.get("iat"))  # RFC 7519 §2: a non-integer NumericDate is one too
    if iat is None or iat > now + leeway or iat < now - max_age:
        raise SdJwtError("KB_IAT_INVALID", "the Key Binding JWT iat is missing or outside the window")
    expected = sd_hash(sd.without_kb)
    if not isinstance(claims.get("sd_hash"), str) or not same_text(claims["sd_hash"], expected):
        raise SdJwtError("KB_SD_HASH_MISMATCH", "sd_hash does not match the presented SD-JWT")
    return claims

"""Verification of SD-JWT VCs (dc+sd-jwt): issuer key from ``x5c`` (chained to a trust anchor, leaf
SAN = ``iss``) or from the issuer's JWT VC Issuer Metadata, disclosures (each digest once), validity,
``vct`` (with its Type Metadata and ``vct#integrity`` when the type is an https URL), key binding when
presented, and the IETF Token Status List. Pure: fetching is injected.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit

from proofs import strict_json
from proofs.keys import InvalidKey, PublicKey
from proofs.multibase import MultibaseError
from proofs.sd_jwt import (
    SdJwt,
    SdJwtError,
    holder_key_from_cnf,
    parse_compact_jwt,
    parse_sd_jwt,
    verify_kb_jwt,
    verify_sd_jwt,
)
from proofs.token_status_list import TokenStatusListError, verify_status_list_token
from proofs.vc_jwt import JwtError, verify_jws
from proofs.x509 import X509Error, leaf_subject_alt_names, verify_chain_to_anchor
from schemas.problems import problem_type
from verifier.dcql import select_path
from verifier.key_documents import has_userinfo

__all__ = [
    "SdJwtVcChecks",
    "integrity_matches",
]

_KNOWN_VCTS = frozenset({"urn:eu.europa.ec.eudi:learning:credential:1"})
_MAX_KB_AGE = 300
_MAX_KEYS_TRIED = 20  # keys of an issuer's JWK Set a signature is checked against (no kid in the header)
# Refusals of a verified SD-JWT that are not a bad signature: their own problem types. A never-disclosable
# claim (``status``, ``cnf``, ``iss``, ...) made selectively disclosable, even in part, is refused
# (SD-JWT VC §2.2.2), whether or not the Disclosure is presented.
_REFUSALS: Mapping[str, str] = MappingProxyType(
    {"EXPIRED": "expired", "NOT_YET_VALID": "not-yet-valid", "FORBIDDEN_DISCLOSURE": "forbidden-disclosure"}
)
# Those that are the validity check's (exp, nbf: the signature verified), not the proof's.
_VALIDITY_REFUSALS = frozenset({"expired", "not-yet-valid"})


def _jwt_vc_issuer_metadata_url(iss: str) -> str:
    """``{origin}/.well-known/jwt-vc-issuer{path}`` (SD-JWT VC §5)."""
    parts = urlsplit(iss)
    return f"{parts.scheme}://{parts.netloc}/.well-known/jwt-vc-issuer{parts.path.rstrip('/')}"


def integrity_matches(document: bytes, expected: str) -> bool:
    """W3C Subresource Integrity: any of the space-separated ``sha256-``/``sha384-``/``sha512-``
    values matches ``document``."""
    for item in expected.split():
        algorithm, _, digest = item.partition("-")
        if algorithm in ("sha256", "sha384", "sha512"):
            actual = base64.b64encode(hashlib.new(algorithm, document).digest()).decode()
            if actual == digest.split("?", 1)[0]:
                return True
    return False


def _has_path(claims: Mapping[str, Any], path: Sequence[Any]) -> bool:
    """Whether a claim path (strings, integers; ``None`` selects every array item) resolves."""
    return bool(select_path(claims, path))


def _check(
    check_id: str, outcome: str, message: str, name: str | None = None, **details: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": check_id, "outcome": outcome, "message": message}
    if name:
        out["type"] = problem_type(name)
    if details:
        out["details"] = details
    return out


@dataclass(frozen=True, slots=True)
class _IssuerKey:
    """The credential issuer's key, where it came from, and (``x5c``) the trust anchor its chain ends at."""

    key: PublicKey
    source: str
    anchor: bytes | None = None


def _dns_uri_name(iss: str) -> str | None:
    """The DNS name of a ``dns:`` URI (RFC 4501: ``dns:[//authority/]name[?query]``), else None."""
    if iss[:4].lower() != "dns:":
        return None
    rest = iss[4:]
    if rest.startswith("//"):
        rest = rest[2:].partition("/")[2]
    name = unquote(rest.partition("?")[0]).rstrip(".")
    return name.lower() or None


def _names_issuer(x5c: Sequence[str], iss: str) -> bool:
    """Whether the leaf certificate's subjectAltName names ``iss`` (SD-JWT VC §3.5, X.509 issuer key):
    an ``iss`` that is a ``dns:`` URI (RFC 4501) by a dNSName entry; any other ``iss`` (an https URL
    above all) only by a uniformResourceIdentifier entry equal to it. A certificate that names the host
    alone certifies no particular issuer on it: on a multi-tenant host (``/issuers/<slug>``) it would let
    whoever holds one (a tenant's OpenID4VP verifier certificate names the host) sign as every other."""
    uris, dns = leaf_subject_alt_names(x5c)
    name = _dns_uri_name(iss)
    if name is not None:
        return name in {d.lower().rstrip(".") for d in dns}
    return iss in uris


def _fits(jwk: Mapping[str, Any], sd: SdJwt) -> bool:
    """Whether a JWK may have signed the issuer JWT: the header's ``kid``, if any, is the key's; the key is
    usable, of the header ``alg``'s type, and its own ``alg``, if given, is that one."""
    header = sd.issuer_jwt.header
    if "kid" in header and jwk.get("kid") != header["kid"]:
        return False
    if "alg" in jwk and jwk["alg"] != header.get("alg"):
        return False
    try:
        return PublicKey.from_jwk(dict(jwk)).algorithm == sd.issuer_jwt.algorithm
    except (InvalidKey, ValueError):
        return False


def _signs(jwk: Mapping[str, Any], sd: SdJwt) -> bool:
    """Whether the issuer JWT's signature verifies with a (fitting) JWK."""
    try:
        verify_jws(sd.issuer_jwt, PublicKey.from_jwk(dict(jwk)))
    except JwtError:
        return False
    return True


class _UnreadableStatus(Exception):
    """The ``status`` claim is there but names no status list this verifier can read."""

    def __init__(self, name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.code = code


def _status_reference(status: Any) -> tuple[str, int]:
    """The ``uri`` and ``idx`` of a ``status`` claim (Token Status List §6.2: an object whose
    ``status_list`` is an object with ``idx``, a non-negative integer, and ``uri``, a string); raises
    _UnreadableStatus. A status that cannot be checked says nothing either way, so the credential is
    rejected (§8.3: a failed step rejects the Referenced Token): a malformed one as the Bitstring path's
    malformed entries (``status-unavailable``, ``MALFORMED_VALUE_ERROR``), one that names only another
    status mechanism as ``status-method-unsupported``. A JSON boolean is not an integer."""
    if not isinstance(status, Mapping) or not status:
        raise _UnreadableStatus(
            "status-unavailable", "MALFORMED_VALUE_ERROR", "the status claim is malformed"
        )
    if "status_list" not in status:
        raise _UnreadableStatus(
            "status-method-unsupported",
            "STATUS_VERIFICATION_ERROR",
            f"this verifier does not support the status mechanism {', '.join(map(str, status))}",
        )
    reference = status["status_list"]
    uri = reference.get("uri") if isinstance(reference, Mapping) else None
    idx = reference.get("idx") if isinstance(reference, Mapping) else None
    if not isinstance(uri, str) or not uri or type(idx) is not int or idx < 0:
        raise _UnreadableStatus(
            "status-unavailable",
            "MALFORMED_VALUE_ERROR",
            "the status_list reference is not an object with a non-negative integer idx and a string uri",
        )
    return uri, idx


class SdJwtVcChecks:
    """Runs the SD-JWT VC checks; returns check dicts in the same shape as :class:`verifier.result.Check`."""

    def __init__(
        self,
        *,
        trust_anchors: Sequence[bytes],
        fetch_json: Callable[[str], Mapping[str, Any]] | None,
        fetch_text: Callable[[str], str] | None,
        skew: dt.timedelta,
        fetch_type_metadata: Callable[[str], bytes] | None = None,
        withdrawn: Callable[[str, PublicKey], bool] | None = None,
    ) -> None:
        self.trust_anchors = list(trust_anchors)
        # Whether the issuer ``iss`` has withdrawn ``key`` (a key it retired): a certificate for the key
        # does not outlive the issuer's own word that the key no longer signs for it.
        self.withdrawn = withdrawn
        self.fetch_json = fetch_json
        self.fetch_text = fetch_text
        self.fetch_type_metadata = fetch_type_metadata
        self.skew = skew

    def _issuer_key(self, sd: SdJwt, now: dt.datetime) -> _IssuerKey:
        header, payload = sd.issuer_jwt.header, sd.issuer_jwt.payload
        iss = payload.get("iss")
        if not isinstance(iss, str):
            raise SdJwtError("NO_ISS", "the SD-JWT VC has no iss")
        x5c = header.get("x5c")
        if isinstance(x5c, list) and x5c:
            key, anchor = verify_chain_to_anchor(x5c, self.trust_anchors, now)
            if not _names_issuer(x5c, iss):
                raise SdJwtError("ISSUER_MISMATCH", "the certificate is not for the issuer named in iss")
            if self.withdrawn is not None and self.withdrawn(iss, key):
                raise SdJwtError("KEY_WITHDRAWN", "the issuer has withdrawn (retired) this key")
            return _IssuerKey(key, "x5c", anchor)
        if self.fetch_json is None:
            raise SdJwtError("KEY_NOT_FOUND", "no x5c and issuer metadata cannot be fetched here")
        if not iss.startswith("https://"):  # SD-JWT VC §5: JWT VC Issuer Metadata is for an HTTPS iss
            raise SdJwtError("KEY_NOT_FOUND", "no x5c and the iss is not an https URL")
        if has_userinfo(iss):  # RFC 9110 §4.2.4: the host after the "@" is not the issuer's
            raise SdJwtError("KEY_NOT_FOUND", "no x5c and the iss has userinfo before its host")
        try:
            metadata = self.fetch_json(_jwt_vc_issuer_metadata_url(iss))
        except Exception:  # the app's fetcher: whatever went wrong, there is no metadata to read
            raise SdJwtError(
                "ISSUER_METADATA_UNAVAILABLE", "the issuer metadata could not be fetched"
            ) from None
        if not isinstance(metadata, Mapping) or metadata.get("issuer") != iss:
            raise SdJwtError("ISSUER_MISMATCH", "the issuer metadata is for another issuer")
        fitting = [key for key in self._metadata_keys(metadata) if _fits(key, sd)][:_MAX_KEYS_TRIED]
        if not fitting:
            raise SdJwtError("KEY_NOT_FOUND", "no key in the issuer metadata fits the kid and alg")
        # Without a kid, any key of the set may be the one (JWT VC Issuer Metadata only RECOMMENDS a kid):
        # the one whose signature verifies; when none does, the first, so that the proof check says so.
        signer = fitting[0] if len(fitting) == 1 else next((k for k in fitting if _signs(k, sd)), fitting[0])
        return _IssuerKey(PublicKey.from_jwk(dict(signer)), "jwt-vc-issuer metadata")

    def _metadata_keys(self, metadata: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The JWKs of JWT VC Issuer Metadata (SD-JWT VC): its ``jwks`` value or the JWK Set at its
        ``jwks_uri``, fetched as the metadata was (through the guarded client; "Retrieving Documents and
        Resources via HTTP": every URL dereferenced is an HTTPS one)."""
        jwks = metadata.get("jwks")
        uri = metadata.get("jwks_uri")
        if jwks is None and isinstance(uri, str) and uri.startswith("https://") and self.fetch_json:
            try:
                jwks = self.fetch_json(uri)
            except Exception:  # the app's fetcher: whatever went wrong, there is no key set to read
                raise SdJwtError(
                    "ISSUER_METADATA_UNAVAILABLE", "the issuer's JWK Set could not be fetched"
                ) from None
        keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
        return [jwk for jwk in keys if isinstance(jwk, Mapping)] if isinstance(keys, list) else []

    def run(
        self,
        text: str,
        *,
        now: dt.datetime,
        aud: str | None = None,
        nonce: str | None = None,
        require_key_binding: bool = True,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The checks and the processed claims. With ``aud`` (a presentation to a verifier) a Key Binding
        JWT, when present, must be bound to ``aud`` and ``nonce``; one must be present unless
        ``require_key_binding`` is false (OpenID4VP 1.0 §6.1 ``require_cryptographic_holder_binding``)."""
        checks: list[dict[str, Any]] = []
        try:
            sd = parse_sd_jwt(text.strip())
        except SdJwtError as exc:
            # A member name twice in a part or a Disclosure is a malformed credential, not a bad signature.
            name = "duplicate-member" if exc.code == "DUPLICATE_MEMBER" else "unreadable-credential"
            return [_check("format", "failed", f"Not a valid SD-JWT ({exc.code}: {exc}).", name)], None
        checks.append(_check("format", "passed", "Read an SD-JWT VC (dc+sd-jwt)."))
        try:
            issuer = self._issuer_key(sd, now)
        except (SdJwtError, X509Error, InvalidKey, ValueError) as exc:
            code = getattr(exc, "code", "KEY_NOT_FOUND")
            checks.append(
                _check(
                    "proof",
                    "failed",
                    f"The issuer's key could not be established ({code}).",
                    "key-not-found",
                    code=code,
                )
            )
            checks.append(_check("issuer", "skipped", "No signing key to check."))
            return checks, None
        try:
            claims = verify_sd_jwt(
                sd, issuer.key, now=int(now.timestamp()), leeway=int(self.skew.total_seconds())
            )
        except SdJwtError as exc:
            name = _REFUSALS.get(exc.code, "invalid-proof")
            if name in _VALIDITY_REFUSALS:
                message = f"The SD-JWT VC is not within its validity dates, exp and nbf ({exc.code})."
                checks.append(_check("validity", "failed", message, name))
            else:
                checks.append(_check("proof", "failed", f"The SD-JWT VC does not verify ({exc.code}).", name))
            return checks, None
        alg = str(sd.issuer_jwt.header.get("alg"))  # verified: a supported asymmetric algorithm
        message = f"The {alg} signature and every disclosure are valid ({issuer.source})."
        checks.append(_check("proof", "passed", message, alg=alg))
        checks.append(
            _check("issuer", "passed", f"The signing key belongs to the issuer {claims.get('iss')}.")
        )
        checks.append(self._type(claims))
        checks.append(_check("validity", "passed", "Within its validity dates."))
        if sd.kb_jwt is not None:
            try:
                holder = holder_key_from_cnf(claims)
                kb_payload = sd.kb_jwt.payload
                verify_kb_jwt(
                    sd,
                    holder,
                    aud=aud or str(kb_payload.get("aud")),
                    nonce=nonce or str(kb_payload.get("nonce")),
                    now=int(now.timestamp()),
                    max_age=_MAX_KB_AGE if aud else 10**9,
                )
                if aud is not None:
                    message = "Presented by the holder of the bound key (KB-JWT, for this request)."
                    checks.append(_check("holder", "passed", message))
                else:  # bound to whatever it names: a copy of the whole presentation replays it
                    made_for = str(kb_payload.get("aud"))
                    message = (
                        f"A Key Binding JWT signed by the bound key, made for {made_for!r}: "
                        "not bound to this verification (no audience or nonce was asked for), so it does not "
                        "show that whoever sent it holds the key."
                    )
                    checks.append(_check("holder", "warning", message))
            except (SdJwtError, InvalidKey) as exc:
                checks.append(
                    _check(
                        "holder",
                        "failed",
                        f"The key binding does not verify ({exc}).",
                        "invalid-key-binding",
                        code=getattr(exc, "code", "INVALID_KEY"),
                    )
                )
        elif aud is not None and require_key_binding:  # a verifier asked for key binding: it must be there
            checks.append(
                _check(
                    "holder",
                    "failed",
                    "The presentation has no Key Binding JWT.",
                    "invalid-key-binding",
                    code="MISSING_KB_JWT",
                )
            )
        elif aud is not None:
            message = "No Key Binding JWT (not required here): whoever holds a copy can present it."
            checks.append(_check("holder", "warning", message))
        checks.append(self._status(claims, issuer, now))
        return checks, claims

    def _type(self, claims: Mapping[str, Any]) -> dict[str, Any]:
        """The ``vct``: a type we know by name, or an https URL whose Type Metadata (SD-JWT VC §5) is
        fetched, held to ``vct#integrity``, and whose mandatory claims must be present (those it
        lets the holder withhold, ``sd`` ``always`` or ``allowed`` (the default), excepted: a
        presentation need not disclose them)."""
        vct = claims.get("vct")
        if not isinstance(vct, str) or not vct:
            return _check("schema", "failed", "The credential has no type (vct).", "schema-validation-failed")
        if vct in _KNOWN_VCTS:
            return _check("schema", "passed", f"The credential type is {vct}.")
        if not vct.startswith("https://") or self.fetch_type_metadata is None:
            return _check("schema", "warning", f"The credential type {vct} is not one we know.")
        try:
            body = self.fetch_type_metadata(vct)
            metadata = strict_json.loads(body)
        except Exception as exc:
            return _check(
                "schema",
                "warning",
                f"The description of the credential type {vct} could not be fetched ({exc}).",
                "type-metadata-unavailable",
            )
        expected = claims.get("vct#integrity")
        if isinstance(expected, str) and not integrity_matches(body, expected):
            return _check(
                "schema",
                "failed",
                "The description of the credential type has changed since the credential was issued "
                "(vct#integrity does not match).",
                "type-metadata-mismatch",
            )
        if not isinstance(metadata, dict) or metadata.get("vct") != vct:
            return _check(
                "schema",
                "failed",
                f"The document at {vct} does not describe that credential type.",
                "type-metadata-mismatch",
            )
        missing = [
            ".".join(map(str, claim["path"]))
            for claim in metadata.get("claims") or []
            if isinstance(claim, dict)
            and claim.get("mandatory") is True
            and claim.get("sd") == "never"
            and isinstance(claim.get("path"), list)
            and not _has_path(claims, claim["path"])
        ]
        name = metadata.get("name") or vct
        if missing:
            return _check(
                "schema",
                "failed",
                f"The credential lacks claims its type ({name}) makes mandatory: {', '.join(missing)}.",
                "schema-validation-failed",
                missing=missing,
            )
        return _check(
            "schema", "passed", f"The credential is a {name} ({vct}), as its published type describes."
        )

    def _status(self, claims: Mapping[str, Any], issuer: _IssuerKey, now: dt.datetime) -> dict[str, Any]:
        if "status" not in claims:
            return _check("status", "skipped", "The credential has no status list: it cannot be revoked.")
        try:
            uri, idx = _status_reference(claims["status"])
        except _UnreadableStatus as exc:
            return _check(
                "status", "failed", f"The status could not be checked: {exc}.", exc.name, code=exc.code
            )
        if self.fetch_text is None:
            return _check("status", "failed", "The status could not be checked.", "status-unavailable")
        try:
            token = self.fetch_text(uri)
        except Exception as exc:
            return _check(
                "status", "failed", f"The status list could not be fetched ({exc}).", "status-unavailable"
            )
        try:
            status_key = self._status_key(token, issuer, str(claims.get("iss")), now)
            if status_key is None:
                return _check(
                    "status",
                    "failed",
                    f"The status could not be checked: the status list {uri} is not signed by the "
                    "credential's issuer.",
                    "status-list-issuer-mismatch",
                    code="STATUS_VERIFICATION_ERROR",
                )
            reader = verify_status_list_token(token, status_key, expected_uri=uri, now=int(now.timestamp()))
            value = reader[idx]
        except (TokenStatusListError, SdJwtError, X509Error, MultibaseError, ValueError, IndexError) as exc:
            return _check(
                "status", "failed", f"The status could not be checked ({exc}).", "status-unavailable"
            )
        if value == 1:
            return _check("status", "failed", "The issuer has revoked this credential.", "credential-revoked")
        if value == 2:
            return _check(
                "status", "failed", "The issuer has suspended this credential.", "credential-suspended"
            )
        if value != 0:  # TSL §7.1: only 0x00 is VALID; 0x03, 0x0C-0x0F are the application's, others reserved
            kind = "application-specific" if value == 3 or 12 <= value <= 15 else "reserved"
            return _check(
                "status",
                "failed",
                f"The status list gives this credential the status {value:#04x} ({kind}), which this "
                "verifier does not know: it is not shown to be valid.",
                "status-unrecognized",
                value=value,
            )
        return _check("status", "passed", "The issuer has not revoked or suspended this credential.")

    def _status_key(self, token: str, issuer: _IssuerKey, iss: str, now: dt.datetime) -> PublicKey | None:
        """The key the Status List Token is verified with, or None when it is not the issuer's. TSL "Key
        Resolution and Trust Management": the Status Issuer signs with the key of the Referenced Token
        (no ``x5c``, or an ``x5c`` for that same key), or, as a different entity, with a key that the
        issuer's Certificate Authority certified for it: an ``x5c`` chaining to the trust anchor the
        credential's own chain ends at, whose leaf names the same issuer. (The draft's EKU for this,
        id-kp-oauthStatusSigning, has no number yet, 1.3.6.1.5.5.7.3.TBD, so it cannot be required.)
        A certificate chaining to any other anchor, or for anyone else, establishes nothing about this
        issuer's credentials. Raises SdJwtError (an unreadable token) or X509Error."""
        x5c = parse_compact_jwt(token.strip(), typs=None).header.get("x5c")
        if x5c is None:
            return issuer.key
        key, anchor = verify_chain_to_anchor(x5c, self.trust_anchors, now)
        if key == issuer.key or (anchor == issuer.anchor and _names_issuer(x5c, iss)):
            return key
        return None

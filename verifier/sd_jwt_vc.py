"""Verification of SD-JWT VCs (dc+sd-jwt): issuer key from ``x5c`` (chained to a trust anchor, leaf
SAN = ``iss``) or from the issuer's JWT VC Issuer Metadata, disclosures (each digest once), validity,
``vct``, key binding when presented, and the IETF Token Status List. Pure: fetching is injected.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from proofs.keys import InvalidKey, PublicKey
from proofs.multibase import MultibaseError, b64url_decode
from proofs.sd_jwt import SdJwt, SdJwtError, holder_key_from_cnf, parse_sd_jwt, verify_kb_jwt, verify_sd_jwt
from proofs.token_status_list import TokenStatusListError, verify_status_list_token
from proofs.x509 import X509Error, leaf_subject_alt_names, verify_chain
from schemas.problems import problem_type

__all__ = ["KNOWN_VCTS", "SdJwtVcChecks", "jwt_vc_issuer_metadata_url", "looks_like_sd_jwt"]

KNOWN_VCTS = frozenset({"urn:eu.europa.ec.eudi:learning:credential:1"})
_MAX_KB_AGE = 300


def looks_like_sd_jwt(text: str) -> bool:
    return "~" in text and text.count(".") >= 2


def jwt_vc_issuer_metadata_url(iss: str) -> str:
    """``{origin}/.well-known/jwt-vc-issuer{path}`` (SD-JWT VC §5)."""
    parts = urlsplit(iss)
    return f"{parts.scheme}://{parts.netloc}/.well-known/jwt-vc-issuer{parts.path.rstrip('/')}"


def _check(
    check_id: str, outcome: str, message: str, name: str | None = None, **details: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": check_id, "outcome": outcome, "message": message}
    if name:
        out["type"] = problem_type(name)
    if details:
        out["details"] = details
    return out


class SdJwtVcChecks:
    """Runs the SD-JWT VC checks; returns check dicts in the same shape as :class:`verifier.verify.Check`."""

    def __init__(
        self,
        *,
        trust_anchors: Sequence[bytes],
        fetch_json: Callable[[str], Mapping[str, Any]] | None,
        fetch_text: Callable[[str], str] | None,
        skew: dt.timedelta,
    ) -> None:
        self.trust_anchors = list(trust_anchors)
        self.fetch_json = fetch_json
        self.fetch_text = fetch_text
        self.skew = skew

    def _issuer_key(self, sd: SdJwt, now: dt.datetime) -> tuple[PublicKey, str]:
        header, payload = sd.issuer_jwt.header, sd.issuer_jwt.payload
        iss = payload.get("iss")
        if not isinstance(iss, str):
            raise SdJwtError("NO_ISS", "the SD-JWT VC has no iss")
        x5c = header.get("x5c")
        if isinstance(x5c, list) and x5c:
            key = verify_chain(x5c, self.trust_anchors, now)
            uris, dns = leaf_subject_alt_names(x5c)
            if iss not in uris and urlsplit(iss).hostname not in dns:
                raise SdJwtError("ISSUER_MISMATCH", "the certificate is not for the issuer named in iss")
            return key, "x5c"
        if self.fetch_json is None:
            raise SdJwtError("KEY_NOT_FOUND", "no x5c and issuer metadata cannot be fetched here")
        metadata = self.fetch_json(jwt_vc_issuer_metadata_url(iss))
        if metadata.get("issuer") != iss:
            raise SdJwtError("ISSUER_MISMATCH", "the issuer metadata is for another issuer")
        kid = header.get("kid")
        for jwk in (metadata.get("jwks") or {}).get("keys", []):
            if kid is None or jwk.get("kid") == kid:
                return PublicKey.from_jwk(jwk), "jwt-vc-issuer metadata"
        raise SdJwtError("KEY_NOT_FOUND", "no key in the issuer metadata matches the kid")

    def run(
        self, text: str, *, now: dt.datetime, aud: str | None = None, nonce: str | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        checks: list[dict[str, Any]] = []
        try:
            sd = parse_sd_jwt(text.strip())
        except SdJwtError as exc:
            return [
                _check("format", "failed", f"Not a valid SD-JWT ({exc.code}).", "unreadable-credential")
            ], None
        checks.append(_check("format", "passed", "Read an SD-JWT VC (dc+sd-jwt)."))
        try:
            key, source = self._issuer_key(sd, now)
        except (SdJwtError, X509Error, InvalidKey, ValueError) as exc:
            code = getattr(exc, "code", "KEY_NOT_FOUND")
            checks.append(
                _check(
                    "proof", "failed", f"The issuer's key could not be established ({code}).", "key-not-found"
                )
            )
            checks.append(_check("issuer", "skipped", "No signing key to check."))
            return checks, None
        try:
            claims = verify_sd_jwt(sd, key, now=int(now.timestamp()), leeway=int(self.skew.total_seconds()))
        except SdJwtError as exc:
            name = "expired" if "EXP" in exc.code else "invalid-proof"
            target = "validity" if name == "expired" else "proof"
            checks.append(_check(target, "failed", f"The SD-JWT VC does not verify ({exc.code}).", name))
            return checks, None
        checks.append(
            _check("proof", "passed", f"The ES256 signature and every disclosure are valid ({source}).")
        )
        checks.append(
            _check("issuer", "passed", f"The signing key belongs to the issuer {claims.get('iss')}.")
        )
        vct = claims.get("vct")
        if vct in KNOWN_VCTS:
            checks.append(_check("schema", "passed", f"The credential type is {vct}."))
        else:
            checks.append(_check("schema", "warning", f"The credential type {vct} is not one we know."))
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
                checks.append(
                    _check("holder", "passed", "Presented by the holder of the bound key (KB-JWT).")
                )
            except (SdJwtError, InvalidKey) as exc:
                checks.append(
                    _check(
                        "holder", "failed", f"The key binding does not verify ({exc}).", "invalid-key-binding"
                    )
                )
        checks.append(self._status(claims, key, now))
        return checks, claims

    def _status(self, claims: Mapping[str, Any], key: PublicKey, now: dt.datetime) -> dict[str, Any]:
        reference = (claims.get("status") or {}).get("status_list")
        if not isinstance(reference, Mapping):
            return _check("status", "skipped", "The credential has no status list: it cannot be revoked.")
        uri, idx = reference.get("uri"), reference.get("idx")
        if not isinstance(uri, str) or not isinstance(idx, int) or self.fetch_text is None:
            return _check("status", "failed", "The status could not be checked.", "status-unavailable")
        try:
            token = self.fetch_text(uri)
        except Exception as exc:
            return _check(
                "status", "failed", f"The status list could not be fetched ({exc}).", "status-unavailable"
            )
        try:
            status_key = key
            header = json.loads(b64url_decode(token.split(".")[0]))
            if isinstance(header.get("x5c"), list):
                status_key = verify_chain(header["x5c"], self.trust_anchors, now)
            reader = verify_status_list_token(token, status_key, expected_uri=uri, now=int(now.timestamp()))
            value = reader[idx]
        except (TokenStatusListError, X509Error, MultibaseError, ValueError, IndexError) as exc:
            return _check(
                "status", "failed", f"The status could not be checked ({exc}).", "status-unavailable"
            )
        if value == 1:
            return _check("status", "failed", "The issuer has revoked this credential.", "credential-revoked")
        if value == 2:
            return _check(
                "status", "failed", "The issuer has suspended this credential.", "credential-suspended"
            )
        return _check("status", "passed", "The issuer has not revoked or suspended this credential.")

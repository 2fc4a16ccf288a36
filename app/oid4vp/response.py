"""The wallet's answer to a presentation request, opened and checked (OpenID4VP 1.0 §8).

:func:`open_response` reads the form a wallet posts to the ``response_uri``: with ``direct_post.jwt``
(§8.3) one ``response`` parameter, a JWE (ECDH-ES with ``A128GCM`` or ``A256GCM``, §8.3.1) encrypted to
the ephemeral key the request's ``client_metadata.jwks`` published, whose payload holds the response
parameters; with ``direct_post`` (§8.2) the parameters themselves. ``state`` must be the request's.

:func:`check_vp_token` checks the ``vp_token`` (§8.1: an object keyed by the DCQL Credential Query ids,
each value an array of presentations): every presentation through the verifier of ``POST /v1/verify``
(an SD-JWT VC with its Key Binding JWT bound to our ``client_id`` as ``aud`` and the request's
``nonce``, Appendix B.3.6; a W3C ``ldp_vp`` through the verifier of ``POST /presentations/verify`` with
``challenge`` = nonce and ``domain`` = client_id, Appendix B.1.3.2), then what the query asked: the type
(``vct_values`` / ``type_values``), every requested claim disclosed, the issuer among the trusted ones,
Cryptographic Holder Binding where the query requires it (§6.1 ``require_cryptographic_holder_binding``,
true by default: an ``ldp_vc`` presented by the DID its subject names, an SD-JWT VC with a Key Binding
JWT by its ``cnf`` key), and the credential sets satisfied. Each refusal carries a reason (a problem type
name). Each presented credential whose issuer is proven also carries the issuer trust assessment of
``POST /v1/verify`` (:func:`app.verification.issuer_trust.assess`: known, unknown, lookalike).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from jwcrypto import jwe, jwk
from jwcrypto.common import JWException
from sqlalchemy.orm import Session

from app.db.models import PresentationRequest
from app.oid4vp.errors import ResponseRefused
from app.presentations import service as presentations
from app.state import AppState
from app.verification.issuer_trust import assess
from app.verification.sources import make_verifier
from proofs import strict_json
from proofs.constant_time import same_text
from proofs.keys import open_sealed, seal
from proofs.multibase import MultibaseError, b64url_decode, b64url_encode
from proofs.x509 import X509Error, authority_key_identifiers
from schemas.problems import problem_type
from verifier import Check, VerificationResult
from verifier.dcql import (
    claims_missing,
    holder_binding_required,
    meta_matches,
    sets_satisfied,
    trusted_authority_matches,
)
from verifier.trust import IssuerTrust

__all__ = ["ENC_VALUES", "check_vp_token", "new_response_key", "open_response"]

ENC_VALUES = ("A128GCM", "A256GCM")
_MAX_PRESENTATIONS = 16
# How a failed check of a presented credential reads as the reason of a refusal.
_HOLDER_REASONS = {
    "KB_NONCE_MISMATCH": "nonce-mismatch",
    "KB_AUD_MISMATCH": "audience-mismatch",
    "MISSING_KB_JWT": "key-binding-missing",
    "KB_IAT_INVALID": "key-binding-stale",
    "KB_SD_HASH_MISMATCH": "invalid-key-binding",
}
_LDP_REASONS = {"challenge": "nonce-mismatch", "domain": "audience-mismatch"}


def _sealing_key(kek: bytes) -> bytes:
    return hmac.new(kek, b"shomei/oid4vp/response-key/v1", hashlib.sha256).digest()


def new_response_key(kek: bytes, request_id: str) -> tuple[bytes, dict[str, Any]]:
    """A fresh ephemeral P-256 key for one request's encrypted response: the private key sealed under
    the KEK (bound to the request id) and the public JWK published in ``client_metadata.jwks``."""
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    sealed = seal(
        _sealing_key(kek), key.export_to_pem(private_key=True, password=None), aad=request_id.encode()
    )
    public: dict[str, Any] = key.export_public(as_dict=True)
    public.update({"use": "enc", "alg": "ECDH-ES", "kid": key.thumbprint()})
    return sealed, public


def _decrypt(kek: bytes, request: PresentationRequest, token: str) -> dict[str, Any]:
    pem = open_sealed(_sealing_key(kek), request.response_key, aad=str(request.id).encode())
    key = jwk.JWK.from_pem(pem)
    try:
        envelope = jwe.JWE(algs=["ECDH-ES", *ENC_VALUES])
        envelope.deserialize(token, key=key)
        header = strict_json.loads(envelope.objects.get("protected") or "{}")
        if header.get("alg") != "ECDH-ES" or header.get("enc") not in ENC_VALUES:
            raise ResponseRefused("the response must be encrypted with ECDH-ES and A128GCM or A256GCM")
        payload = strict_json.loads(envelope.payload)
    except strict_json.DuplicateMember as exc:
        raise _duplicate(exc) from None
    except (JWException, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise ResponseRefused(
            f"the response is not a JWE encrypted to this request's key ({type(exc).__name__})",
            reason="undecryptable-response",
        ) from None
    if not isinstance(payload, dict):
        raise ResponseRefused("the encrypted response does not hold a JSON object")
    return payload


def open_response(kek: bytes, request: PresentationRequest, form: Mapping[str, str]) -> dict[str, Any]:
    """The response parameters of the posted ``form`` (decrypted for ``direct_post.jwt``); refuses a
    response in the other mode and a wrong ``state``. A wallet's error response (``error``, §8.5) is
    returned like any other: the caller records it as the answer."""
    if request.response_mode == "direct_post.jwt":
        token = form.get("response")
        if not token:
            raise ResponseRefused(
                "this request asked for an encrypted response (direct_post.jwt): send `response`",
                reason="encryption-required",
            )
        params = _decrypt(kek, request, token)
    else:
        params = dict(form)
    # direct_post form-encodes the vp_token object as JSON text (§8.2); some wallets do so in a JWE too.
    if isinstance(params.get("vp_token"), str) and params["vp_token"].lstrip().startswith("{"):
        try:
            params["vp_token"] = strict_json.loads(params["vp_token"])
        except strict_json.DuplicateMember as exc:
            raise _duplicate(exc) from None
        except (ValueError, RecursionError):
            raise ResponseRefused("vp_token is not valid JSON") from None
    state = params.get("state")
    if not isinstance(state, str) or not same_text(state, request.state):
        raise ResponseRefused("the response's state is not this request's", reason="state-mismatch")
    return params


def _duplicate(exc: strict_json.DuplicateMember) -> ResponseRefused:
    """A response that names a member twice in one object (JSON readers disagree on which one counts, so a
    signature over one reading proves nothing about the other: issue 13)."""
    return ResponseRefused(f"the response is malformed: {exc}", reason="duplicate-member")


def _check(check_id: str, outcome: str, message: str, reason: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": check_id, "outcome": outcome, "message": message}
    if reason is not None:
        out["type"] = problem_type(reason)
    return out


def _reason(check: Mapping[str, Any], fmt: str) -> str | None:
    """The reason a failed check gives for refusing the credential."""
    if check.get("outcome") != "failed":
        return None
    code = (check.get("details") or {}).get("code")
    if check["id"] == "holder" and code in _HOLDER_REASONS:
        return _HOLDER_REASONS[code]
    if check["id"] == "proof" and code == "UNTRUSTED_CHAIN":
        return "untrusted-issuer"
    if fmt == "ldp_vc" and check["id"] in _LDP_REASONS:
        return _LDP_REASONS[check["id"]]
    kind = check.get("type")
    return str(kind).rsplit("/", 1)[-1] if kind else check["id"]


class _Checker:
    """Checks the presentations of one answer against one request."""

    def __init__(self, state: AppState, session: Session, request: PresentationRequest, now: dt.datetime):
        self.state, self.session, self.request, self.now = state, session, request, now
        self.queries = {q["id"]: q for q in request.query["credentials"]}

    def _sd_jwt(
        self, item: Any, query: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        if not isinstance(item, str):
            return [
                _check("format", "failed", "A dc+sd-jwt presentation is a string.", "format-mismatch")
            ], None
        checker = make_verifier(self.state, self.session).sd_jwt
        if checker is None:  # make_verifier always gives SD-JWT VC checks
            raise ResponseRefused("SD-JWT VCs cannot be checked here", reason="unsupported-format")
        # A Key Binding JWT, when there is one, is bound to this request; without one, the credential
        # answers only a query that does not require holder binding (§6.1).
        return checker.run(
            item,
            now=self.now,
            aud=self.request.client_id,
            nonce=self.request.nonce,
            require_key_binding=holder_binding_required(query),
        )

    def _sd_jwt_trust(self, checks: list[dict[str, Any]], claims: Mapping[str, Any]) -> IssuerTrust | None:
        """The issuer trust of an SD-JWT VC: its checks and claims read as the result ``assess`` takes."""
        result = VerificationResult(
            "dc+sd-jwt", [Check(c["id"], c["outcome"], c.get("message", "")) for c in checks], dict(claims)
        )
        return assess(self.state, self.session, result, now=self.now)

    def _ldp(
        self, item: Any, query: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None, IssuerTrust | None]:
        if not isinstance(item, dict):
            return (
                [_check("format", "failed", "An ldp_vc presentation is a JSON object.", "format-mismatch")],
                None,
                None,
            )
        result = presentations.verify(
            self.state,
            self.session,
            item,
            challenge=self.request.nonce,
            domain=self.request.client_id,
            now=self.now,
        )
        checks = [c.as_json() for c in result.checks]
        if result.check("proof") is None or result.check("proof").outcome != "passed":  # type: ignore[union-attr]
            checks.append(
                _check("proof", "failed", "An ldp_vp must be signed by its holder.", "invalid-proof")
            )
        chosen = None
        for outcome in result.credentials:
            credential = outcome.result.credential if outcome.result is not None else None
            if credential is not None and meta_matches(query, types=credential.get("type")):
                chosen = outcome
                break
        if chosen is None:
            chosen = result.credentials[0] if result.credentials else None
        if chosen is None:
            checks.append(
                _check(
                    "credentials", "failed", "The presentation holds no credential.", "claim-not-disclosed"
                )
            )
            return checks, None, None
        checks.extend(_as_json(c) for c in chosen.checks)
        credential = chosen.result.credential if chosen.result is not None else None
        if credential is None:
            return checks, None, None
        required = holder_binding_required(query)
        checks.append(_subject_binding(item, credential, result.check("holder-binding"), required=required))
        trust = assess(self.state, self.session, chosen.result, now=self.now) if chosen.result else None
        return checks, dict(credential), trust

    def presentation(self, query_id: str, item: Any) -> dict[str, Any]:
        query = self.queries[query_id]
        fmt = query["format"]
        trust: IssuerTrust | None = None
        if fmt == "dc+sd-jwt":
            checks, claims = self._sd_jwt(item, query)
            trust = self._sd_jwt_trust(checks, claims) if claims is not None else None
        else:
            checks, claims, trust = self._ldp(item, query)
        issuer: Any = None
        if claims is not None:
            issuer = claims.get("iss") if fmt == "dc+sd-jwt" else claims.get("issuer")
            issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
            matches = meta_matches(query, vct=claims.get("vct"), types=claims.get("type"))
            checks.append(
                _check("query-type", "passed", "The credential is of a type the request asked for.")
                if matches
                else _check(
                    "query-type",
                    "failed",
                    "The credential is not of a type the request asked for.",
                    "credential-type-mismatch",
                )
            )
            missing = claims_missing(query, claims)
            checks.append(
                _check("disclosure", "passed", "Every requested claim is disclosed.")
                if not missing
                else {
                    **_check(
                        "disclosure",
                        "failed",
                        f"Requested claims not disclosed: {', '.join(missing)}.",
                        "claim-not-disclosed",
                    ),
                    "details": {"missing": missing},
                }
            )
            if query.get("trusted_authorities"):
                checks.append(_authority_check(query, item))
            trusted = self.request.trusted_issuers
            if trusted:
                checks.append(
                    _check("trusted-issuer", "passed", f"The issuer {issuer} is one the verifier trusts.")
                    if issuer in trusted
                    else _check(
                        "trusted-issuer",
                        "failed",
                        f"The issuer {issuer} is not one the verifier trusts.",
                        "untrusted-issuer",
                    )
                )
        reasons = sorted({r for c in checks if (r := _reason(c, fmt)) is not None})
        return {
            "query_id": query_id,
            "format": fmt,
            "verified": not reasons,
            "issuer": issuer if isinstance(issuer, str) else None,
            "claims": _disclosed(claims, fmt),
            "checks": checks,
            "reasons": reasons,
            "issuer_trust": trust.as_json() if trust is not None else None,
        }


def _subject_binding(
    vp: Mapping[str, Any], credential: Mapping[str, Any], binding: Check | None, *, required: bool
) -> dict[str, Any]:
    """Holder binding of an ldp_vc: a credential whose subject is a DID is presented by that DID (the
    presentation's ``holder``, whose key signed it); one whose subject names no DID is bound to no one.
    OpenID4VP 1.0 §6.1: when the Credential Query requires Cryptographic Holder Binding (the default),
    such a credential fails (``holder-binding-missing``): anyone holding a copy of it, from its public
    page, can sign a presentation of it with their own key; when the query does not, it is a warning."""
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, Mapping) else None
    if not isinstance(subject_id, str) or not subject_id.startswith("did:"):
        if required:
            return _check(
                "subject-binding",
                "failed",
                "The credential names no holder DID, and the request requires it to be presented by the "
                "holder it was issued to (require_cryptographic_holder_binding).",
                "holder-binding-missing",
            )
        return _check(
            "subject-binding",
            "warning",
            "The credential names no holder DID: whoever holds a copy can present it.",
        )
    holder = vp.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    if holder_id == subject_id and binding is not None and binding.outcome == "passed":
        return _check("subject-binding", "passed", f"Presented by its subject {subject_id}.")
    return _check(
        "subject-binding",
        "failed",
        "The presentation is not signed by the holder the credential was issued to.",
        "holder-mismatch",
    )


def _authority_check(query: Mapping[str, Any], item: str) -> dict[str, Any]:
    """DCQL ``trusted_authorities`` (``aki``): an authority key identifier along the SD-JWT VC's x5c chain
    is one the query names."""
    try:
        header = json.loads(b64url_decode(item.split("~", 1)[0].split(".", 1)[0]))
        x5c = header.get("x5c") if isinstance(header, dict) else None
        found = [b64url_encode(k) for k in authority_key_identifiers(x5c)] if isinstance(x5c, list) else []
    except (MultibaseError, X509Error, ValueError, TypeError):
        found = []
    if trusted_authority_matches(query, found):
        return _check(
            "trusted-authority", "passed", "The issuer's certificate chain is one the query trusts."
        )
    return _check(
        "trusted-authority",
        "failed",
        "The issuer's certificate chain has no authority the query trusts (trusted_authorities).",
        "untrusted-issuer",
    )


def _as_json(check: Check) -> dict[str, Any]:
    return check.as_json()


def _disclosed(claims: Mapping[str, Any] | None, fmt: str) -> dict[str, Any]:
    """What the result page and the API show of a credential: its claims without the securing parts."""
    if claims is None:
        return {}
    if fmt == "dc+sd-jwt":
        hidden = {"cnf", "_sd_alg", "status", "vct#integrity"}
        return {k: v for k, v in claims.items() if k not in hidden}
    subject = claims.get("credentialSubject")
    out: dict[str, Any] = {"type": claims.get("type"), "credentialSubject": subject}
    for name in ("name", "validFrom", "validUntil", "id"):
        if name in claims:
            out[name] = claims[name]
    return out


def check_vp_token(
    state: AppState, session: Session, request: PresentationRequest, vp_token: Any, *, now: dt.datetime
) -> dict[str, Any]:
    """The result stored on the request: each presentation's checks, disclosed claims and reasons, and
    whether the answer as a whole satisfies the query (``verified``, ``reasons``)."""
    if not isinstance(vp_token, dict) or not vp_token:
        raise ResponseRefused("vp_token must be an object keyed by the DCQL Credential Query ids")
    checker = _Checker(state, session, request, now)
    unknown = [k for k in vp_token if k not in checker.queries]
    if unknown:
        raise ResponseRefused(
            f"vp_token answers Credential Queries the request did not make: {unknown}",
            reason="unknown-query-id",
        )
    entries: list[dict[str, Any]] = []
    for query_id, value in vp_token.items():
        items = value if isinstance(value, list) else [value]
        if not items or len(items) > _MAX_PRESENTATIONS:
            raise ResponseRefused(f"vp_token.{query_id} must hold 1 to {_MAX_PRESENTATIONS} presentations")
        if len(items) > 1 and not checker.queries[query_id].get("multiple", False):
            raise ResponseRefused(f"vp_token.{query_id} holds several presentations; the query asked for one")
        entries.extend(checker.presentation(query_id, item) for item in items)
    answered = {e["query_id"] for e in entries if e["verified"]}
    needed = sets_satisfied(request.query, answered)
    reasons = sorted({r for e in entries for r in e["reasons"]})
    if needed and not reasons:
        reasons = ["credential-query-unanswered"]
    return {
        "verified": not reasons and not needed,
        "reasons": reasons,
        "unanswered": needed,
        "presentations": entries,
        "checked_at": now.isoformat(),
    }

"""Verify a credential (OB 3.0 §9 Verification, standards.md §1.7) and report every check in plain words.

Pure: the clock, the JSON-LD loader, the key resolver and the status list fetcher are passed in. An
invalid credential is a normal result (``verified: False`` with the failing check); only inputs that
cannot be read at all raise :class:`UnreadableCredential`.

Checks, in order: ``format``, ``contexts``, ``schema``, ``proof``, ``issuer`` (key provenance),
``validity``, ``status``, ``recipient``; then the descriptor profiles, which describe completeness and
do not decide ``verified``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import json
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from profiles import descriptors
from profiles.validation import validate_credential_schema
from proofs.data_integrity import InvalidProof, proofs_of, verify_proof
from proofs.jsonld import DocumentLoader, JsonLdFailure, UndefinedTerm, UnknownContext, expand_safe
from proofs.keys import InvalidKey, InvalidSignature, KeyAlgorithm, PublicKey, jwk_thumbprint
from proofs.multibase import MultibaseError, multibase_decode
from proofs.rdfc import canonicalize_expanded
from proofs.statuslist import StatusListError, decode_bitstring, get_value
from proofs.vc_jwt import JwtError, ParsedJwt, parse_jwt, verify_jws
from schemas.problems import problem_type
from verifier.keys import DidResolver, KeyResolutionError, ResolvedKey
from verifier.sd_jwt_vc import SdJwtVcChecks, looks_like_sd_jwt

__all__ = [
    "Check",
    "Identity",
    "UnreadableCredential",
    "VerificationResult",
    "Verifier",
]

Outcome = Literal["passed", "failed", "warning", "skipped"]
_VC_V2 = "https://www.w3.org/ns/credentials/v2"
_VC_V1 = "https://www.w3.org/2018/credentials/v1"
_OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
_MAX_BYTES = 1_048_576


class UnreadableCredential(ValueError):
    """The input is not a credential in any format we read."""

    def __init__(self, message: str, *, type_name: str = "unreadable-credential") -> None:
        super().__init__(message)
        self.type_name = type_name


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    outcome: Outcome
    message: str
    type: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "outcome": self.outcome, "message": self.message}
        if self.type:
            out["type"] = self.type
        if self.details:
            out["details"] = self.details
        return out


@dataclass(frozen=True, slots=True)
class Identity:
    """What the employer knows of the learner: an email, a student number, or a DID."""

    value: str
    identity_type: str | None = None


@dataclass(slots=True)
class VerificationResult:
    format: str
    checks: list[Check]
    credential: dict[str, Any] | None
    profiles: dict[str, descriptors.ProfileResult] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.outcome != "failed" for c in self.checks)

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "format": self.format,
            "checks": [c.as_json() for c in self.checks],
            "profiles": {
                name: {
                    "outcome": result.outcome,
                    "failed_rules": list(result.failed_rules),
                    "warnings": list(result.warnings),
                    "rules": [
                        {"id": r.id, "status": r.status, "path": r.path, "message": r.message}
                        for r in result.rules
                        if r.status != "not-applicable"
                    ],
                }
                for name, result in self.profiles.items()
            },
        }


def _failed(check_id: str, name: str, message: str, **details: Any) -> Check:
    return Check(check_id, "failed", message, problem_type(name), details)


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _types(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [t for t in value or [] if isinstance(t, str)]


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return value if isinstance(value, str) else None


def _proof_part(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The proof with what decides the active context it is expanded in: the contexts and the types
    (a type-scoped context may define ``proof``). Expanding it checks the proof's terms as expanding
    the whole credential does, without expanding the rest again."""
    part = {k: credential[k] for k in ("@context", "type", "@type") if k in credential}
    part["proof"] = credential["proof"]
    return part


# The hashes of VC-DI-EdDSA §3.2.4 / VC-DI-ECDSA §3.3.4 (as in proofs.data_integrity).
_DI_HASH = {
    KeyAlgorithm.ED25519: hashlib.sha256,
    KeyAlgorithm.P256: hashlib.sha256,
    KeyAlgorithm.P384: hashlib.sha384,
}
_EDDSA_SUITES = ("eddsa-rdfc-2022", "eddsa-2022")


@dataclass(frozen=True, slots=True)
class _VerifiedList:
    """A status list credential whose signature passed: what it takes to trust it again."""

    signer: ResolvedKey | None  # the key its proof was verified with (None: not kept)
    relation: str
    doc: Mapping[str, Any]
    bits: dict[str, bytes] = field(default_factory=dict)  # encodedList -> decoded, filled on first use


class _StatusListMemo:
    """Verified status list credentials by (URL, sha256 of the text), per document loader (the contexts
    are part of the result). A hit still resolves the signing key and must find the same key and
    controller, so a removed or rotated key is noticed; changed text is a new key, verified anew. Only
    lists with a single proof are kept (with a proof set, which proof decides may change)."""

    _MAX = 256

    def __init__(self) -> None:
        self._by_loader: weakref.WeakKeyDictionary[DocumentLoader, dict[tuple[str, str], _VerifiedList]]
        self._by_loader = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, loader: DocumentLoader, key: tuple[str, str]) -> _VerifiedList | None:
        with self._lock:
            items = self._by_loader.get(loader)
            return items.get(key) if items is not None else None

    def put(self, loader: DocumentLoader, key: tuple[str, str], item: _VerifiedList) -> None:
        with self._lock:
            items = self._by_loader.setdefault(loader, {})
            if len(items) >= self._MAX:
                items.clear()
            items[key] = item

    def clear(self) -> None:
        with self._lock:
            self._by_loader.clear()


_verified_lists = _StatusListMemo()


class _CallResolver(DidResolver):
    """One verification's view of the resolver: each (method, relation) is resolved once per call (the
    credential, its status lists and their proofs often name the same did:web key)."""

    def __init__(self, inner: DidResolver) -> None:
        super().__init__()
        self._inner = inner
        self._known: dict[tuple[str, str], ResolvedKey] = {}

    def resolve(self, method_id: str, *, relation: str = "assertionMethod") -> ResolvedKey:
        known = self._known.get((method_id, relation))
        if known is None:
            known = self._inner.resolve(method_id, relation=relation)
            self._known[(method_id, relation)] = known
        return known


def _entries(credential: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    status = credential.get("credentialStatus")
    items = status if isinstance(status, list) else [status] if status else []
    return [e for e in items if isinstance(e, Mapping)]


class Verifier:
    """Holds what verification needs; :meth:`verify` is safe to call from several threads."""

    def __init__(
        self,
        *,
        loader: DocumentLoader,
        resolver: DidResolver,
        fetch_status_list: Callable[[str], str] | None,
        skew: dt.timedelta = dt.timedelta(minutes=5),
        min_status_entries: int = 131_072,
        sd_jwt: SdJwtVcChecks | None = None,
        fetch_json: Callable[[str], Mapping[str, Any]] | None = None,
    ) -> None:
        self.loader = loader
        self.resolver = resolver
        self.fetch_status_list = fetch_status_list
        self.skew = skew
        self.min_status_entries = min_status_entries
        self.sd_jwt = sd_jwt
        self.fetch_json = fetch_json

    # -- entry point -----------------------------------------------------------------------------
    def verify(
        self,
        data: str | Mapping[str, Any],
        *,
        now: dt.datetime,
        profiles: Sequence[str] = (),
        identity: Identity | None = None,
    ) -> VerificationResult:
        scoped = copy.copy(self)  # the same settings, a resolver that remembers within this call
        scoped.resolver = _CallResolver(self.resolver)
        return scoped._verify(data, now=now, profiles=profiles, identity=identity)[0]

    def _verify(
        self,
        data: str | Mapping[str, Any],
        *,
        now: dt.datetime,
        profiles: Sequence[str] = (),
        identity: Identity | None = None,
    ) -> tuple[VerificationResult, ResolvedKey | None]:
        """:meth:`verify`, and the key whose Data Integrity proof passed (None: none or not JSON-LD)."""
        checks: list[Check] = []
        jwt: ParsedJwt | None = None
        signer: ResolvedKey | None = None
        if isinstance(data, str):
            text = data.strip()
            if len(text.encode("utf-8")) > _MAX_BYTES:
                raise UnreadableCredential(
                    "the credential is larger than 1 MiB", type_name="credential-too-large"
                )
            if self.sd_jwt is not None and not text.startswith("{") and looks_like_sd_jwt(text):
                return self._verify_sd_jwt(self.sd_jwt, text, now=now), None
            if text.startswith("{"):
                try:
                    data = json.loads(text)
                except ValueError:
                    raise UnreadableCredential("the credential is neither JSON nor a compact JWS") from None
            else:
                try:
                    jwt = parse_jwt(text)
                except JwtError as exc:
                    raise UnreadableCredential(f"the credential could not be read: {exc}") from None
        if jwt is not None:
            credential = jwt.credential
            fmt = "vc-jwt (VCDM 1.1)" if jwt.legacy else "vc-jwt"
        else:
            if not isinstance(data, Mapping):
                raise UnreadableCredential("the credential must be a JSON object or a compact JWS")
            credential = dict(data)
            fmt = "json-ld"
        if not isinstance(credential, dict) or "VerifiableCredential" not in _types(credential.get("type")):
            raise UnreadableCredential(
                "the document is not a Verifiable Credential (no VerifiableCredential type)"
            )
        checks.append(Check("format", "passed", f"Read a {fmt} credential."))
        result = VerificationResult(fmt, checks, credential)

        expanded = self._check_contexts(credential, checks)
        self._check_schema(credential, checks)
        if jwt is not None:
            self._check_jwt(jwt, credential, checks)
        elif expanded is not None:
            signer = self._check_data_integrity(credential, checks, expanded)
        else:
            checks.append(
                Check(
                    "proof", "skipped", "The signature was not checked because the contexts are not usable."
                )
            )
            checks.append(Check("issuer", "skipped", "The signing key was not checked."))
        self._check_validity(credential, jwt, checks, now)
        self._check_status(credential, checks)
        if identity is not None:
            checks.append(self._check_recipient(credential, identity))
        for profile in profiles:
            result.profiles[profile] = descriptors.evaluate(
                credential, profile, now=now, enveloped=jwt is not None
            )
        return result, signer

    @staticmethod
    def _verify_sd_jwt(sd_jwt: SdJwtVcChecks, text: str, *, now: dt.datetime) -> VerificationResult:
        """An SD-JWT VC (dc+sd-jwt): the same per-check report, from :mod:`verifier.sd_jwt_vc`."""
        raw_checks, claims = sd_jwt.run(text, now=now)
        checks = [
            Check(c["id"], c["outcome"], c["message"], c.get("type"), c.get("details") or {})
            for c in raw_checks
        ]
        return VerificationResult("dc+sd-jwt", checks, claims)

    # -- checks ----------------------------------------------------------------------------------
    def _check_contexts(self, credential: Mapping[str, Any], checks: list[Check]) -> list[Any] | None:
        """Safe-mode expansion (the loader's ``check_terms``); returns the expanded credential without its
        proof (what a Data Integrity proof signs), or None when the check failed."""
        contexts = credential.get("@context")
        first = contexts[0] if isinstance(contexts, list) and contexts else contexts
        if first not in (_VC_V2, _VC_V1):
            checks.append(
                _failed("contexts", "invalid-context", "The first @context is not a W3C VC context.")
            )
            return None
        try:
            # The credential without its proof and, apart, its proof: together what check_terms(credential)
            # expands, and the first is the document a Data Integrity proof is verified against.
            expanded = expand_safe({k: v for k, v in credential.items() if k != "proof"}, loader=self.loader)
            if "proof" in credential:
                expand_safe(_proof_part(credential), loader=self.loader)
        except UnknownContext as exc:
            checks.append(
                _failed(
                    "contexts",
                    "unknown-context",
                    f"It uses a JSON-LD context we do not know: {exc.url}.",
                    context=exc.url,
                )
            )
            return None
        except UndefinedTerm as exc:
            checks.append(
                _failed(
                    "contexts",
                    "undefined-term",
                    f"The property '{exc.term}' is not defined by the credential's contexts, so a "
                    "signature could not cover its meaning.",
                    term=exc.term,
                    path=exc.path,
                )
            )
            return None
        except JsonLdFailure as exc:
            checks.append(_failed("contexts", "invalid-json-ld", f"The JSON-LD is not valid: {exc}."))
            return None
        checks.append(Check("contexts", "passed", "Every property is defined by a known context."))
        return expanded

    def _check_schema(self, credential: Mapping[str, Any], checks: list[Check]) -> None:
        if not _OB_TYPES & set(_types(credential.get("type"))):
            checks.append(Check("schema", "skipped", "Not an Open Badge: no OB 3.0 schema applies."))
            return
        unsigned = {k: v for k, v in credential.items() if k != "proof"}
        errors = validate_credential_schema(unsigned)
        if errors:
            checks.append(
                _failed(
                    "schema",
                    "schema-validation-failed",
                    f"The credential does not match the Open Badges 3.0 schema ({len(errors)} problem(s)).",
                    errors=[{"path": e.path, "message": e.message} for e in errors[:20]],
                )
            )
        else:
            checks.append(Check("schema", "passed", "The credential matches the Open Badges 3.0 schema."))

    def _verify_proof(
        self,
        credential: Mapping[str, Any],
        proof: Mapping[str, Any],
        key: PublicKey,
        canonical: Callable[[], str],
    ) -> None:
        """:func:`proofs.data_integrity.verify_proof` (raises InvalidProof / JsonLdFailure), with the
        credential's canonical form from the expansion the contexts check made. Anything but a
        well-formed eddsa / ecdsa DataIntegrityProof goes to ``verify_proof`` itself."""
        value = proof.get("proofValue")
        suite = proof.get("cryptosuite")
        fast = (
            proof.get("type") == "DataIntegrityProof"
            and isinstance(proof.get("verificationMethod"), str)
            and proof.get("proofPurpose") == "assertionMethod"
            and isinstance(value, str)
            and value[:1] == "z"
            and (
                (suite in _EDDSA_SUITES and key.algorithm is KeyAlgorithm.ED25519)
                or (suite == "ecdsa-rdfc-2019" and key.algorithm in (KeyAlgorithm.P256, KeyAlgorithm.P384))
            )
        )
        signature = b""
        if fast:
            try:
                signature = multibase_decode(str(value))
            except MultibaseError:
                fast = False
        if not fast:
            verify_proof(credential, proof=proof, public_key=key, loader=self.loader)
            return
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        config = {"@context": credential.get("@context"), **options}
        h = _DI_HASH[key.algorithm]
        config_text = canonicalize_expanded(expand_safe(config, loader=self.loader), loader=self.loader)
        data = h(config_text.encode()).digest() + h(canonical().encode()).digest()
        try:
            key.verify(signature, data)
        except InvalidSignature:
            raise InvalidProof("PROOF_VERIFICATION_ERROR") from None

    def _check_data_integrity(
        self, credential: Mapping[str, Any], checks: list[Check], expanded: list[Any] | None = None
    ) -> ResolvedKey | None:
        """The proof and issuer checks; returns the key whose proof passed."""
        proofs = proofs_of(credential)
        if not proofs:
            checks.append(_failed("proof", "no-proof", "The credential is not signed (no proof)."))
            checks.append(Check("issuer", "skipped", "No signing key to check."))
            return None
        issuer = _issuer_id(credential)
        reasons: list[str] = []
        canonical_text: list[str] = []

        def canonical() -> str:  # the unsecured credential, canonicalized once for all its proofs
            if not canonical_text:
                if expanded is None:
                    unsecured = {k: v for k, v in credential.items() if k != "proof"}
                    document = expand_safe(unsecured, loader=self.loader)
                else:
                    document = expanded
                canonical_text.append(canonicalize_expanded(document, loader=self.loader))
            return canonical_text[0]

        for proof in proofs:
            method = proof.get("verificationMethod")
            if not isinstance(method, str):
                reasons.append("a proof names no verification method")
                continue
            try:
                resolved = self.resolver.resolve(method, relation=str(proof.get("proofPurpose", "")))
            except KeyResolutionError as exc:
                reasons.append(f"the key {method} could not be resolved ({exc.code})")
                continue
            try:
                self._verify_proof(credential, proof, resolved.key, canonical)
            except InvalidProof as exc:
                reasons.append(
                    f"the {proof.get('cryptosuite') or proof.get('type')} signature does not match "
                    f"({exc.code})"
                )
                continue
            except JsonLdFailure as exc:
                reasons.append(f"the document could not be canonicalized ({exc})")
                continue
            suite = proof.get("cryptosuite") or proof.get("type")
            checks.append(
                Check(
                    "proof",
                    "passed",
                    f"The {suite} signature is valid.",
                    details={"verificationMethod": method},
                )
            )
            if resolved.controller != issuer:
                checks.append(
                    _failed(
                        "issuer",
                        "issuer-mismatch",
                        f"The signing key belongs to {resolved.controller}, not to the issuer {issuer}.",
                    )
                )
            else:
                checks.append(Check("issuer", "passed", f"The signing key belongs to the issuer {issuer}."))
            return resolved
        checks.append(
            _failed(
                "proof",
                "invalid-proof",
                "No signature on the credential is valid: " + "; ".join(reasons) + ".",
            )
        )
        checks.append(Check("issuer", "skipped", "No valid signature to attribute."))
        return None

    def _check_jwt(self, jwt: ParsedJwt, credential: Mapping[str, Any], checks: list[Check]) -> None:
        issuer = _issuer_id(credential)
        iss = jwt.payload.get("iss")
        kid = jwt.header.get("kid")
        if isinstance(kid, str) and kid.startswith("#") and isinstance(iss, str):
            kid = iss + kid
        if not isinstance(kid, str) or not kid.startswith("did:"):
            self._check_jwt_by_jwks(jwt, issuer, iss, checks)
            return
        try:
            resolved = self.resolver.resolve(kid)
            verify_jws(jwt, resolved.key)
        except KeyResolutionError as exc:
            checks.append(
                _failed(
                    "proof", "key-not-found", f"The signing key {kid} could not be resolved ({exc.code})."
                )
            )
            checks.append(Check("issuer", "skipped", "No signing key to check."))
            return
        except JwtError as exc:
            checks.append(_failed("proof", "invalid-proof", f"The JWT signature is not valid ({exc.code})."))
            checks.append(Check("issuer", "skipped", "No valid signature to attribute."))
            return
        checks.append(
            Check("proof", "passed", f"The {jwt.header['alg']} JWT signature is valid.", details={"kid": kid})
        )
        if iss is not None and iss != issuer:
            checks.append(
                _failed("issuer", "issuer-mismatch", f"The JWT iss {iss} is not the issuer {issuer}.")
            )
        elif resolved.controller != issuer:
            checks.append(
                _failed(
                    "issuer",
                    "issuer-mismatch",
                    f"The signing key belongs to {resolved.controller}, not to the issuer {issuer}.",
                )
            )
        else:
            checks.append(Check("issuer", "passed", f"The signing key belongs to the issuer {issuer}."))

    def _check_jwt_by_jwks(self, jwt: ParsedJwt, issuer: str | None, iss: Any, checks: list[Check]) -> None:
        """OB 3.0 key provenance for a JWT without a DID key: the ``jwk`` header, or the ``kid``, must be
        in the JWK Set at ``https://{authority of the issuer id}/.well-known/jwks.json``."""

        def fail(name: str, message: str) -> None:
            checks.append(_failed("proof", name, message))
            checks.append(Check("issuer", "skipped", "No signing key to check."))

        if iss is not None and iss != issuer:
            fail("issuer-mismatch", f"The JWT iss {iss} is not the issuer {issuer}.")
            return
        if self.fetch_json is None or not isinstance(issuer, str) or not issuer.startswith("https://"):
            fail("key-not-found", "The JWT names no DID key, and the issuer has no https JWK Set to look in.")
            return
        jwks_url = "https://" + urlsplit(issuer).netloc + "/.well-known/jwks.json"
        try:
            published = [k for k in self.fetch_json(jwks_url).get("keys", []) if isinstance(k, Mapping)]
        except Exception:
            fail("key-not-found", f"The issuer's JWK Set at {jwks_url} could not be read.")
            return
        header_jwk, kid = jwt.header.get("jwk"), jwt.header.get("kid")
        match: Mapping[str, Any] | None = None
        for candidate in published:
            try:
                if isinstance(header_jwk, Mapping):
                    same = jwk_thumbprint(dict(candidate)) == jwk_thumbprint(dict(header_jwk))
                else:
                    same = kid is not None and candidate.get("kid") == kid
            except (KeyError, ValueError):
                continue
            if same:
                match = candidate
                break
        if match is None:
            fail("key-not-found", f"The signing key is not in the issuer's JWK Set at {jwks_url}.")
            return
        try:
            verify_jws(jwt, PublicKey.from_jwk(dict(match)))
        except (JwtError, InvalidKey, ValueError) as exc:
            checks.append(_failed("proof", "invalid-proof", f"The JWT signature is not valid ({exc})."))
            checks.append(Check("issuer", "skipped", "No valid signature to attribute."))
            return
        checks.append(
            Check(
                "proof",
                "passed",
                f"The {jwt.header['alg']} JWT signature is valid.",
                details={"jwks": jwks_url},
            )
        )
        if match.get("iss") not in (None, issuer):
            checks.append(
                _failed("issuer", "issuer-mismatch", "The key in the JWK Set names another issuer.")
            )
        else:
            checks.append(Check("issuer", "passed", f"The key is published by the issuer at {jwks_url}."))

    def _check_validity(
        self, credential: Mapping[str, Any], jwt: ParsedJwt | None, checks: list[Check], now: dt.datetime
    ) -> None:
        start_raw = credential.get("validFrom", credential.get("issuanceDate"))
        end_raw = credential.get("validUntil", credential.get("expirationDate"))
        start, end = _parse_time(start_raw), _parse_time(end_raw)
        if (start_raw is not None and start is None) or (end_raw is not None and end is None):
            checks.append(_failed("validity", "invalid-date", "A validity date is not a valid date-time."))
            return
        if jwt is not None:
            nbf, exp = jwt.payload.get("nbf"), jwt.payload.get("exp")
            if isinstance(nbf, int | float):
                nbf_time = dt.datetime.fromtimestamp(nbf, dt.UTC)
                start = max(start, nbf_time) if start else nbf_time
            if isinstance(exp, int | float):
                exp_time = dt.datetime.fromtimestamp(exp, dt.UTC)
                end = min(end, exp_time) if end else exp_time
        if start is not None and start > now + self.skew:
            checks.append(
                _failed(
                    "validity",
                    "not-yet-valid",
                    f"The credential is not valid before {start:%Y-%m-%d %H:%M} UTC.",
                )
            )
        elif end is not None and end < now - self.skew:
            checks.append(
                _failed("validity", "expired", f"The credential expired on {end:%Y-%m-%d %H:%M} UTC.")
            )
        elif end is not None:
            checks.append(Check("validity", "passed", f"Valid from {start:%Y-%m-%d} until {end:%Y-%m-%d}."))
        else:
            since = f" since {start:%Y-%m-%d}" if start else ""
            checks.append(Check("validity", "passed", f"Valid{since}, with no end date."))

    def _status_list(self, url: str) -> Mapping[str, Any]:
        """Fetch and verify a status list credential; raises StatusListError (BSL §3.5 codes)."""
        return self._verified_list(url).doc

    def _verified_list(self, url: str) -> _VerifiedList:
        if self.fetch_status_list is None:
            raise StatusListError("STATUS_RETRIEVAL_ERROR", "status lists cannot be fetched here")
        try:
            text = self.fetch_status_list(url)
        except Exception as exc:
            raise StatusListError(
                "STATUS_RETRIEVAL_ERROR", f"the status list could not be fetched: {exc}"
            ) from None
        memo_key = (url, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
        known = _verified_lists.get(self.loader, memo_key)
        if known is not None and known.signer is not None:
            try:
                resolved: ResolvedKey | None = self.resolver.resolve(
                    known.signer.method_id, relation=known.relation
                )
            except KeyResolutionError:
                resolved = None
            if resolved == known.signer:
                return known
        nested = Verifier(loader=self.loader, resolver=self.resolver, fetch_status_list=None, skew=self.skew)
        try:
            result, signer = nested._verify(text, now=dt.datetime.now(dt.UTC))
        except UnreadableCredential:
            raise StatusListError(
                "STATUS_VERIFICATION_ERROR", "the status list is not a credential"
            ) from None
        proof = result.check("proof")
        issuer = result.check("issuer")
        if not proof or proof.outcome != "passed" or not issuer or issuer.outcome != "passed":
            raise StatusListError("STATUS_VERIFICATION_ERROR", "the status list's signature is not valid")
        doc = result.credential or {}
        if "BitstringStatusListCredential" not in _types(doc.get("type")):
            raise StatusListError("STATUS_VERIFICATION_ERROR", "not a BitstringStatusListCredential")
        proofs = proofs_of(doc)
        purpose = str(proofs[0].get("proofPurpose", "")) if len(proofs) == 1 else ""
        item = _VerifiedList(signer, purpose, doc)
        if signer is not None and len(proofs) == 1:
            _verified_lists.put(self.loader, memo_key, item)
        return item

    def _check_status(self, credential: Mapping[str, Any], checks: list[Check]) -> None:
        entries = _entries(credential)
        if not entries:
            checks.append(
                Check("status", "skipped", "The credential has no status list: it cannot be revoked.")
            )
            return
        issuer = _issuer_id(credential)
        states: dict[str, tuple[int, str | None]] = {}
        for entry in entries:
            if entry.get("type") not in ("BitstringStatusListEntry", "StatusList2021Entry"):
                checks.append(
                    Check("status", "warning", f"Status of type {entry.get('type')} is not checked.")
                )
                continue
            purpose = str(entry.get("statusPurpose", ""))
            url = entry.get("statusListCredential")
            index_raw = entry.get("statusListIndex")
            try:
                if not isinstance(url, str) or not isinstance(index_raw, str) or not index_raw.isdigit():
                    raise StatusListError("MALFORMED_VALUE_ERROR", "malformed status entry")
                size = int(entry.get("statusSize", 1))
                listed = self._verified_list(url)
                doc = listed.doc
                subject = doc.get("credentialSubject") or {}
                purposes = _types(subject.get("statusPurpose"))
                if purpose not in purposes:
                    raise StatusListError("STATUS_VERIFICATION_ERROR", "the list is for another purpose")
                if _issuer_id(doc) != issuer:
                    checks.append(
                        Check("status", "warning", "The status list is published by another issuer.")
                    )
                encoded = str(subject.get("encodedList", ""))
                bits = listed.bits.get(encoded)
                if bits is None:
                    bits = decode_bitstring(encoded)
                    listed.bits[encoded] = bits
                if len(bits) * 8 // size < self.min_status_entries:
                    raise StatusListError("STATUS_LIST_LENGTH_ERROR", "the status list is too short")
                value = get_value(bits, int(index_raw), size)
            except StatusListError as exc:
                checks.append(
                    _failed(
                        "status",
                        "status-unavailable",
                        f"The {purpose} status could not be checked ({exc.code}).",
                        code=exc.code,
                    )
                )
                return
            message = None
            if size > 1:
                table = entry.get("statusMessage") or []
                message = next(
                    (
                        m.get("message")
                        for m in table
                        if isinstance(m, Mapping) and m.get("status") == f"0x{value:x}"
                    ),
                    None,
                )
            states[purpose] = (value, message)
        reason = states.get("message", (0, None))[1] if states.get("message", (0, None))[0] else None
        why = f" Reason given by the issuer: {reason}." if reason else ""
        if states.get("revocation", (0, None))[0]:
            checks.append(
                _failed(
                    "status",
                    "credential-revoked",
                    "The issuer has revoked this credential." + why,
                    reason=reason,
                )
            )
        elif states.get("suspension", (0, None))[0]:
            checks.append(
                _failed(
                    "status",
                    "credential-suspended",
                    "The issuer has suspended this credential." + why,
                    reason=reason,
                )
            )
        else:
            checks.append(
                Check("status", "passed", "The issuer has not revoked or suspended this credential.")
            )

    def _check_recipient(self, credential: Mapping[str, Any], identity: Identity) -> Check:
        subject = credential.get("credentialSubject")
        subjects = subject if isinstance(subject, list) else [subject]
        value = identity.value.strip()
        for s in subjects:
            if not isinstance(s, Mapping):
                continue
            if s.get("id") == value:
                return Check(
                    "recipient", "passed", "The credential was issued to this learner (by identifier)."
                )
            for ident in s.get("identifier", []) or []:
                if not isinstance(ident, Mapping):
                    continue
                kind = ident.get("identityType")
                if identity.identity_type and kind != identity.identity_type:
                    continue
                probe = value.lower() if kind == "emailAddress" else value
                stored = str(ident.get("identityHash", ""))
                if ident.get("hashed"):
                    digest = (
                        "sha256$" + hashlib.sha256((probe + str(ident.get("salt", ""))).encode()).hexdigest()
                    )
                    if hmac.compare_digest(digest, stored.lower()):
                        return Check(
                            "recipient",
                            "passed",
                            "The credential was issued to this learner (hashed identifier).",
                        )
                elif stored == probe:
                    return Check("recipient", "passed", "The credential was issued to this learner.")
        return _failed(
            "recipient", "recipient-mismatch", "The credential was not issued to the identity given."
        )

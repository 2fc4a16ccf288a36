"""The ``proof`` and ``issuer`` checks of a VC-JWT: the JWS verifies with the key its ``kid`` names (a
DID URL or the https URL of a key document, through the resolver) or, for a ``kid`` or ``jwk`` that is
neither, with the key the issuer
publishes in its JWK Set (OB 3.0 key provenance); ``iss`` and the key's controller are the issuer. Once
the signature verified, the JWT's registered claims must agree with the credential
(:mod:`verifier.checks.jwt_claims`), else the ``proof`` check fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from proofs.keys import InvalidKey, PublicKey, jwk_thumbprint
from proofs.vc_jwt import JwtError, ParsedJwt, verify_jws
from verifier.checks.data_integrity import issuer_check
from verifier.checks.jwt_claims import check_claims
from verifier.fields import issuer_id
from verifier.key_documents import has_userinfo
from verifier.keys import KEY_OUT_OF_USE, DidResolver, KeyResolutionError, key_problem
from verifier.result import Check, failed

__all__ = ["FetchJson", "check_jwt"]

FetchJson = Callable[[str], Mapping[str, Any]]
_MAX_KEYS_TRIED = 8  # JWK Set entries of one name and key type a signature is checked against


def check_jwt(
    jwt: ParsedJwt, credential: Mapping[str, Any], *, resolver: DidResolver, fetch_json: FetchJson | None
) -> list[Check]:
    """The proof and issuer checks of a VC-JWT whose credential is ``credential``."""
    checks = _signature(jwt, credential, resolver=resolver, fetch_json=fetch_json)
    if checks[0].outcome == "passed":
        contradiction = check_claims(jwt, credential)
        if contradiction is not None:
            checks[0] = contradiction
    return checks


def _key_failure(exc: KeyResolutionError, kid: str) -> list[Check]:
    problem, reason = key_problem(exc, kid)
    return [
        failed("proof", problem, reason[0].upper() + reason[1:] + "."),
        Check("issuer", "skipped", "No signing key to check."),
    ]


def _signature(
    jwt: ParsedJwt, credential: Mapping[str, Any], *, resolver: DidResolver, fetch_json: FetchJson | None
) -> list[Check]:
    """The proof and issuer checks of the JWS alone."""
    issuer = issuer_id(credential)
    iss = jwt.payload.get("iss")
    kid = jwt.header.get("kid")
    if isinstance(kid, str) and kid.startswith("#") and isinstance(iss, str):
        kid = iss + kid
    if isinstance(kid, str) and kid.startswith("https://"):
        # OB 3.0 §8.3: a kid may be the URL of the key itself (a controller document or a lone
        # verification method); otherwise it is only a name for a key of the issuer's JWK Set.
        try:
            resolved = resolver.resolve(kid)
        except KeyResolutionError as exc:
            if exc.code in KEY_OUT_OF_USE:  # found and out of use: the JWK Set does not stand in
                return _key_failure(exc, kid)
            return _check_by_jwks(jwt, issuer, iss, fetch_json)
    elif not isinstance(kid, str) or not kid.startswith("did:"):
        return _check_by_jwks(jwt, issuer, iss, fetch_json)
    else:
        try:
            resolved = resolver.resolve(kid)
        except KeyResolutionError as exc:
            return _key_failure(exc, kid)
    try:
        verify_jws(jwt, resolved.key)
    except JwtError as exc:
        return [
            failed("proof", "invalid-proof", f"The JWT signature is not valid ({exc.code})."),
            Check("issuer", "skipped", "No valid signature to attribute."),
        ]
    passed = Check(
        "proof", "passed", f"The {jwt.header['alg']} JWT signature is valid.", details={"kid": kid}
    )
    if iss is not None and iss != issuer:
        return [passed, failed("issuer", "issuer-mismatch", f"The JWT iss {iss} is not the issuer {issuer}.")]
    return [passed, issuer_check(resolved, issuer)]


def _verifies(jwt: ParsedJwt, key: PublicKey) -> bool:
    try:
        verify_jws(jwt, key)
    except JwtError:
        return False
    return True


def _no_key(name: str, message: str) -> list[Check]:
    return [failed("proof", name, message), Check("issuer", "skipped", "No signing key to check.")]


def _named(candidate: Mapping[str, Any], header_jwk: Any, kid: Any) -> bool:
    """Whether the JWK Set entry is the one the ``jwk`` header (by thumbprint), else the ``kid``, names."""
    try:
        if isinstance(header_jwk, Mapping):
            return jwk_thumbprint(dict(candidate)) == jwk_thumbprint(dict(header_jwk))
        return kid is not None and candidate.get("kid") == kid
    except (KeyError, ValueError):
        return False


def _published_keys(
    published: list[Mapping[str, Any]], jwt: ParsedJwt
) -> list[tuple[Mapping[str, Any], PublicKey]]:
    """The keys of the JWK Set that the ``jwk`` header, else the ``kid``, names and that fit the JWS ``alg``
    (its key type and curve; the entry's own ``alg``, if any): RFC 7517 §4.5 lets keys of different ``kty``
    share a ``kid``, so the first entry of the name need not be the one. An entry that is no usable public
    key (a private one, an RSA key too small) is none of them. At most ``_MAX_KEYS_TRIED``."""
    header_jwk, kid, alg = jwt.header.get("jwk"), jwt.header.get("kid"), jwt.header.get("alg")
    fitting: list[tuple[Mapping[str, Any], PublicKey]] = []
    for candidate in published:
        if not _named(candidate, header_jwk, kid) or candidate.get("alg", alg) != alg:
            continue
        try:
            key = PublicKey.from_jwk(dict(candidate))
        except (InvalidKey, ValueError):
            continue
        if key.algorithm == jwt.algorithm:
            fitting.append((candidate, key))
            if len(fitting) == _MAX_KEYS_TRIED:
                break
    return fitting


def _check_by_jwks(jwt: ParsedJwt, issuer: str | None, iss: Any, fetch_json: FetchJson | None) -> list[Check]:
    """OB 3.0 key provenance for a JWT without a DID key: the ``jwk`` header, or the ``kid``, must be
    in the JWK Set at ``https://{authority of the issuer id}/.well-known/jwks.json``."""
    if iss is not None and iss != issuer:
        return _no_key("issuer-mismatch", f"The JWT iss {iss} is not the issuer {issuer}.")
    if fetch_json is None or not isinstance(issuer, str) or not issuer.startswith("https://"):
        return _no_key(
            "key-not-found", "The JWT names no DID key, and the issuer has no https JWK Set to look in."
        )
    if has_userinfo(issuer):  # RFC 9110 §4.2.4: the authority after the "@" is not the issuer's
        return _no_key("key-not-found", "The issuer id has userinfo before its host: it names no JWK Set.")
    jwks_url = "https://" + urlsplit(issuer).netloc + "/.well-known/jwks.json"
    try:
        published = [k for k in fetch_json(jwks_url).get("keys", []) if isinstance(k, Mapping)]
    except Exception:
        return _no_key("key-not-found", f"The issuer's JWK Set at {jwks_url} could not be read.")
    fitting = _published_keys(published, jwt)
    if not fitting:
        return _no_key(
            "key-not-found",
            f"No key for the JWT's {jwt.header['alg']} signature is in the JWK Set at {jwks_url}.",
        )
    match = next((entry for entry, key in fitting if _verifies(jwt, key)), None)
    if match is None:
        return [
            failed("proof", "invalid-proof", "The JWT signature is not valid (SIGNATURE_INVALID)."),
            Check("issuer", "skipped", "No valid signature to attribute."),
        ]
    passed = Check(
        "proof", "passed", f"The {jwt.header['alg']} JWT signature is valid.", details={"jwks": jwks_url}
    )
    if match.get("iss") not in (None, issuer):
        return [passed, failed("issuer", "issuer-mismatch", "The key in the JWK Set names another issuer.")]
    return [passed, Check("issuer", "passed", f"The key is published by the issuer at {jwks_url}.")]

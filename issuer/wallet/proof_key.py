"""The holder key a ``jwt`` key proof names (OpenID4VCI 1.0 Appendix F.1): its ``jwk`` header, or a
``did:jwk`` DID URL in ``kid``, resolved locally (the DID is the base64url of the JWK; its one
verification method is ``#0``). Pure: no database, no network.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from proofs.keys import InvalidKey, PublicKey
from proofs.multibase import MultibaseError, b64url_decode, b64url_encode

__all__ = ["HolderKey", "ProofKeyError", "holder_key"]

_MAX_KID = 2048


class ProofKeyError(ValueError):
    """The proof header names no usable holder key (OpenID4VCI ``invalid_proof``)."""


@dataclass(frozen=True, slots=True)
class HolderKey:
    """The holder's key: ``did`` is what the credential is bound to (``credentialSubject.id``), ``jwk``
    its public JWK (``cnf.jwk`` of an SD-JWT VC)."""

    key: PublicKey
    did: str
    jwk: dict[str, Any]


def _did_jwk(public: Mapping[str, Any]) -> str:
    return "did:jwk:" + b64url_encode(json.dumps(dict(public), separators=(",", ":")).encode())


def _public_jwk(key: PublicKey) -> dict[str, Any]:
    return {k: v for k, v in key.jwk().items() if k != "kid"}


def _resolve_did_jwk(kid: str) -> HolderKey:
    did, _, fragment = kid.partition("#")
    if fragment not in ("", "0"):
        raise ProofKeyError("a did:jwk DID URL names its key as #0")
    try:
        jwk = json.loads(b64url_decode(did.removeprefix("did:jwk:")))
    except (MultibaseError, ValueError, RecursionError):
        raise ProofKeyError("the did:jwk does not encode a JWK") from None
    if not isinstance(jwk, dict):
        raise ProofKeyError("the did:jwk must encode a public JWK")
    if jwk.get("use", "sig") != "sig":
        raise ProofKeyError("the did:jwk key is not for signatures (use)")
    try:
        key = PublicKey.from_jwk(jwk)
    except (InvalidKey, ValueError, TypeError):
        raise ProofKeyError("the did:jwk does not encode a supported key") from None
    return HolderKey(key, did, _public_jwk(key))


def holder_key(header: Mapping[str, Any], *, binding_methods: Collection[str]) -> HolderKey:
    """The key of a proof header: exactly one of ``jwk`` (always accepted) and ``kid``, a ``did:jwk``
    DID URL accepted where the configuration advertises ``did:jwk`` among ``binding_methods``.
    ``x5c`` and other DID methods are refused."""
    named = [name for name in ("jwk", "kid", "x5c", "trust_chain") if name in header]
    if named == ["jwk"]:
        jwk = header["jwk"]
        if not isinstance(jwk, dict):
            raise ProofKeyError("the key proof's jwk must be a public JWK")
        try:
            key = PublicKey.from_jwk(jwk)
        except (InvalidKey, ValueError, TypeError):
            raise ProofKeyError("the key proof's jwk is not a supported key") from None
        public = _public_jwk(key)
        return HolderKey(key, _did_jwk(public), public)
    if named == ["kid"]:
        kid = header["kid"]
        if not isinstance(kid, str) or len(kid) > _MAX_KID or not kid.startswith("did:jwk:"):
            raise ProofKeyError("a kid must be a did:jwk DID URL (or send the key as jwk)")
        if "did:jwk" not in binding_methods:
            raise ProofKeyError("this credential binds to a jwk: send the holder's key as jwk")
        return _resolve_did_jwk(kid)
    raise ProofKeyError("the key proof must name the holder's key as jwk or a did:jwk kid (exactly one)")

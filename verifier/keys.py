"""Verification method resolution (DID Core §5.2, did:key, did:jwk, did:web): from a verification
method id to a public key and its controller. Fetching is injected: the resolver never opens a socket.
:class:`CallResolver` is one verification's view of a resolver (each key resolved once per call).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from proofs.keys import InvalidKey, PublicKey
from proofs.multibase import MultibaseError, b64url_decode

__all__ = ["CallResolver", "DidResolver", "KeyResolutionError", "ResolvedKey"]


class KeyResolutionError(Exception):
    """The verification method could not be resolved to a key (``code`` names why)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    key: PublicKey
    controller: str
    method_id: str


def _relations(doc: Mapping[str, Any], relation: str) -> set[str]:
    did = str(doc.get("id", ""))
    out: set[str] = set()
    for entry in doc.get(relation, []) or []:
        ref = entry.get("id") if isinstance(entry, Mapping) else entry
        if isinstance(ref, str):
            out.add(did + ref if ref.startswith("#") else ref)
    return out


def _key_from_did_document(doc: Mapping[str, Any], method_id: str, relation: str) -> ResolvedKey:
    """The key of ``method_id`` in a DID document, if the method is authorized for ``relation``."""
    did = str(doc.get("id", ""))
    if method_id.split("#", 1)[0] != did:
        raise KeyResolutionError("DID_MISMATCH", "the DID document is not the one the key belongs to")
    if method_id not in _relations(doc, relation):
        raise KeyResolutionError("NOT_AUTHORIZED", f"the key is not listed under {relation}")
    methods = [m for m in doc.get("verificationMethod", []) or [] if isinstance(m, Mapping)]
    methods += [m for m in doc.get(relation, []) or [] if isinstance(m, Mapping)]
    for method in methods:
        mid = str(method.get("id", ""))
        if (did + mid if mid.startswith("#") else mid) != method_id:
            continue
        try:
            if isinstance(method.get("publicKeyMultibase"), str):
                key = PublicKey.from_multikey(method["publicKeyMultibase"])
            elif isinstance(method.get("publicKeyJwk"), Mapping):
                key = PublicKey.from_jwk(dict(method["publicKeyJwk"]))
            else:
                raise KeyResolutionError("UNSUPPORTED_KEY", "the verification method has no usable key")
        except (InvalidKey, MultibaseError, ValueError) as exc:
            raise KeyResolutionError(
                "INVALID_KEY", f"the verification method's key is invalid: {exc}"
            ) from None
        return ResolvedKey(key, str(method.get("controller", did)), method_id)
    raise KeyResolutionError("KEY_NOT_FOUND", "the DID document has no such verification method")


class DidResolver:
    """Resolves ``did:key`` and ``did:jwk`` locally and ``did:web`` through ``fetch_did_web`` (which returns
    the DID document for a did:web DID: from our own database, or over guarded HTTPS)."""

    def __init__(self, fetch_did_web: Callable[[str], Mapping[str, Any]] | None = None) -> None:
        self._fetch_did_web = fetch_did_web

    def resolve(self, method_id: str, *, relation: str = "assertionMethod") -> ResolvedKey:
        did, _, fragment = method_id.partition("#")
        try:
            if did.startswith("did:key:"):
                key = PublicKey.from_did_key(did)
                if fragment and fragment != did.removeprefix("did:key:"):
                    raise KeyResolutionError("KEY_NOT_FOUND", "the did:key fragment does not match the key")
                return ResolvedKey(key, did, method_id)
            if did.startswith("did:jwk:"):
                jwk = json.loads(b64url_decode(did.removeprefix("did:jwk:")))
                return ResolvedKey(PublicKey.from_jwk(jwk), did, method_id)
        except (InvalidKey, MultibaseError, ValueError) as exc:
            raise KeyResolutionError("INVALID_KEY", f"the DID does not encode a usable key: {exc}") from None
        if did.startswith("did:web:"):
            if self._fetch_did_web is None:
                raise KeyResolutionError("RESOLUTION_DISABLED", "did:web resolution is not available here")
            return _key_from_did_document(self._fetch_did_web(did), method_id, relation)
        raise KeyResolutionError("UNSUPPORTED_DID_METHOD", f"cannot resolve {did.split(':')[:2]}")


class CallResolver(DidResolver):
    """One verification's view of a resolver: each (method, relation) is resolved once per call (the
    credential, its status lists and their proofs often name the same did:web key). Made for one call and
    dropped after it, so a removed or rotated key is seen by the next verification."""

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

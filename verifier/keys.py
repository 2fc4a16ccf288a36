"""Verification method resolution: from a verification method id to a public key and its controller.

``did:key`` and ``did:jwk`` are read locally; a ``did:web`` DID document and a key published at an
HTTP(S) URL (OB 3.0 §8.3 "Dereferencing the Public Key") are read through fetchers the caller passes in,
and the key taken out of them by :mod:`verifier.key_documents` (which also checks that the key's
controller claims it). The resolver never opens a socket. :class:`CallResolver` is one verification's
view of a resolver (each key resolved once per call).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from proofs import strict_json
from proofs.did import did_web_document_url
from proofs.keys import InvalidKey, PublicKey
from proofs.multibase import MultibaseError, b64url_decode
from verifier.key_documents import (
    FetchDocument,
    KeyResolutionError,
    ResolvedKey,
    key_from_controller_document,
    key_from_url,
    key_in_use,
)

__all__ = [
    "KEY_OUT_OF_USE",
    "CallResolver",
    "DidResolver",
    "FetchDocument",
    "KeyResolutionError",
    "ResolvedKey",
    "key_problem",
]

# The check outcomes of a key that resolved but is out of use; any other resolution failure is key-not-found.
_OUT_OF_USE: Mapping[str, str] = MappingProxyType(
    {"KEY_REVOKED": "key-revoked", "KEY_EXPIRED": "key-expired"}
)
# Their codes: a key found and out of use, for which no other source of keys may stand in.
KEY_OUT_OF_USE = frozenset(_OUT_OF_USE)


def key_problem(exc: KeyResolutionError, method: str, use: str = "") -> tuple[str, str]:
    """The check outcome and plain reason for a key that could not be had for a proof (``use``: e.g.
    " for authentication"): a revoked or expired key says so, anything else is key-not-found."""
    problem = _OUT_OF_USE.get(exc.code)
    if problem is not None:
        return problem, str(exc)
    return "key-not-found", f"the key {method} could not be resolved{use} ({exc.code})"


class DidResolver:
    """Resolves ``did:key`` and ``did:jwk`` locally, ``did:web`` through ``fetch_did_web`` (which returns
    the DID document for a did:web DID: from our own database, or over guarded HTTPS), and http(s)
    verification methods through ``fetch_key_document`` (the JSON object at a URL, likewise)."""

    def __init__(
        self,
        fetch_did_web: Callable[[str], Mapping[str, Any]] | None = None,
        fetch_key_document: FetchDocument | None = None,
    ) -> None:
        self._fetch_did_web = fetch_did_web
        self._fetch_key_document = fetch_key_document

    def resolve(self, method_id: str, *, relation: str = "assertionMethod") -> ResolvedKey:
        did, _, fragment = method_id.partition("#")
        try:
            if did.startswith("did:key:"):
                key = PublicKey.from_did_key(did)
                if fragment and fragment != did.removeprefix("did:key:"):
                    raise KeyResolutionError("KEY_NOT_FOUND", "the did:key fragment does not match the key")
                return ResolvedKey(key, did, method_id)
            if did.startswith("did:jwk:"):
                jwk = strict_json.loads(b64url_decode(did.removeprefix("did:jwk:")))  # one reading of the key
                return ResolvedKey(PublicKey.from_jwk(jwk), did, method_id)
        except (InvalidKey, MultibaseError, ValueError, RecursionError) as exc:
            raise KeyResolutionError("INVALID_KEY", f"the DID does not encode a usable key: {exc}") from None
        if did.startswith("did:web:"):
            return key_from_controller_document(
                self._did_web(did), method_id, relation, controller_document=self._did_web
            )
        if did.startswith(("https://", "http://")):
            if self._fetch_key_document is None:
                raise KeyResolutionError("RESOLUTION_DISABLED", "keys at http(s) URLs are not fetched here")
            return key_from_url(
                method_id, relation, fetch=self._fetch_key_document, controller_document=self._did_web
            )
        if did.startswith("did:"):
            raise KeyResolutionError(
                "UNSUPPORTED_DID_METHOD", f"cannot resolve {':'.join(did.split(':')[:2])}"
            )
        raise KeyResolutionError(
            "UNSUPPORTED_SCHEME", "the verification method is not a DID or an http(s) URL"
        )

    def _did_web(self, did: str) -> Mapping[str, Any]:
        """The DID document of a did:web DID (the controller of a key published at an URL, too)."""
        if not did.startswith("did:web:"):
            raise KeyResolutionError(
                "UNSUPPORTED_DID_METHOD", f"cannot read the controller document of {did}"
            )
        try:
            did_web_document_url(did)  # a host that is not host[:port] moves the fetch elsewhere
        except ValueError as exc:
            raise KeyResolutionError("INVALID_DID", f"{did[:80]} is not a valid did:web DID: {exc}") from None
        if self._fetch_did_web is None:
            raise KeyResolutionError("RESOLUTION_DISABLED", "did:web resolution is not available here")
        return self._fetch_did_web(did)


class CallResolver(DidResolver):
    """One verification's view of a resolver, at the verification's time ``now``: each (method, relation)
    is resolved once per call (the credential, its status lists and their proofs often name the same
    did:web key), and a key whose document marks it revoked or expired by ``now`` is not given out
    (KEY_REVOKED, KEY_EXPIRED). Made for one call and dropped after it, so a removed or rotated key is
    seen by the next verification."""

    def __init__(self, inner: DidResolver, *, now: dt.datetime) -> None:
        super().__init__()
        self._inner = inner
        self._now = now
        self._known: dict[tuple[str, str], ResolvedKey] = {}

    def resolve(self, method_id: str, *, relation: str = "assertionMethod") -> ResolvedKey:
        known = self._known.get((method_id, relation))
        if known is None:
            known = self._inner.resolve(method_id, relation=relation)
            self._known[(method_id, relation)] = known
        return key_in_use(known, self._now)

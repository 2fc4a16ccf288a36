"""DID documents for issuer tenants (DID Core; Controlled Identifiers v1.0 §2.2 Multikey; did:web §3).

Pure: takes the DID and the public keys, returns documents. Serving and storage live in ``app/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from proofs.keys import PublicKey

__all__ = [
    "PublishedKey",
    "did_document",
    "did_web",
    "did_web_document_url",
    "jwks",
]

_DID_CONTEXTS = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1")
# A did:web host: DNS labels (or an IPv4 address, which reads as such), and an optional port whose colon is
# the one percent-escape the host part may hold (did:web §3.2: "If the domain contains a port percent
# decode the colon"). Nothing else is decoded: %40, %3F, %23 or %2F would move the URL's authority.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"(?P<name>(?:{_LABEL}\.)*{_LABEL})(?:%3[Aa](?P<port>[0-9]{{1,5}}))?")
# A path segment: DID idchars (DID Core §3.1: ALPHA / DIGIT / "." / "-" / "_" / pct-encoded), kept as they
# are in the URL (so an escaped "/", "?" or "#" stays escaped), and never "." or "..".
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+")


@dataclass(frozen=True, slots=True)
class PublishedKey:
    """A key to publish: its fragment (without ``#``) and public key."""

    fragment: str
    public_key: PublicKey


def did_web(host: str, *path: str) -> str:
    """``did:web:HOST[:PATH…]`` (did:web §3.1): ``host`` already has ``:`` as ``%3A``."""
    return ":".join(("did:web", host, *path))


def did_web_document_url(did: str) -> str:
    """The HTTPS URL of a did:web DID document (did:web §3.2 Read); ValueError when the DID's host part is
    not a host name with an optional ``%3A`` port, or a path segment is not DID idchars."""
    if not did.startswith("did:web:"):
        raise ValueError("not a did:web DID")
    parts = did.split("#", 1)[0].removeprefix("did:web:").split(":")
    host = _HOST.fullmatch(parts[0])
    if host is None or len(host["name"]) > 253 or (host["port"] and not 0 < int(host["port"]) < 65536):
        raise ValueError("the did:web host is not a host name with an optional %3A port")
    authority = host["name"] + (f":{host['port']}" if host["port"] else "")
    path = parts[1:]
    if any(_SEGMENT.fullmatch(p) is None or p in (".", "..") for p in path):
        raise ValueError("a did:web path segment is not made of DID characters")
    if not path:
        return f"https://{authority}/.well-known/did.json"
    return f"https://{authority}/" + "/".join(path) + "/did.json"


def _multikey_verification_method(did: str, key: PublishedKey) -> dict[str, str]:
    return {
        "id": f"{did}#{key.fragment}",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": key.public_key.multikey(),
    }


def did_document(
    did: str, keys: Sequence[PublishedKey], *, linked_domains: Sequence[str] = ()
) -> dict[str, Any]:
    """A DID document listing every key as a Multikey under ``assertionMethod``; ``linked_domains``: web
    origins the DID claims (DIF Well Known DID Configuration §"Linked Domain Service Endpoint"), each a
    ``LinkedDomains`` service (the origin's DID configuration proves the claim)."""
    methods = [_multikey_verification_method(did, k) for k in keys]
    ids = [m["id"] for m in methods]
    document: dict[str, Any] = {
        "@context": list(_DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }
    if linked_domains:
        document["service"] = [
            {
                "id": f"{did}#linked-domain-{i}" if i else f"{did}#linked-domain",
                "type": "LinkedDomains",
                "serviceEndpoint": origin,
            }
            for i, origin in enumerate(linked_domains)
        ]
    return document


def jwks(did: str, keys: Iterable[PublishedKey]) -> dict[str, list[dict[str, str]]]:
    """A JWK Set whose ``kid`` values are the same DID URLs as the DID document's methods."""
    out = []
    for key in keys:
        jwk = dict(key.public_key.jwk())
        jwk.update(kid=f"{did}#{key.fragment}", alg=key.public_key.algorithm.jws_alg, use="sig")
        out.append(jwk)
    return {"keys": out}

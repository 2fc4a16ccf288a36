"""The ``recipient`` check: the credential was issued to the identity the employer knows (the subject's
``id``, or one of its ``identifier`` entries, plain or salted-and-hashed as OB 3.0 IdentityObject)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from proofs.constant_time import same_text
from verifier.result import Check, Identity, failed

__all__ = ["check_recipient"]

_HASHES: Mapping[str, Callable[[bytes], str]] = MappingProxyType(
    {
        "sha256": lambda data: hashlib.sha256(data).hexdigest(),
        "md5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),  # allowed by OB 3.0
    }
)


def _matches(ident: Mapping[str, Any], identity: Identity, value: str) -> str | None:
    """How ``ident`` (an IdentityObject) matches ``value``, or None."""
    kind = ident.get("identityType")
    if identity.identity_type and kind != identity.identity_type:
        return None
    probe = value.lower() if kind == "emailAddress" else value
    stored = str(ident.get("identityHash", ""))
    if ident.get("hashed"):
        # OB 3.0 IdentityHash: "sha256$" or "md5$" and the hex digest of the identity and the salt.
        algorithm, _, _ = stored.partition("$")
        algorithm = algorithm.lower()
        if algorithm not in _HASHES:
            return None
        salted = (probe + str(ident.get("salt", ""))).encode()
        digest = f"{algorithm}${_HASHES[algorithm](salted)}"
        return "hashed" if same_text(digest, stored.lower()) else None
    return "plain" if stored == probe else None


def _identifiers(value: Any) -> list[Any]:
    """A subject's ``identifier`` entries: a list, or one IdentityObject alone (JSON-LD reads a single value
    as a set of one); anything else (a number, a string) holds none."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, Mapping) else []


def check_recipient(credential: Mapping[str, Any], identity: Identity) -> Check:
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    value = identity.value.strip()
    for s in subjects:
        if not isinstance(s, Mapping):
            continue
        if s.get("id") == value:
            return Check("recipient", "passed", "The credential was issued to this learner (by identifier).")
        for ident in _identifiers(s.get("identifier")):
            if not isinstance(ident, Mapping):
                continue
            how = _matches(ident, identity, value)
            if how == "hashed":
                return Check(
                    "recipient", "passed", "The credential was issued to this learner (hashed identifier)."
                )
            if how == "plain":
                return Check("recipient", "passed", "The credential was issued to this learner.")
    return failed("recipient", "recipient-mismatch", "The credential was not issued to the identity given.")

"""Keys read out of controller documents: a DID document (DID Core §5.2), or a controller document or a
lone verification method published at an HTTP(S) URL (OB 3.0 §8.3 "Dereferencing the Public Key";
Controlled Identifiers 1.0 §3.3 "Retrieve Verification Method").

A verification method is one of ``Multikey``, ``JsonWebKey`` / ``JsonWebKey2020`` (a ``publicKeyJwk``) or
``Ed25519VerificationKey2020`` (a ``publicKeyMultibase``). A key is trusted for a proof only when its
controller claims it for the proof's purpose: the document that lists it under ``assertionMethod``
(say) is the controller's own (its ``id`` is the controller), or, for a lone verification method, the
controller's document lists the method's URL. So a key published on any web site cannot speak for an
issuer that does not list it. Pure: the fetching is the caller's (:mod:`verifier.keys`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from proofs.keys import InvalidKey, PublicKey
from proofs.multibase import MultibaseError
from verifier.fields import parse_time

__all__ = [
    "FetchDocument",
    "KeyResolutionError",
    "ResolvedKey",
    "has_userinfo",
    "key_from_controller_document",
    "key_from_url",
    "key_in_use",
]

# The document at an http(s) URL, as a JSON object; raises KeyResolutionError when it cannot be had.
FetchDocument = Callable[[str], Mapping[str, Any]]

_METHOD_TYPES = frozenset({"Multikey", "JsonWebKey", "JsonWebKey2020", "Ed25519VerificationKey2020"})
_MAX_METHODS = 64  # verification methods looked at in one document
# Verification material properties (DID Core §5.2.1, the DID Specification Registries): a method has one.
_MATERIAL = frozenset(
    {
        "publicKeyJwk",
        "publicKeyMultibase",
        "publicKeyBase58",
        "publicKeyBase64",
        "publicKeyHex",
        "publicKeyPem",
    }
)


class KeyResolutionError(Exception):
    """The verification method could not be resolved to a key (``code`` names why)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """A public key, the controller it belongs to, and the verification method id that named it; with the
    method's ``revoked`` and ``expires`` times when its document gives them (Controlled Identifiers 1.0
    §2.2: no proof by the method is to be verified at or after either)."""

    key: PublicKey
    controller: str
    method_id: str
    revoked: dt.datetime | None = None
    expires: dt.datetime | None = None


def has_userinfo(url: str) -> bool:
    """Whether an http(s) URL carries userinfo (``https://victim.example@evil.example/``), or has an
    authority that cannot be read: RFC 9110 §4.2.4, userinfo in an http(s) URI from an untrusted source is
    to be treated as an error (it is used to obscure the authority). Such a URL names no key or issuer."""
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return True


def _checked_url(url: str) -> str:
    if has_userinfo(url):
        raise KeyResolutionError("USERINFO_URL", f"the URL {url} has userinfo before its host")
    return url


def key_in_use(resolved: ResolvedKey, now: dt.datetime) -> ResolvedKey:
    """``resolved``, unless it was revoked or expired at ``now`` (Controlled Identifiers 1.0 §2.2: "systems
    depending on the value are expected to not verify any proofs associated with the verification method
    at or after the time of revocation", likewise of expiration): then KEY_REVOKED or KEY_EXPIRED."""
    if resolved.revoked is not None and now >= resolved.revoked:
        raise KeyResolutionError(
            "KEY_REVOKED", f"the key {resolved.method_id} was revoked at {resolved.revoked.isoformat()}"
        )
    if resolved.expires is not None and now >= resolved.expires:
        raise KeyResolutionError(
            "KEY_EXPIRED", f"the key {resolved.method_id} expired at {resolved.expires.isoformat()}"
        )
    return resolved


_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)  # an unreadable time: in force since ever (fail closed)


def _time(method: Mapping[str, Any], name: str) -> dt.datetime | None:
    """The method's ``revoked`` or ``expires`` (absent: None; present but not a date-time: the earliest
    time, so a method marked revoked in a form we cannot read is not used)."""
    return (parse_time(method[name]) or _EPOCH) if name in method else None


def _resolved(key: PublicKey, controller: str, method_id: str, method: Mapping[str, Any]) -> ResolvedKey:
    return ResolvedKey(key, controller, method_id, _time(method, "revoked"), _time(method, "expires"))


def _absolute(base: str, ref: str) -> str:
    return base + ref if ref.startswith("#") else ref


def _relations(doc: Mapping[str, Any], relation: str) -> set[str]:
    """The method ids a document lists under ``relation`` (by reference or embedded)."""
    base = str(doc.get("id", ""))
    entries = doc.get(relation)
    out: set[str] = set()
    for entry in (entries if isinstance(entries, list) else [entries] if entries else [])[:_MAX_METHODS]:
        ref = entry.get("id") if isinstance(entry, Mapping) else entry
        if isinstance(ref, str):
            out.add(_absolute(base, ref))
    return out


def _methods(doc: Mapping[str, Any], relation: str) -> list[Mapping[str, Any]]:
    """The verification methods a document embeds (under ``verificationMethod`` or ``relation``)."""
    found: list[Mapping[str, Any]] = []
    for name in ("verificationMethod", relation):
        value = doc.get(name)
        items = value if isinstance(value, list) else [value] if isinstance(value, Mapping) else []
        found += [m for m in items[:_MAX_METHODS] if isinstance(m, Mapping)]
    return found


def _public_key(method: Mapping[str, Any]) -> PublicKey:
    """The key of a verification method of a type we read."""
    kind = method.get("type")
    if kind is not None and (type(kind) is not str or kind not in _METHOD_TYPES):
        raise KeyResolutionError(
            "UNSUPPORTED_KEY", f"verification methods of type {kind!r} are not supported"
        )
    material = sorted(_MATERIAL.intersection(method.keys()))
    if len(material) > 1:  # DID Core §5.2.1: "MUST NOT contain multiple verification material properties"
        raise KeyResolutionError(
            "INVALID_KEY", f"the verification method has several key materials ({', '.join(material)})"
        )
    try:
        if isinstance(method.get("publicKeyMultibase"), str):
            return PublicKey.from_multikey(method["publicKeyMultibase"])
        jwk = method.get("publicKeyJwk")
        if isinstance(jwk, Mapping):  # a private JWK is refused there (InvalidKey)
            return PublicKey.from_jwk(dict(jwk))
    except (InvalidKey, MultibaseError, ValueError) as exc:
        raise KeyResolutionError("INVALID_KEY", f"the verification method's key is invalid: {exc}") from None
    raise KeyResolutionError("UNSUPPORTED_KEY", "the verification method has no usable key")


def key_from_controller_document(
    doc: Mapping[str, Any],
    method_id: str,
    relation: str,
    *,
    controller_is_document: bool = False,
    controller_document: Callable[[str], Mapping[str, Any]] | None = None,
) -> ResolvedKey:
    """The key of ``method_id`` in a controller document (a DID document, or a document at an http(s)
    URL whose ``id`` is that URL), if the document lists the method under ``relation``.
    ``controller_is_document``: the method's ``controller`` must be the document itself (Controlled
    Identifiers §3.3 step 7). Otherwise a method may name another controller (DID Core §5.1.1), but a
    document cannot make someone else the controller of its key by saying so: that controller's own
    document (``controller_document``, a did:web DID document) must list the method under ``relation``
    too (Controlled Identifiers §3.3, "Retrieve Verification Method"), or the key is refused."""
    base = str(doc.get("id", ""))
    if method_id.split("#", 1)[0] != base:
        raise KeyResolutionError("DID_MISMATCH", "the document is not the one the key belongs to")
    if method_id not in _relations(doc, relation):
        raise KeyResolutionError("NOT_AUTHORIZED", f"the key is not listed under {relation}")
    named = [m for m in _methods(doc, relation) if _absolute(base, str(m.get("id", ""))) == method_id]
    if not named:
        raise KeyResolutionError("KEY_NOT_FOUND", "the document has no such verification method")
    method = named[0]
    same = [
        {**m, "id": method_id, "controller": _absolute(base, str(m.get("controller", base)))} for m in named
    ]
    if any(other != same[0] for other in same[1:]):  # DID Core §5.2: a method's id is unique in its document
        raise KeyResolutionError(
            "AMBIGUOUS_METHOD", f"the document has several different verification methods {method_id}"
        )
    controller = method.get("controller", base)
    if not isinstance(controller, str) or (controller_is_document and controller != base):
        raise KeyResolutionError(
            "CONTROLLER_MISMATCH", f"the key names another controller ({controller}) than {base}"
        )
    if controller != base:
        _confirm_controller(controller, method_id, relation, controller_document)
    return _resolved(_public_key(method), controller, method_id, method)


def _confirm_controller(
    controller: str,
    method_id: str,
    relation: str,
    controller_document: Callable[[str], Mapping[str, Any]] | None,
) -> None:
    """Raise unless ``controller``'s own DID document lists ``method_id`` under ``relation``."""
    if controller_document is None or not controller.startswith("did:web:"):
        raise KeyResolutionError(
            "CONTROLLER_MISMATCH",
            f"the key names another controller ({controller}) whose document cannot be read here",
        )
    owner = controller_document(controller)
    if str(owner.get("id", "")) != controller or method_id not in _relations(owner, relation):
        raise KeyResolutionError(
            "NOT_AUTHORIZED",
            f"the key names {controller} as its controller, which does not list it under {relation}",
        )


def _lone_method(
    doc: Mapping[str, Any],
    method_id: str,
    relation: str,
    fetch: FetchDocument,
    controller_document: Callable[[str], Mapping[str, Any]],
) -> ResolvedKey:
    """A document that is itself the verification method: its key, once its controller's document
    (fetched over http(s), or a did:web DID document) lists it under ``relation``."""
    controller = doc.get("controller")
    if not isinstance(controller, str) or not controller:
        raise KeyResolutionError("CONTROLLER_MISSING", "the key document names no controller")
    key = _public_key(doc)
    if controller.startswith(("https://", "http://")):
        owner = fetch(_checked_url(controller.split("#", 1)[0]))
    else:
        owner = controller_document(controller)
    if str(owner.get("id", "")) != controller:
        raise KeyResolutionError(
            "CONTROLLER_MISMATCH", f"the document at {controller} is not the controller's own"
        )
    if method_id not in _relations(owner, relation):
        raise KeyResolutionError(
            "NOT_AUTHORIZED",
            f"the key's controller {controller} does not list it under {relation}",
        )
    return _resolved(key, controller, method_id, doc)


def key_from_url(
    method_id: str,
    relation: str,
    *,
    fetch: FetchDocument,
    controller_document: Callable[[str], Mapping[str, Any]],
) -> ResolvedKey:
    """The key named by an http(s) ``method_id``: the document at its URL (without the fragment) is
    either the controller's document that lists the key (Controlled Identifiers §3.3), or the
    verification method itself, whose controller's document must then list it. ``controller_document``
    gives a controller's document when the controller is a DID (raises KeyResolutionError)."""
    url = _checked_url(method_id.split("#", 1)[0])
    doc = fetch(url)
    doc_id = doc.get("id")
    kind = doc.get("type")
    if doc_id == url and ("#" in method_id or type(kind) is not str or kind not in _METHOD_TYPES):
        return key_from_controller_document(doc, method_id, relation, controller_is_document=True)
    if doc_id == method_id:
        return _lone_method(doc, method_id, relation, fetch, controller_document)
    raise KeyResolutionError(
        "DOCUMENT_MISMATCH", f"the document at {url} has another id ({doc_id}): it is not the key's"
    )

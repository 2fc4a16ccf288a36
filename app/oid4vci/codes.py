"""The secrets of the OpenID4VCI flows and how they are kept: none is stored as given.

Transaction codes, access tokens, nonces, request URIs, authorization codes and one-time proof ``jti``
values are stored (and looked up) as :func:`secret_hash`. The pre-authorized code and the
``issuer_state`` of an offer are not stored at all: each is the offer id with an HMAC of it under its
own key derived from the service's lookup key, so the two values differ and neither can be forged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from proofs.constant_time import same_text
from proofs.multibase import b64url_encode

__all__ = [
    "issuer_state",
    "new_tx_code",
    "offer_id_for_issuer_state",
    "offer_id_for_pre_authorized_code",
    "pre_authorized_code",
    "secret_hash",
    "tx_code_hash",
]

_PRE_AUTHORIZED_CODE = b"shomei/oid4vci/pre-authorized-code/v1"


_ISSUER_STATE = b"shomei/oid4vci/issuer-state/v1"


def secret_hash(value: str) -> str:
    """How secrets (codes, tokens, nonces, request URIs) are stored and looked up: SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_tx_code() -> str:
    """A fresh transaction code: six digits, shown once to the institution."""
    return f"{secrets.randbelow(10**6):06d}"


def tx_code_hash(offer_id: uuid.UUID, tx_code: str) -> str:
    """How an offer's transaction code is stored: hashed with the offer id."""
    return secret_hash(f"{offer_id}|{tx_code}")


def _derived(lookup_key: bytes, label: bytes, offer_id: uuid.UUID) -> str:
    key = hmac.new(lookup_key, label, hashlib.sha256).digest()
    mac = hmac.new(key, offer_id.bytes, hashlib.sha256).digest()
    return f"{offer_id.hex}.{b64url_encode(mac)}"


def _named_offer(lookup_key: bytes, label: bytes, value: str) -> uuid.UUID | None:
    offer_hex, _, _mac = value.partition(".")
    try:
        offer_id = uuid.UUID(hex=offer_hex)
    except ValueError:
        return None
    if not same_text(_derived(lookup_key, label, offer_id), value):
        return None
    return offer_id


def pre_authorized_code(lookup_key: bytes, offer_id: uuid.UUID) -> str:
    """The offer's pre-authorized code (never stored)."""
    return _derived(lookup_key, _PRE_AUTHORIZED_CODE, offer_id)


def offer_id_for_pre_authorized_code(lookup_key: bytes, value: str) -> uuid.UUID | None:
    """The offer id a pre-authorized code names, or None when the value is not one of ours."""
    return _named_offer(lookup_key, _PRE_AUTHORIZED_CODE, value)


def issuer_state(lookup_key: bytes, offer_id: uuid.UUID) -> str:
    """The offer's ``issuer_state`` for the authorization code grant: like the pre-authorized code an
    HMAC of the offer id (never stored), under another derived key, so that the two values differ."""
    return _derived(lookup_key, _ISSUER_STATE, offer_id)


def offer_id_for_issuer_state(lookup_key: bytes, value: str) -> uuid.UUID | None:
    """The offer id an ``issuer_state`` names, or None when the value is not one of ours."""
    return _named_offer(lookup_key, _ISSUER_STATE, value)

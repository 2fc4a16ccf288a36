"""Verification of ``ecdsa-sd-2023`` derived proofs (VC-DI-ECDSA §3.4-§3.5): a holder's selective
disclosure of a credential whose issuer signed a base proof.

The derived ``proofValue`` (``u`` + base64url of 0xd9 0x5d 0x01 and a CBOR array) carries the issuer's
base signature, the ephemeral P-256 key the issuer made for this credential, one signature by that key
per disclosed non-mandatory N-Quad, the HMAC-derived blank node labels, and the indexes of the mandatory
N-Quads among the disclosed ones (§3.5.8 ``parseDerivedProofValue``). Verification (§3.5.7
``createVerifyData``, §3.6.2) canonicalizes the revealed document with those labels, hashes the
mandatory N-Quads, checks the base signature over proof hash ‖ ephemeral key ‖ mandatory hash with the
issuer's key, and each non-mandatory N-Quad's signature with the ephemeral key.

Base proofs (0xd9 0x5d 0x00) are for the holder, not for verifiers: they are refused. Pure: the key and
the document loader are parameters; raises :class:`~proofs.errors.InvalidProof` (``reason``
``base-proof`` for a base proof, which verifiers are not given).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2

from proofs.errors import InvalidProof
from proofs.jsonld import DocumentLoader, expand_safe
from proofs.keys import InvalidKey, InvalidSignature, KeyAlgorithm, PublicKey
from proofs.multibase import MultibaseError, b58encode, b64url_decode, b64url_encode
from proofs.rdfc import canonicalize_expanded, canonicalize_expanded_relabeled

__all__ = [
    "MAX_DERIVED_PROOF_VALUE_LENGTH",
    "SD_SUITE",
    "DerivedProof",
    "parse_derived_proof_value",
    "verify_derived",
]

SD_SUITE = "ecdsa-sd-2023"
# A derived proofValue grows with what is disclosed: 64 bytes a non-mandatory N-Quad and 32 a blank node
# label. 96 KiB of base64url holds about a thousand disclosed statements, far beyond any credential of
# ours; anything longer is refused before it is decoded.
MAX_DERIVED_PROOF_VALUE_LENGTH = 96 * 1024
_DERIVED_HEADER = bytes([0xD9, 0x5D, 0x01])
_BASE_HEADER = bytes([0xD9, 0x5D, 0x00])
_P256_MULTICODEC = bytes([0x80, 0x24])
_LABEL = re.compile(r"_:(c14n[0-9]+)")


def _malformed(message: str) -> InvalidProof:
    return InvalidProof("MALFORMED_PROOF_ERROR", reason="malformed-value", message=message)


def _broken(what: str) -> InvalidProof:
    return _malformed(f"its derived proofValue is malformed: {what}")


@dataclass(frozen=True, slots=True)
class DerivedProof:
    """The parts of a derived proofValue (§3.5.8); ``label_map`` maps ``c14nN`` to ``u…`` labels."""

    base_signature: bytes
    public_key: bytes  # the ephemeral key, multikey-encoded (0x80 0x24 + compressed P-256 point)
    signatures: tuple[bytes, ...]
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]


def parse_derived_proof_value(value: str) -> DerivedProof:
    """Decode a derived ``proofValue``; raises InvalidProof (``malformed-value``, ``too-large``)."""
    if len(value) > MAX_DERIVED_PROOF_VALUE_LENGTH:
        raise InvalidProof(
            "MALFORMED_PROOF_ERROR",
            reason="too-large",
            message=f"its proofValue is {len(value)} characters long "
            f"(at most {MAX_DERIVED_PROOF_VALUE_LENGTH})",
            member="proofValue",
        )
    if not value.startswith("u"):
        raise _malformed("an ecdsa-sd-2023 proofValue is base64url multibase (it must start with 'u')")
    try:
        raw = b64url_decode(value[1:])
    except MultibaseError:
        raise _malformed("its proofValue is not valid base64url") from None
    if raw[:3] == _BASE_HEADER:
        raise InvalidProof(
            "PROOF_VERIFICATION_ERROR",
            reason="base-proof",
            message="this is an ecdsa-sd-2023 base proof, which only the holder uses: "
            "a verifier needs a derived proof",
        )
    if raw[:3] != _DERIVED_HEADER:
        raise _malformed("its proofValue is not an ecdsa-sd-2023 derived proof (wrong header)")
    try:
        parts = cbor2.loads(raw[3:])
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError):
        raise _malformed("its derived proofValue is not valid CBOR") from None
    return _derived(parts)


def _derived(parts: Any) -> DerivedProof:
    if not isinstance(parts, list) or len(parts) != 5:
        raise _broken("not an array of five components")
    base_signature, public_key, signatures, compressed, mandatory = parts
    if not isinstance(base_signature, bytes) or len(base_signature) != 64:
        raise _broken("the base signature is not 64 bytes")
    if not isinstance(public_key, bytes) or public_key[:2] != _P256_MULTICODEC or len(public_key) != 35:
        raise _broken("the ephemeral key is not a multikey-encoded compressed P-256 key")
    if not isinstance(signatures, list) or not all(isinstance(s, bytes) and len(s) == 64 for s in signatures):
        raise _malformed(
            "its derived proofValue is malformed: the signatures are not a list of 64-byte signatures"
        )
    if not isinstance(compressed, dict):
        raise _broken("the label map is not a map")
    label_map: dict[str, str] = {}
    for key, label in compressed.items():
        if type(key) is not int or key < 0 or not isinstance(label, bytes) or len(label) != 32:
            raise _malformed(
                "its derived proofValue is malformed: the label map must map indexes to 32-byte HMAC labels"
            )
        label_map[f"c14n{key}"] = "u" + b64url_encode(label)
    if not isinstance(mandatory, list) or not all(type(i) is int and i >= 0 for i in mandatory):
        raise _malformed(
            "its derived proofValue is malformed: the mandatory indexes are not a list of indexes"
        )
    return DerivedProof(base_signature, public_key, tuple(signatures), label_map, tuple(mandatory))


def _relabel(label_map: Mapping[str, str]) -> Callable[[str], str]:
    def relabel(canonical: str) -> str:
        match = _LABEL.fullmatch(canonical)
        label = label_map.get(match.group(1)) if match else None
        if label is None:
            raise _broken(f"the label map has no label for the blank node {canonical}")
        return "_:" + label

    return relabel


def verify_derived(
    document: Mapping[str, Any],
    *,
    proof: Mapping[str, Any],
    public_key: PublicKey,
    loader: DocumentLoader,
) -> None:
    """Verify the derived ``proof`` of the revealed ``document`` with the issuer's ``public_key``
    (§3.5.7, §3.6.2); raises InvalidProof, or ``JsonLdFailure`` when the document cannot be
    canonicalized."""
    if public_key.algorithm is not KeyAlgorithm.P256:
        raise InvalidProof(
            reason="wrong-key-type",
            message=f"its key is a {public_key.algorithm.value} key, which {SD_SUITE} does not use",
        )
    derived = parse_derived_proof_value(str(proof["proofValue"]))
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    config = {**options, "@context": unsecured.get("@context")}
    proof_hash = hashlib.sha256(
        canonicalize_expanded(expand_safe(config, loader=loader), loader=loader).encode()
    )
    nquads = canonicalize_expanded_relabeled(
        expand_safe(unsecured, loader=loader), _relabel(derived.label_map)
    )
    mandatory_set = set(derived.mandatory_indexes)
    if any(i >= len(nquads) for i in mandatory_set):
        raise InvalidProof(
            "MALFORMED_PROOF_ERROR",
            reason="malformed-value",
            message="a mandatory index points past the disclosed statements",
        )
    mandatory = [q for i, q in enumerate(nquads) if i in mandatory_set]
    non_mandatory = [q for i, q in enumerate(nquads) if i not in mandatory_set]
    if len(derived.signatures) != len(non_mandatory):
        raise InvalidProof(
            message=f"the proof signs {len(derived.signatures)} disclosed statements, but the document "
            f"discloses {len(non_mandatory)}"
        )
    mandatory_hash = hashlib.sha256("".join(mandatory).encode()).digest()
    try:
        ephemeral = PublicKey.from_multikey("z" + b58encode(derived.public_key))
        public_key.verify(derived.base_signature, proof_hash.digest() + derived.public_key + mandatory_hash)
        _verify_each(ephemeral, derived.signatures, non_mandatory)
    except (InvalidSignature, InvalidKey):
        raise InvalidProof() from None


def _verify_each(key: PublicKey, signatures: Sequence[bytes], statements: Sequence[str]) -> None:
    for signature, statement in zip(signatures, statements, strict=True):
        key.verify(signature, statement.encode())

"""Data Integrity proofs (W3C VC Data Integrity 1.0 §4): ``DataIntegrityProof`` with the
``eddsa-rdfc-2022`` (VC-DI-EdDSA §3.2) and ``ecdsa-rdfc-2019`` (VC-DI-ECDSA §3.3) cryptosuites, plus
verification of the legacy ``eddsa-2022`` name and ``Ed25519Signature2020`` (VC-DI-EdDSA Appendix A).

Pure: the key, the clock and the document loader are parameters. Verification raises one opaque
:class:`InvalidProof` whose ``code`` names the Data Integrity error. A verifier that has already expanded
the credential (to check its terms) hands that expansion over through :func:`canonical_unsecured`, so the
document is expanded and canonicalized once for all the proofs of a proof set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from proofs.errors import ProofsError
from proofs.jsonld import DocumentLoader, expand_safe, json_copy
from proofs.keys import InvalidSignature, KeyAlgorithm, PublicKey
from proofs.multibase import MultibaseError, multibase_decode, multibase_encode
from proofs.rdfc import canonicalize_expanded
from proofs.signer import Signer

__all__ = [
    "InvalidProof",
    "ProofError",
    "add_proof",
    "canonical_unsecured",
    "hash_data",
    "proofs_of",
    "verify_proof",
]

_CRYPTOSUITES = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")
_LEGACY_ED25519 = ("eddsa-2022",)
_ED2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
_HASH = {
    KeyAlgorithm.ED25519: hashlib.sha256,
    KeyAlgorithm.P256: hashlib.sha256,
    KeyAlgorithm.P384: hashlib.sha384,
}


class ProofError(ProofsError):
    """A proof cannot be created with these options (DI §4.2 PROOF_GENERATION_ERROR)."""


class InvalidProof(ProofsError):
    """The proof did not verify. ``code`` is the DI error code (e.g. PROOF_VERIFICATION_ERROR)."""

    def __init__(self, code: str = "PROOF_VERIFICATION_ERROR") -> None:
        super().__init__(code)
        self.code = code


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ProofError("created must carry a time zone")
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _canonical(document: Mapping[str, Any], loader: DocumentLoader) -> str:
    return canonicalize_expanded(expand_safe(document, loader=loader), loader=loader)


def canonical_unsecured(
    document: Mapping[str, Any], *, loader: DocumentLoader, expanded: list[Any] | None = None
) -> Callable[[], str]:
    """The canonical N-Quads of ``document`` without its proof, made on the first call and then kept:
    what each proof of the document hashes (VC-DI-EdDSA §3.2.4; VC-DI-ECDSA §3.3.4). ``expanded`` is
    that unsecured document already expanded with ``expand_safe`` (a verifier has it from checking the
    terms), which spares a second expansion. Raises ``JsonLdFailure`` on the first call, as
    canonicalizing does."""
    made: list[str] = []

    def canonical() -> str:
        if not made:
            unsecured = expanded
            if unsecured is None:
                unsecured = expand_safe({k: v for k, v in document.items() if k != "proof"}, loader=loader)
            made.append(canonicalize_expanded(unsecured, loader=loader))
        return made[0]

    return canonical


def hash_data(
    document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    *,
    algorithm: KeyAlgorithm,
    loader: DocumentLoader,
) -> bytes:
    """H(canonical proof config) ‖ H(canonical document) (VC-DI-EdDSA §3.2.4; VC-DI-ECDSA §3.3.4)."""
    h = _HASH[algorithm]
    return (
        h(_canonical(proof_config, loader).encode()).digest()
        + h(_canonical(document, loader).encode()).digest()
    )


def _suite_for(algorithm: KeyAlgorithm, cryptosuite: str | None) -> str:
    default = "eddsa-rdfc-2022" if algorithm is KeyAlgorithm.ED25519 else "ecdsa-rdfc-2019"
    suite = cryptosuite or default
    if suite == "eddsa-rdfc-2022" and algorithm is not KeyAlgorithm.ED25519:
        raise ProofError("eddsa-rdfc-2022 needs an Ed25519 key")
    if suite == "ecdsa-rdfc-2019" and algorithm not in (KeyAlgorithm.P256, KeyAlgorithm.P384):
        raise ProofError("ecdsa-rdfc-2019 needs a P-256 or P-384 key")
    if suite not in _CRYPTOSUITES:
        raise ProofError(f"unsupported cryptosuite {suite}")
    return suite


def add_proof(
    document: Mapping[str, Any],
    *,
    key: Signer,
    verification_method: str,
    created: dt.datetime,
    loader: DocumentLoader,
    proof_purpose: str = "assertionMethod",
    cryptosuite: str | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with a ``DataIntegrityProof`` added (DI §4.2, Add Proof).

    An existing ``proof`` is kept and the new one appended (a proof set, DI §2.1.1).
    """
    suite = _suite_for(key.algorithm, cryptosuite)
    if not verification_method or not proof_purpose:
        raise ProofError("verificationMethod and proofPurpose are required")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "created": _timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    config = {"@context": unsecured.get("@context"), **options}
    signature = key.sign(hash_data(unsecured, config, algorithm=key.algorithm, loader=loader))
    proof = {**options, "proofValue": multibase_encode(signature, base="z")}
    out: dict[str, Any] = json_copy(dict(document))
    existing = out.get("proof")
    if existing is None:
        out["proof"] = proof
    else:
        out["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return out


def proofs_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The document's proofs as a list (a single proof or a proof set)."""
    proof = document.get("proof")
    if proof is None:
        return []
    items = proof if isinstance(proof, list) else [proof]
    return [p for p in items if isinstance(p, dict)]


def verify_proof(
    document: Mapping[str, Any],
    *,
    proof: Mapping[str, Any],
    public_key: PublicKey,
    loader: DocumentLoader,
    expected_purpose: str = "assertionMethod",
    domain: str | None = None,
    challenge: str | None = None,
    canonical_document: Callable[[], str] | None = None,
) -> None:
    """Verify one proof of ``document`` (DI §4.4 Verify Proof); raises :class:`InvalidProof`, or
    ``JsonLdFailure`` when the document or the proof options cannot be canonicalized.

    ``canonical_document``: the document's canonical form without its proof, from
    :func:`canonical_unsecured` (pass the same one for every proof of a proof set); by default it is
    made here."""
    ptype = proof.get("type")
    if not isinstance(proof.get("verificationMethod"), str) or not isinstance(proof.get("proofPurpose"), str):
        raise InvalidProof("PROOF_VERIFICATION_ERROR")
    if proof["proofPurpose"] != expected_purpose:
        raise InvalidProof("PROOF_VERIFICATION_ERROR")
    if domain is not None and proof.get("domain") != domain:
        raise InvalidProof("INVALID_DOMAIN_ERROR")
    if challenge is not None and proof.get("challenge") != challenge:
        raise InvalidProof("INVALID_CHALLENGE_ERROR")
    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise InvalidProof("MALFORMED_PROOF_ERROR")
    try:
        signature = multibase_decode(value)
    except MultibaseError:
        raise InvalidProof("MALFORMED_PROOF_ERROR") from None
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if ptype == "DataIntegrityProof":
        suite = proof.get("cryptosuite")
        if suite in ("eddsa-rdfc-2022", *_LEGACY_ED25519):
            if public_key.algorithm is not KeyAlgorithm.ED25519 or value[0] != "z":
                raise InvalidProof("PROOF_VERIFICATION_ERROR")
        elif suite == "ecdsa-rdfc-2019":
            if public_key.algorithm not in (KeyAlgorithm.P256, KeyAlgorithm.P384) or value[0] != "z":
                raise InvalidProof("PROOF_VERIFICATION_ERROR")
        else:
            raise InvalidProof("PROOF_VERIFICATION_ERROR")
        config = {"@context": unsecured.get("@context"), **options}
    elif ptype == "Ed25519Signature2020":
        if public_key.algorithm is not KeyAlgorithm.ED25519:
            raise InvalidProof("PROOF_VERIFICATION_ERROR")
        # The legacy suite canonicalizes the proof options under its own context.
        config = {**options, "@context": _ED2020_CONTEXT}
        ctx = unsecured.get("@context")
        if isinstance(ctx, list) and _ED2020_CONTEXT not in ctx:
            unsecured = {**unsecured}
    else:
        raise InvalidProof("PROOF_VERIFICATION_ERROR")
    if canonical_document is None:
        canonical_document = canonical_unsecured(unsecured, loader=loader)
    h = _HASH[public_key.algorithm]
    data = h(_canonical(config, loader).encode()).digest() + h(canonical_document().encode()).digest()
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise InvalidProof("PROOF_VERIFICATION_ERROR") from None

"""The ``proof`` and ``issuer`` checks of a JSON-LD credential: one of its Data Integrity proofs verifies
(:func:`proofs.data_integrity.verify_proof`, the one proof-verification path) with a key the resolver
finds for the proof's purpose, and that key's controller is the issuer (key provenance).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proofs.data_integrity import InvalidProof, canonical_unsecured, proofs_of, verify_proof
from proofs.jsonld import DocumentLoader, JsonLdFailure
from verifier.fields import issuer_id
from verifier.keys import DidResolver, KeyResolutionError, ResolvedKey
from verifier.result import Check, failed

__all__ = ["check_data_integrity", "issuer_check"]


def issuer_check(resolved: ResolvedKey, issuer: str | None) -> Check:
    """The ``issuer`` check once a signature passed: the key belongs to the issuer."""
    if resolved.controller != issuer:
        return failed(
            "issuer",
            "issuer-mismatch",
            f"The signing key belongs to {resolved.controller}, not to the issuer {issuer}.",
        )
    return Check("issuer", "passed", f"The signing key belongs to the issuer {issuer}.")


def check_data_integrity(
    credential: Mapping[str, Any],
    *,
    resolver: DidResolver,
    loader: DocumentLoader,
    expanded: list[Any] | None = None,
) -> tuple[list[Check], ResolvedKey | None]:
    """The proof and issuer checks, and the key whose proof passed (None: none did). ``expanded`` is the
    credential without its proof, expanded (from the contexts check): it is canonicalized once, for
    every proof of a proof set, and only when a proof gets that far."""
    proofs = proofs_of(credential)
    if not proofs:
        return [
            failed("proof", "no-proof", "The credential is not signed (no proof)."),
            Check("issuer", "skipped", "No signing key to check."),
        ], None
    canonical = canonical_unsecured(credential, loader=loader, expanded=expanded)
    reasons: list[str] = []
    for proof in proofs:
        method = proof.get("verificationMethod")
        if not isinstance(method, str):
            reasons.append("a proof names no verification method")
            continue
        try:
            resolved = resolver.resolve(method, relation=str(proof.get("proofPurpose", "")))
        except KeyResolutionError as exc:
            reasons.append(f"the key {method} could not be resolved ({exc.code})")
            continue
        suite = proof.get("cryptosuite") or proof.get("type")
        try:
            verify_proof(
                credential, proof=proof, public_key=resolved.key, loader=loader, canonical_document=canonical
            )
        except InvalidProof as exc:
            reasons.append(f"the {suite} signature does not match ({exc.code})")
            continue
        except JsonLdFailure as exc:
            reasons.append(f"the document could not be canonicalized ({exc})")
            continue
        passed = Check(
            "proof", "passed", f"The {suite} signature is valid.", details={"verificationMethod": method}
        )
        return [passed, issuer_check(resolved, issuer_id(credential))], resolved
    return [
        failed(
            "proof", "invalid-proof", "No signature on the credential is valid: " + "; ".join(reasons) + "."
        ),
        Check("issuer", "skipped", "No valid signature to attribute."),
    ], None

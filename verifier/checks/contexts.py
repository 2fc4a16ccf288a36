"""The ``contexts`` check: the credential's first context is a W3C VC context, every context is one we
hold, and every property is defined (safe-mode expansion), so that a signature covers its meaning. (The
data model's own rules, and the VCDM 1.1 warning, are the ``data-model`` check: :mod:`.data_model`.)

The proofs are expanded too, unless one of them is refused for what it is (not a map, a missing member,
a type, cryptosuite, purpose or verification method we do not take:
:func:`proofs.data_integrity.inspect_proof`): the ``proof`` check then says that in plain words, rather
than this check calling a term of an unknown proof type "undefined".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from proofs.data_integrity import InvalidProof, inspect_proof, proof_items
from proofs.jsonld import (
    AliasedTerm,
    DocumentLoader,
    JsonLdFailure,
    UndefinedTerm,
    UnknownContext,
    expand_safe,
)
from proofs.jsonld.fragments import Fragment
from verifier.result import Check, failed

__all__ = ["check_contexts", "contexts_failure"]

_VC_V2 = "https://www.w3.org/ns/credentials/v2"
_VC_V1 = "https://www.w3.org/2018/credentials/v1"


def _proof_part(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The proof with what decides the active context it is expanded in: the contexts and the types
    (a type-scoped context may define ``proof``). Expanding it checks the proof's terms as expanding
    the whole credential does, without expanding the rest again."""
    part = {k: credential[k] for k in ("@context", "type", "@type") if k in credential}
    part["proof"] = credential["proof"]
    return part


def _first_context(credential: Mapping[str, Any]) -> Any:
    contexts = credential.get("@context")
    return contexts[0] if isinstance(contexts, list) and contexts else contexts


def contexts_failure(exc: JsonLdFailure, what: str) -> Check:
    """The failed contexts check of a ``what`` (credential, presentation) whose expansion raised ``exc``."""
    if isinstance(exc, UnknownContext):
        message = f"The {what} uses a JSON-LD context we do not know: {exc.url}."
        return failed("contexts", "unknown-context", message, context=exc.url)
    if isinstance(exc, AliasedTerm):
        message = (
            f"The member '{exc.member}' names {exc.iri} by another name than its context gives it: the "
            f"signature covers the same data either way, but the checks that read the {what} by its "
            f"property names would not see it there. The {what} is not in compacted form."
        )
        return failed("contexts", "aliased-term", message, member=exc.member, iri=exc.iri)
    if isinstance(exc, UndefinedTerm):
        message = (
            f"The property '{exc.term}' is not defined by the {what}'s contexts, so a signature could not "
            "cover its meaning."
        )
        return failed("contexts", "undefined-term", message, term=exc.term, path=exc.path)
    return failed("contexts", "invalid-json-ld", f"The JSON-LD is not valid: {exc}.")


def _proofs_inspected(credential: Mapping[str, Any]) -> bool:
    """Whether every proof passes the checks that need no key (else the proof check reports it)."""
    try:
        for proof in proof_items(credential):
            inspect_proof(proof)
    except InvalidProof:
        return False
    return True


def check_contexts(
    credential: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    fragments: Collection[str] = (),
    found: list[tuple[Any, Fragment]] | None = None,
) -> tuple[Check, list[Any] | None]:
    """The check, and the credential without its proof expanded (what a Data Integrity proof signs; None
    when the check failed). ``fragments`` and ``found``: as :func:`proofs.jsonld.expand_safe`'s (the
    values of those properties are memoized in the loader, and listed in ``found`` for the proof)."""
    if _first_context(credential) not in (_VC_V2, _VC_V1):
        return failed("contexts", "invalid-context", "The first @context is not a W3C VC context."), None
    try:
        # The credential without its proof and, apart, its proof: together what check_terms(credential)
        # expands, and the first is the document a Data Integrity proof is verified against.
        expanded = expand_safe(
            {k: v for k, v in credential.items() if k != "proof"},
            loader=loader,
            fragments=fragments,
            found=found,
        )
        if "proof" in credential and _proofs_inspected(credential):
            expand_safe(_proof_part(credential), loader=loader)
    except JsonLdFailure as exc:
        return contexts_failure(exc, "credential"), None
    return Check("contexts", "passed", "Every property is defined by a known context."), expanded

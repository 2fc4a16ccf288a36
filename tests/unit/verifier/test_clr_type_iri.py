"""A CLR whose type names ``ClrCredential`` by its IRI never verifies with a bad credential bundled. Found
by an outside sweep: a CLR signed by anyone, typed ``https://purl.imsglobal.org/spec/vc/clr/vocab.html#
ClrCredential`` (the same RDF as the term, so the proof holds) and bundling a tampered credential of another
issuer, verified (no ``nested-credential-N`` check at all), where the same CLR typed ``ClrCredential``
failed. Two rules close it: a type written by another name than its published term is refused as
``aliased-term`` (a conforming document is compacted, VCDM 2.0 §1.3; tests/unit/verifier/test_aliasing.py),
and ``verifier.fields.is_clr`` knows the IRI too, so a CLR's nested checks and size bounds never hang on
the spelling."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, OB_CONTEXT, VC_V2, key, open_badge, signed
from verifier import DidResolver, VerificationResult, Verifier
from verifier.fields import is_clr

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_IRI = "https://purl.imsglobal.org/spec/vc/clr/vocab.html#ClrCredential"
ISSUER = key(93)
OTHER = key(94)


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _clr(loader: DocumentLoader, clr_type: str, nested: list[Any]) -> dict[str, Any]:
    """Signed typed ``ClrCredential``, then the type written as ``clr_type`` (the proof still holds)."""
    unsigned = {
        "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT],
        "id": "urn:uuid:6f1c2e4a-9b7d-4c3e-8a2f-1d0e9c8b7a65",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": ISSUER.public_key().did_key(),
        "name": "Transcript",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["ClrSubject"],
            "verifiableCredential": nested,
        },
    }
    clr = signed(unsigned, ISSUER, ISSUER.public_key().did_key_vm(), loader)
    clr["type"] = ["VerifiableCredential", clr_type]
    return clr


def _badge(loader: DocumentLoader) -> dict[str, Any]:
    return signed(open_badge(OTHER.public_key().did_key()), OTHER, OTHER.public_key().did_key_vm(), loader)


def _verify(loader: DocumentLoader, credential: dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(credential, now=NOW)


def test_a_tampered_bundled_credential_fails_its_nested_check(loader: DocumentLoader) -> None:
    tampered = copy.deepcopy(_badge(loader))
    tampered["credentialSubject"]["achievement"]["name"] = "Doctor of Philosophy"
    result = _verify(loader, _clr(loader, "ClrCredential", [tampered]))
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "nested-credential-1": problem_type("nested-credential-invalid")
    }


def test_a_clr_typed_by_its_iri_is_refused_whatever_it_bundles(loader: DocumentLoader) -> None:
    tampered = copy.deepcopy(_badge(loader))
    tampered["credentialSubject"]["achievement"]["name"] = "Doctor of Philosophy"
    for bundled in ([tampered], [_badge(loader)]):
        result = _verify(loader, _clr(loader, CLR_IRI, bundled))
        assert not result.verified
        failed = {c.id: c.type for c in result.checks if c.outcome == "failed"}
        assert failed["contexts"] == problem_type("aliased-term")


@pytest.mark.parametrize("clr_type", ["ClrCredential", CLR_IRI])
def test_either_spelling_is_a_clr(clr_type: str) -> None:
    assert is_clr({"type": ["VerifiableCredential", clr_type]})
    assert not is_clr({"type": ["VerifiableCredential", "OpenBadgeCredential"]})

"""A CLR whose type names ``ClrCredential`` by its IRI is a CLR (VCDM 2.0 §4.5: a type value is a term or
an absolute URL; JSON-LD, and so the CLR's proof, reads both alike): the credentials it bundles are
verified. Found by an outside sweep: a CLR signed by anyone, typed ``https://purl.imsglobal.org/spec/vc/
clr/vocab.html#ClrCredential`` and bundling a tampered credential of another issuer, verified (no
``nested-credential-N`` check at all), where the same CLR typed ``ClrCredential`` failed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, OB_CONTEXT, VC_V2, key, open_badge, signed
from verifier import DidResolver, VerificationResult, Verifier

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_IRI = "https://purl.imsglobal.org/spec/vc/clr/vocab.html#ClrCredential"
ISSUER = key(93)
OTHER = key(94)


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _clr(loader: DocumentLoader, clr_type: str, nested: list[Any]) -> dict[str, Any]:
    unsigned = {
        "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT],
        "id": "urn:uuid:6f1c2e4a-9b7d-4c3e-8a2f-1d0e9c8b7a65",
        "type": ["VerifiableCredential", clr_type],
        "issuer": ISSUER.public_key().did_key(),
        "name": "Transcript",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["ClrSubject"],
            "verifiableCredential": nested,
        },
    }
    return signed(unsigned, ISSUER, ISSUER.public_key().did_key_vm(), loader)


def _badge(loader: DocumentLoader) -> dict[str, Any]:
    return signed(open_badge(OTHER.public_key().did_key()), OTHER, OTHER.public_key().did_key_vm(), loader)


def _verify(loader: DocumentLoader, credential: dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(credential, now=NOW)


@pytest.mark.parametrize("clr_type", ["ClrCredential", CLR_IRI])
def test_a_tampered_bundled_credential_fails_whichever_way_the_type_is_written(
    loader: DocumentLoader, clr_type: str
) -> None:
    tampered = copy.deepcopy(_badge(loader))
    tampered["credentialSubject"]["achievement"]["name"] = "Doctor of Philosophy"
    result = _verify(loader, _clr(loader, clr_type, [tampered]))
    assert not result.verified
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "nested-credential-1": problem_type("nested-credential-invalid")
    }


def test_a_clr_typed_by_its_iri_with_genuine_credentials_verifies(loader: DocumentLoader) -> None:
    result = _verify(loader, _clr(loader, CLR_IRI, [_badge(loader)]))
    assert result.verified, result.checks
    check = result.check("nested-credential-1")
    assert check is not None and check.outcome == "passed"

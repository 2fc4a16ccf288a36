"""A type may be written as an absolute URL (VCDM 2.0 §4.5: "The value of the type property MUST be one or
more terms and/or absolute URL strings"). The contexts check refuses a type written by another name than
its published term (``aliased-term``, :func:`proofs.jsonld.names.aliased_types`), but which terms are
published was taken from every context the verifier knows, not from the document's own: a credential
whose only context is the VCDM 2.0 one, typed by an absolute URL that some other known context (the W3C
1.1 examples, Open Badges 2.0's schema.org) has a term for, was refused, though that URL is what compacting
it with its own contexts writes. A type written as its URL where the document's contexts do name it stays
refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, VC_V2, key, signed
from verifier import DidResolver, VerificationResult, Verifier

KEY = key(5)
DID = KEY.public_key().did_key()
VM = KEY.public_key().did_key_vm()
VC_TYPE = "https://www.w3.org/2018/credentials#VerifiableCredential"


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _credential(types: list[str], subject_type: str | None = None) -> dict[str, Any]:
    subject: dict[str, Any] = {"id": "did:example:learner"}
    if subject_type is not None:
        subject["type"] = subject_type
    return {
        "@context": [VC_V2],
        "id": "urn:uuid:3b0f5a9e-2c41-4d7e-9a1b-6c5d4e3f2a10",
        "type": ["VerifiableCredential", *types],
        "issuer": DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": subject,
    }


def _verify(loader: DocumentLoader, credential: dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(credential, now=NOW)


def _failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.id: c.type for c in result.checks if c.outcome == "failed"}


@pytest.mark.parametrize(
    "credential",
    [
        pytest.param(_credential(["https://example.org/examples#UniversityDegreeCredential"]), id="vc-type"),
        pytest.param(_credential([], "https://schema.org/AlignmentObject"), id="subject-type"),
        pytest.param(_credential(["https://example.com/vocab#Transcript"]), id="url-no-context-names"),
    ],
)
def test_a_type_written_as_a_url_its_contexts_do_not_name_verifies(
    loader: DocumentLoader, credential: dict[str, Any]
) -> None:
    result = _verify(loader, signed(credential, KEY, VM, loader))
    assert result.verified
    assert _failed(result) == {}


def test_a_type_written_as_a_url_its_contexts_name_is_still_refused(loader: DocumentLoader) -> None:
    renamed = copy.deepcopy(signed(_credential([]), KEY, VM, loader))
    renamed["type"] = ["VerifiableCredential", VC_TYPE]  # named by the VCDM 2.0 context: the same RDF
    assert _failed(_verify(loader, renamed)) == {"contexts": problem_type("aliased-term")}

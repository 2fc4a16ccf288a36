"""Who a key belongs to. A credential whose issuer is a ``urn:uuid:`` (no DID, no URL) signed by a did:key:
1EdTech's validator accepts it, we refuse it, and the ``issuer`` check says why (verifier/checks/provenance.py).
A did:web document that names another DID as its key's controller (verifier/key_documents.py)."""

from __future__ import annotations

from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, key, open_badge, signed
from verifier import DidResolver, Verifier

SIGNER = key(61)


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def test_a_urn_issuer_cannot_be_attributed(loader: DocumentLoader) -> None:
    issuer = "urn:uuid:6f2e33e5-7a29-4155-840a-59483ba10164"
    credential = signed(open_badge(issuer), SIGNER, SIGNER.public_key().did_key_vm(), loader)
    result = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(
        credential, now=NOW
    )
    assert not result.verified
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "issuer": problem_type("issuer-not-attributable")
    }
    check = result.check("issuer")
    assert check is not None and issuer in check.message and "anyone could have signed" in check.message
    proof = result.check("proof")
    assert proof is not None and proof.outcome == "passed"


def test_a_did_issuer_keeps_the_plain_mismatch(loader: DocumentLoader) -> None:
    other = key(62).public_key().did_key()
    credential = signed(open_badge(other), SIGNER, SIGNER.public_key().did_key_vm(), loader)
    result = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(
        credential, now=NOW
    )
    check = result.check("issuer")
    assert check is not None and check.type == problem_type("issuer-mismatch")


def _did_web_documents(listed_by_university: bool) -> dict[str, dict[str, Any]]:
    """did:web:uni.example (its own key) and did:web:evil.example, whose document names the university
    as the controller of its own key; with ``listed_by_university``, the university's document lists
    that key under assertionMethod (a delegation it made)."""
    uni, evil = "did:web:uni.example", "did:web:evil.example"
    university = {
        "id": uni,
        "verificationMethod": [
            {
                "id": f"{uni}#k",
                "type": "Multikey",
                "controller": uni,
                "publicKeyMultibase": key(63).public_key().multikey(),
            }
        ],
        "assertionMethod": [f"{uni}#k", *([f"{evil}#k"] if listed_by_university else [])],
    }
    attacker = {
        "id": evil,
        "verificationMethod": [
            {
                "id": f"{evil}#k",
                "type": "Multikey",
                "controller": uni,
                "publicKeyMultibase": SIGNER.public_key().multikey(),
            }
        ],
        "assertionMethod": [f"{evil}#k"],
    }
    return {uni: university, evil: attacker}


@pytest.mark.parametrize("delegated", [False, True])
def test_a_did_document_cannot_name_another_controller_for_its_key(
    loader: DocumentLoader, delegated: bool
) -> None:
    """Found by an outside fuzzing round: a did:web document whose key says ``"controller": <our
    issuer>`` made that key sign for our issuer. Controlled Identifiers §3.3: the controller's own
    document must list the method under the relation; only then is it the controller's key."""
    documents = _did_web_documents(listed_by_university=delegated)
    resolver = DidResolver(fetch_did_web=documents.__getitem__)
    credential = signed(open_badge("did:web:uni.example"), SIGNER, "did:web:evil.example#k", loader)
    result = Verifier(loader=loader, resolver=resolver, fetch_status_list=None).verify(credential, now=NOW)
    outcomes = {c.id: (c.outcome, c.type) for c in result.checks}
    if delegated:  # the university lists the key: it is the university's
        assert result.verified and outcomes["proof"][0] == "passed" and outcomes["issuer"][0] == "passed"
    else:
        assert not result.verified
        assert outcomes["proof"] == ("failed", problem_type("key-not-found"))

"""A credential whose issuer is a ``urn:uuid:`` (no DID, no URL) signed by a did:key: 1EdTech's validator
accepts it, we refuse it, and the ``issuer`` check says why (verifier/checks/provenance.py)."""

from __future__ import annotations

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

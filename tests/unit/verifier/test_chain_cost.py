"""What a proof chain costs is bounded (VC Data Integrity §4.3 step 6, §4.5): each proof that names a
``previousProof`` is checked over the document together with the proofs it names, a canonicalization of
all of it of its own, and every proof is checked before a forged one is refused. Found by an outside
sweep: 16 chained proofs over a credential of 1,430 values cost 138 ms of CPU before the last one (forged)
was refused, over a presentation of 2,950 values 400 ms. A chain is refused (``too-many-proofs``) when its
documents would canonicalize more than ``CHAIN_FACTOR`` times the document's bound in values; a short
chain, or a long one over a small document, verifies as before."""

from __future__ import annotations

import pytest

from proofs.data_integrity import add_proof
from proofs.jsonld import DocumentLoader, bundled_loader
from schemas.problems import problem_type
from tests.unit.verifier.builders import CREATED, NOW, VC_V2, key, open_badge, signed
from verifier import DidResolver, UnreadableCredential, VerificationResult, Verifier
from verifier.limits import MAX_VALUES, shape
from verifier.presentation import verify_presentation

ISSUER = key(81)
DID = ISSUER.public_key().did_key()
VM = ISSUER.public_key().did_key_vm()
HOLDER = key(82)


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _badge(alignments: int) -> dict[str, object]:
    unsigned = open_badge(DID)
    unsigned["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": f"Skill {i}", "targetUrl": f"https://skills.example/{i}"}
        for i in range(alignments)
    ]
    return unsigned


def _chain(
    loader: DocumentLoader, document: dict[str, object], proofs: int, purpose: str
) -> dict[str, object]:
    signer = ISSUER if purpose == "assertionMethod" else HOLDER
    vm = signer.public_key().did_key_vm()
    for n in range(proofs):
        document = add_proof(
            document,
            key=signer,
            verification_method=vm,
            created=CREATED,
            loader=loader,
            proof_purpose=purpose,
            proof_id=f"urn:uuid:00000000-0000-4000-8000-0000000000{n:02}",
            previous_proof=f"urn:uuid:00000000-0000-4000-8000-0000000000{n - 1:02}" if n else None,
        )
    return document


def _verify(loader: DocumentLoader, credential: object) -> VerificationResult:
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None)
    assert isinstance(credential, dict | str)
    return verifier.verify(credential, now=NOW)


def test_a_long_chain_over_a_large_credential_is_refused_unread(loader: DocumentLoader) -> None:
    credential = _chain(loader, _badge(250), 3, "assertionMethod")
    values = shape(credential, max_values=10**6)[1]
    assert 3 * values > 2 * MAX_VALUES >= 2 * values  # one link fits the bound, two do not
    with pytest.raises(UnreadableCredential) as refused:
        _verify(loader, credential)
    assert refused.value.type_name == "too-many-proofs"


def test_a_short_chain_over_the_same_credential_verifies(loader: DocumentLoader) -> None:
    credential = _chain(loader, _badge(250), 2, "assertionMethod")
    result = _verify(loader, credential)
    assert result.verified, result.checks


def test_a_long_chain_over_a_small_credential_verifies(loader: DocumentLoader) -> None:
    credential = _chain(loader, _badge(0), 6, "assertionMethod")
    result = _verify(loader, credential)
    assert result.verified, result.checks


def _presentation(loader: DocumentLoader, proofs: int) -> dict[str, object]:
    credential = signed(_badge(250), ISSUER, VM, loader)
    vp: dict[str, object] = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER.public_key().did_key(),
        "verifiableCredential": [credential, credential],
    }
    return _chain(loader, vp, proofs, "authentication")


def test_a_chain_over_a_large_presentation_is_refused(loader: DocumentLoader) -> None:
    vp = _presentation(loader, 3)
    result = verify_presentation(
        vp,
        loader=loader,
        resolver=DidResolver(),
        verify_credential=lambda item: _verify(loader, item),
        now=NOW,
    )
    assert not result.verified
    assert [(c.id, c.type) for c in result.checks if c.outcome == "failed"] == [
        ("format", problem_type("too-many-proofs"))
    ]
    assert result.credentials == []


def test_one_link_over_the_same_presentation_verifies(loader: DocumentLoader) -> None:
    vp = _presentation(loader, 2)
    result = verify_presentation(
        vp,
        loader=loader,
        resolver=DidResolver(),
        verify_credential=lambda item: _verify(loader, item),
        now=NOW,
    )
    assert result.verified, result.checks

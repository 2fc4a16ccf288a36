"""Proof sets and chains (VC Data Integrity 1.0 §4.3, §4.5), reproduced from the W3C vc-di-eddsa test
vectors (TestVectors/proof-set-chain, 2025 Rec: the keys, the unsigned document, the proof options and
the proofValues written out here), and the checks of a proof that need no key (:func:`inspect_proof`)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from proofs.data_integrity import (
    MAX_PROOF_VALUE_LENGTH,
    InvalidProof,
    ProofError,
    add_proof,
    inspect_proof,
    previous_proofs,
    verify_proof,
)
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import PrivateKey

EXAMPLES_V2 = {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}
UNSIGNED: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
SECRETS = [
    "z3u2W4YnTstS1nSSBAgZcYSJF43JuZ9uLV6bF38B1Bf8NugW",
    "z3u2cfp4Q17kMGhNCh348a3yw3cUBiWK6RXRzyJE54sixMFn",
    "z3u2Zr3tcDLBDQKGxVa9SRDFNLqNqPWsa8p9rWPvCEH6bADB",
    "z3u2ZTWiFwM17veUR7sXniY66Gf14SqMdpMLy7SW9x4EDdmw",
]
SET_IDS = ["urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544", "urn:uuid:8cc9022b-6b14-4cf3-8571-74972c5feb54"]
CHAIN_ID = "urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23"
PROOF_VALUES = [
    "z66vWyqwAghu52WbpRkCwFRTu6Msn92ArtjpJ3gGMSVoU5RADwBfszoDt1QWY8owqLPz4nTj7hAwV7xFti1p93zdr",
    "z2scr94SNNrGpP2bE7ajvKWeUHm7HJ2edDkxpARvFAQ8V3USzwEzibqrXKaLHBrWostswsfvg82twQR88BgtnsrXY",
    "zWaPeEvBAkhQpNQj8pknuvg5STcKnt3cvM9t4kAYeJETFjvVMSXEEjadC4uxC9fKCn6JHbjt6fj2fhoaVNynBm6J",
    "z4b5uUtxNiV4E541LiR8qLvA21xM1Vt4Hfn6nLmmDePdFvLB3jFj3HyEEJyRMbpJzv4Gfdr8ABeuRTxAvZv6KWRRh",
]
KEYS = [PrivateKey.from_multikey_secret(s) for s in SECRETS]


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader().with_documents({"https://www.w3.org/ns/credentials/examples/v2": EXAMPLES_V2})


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _add(loader: DocumentLoader, doc: dict[str, Any], n: int, created: str, **options: Any) -> dict[str, Any]:
    key = KEYS[n]
    return add_proof(
        doc,
        key=key,
        verification_method=key.public_key().did_key_vm(),
        created=_at(created),
        loader=loader,
        **options,
    )


@pytest.fixture(scope="module")
def chain(loader: DocumentLoader) -> dict[str, Any]:
    """signedProofChain2.json: a set of two proofs, a third naming both, a fourth naming the third."""
    doc = _add(loader, UNSIGNED, 0, "2023-02-24T23:36:38Z", proof_id=SET_IDS[0])
    doc = _add(loader, doc, 1, "2023-02-24T23:36:38Z", proof_id=SET_IDS[1])
    doc = _add(loader, doc, 2, "2023-02-26T22:06:38Z", proof_id=CHAIN_ID, previous_proof=SET_IDS)
    return _add(loader, doc, 3, "2023-02-26T22:16:38Z", previous_proof=CHAIN_ID)


def test_sets_and_chains_reproduce_the_w3c_vectors(chain: dict[str, Any], loader: DocumentLoader) -> None:
    assert [p["proofValue"] for p in chain["proof"]] == PROOF_VALUES
    assert chain["proof"][2]["previousProof"] == SET_IDS
    assert chain["proof"][3]["previousProof"] == CHAIN_ID and "id" not in chain["proof"][3]
    for proof, key in zip(chain["proof"], KEYS, strict=True):
        verify_proof(chain, proof=proof, public_key=key.public_key(), loader=loader)


def test_a_chained_proof_signs_the_proofs_it_names(chain: dict[str, Any], loader: DocumentLoader) -> None:
    """Changing a previous proof breaks the proof built on it, and only that one."""
    changed = copy.deepcopy(chain)
    changed["proof"][2]["created"] = "2023-02-26T22:06:39Z"
    verify_proof(changed, proof=changed["proof"][0], public_key=KEYS[0].public_key(), loader=loader)
    for n in (2, 3):  # the third's own options, and the fourth, which signs the third
        with pytest.raises(InvalidProof) as err:
            verify_proof(changed, proof=changed["proof"][n], public_key=KEYS[n].public_key(), loader=loader)
        assert err.value.reason == "signature"
    # Without its previous proofs in the document, the chained proof does not verify either.
    alone = {**chain, "proof": [chain["proof"][2]]}
    with pytest.raises(InvalidProof) as err:
        verify_proof(alone, proof=alone["proof"][0], public_key=KEYS[2].public_key(), loader=loader)
    assert (err.value.reason, err.value.code) == ("previous-proof-missing", "PROOF_VERIFICATION_ERROR")


def test_previous_proof_must_name_proofs_of_the_set(chain: dict[str, Any], loader: DocumentLoader) -> None:
    proofs = chain["proof"]
    assert [p["id"] for p in previous_proofs(proofs, proofs[2])] == SET_IDS
    assert previous_proofs(proofs, proofs[0]) == []
    for bad in ("urn:uuid:nowhere", [SET_IDS[0], "urn:uuid:nowhere"], [], 7, [7]):
        with pytest.raises(InvalidProof) as err:
            previous_proofs(proofs, {**proofs[3], "previousProof": bad})
        assert err.value.reason == "previous-proof-missing"
    with pytest.raises(ProofError):
        _add(loader, chain, 3, "2023-03-01T00:00:00Z", previous_proof="urn:uuid:nowhere")


def _proof(**changes: Any) -> dict[str, Any]:
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": KEYS[0].public_key().did_key_vm(),
        "proofPurpose": "assertionMethod",
        "proofValue": PROOF_VALUES[0],
    }
    proof.update(changes)
    return {k: v for k, v in proof.items() if v is not None}


@pytest.mark.parametrize(
    ("proof", "reason", "member"),
    [
        ("a string", "not-a-map", None),
        (["a", "list"], "not-a-map", None),
        (_proof(type=None), "missing-member", "type"),
        (_proof(cryptosuite=None), "missing-member", "cryptosuite"),
        (_proof(verificationMethod=None), "missing-member", "verificationMethod"),
        (_proof(proofPurpose=None), "missing-member", "proofPurpose"),
        (_proof(proofValue=None), "missing-member", "proofValue"),
        (_proof(type="JsonWebSignature2020"), "unsupported-type", None),
        (_proof(cryptosuite="bbs-2023"), "unsupported-cryptosuite", None),
        (_proof(proofPurpose="authentication"), "wrong-purpose", None),
        (_proof(verificationMethod="key-1"), "invalid-verification-method", "verificationMethod"),
        (_proof(verificationMethod=["did:example:1#k"]), "invalid-verification-method", "verificationMethod"),
        (_proof(proofValue=12), "malformed-value", None),
        (_proof(proofValue="z" + "1" * MAX_PROOF_VALUE_LENGTH), "too-large", "proofValue"),
        (_proof(verificationMethod="did:key:z" + "1" * 5000), "too-large", "verificationMethod"),
    ],
)
def test_inspect_proof_gives_each_reason(proof: Any, reason: str, member: str | None) -> None:
    with pytest.raises(InvalidProof) as err:
        inspect_proof(proof)
    assert (err.value.reason, err.value.member) == (reason, member)
    assert err.value.message  # plain words for the report
    codes = {
        "not-a-map": "PARSING_ERROR",
        "too-large": "MALFORMED_PROOF_ERROR",
        "malformed-value": "MALFORMED_PROOF_ERROR",
    }
    assert err.value.code == codes.get(reason, "PROOF_VERIFICATION_ERROR")  # DI §4.7


def test_inspect_proof_accepts_the_suites_we_verify() -> None:
    for suite in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-2022"):
        assert inspect_proof(_proof(cryptosuite=suite))["cryptosuite"] == suite
    legacy = _proof(type="Ed25519Signature2020", cryptosuite=None)
    assert inspect_proof(legacy) == legacy
    with pytest.raises(InvalidProof) as err:
        inspect_proof(_proof(), expected_purpose="authentication")
    assert err.value.reason == "wrong-purpose"

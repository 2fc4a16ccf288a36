"""Issue 13 / issue 12 item 6: a credential's proof set and proof chains, verified whole (VC Data
Integrity §4.5), and each reason a proof is refused reported as its own problem type in plain words."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from proofs.data_integrity import add_proof
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey
from schemas.problems import problem_type
from tests.paths import ROOT
from verifier import Check, DidResolver, VerificationResult, Verifier

REFERENCE = ROOT / "bench" / "data" / "reference-mc.json"
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
ISSUER = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([1]) * 32)
WITNESS = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([2]) * 32)
NOTARY = PrivateKey.generate(KeyAlgorithm.P256)


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


@pytest.fixture(scope="module")
def unsigned() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    for name in ("proof", "credentialStatus"):
        doc.pop(name, None)
    doc["issuer"]["id"] = ISSUER.public_key().did_key()
    return doc


def _sign(loader: DocumentLoader, doc: dict[str, Any], key: PrivateKey, **options: Any) -> dict[str, Any]:
    vm = key.public_key().did_key_vm()
    return add_proof(doc, key=key, verification_method=vm, created=CREATED, loader=loader, **options)


def _verify(loader: DocumentLoader, vc: dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(vc, now=NOW)


def _check(result: VerificationResult, check_id: str) -> Check:
    found = result.check(check_id)
    assert found is not None, result.checks
    return found


def _failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.id: c.type for c in result.checks if c.outcome == "failed"}


def test_one_proof_reads_as_it_always_has(loader: DocumentLoader, unsigned: dict[str, Any]) -> None:
    result = _verify(loader, _sign(loader, unsigned, ISSUER))
    assert result.verified
    proof = _check(result, "proof")
    assert proof.message == "The eddsa-rdfc-2022 signature is valid."
    assert proof.details == {"verificationMethod": ISSUER.public_key().did_key_vm()}
    assert (
        _check(result, "issuer").message
        == f"The signing key belongs to the issuer {ISSUER.public_key().did_key()}."
    )


def test_a_set_of_good_proofs_one_by_the_issuer(loader: DocumentLoader, unsigned: dict[str, Any]) -> None:
    vc = _sign(loader, _sign(loader, _sign(loader, unsigned, WITNESS), ISSUER), NOTARY)
    result = _verify(loader, vc)
    assert result.verified, result.checks
    proof, issuer = _check(result, "proof"), _check(result, "issuer")
    assert proof.message.startswith("All 3 signatures are valid: proof 1 (eddsa-rdfc-2022 by did:key:")
    per_proof = proof.details["proofs"]
    assert [(p["index"], p["outcome"], p["cryptosuite"]) for p in per_proof] == [
        (1, "passed", "eddsa-rdfc-2022"),
        (2, "passed", "eddsa-rdfc-2022"),
        (3, "passed", "ecdsa-rdfc-2019"),
    ]
    assert [p["controller"] for p in per_proof] == [
        WITNESS.public_key().did_key(),
        ISSUER.public_key().did_key(),
        NOTARY.public_key().did_key(),
    ]
    assert issuer.outcome == "passed" and "proof 2" in issuer.message
    assert WITNESS.public_key().did_key() in issuer.message  # the others are named


def test_one_good_and_one_bad_proof_fails(loader: DocumentLoader, unsigned: dict[str, Any]) -> None:
    good = _sign(loader, unsigned, ISSUER)
    forged = _sign(loader, {**unsigned, "name": "Another badge"}, WITNESS)["proof"]
    vc = {**good, "proof": [good["proof"], forged]}
    result = _verify(loader, vc)
    assert not result.verified
    assert _failed(result) == {"proof": problem_type("invalid-proof")}
    proof = _check(result, "proof")
    assert (
        "1 of the 2 proofs are not valid" in proof.message and "proof 2 (eddsa-rdfc-2022 by" in proof.message
    )
    assert [p["outcome"] for p in proof.details["proofs"]] == ["passed", "failed"]
    assert proof.details["proofs"][1]["problem"] == "invalid-proof"
    assert _check(result, "issuer").outcome == "skipped"
    # The bad proof first: the same verdict.
    assert _failed(_verify(loader, {**good, "proof": [forged, good["proof"]]})) == {
        "proof": problem_type("invalid-proof")
    }


def test_a_set_needs_a_proof_by_the_issuer(loader: DocumentLoader, unsigned: dict[str, Any]) -> None:
    vc = _sign(loader, _sign(loader, unsigned, WITNESS), NOTARY)
    result = _verify(loader, vc)
    assert _check(result, "proof").outcome == "passed"
    assert _failed(result) == {"issuer": problem_type("issuer-mismatch")}
    assert "None of the 2 signing keys belongs to the issuer" in _check(result, "issuer").message


def test_chains_are_verified_in_order(loader: DocumentLoader, unsigned: dict[str, Any]) -> None:
    first = _sign(loader, unsigned, ISSUER, proof_id="urn:uuid:first")
    second = _sign(loader, first, WITNESS, proof_id="urn:uuid:second", previous_proof="urn:uuid:first")
    chain = _sign(loader, second, NOTARY, previous_proof=["urn:uuid:first", "urn:uuid:second"])
    result = _verify(loader, chain)
    assert result.verified, result.checks
    assert [p["outcome"] for p in _check(result, "proof").details["proofs"]] == ["passed"] * 3

    # A previousProof that names no proof of the set.
    dangling = copy.deepcopy(second)
    dangling["proof"][1]["previousProof"] = "urn:uuid:elsewhere"
    result = _verify(loader, dangling)
    assert _failed(result) == {"proof": problem_type("previous-proof-missing")}
    assert "urn:uuid:elsewhere names no proof" in _check(result, "proof").message

    # The first proof broken: the proofs built on it fail with it, each saying why (and the documents
    # holding their previous proofs are not canonicalized: the credential fails already).
    broken = copy.deepcopy(chain)
    broken["proof"][0]["proofValue"] = second["proof"][1]["proofValue"]
    result = _verify(loader, broken)
    details = _check(result, "proof").details["proofs"]
    assert [p.get("problem") for p in details] == [
        "invalid-proof",
        "previous-proof-invalid",
        "previous-proof-invalid",
    ]
    assert _failed(result) == {"proof": problem_type("invalid-proof")}

    # A chained proof whose signature holds, over a previous proof that does not verify.
    replaced = _sign(loader, unsigned, ISSUER, proof_id="urn:uuid:first")
    replaced["proof"]["proofValue"] = replaced["proof"]["proofValue"][:-3] + "abc"  # no longer verifies
    on_top = _sign(loader, replaced, WITNESS, previous_proof="urn:uuid:first")
    details = _check(_verify(loader, on_top), "proof").details["proofs"]
    assert [p.get("problem") for p in details] == ["invalid-proof", "previous-proof-invalid"]
    assert "builds on (proof 1" in details[1]["message"]


def test_a_cycle_of_previous_proofs_is_not_valid(loader: DocumentLoader, unsigned: dict[str, Any]) -> None:
    vc = _sign(loader, unsigned, ISSUER, proof_id="urn:uuid:a")
    vc = _sign(loader, vc, WITNESS, proof_id="urn:uuid:b", previous_proof="urn:uuid:a")
    vc["proof"][0]["previousProof"] = "urn:uuid:b"  # now a -> b -> a (a's signature no longer holds)
    result = _verify(loader, vc)
    assert not result.verified
    assert [p["outcome"] for p in _check(result, "proof").details["proofs"]] == ["failed", "failed"]


def _with_proof(vc: dict[str, Any], proof: Any) -> dict[str, Any]:
    return {**vc, "proof": proof}


@pytest.mark.parametrize(
    ("change", "problem", "words"),
    [
        (lambda p: "a string", "malformed-proof", "The proof is not a JSON object."),
        (lambda p: {**p, "proofPurpose": "authentication"}, "wrong-proof-purpose", "'authentication'"),
        (lambda p: {**p, "cryptosuite": "bbs-2023"}, "unsupported-cryptosuite", "'bbs-2023'"),
        (lambda p: {**p, "cryptosuite": "bbs-2023"}, "unsupported-cryptosuite", "not one we verify"),
        (lambda p: {**p, "type": "BbsBlsSignature2020"}, "unsupported-proof-type", "'BbsBlsSignature2020'"),
        (
            lambda p: {**p, "verificationMethod": "key-1"},
            "invalid-verification-method",
            "'key-1' is not a URL",
        ),
        (lambda p: {k: v for k, v in p.items() if k != "proofValue"}, "incomplete-proof", "no proofValue"),
        (lambda p: {k: v for k, v in p.items() if k != "type"}, "incomplete-proof", "no type"),
        (
            lambda p: {k: v for k, v in p.items() if k != "proofPurpose"},
            "incomplete-proof",
            "no proofPurpose",
        ),
        (
            lambda p: {k: v for k, v in p.items() if k != "verificationMethod"},
            "incomplete-proof",
            "no verificationMethod",
        ),
        (lambda p: {k: v for k, v in p.items() if k != "cryptosuite"}, "incomplete-proof", "no cryptosuite"),
        (
            lambda p: {**p, "verificationMethod": "did:example:nobody#key-1"},
            "key-not-found",
            "could not be resolved (UNSUPPORTED_DID_METHOD)",
        ),
        (lambda p: {**p, "proofValue": "not multibase"}, "invalid-proof", "base58btc"),
    ],
)
def test_each_reason_has_its_own_problem_and_words(
    loader: DocumentLoader, unsigned: dict[str, Any], change: Any, problem: str, words: str
) -> None:
    vc = _sign(loader, unsigned, ISSUER)
    result = _verify(loader, _with_proof(vc, change(vc["proof"])))
    assert _failed(result) == {"proof": problem_type(problem)}, result.checks
    proof = _check(result, "proof")
    assert words in proof.message and "does not match" not in proof.message
    assert _check(result, "issuer").outcome == "skipped"


def test_a_signature_that_does_not_match_says_so(loader: DocumentLoader, unsigned: dict[str, Any]) -> None:
    vc = _sign(loader, unsigned, ISSUER)
    vc["name"] = "Something else"
    proof = _check(_verify(loader, vc), "proof")
    assert (proof.type, proof.message) == (
        problem_type("invalid-proof"),
        "The eddsa-rdfc-2022 signature does not match.",
    )
    wrong_key = _sign(loader, unsigned, ISSUER)
    wrong_key["proof"]["verificationMethod"] = NOTARY.public_key().did_key_vm()
    proof = _check(_verify(loader, wrong_key), "proof")
    assert proof.type == problem_type("invalid-proof") and "P-256 key" in proof.message


def test_once_a_proof_fails_a_chain_on_other_proofs_is_not_checked(
    loader: DocumentLoader, unsigned: dict[str, Any]
) -> None:
    first = _sign(loader, unsigned, ISSUER, proof_id="urn:uuid:first")
    forged = _sign(loader, {**unsigned, "name": "Another badge"}, WITNESS)["proof"]
    chained = _sign(loader, first, NOTARY, previous_proof="urn:uuid:first")["proof"][1]
    vc = {**first, "proof": [first["proof"], forged, chained]}
    result = _verify(loader, vc)
    proof = _check(result, "proof")
    assert proof.type == problem_type("invalid-proof")
    assert [p["outcome"] for p in proof.details["proofs"]] == ["passed", "failed", "skipped"]
    assert proof.message.endswith(
        f"Not checked therefore: proof 3 (ecdsa-rdfc-2019 by {NOTARY.public_key().did_key_vm()})."
    )
    # Without the forged proof, the same chained proof verifies.
    assert _verify(loader, {**first, "proof": [first["proof"], chained]}).verified

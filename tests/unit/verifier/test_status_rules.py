"""Issue 13: a status list says something about a credential only when the credential's issuer published
it and its own proof verifies; otherwise the status check fails ("could not be established"), never
passes with a warning. Malformed entries fail the check too (never an exception)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from issuer.secure import secure
from issuer.status.list_credential import bitstring_status_list_credential
from proofs.data_integrity import add_proof
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.statuslist import MIN_ENTRIES
from schemas.problems import problem_type
from tests.paths import ROOT
from verifier import Check, DidResolver, VerificationResult, Verifier

REFERENCE = ROOT / "bench" / "data" / "reference-mc.json"
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
ISSUER = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([1]) * 32)
STRANGER = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([2]) * 32)
URL = "https://status.example/lists/1/revocation"


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _list(loader: DocumentLoader, key: PrivateKey) -> str:
    """A revocation list with nothing set, issued and signed by ``key``'s did:key."""
    unsigned = bitstring_status_list_credential(
        url=URL,
        issuer=key.public_key().did_key(),
        purpose="revocation",
        bits=bytes(MIN_ENTRIES // 8),
        valid_from=CREATED,
    )
    vm = key.public_key().did_key_vm()
    return secure(unsigned, fmt="ldp_vc", signer=key, verification_method=vm, loader=loader, now=CREATED)


def _credential(loader: DocumentLoader, **entry: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    doc.pop("proof", None)
    doc["issuer"]["id"] = ISSUER.public_key().did_key()
    doc["credentialStatus"] = {
        "id": URL + "#77",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "77",
        "statusListCredential": URL,
        **entry,
    }
    vm = ISSUER.public_key().did_key_vm()
    signed: dict[str, Any] = add_proof(
        doc, key=ISSUER, verification_method=vm, created=CREATED, loader=loader
    )
    return signed


def _verify(loader: DocumentLoader, vc: dict[str, Any], list_text: str) -> VerificationResult:
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list={URL: list_text}.__getitem__)
    return verifier.verify(vc, now=NOW)


def _status(result: VerificationResult) -> list[Check]:
    return [c for c in result.checks if c.id == "status"]


def test_the_issuers_own_list_passes(loader: DocumentLoader) -> None:
    result = _verify(loader, _credential(loader), _list(loader, ISSUER))
    assert result.verified
    assert [c.outcome for c in _status(result)] == ["passed"]


def test_a_list_by_another_issuer_fails(loader: DocumentLoader) -> None:
    """Validly signed by its own issuer, but that is not the credential's: no warning-and-pass."""
    result = _verify(loader, _credential(loader), _list(loader, STRANGER))
    assert not result.verified
    [status] = _status(result)
    assert (status.outcome, status.type) == ("failed", problem_type("status-list-issuer-mismatch"))
    assert "could not be established" in status.message
    assert STRANGER.public_key().did_key() in status.message
    assert status.details == {"code": "STATUS_VERIFICATION_ERROR", "statusListCredential": URL}


def test_a_list_whose_proof_set_has_a_bad_proof_fails(loader: DocumentLoader) -> None:
    doc = json.loads(_list(loader, ISSUER))
    bad = {**doc["proof"], "proofValue": doc["proof"]["proofValue"][:-4] + "AAAA"}
    doc["proof"] = [doc["proof"], bad]
    [status] = _status(_verify(loader, _credential(loader), json.dumps(doc)))
    assert (status.outcome, status.type) == ("failed", problem_type("status-unavailable"))
    assert status.details == {"code": "STATUS_VERIFICATION_ERROR"}
    assert "could not be established" in status.message


@pytest.mark.parametrize(
    "entry",
    [
        {"statusSize": "x"},
        {"statusSize": 0},
        {"statusSize": True},
        {"statusSize": 1000},
        {"statusListIndex": "\u00b2"},  # a digit to str.isdigit, not to int()
        {"statusListIndex": "9" * 5000},
        {"statusListIndex": 77},
    ],
)
def test_a_malformed_entry_fails_the_check(loader: DocumentLoader, entry: dict[str, Any]) -> None:
    [status] = _status(_verify(loader, _credential(loader, **entry), _list(loader, ISSUER)))
    assert (status.outcome, status.type) == ("failed", problem_type("status-unavailable"))
    assert status.details == {"code": "MALFORMED_VALUE_ERROR"}


def test_a_list_whose_subject_is_not_an_object_fails(loader: DocumentLoader) -> None:
    unsigned = json.loads(_list(loader, ISSUER))
    unsigned.pop("proof")
    unsigned["credentialSubject"] = [unsigned["credentialSubject"]]
    vm = ISSUER.public_key().did_key_vm()
    signed = add_proof(unsigned, key=ISSUER, verification_method=vm, created=CREATED, loader=loader)
    [status] = _status(_verify(loader, _credential(loader), json.dumps(signed)))
    assert (status.outcome, status.details) == ("failed", {"code": "STATUS_VERIFICATION_ERROR"})


def _list_valid_until(loader: DocumentLoader, until: dt.datetime) -> str:
    unsigned = json.loads(_list(loader, ISSUER))
    unsigned.pop("proof")
    unsigned["validUntil"] = until.strftime("%Y-%m-%dT%H:%M:%SZ")
    vm = ISSUER.public_key().did_key_vm()
    return json.dumps(add_proof(unsigned, key=ISSUER, verification_method=vm, created=CREATED, loader=loader))


def test_an_expired_list_establishes_nothing(loader: DocumentLoader) -> None:
    """A validly signed list past its validUntil (a replayed old copy, or an issuer that stopped
    republishing) fails the status check instead of vouching for the credential."""
    result = _verify(loader, _credential(loader), _list_valid_until(loader, NOW - dt.timedelta(days=1)))
    assert not result.verified
    [status] = _status(result)
    assert (status.outcome, status.type) == ("failed", problem_type("status-unavailable"))
    assert status.details == {"code": "STATUS_VERIFICATION_ERROR"}
    fresh = _verify(loader, _credential(loader), _list_valid_until(loader, NOW + dt.timedelta(days=1)))
    assert [c.outcome for c in _status(fresh)] == ["passed"]


def test_a_remembered_list_is_checked_again_for_expiry(loader: DocumentLoader) -> None:
    """The memo of verified lists skips the signature, never the validity period at the new time."""
    text = _list_valid_until(loader, NOW + dt.timedelta(days=1))
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list={URL: text}.__getitem__)
    vc = _credential(loader)
    assert verifier.verify(vc, now=NOW).verified
    later = verifier.verify(vc, now=NOW + dt.timedelta(days=2))
    [status] = _status(later)
    assert (status.outcome, status.type) == ("failed", problem_type("status-unavailable"))


@pytest.mark.parametrize(
    "kind", ["https://status.example/vocab#RevocationList", "https://status.example/vocab#Other"]
)
def test_a_status_method_we_cannot_check_is_not_passed(loader: DocumentLoader, kind: str) -> None:
    """Nothing is known about a credential whose status cannot be read: the check fails with its own
    type and never says the issuer has not revoked it. (1EdTechRevocationList is read: test_revocation_list.)"""
    doc: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    doc.pop("proof", None)
    doc["issuer"]["id"] = ISSUER.public_key().did_key()
    doc["credentialStatus"] = {"id": "https://status.example/revocations/3732", "type": kind}
    vm = ISSUER.public_key().did_key_vm()
    vc = add_proof(doc, key=ISSUER, verification_method=vm, created=CREATED, loader=loader)
    result = _verify(loader, vc, _list(loader, ISSUER))
    assert not result.verified
    [status] = _status(result)
    assert (status.outcome, status.type) == ("failed", problem_type("status-method-unsupported"))
    assert status.details == {"code": "STATUS_VERIFICATION_ERROR", "statusType": kind}


def test_any_set_entry_of_a_purpose_decides_whatever_their_order(loader: DocumentLoader) -> None:
    """Found by an outside fuzzing round: with two revocation entries, the last one read decided. The
    entries are an unordered set (reordering them keeps the proof valid), so the holder chose. One set
    entry revokes, in either order."""
    revoked_url = "https://status.example/lists/2/revocation"
    bits = bytearray(MIN_ENTRIES // 8)
    bits[77 // 8] |= 0x80 >> (77 % 8)  # index 0 is the left-most bit (BSL §3.2)
    vm = ISSUER.public_key().did_key_vm()
    revoked_list = secure(
        bitstring_status_list_credential(
            url=revoked_url,
            issuer=ISSUER.public_key().did_key(),
            purpose="revocation",
            bits=bytes(bits),
            valid_from=CREATED,
        ),
        fmt="ldp_vc",
        signer=ISSUER,
        verification_method=vm,
        loader=loader,
        now=CREATED,
    )
    lists = {URL: _list(loader, ISSUER), revoked_url: revoked_list}
    doc: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    doc.pop("proof", None)
    doc["issuer"]["id"] = ISSUER.public_key().did_key()
    doc["credentialStatus"] = [
        {
            "id": f"{url}#77",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "77",
            "statusListCredential": url,
        }
        for url in (URL, revoked_url)
    ]
    signed: dict[str, Any] = add_proof(
        doc, key=ISSUER, verification_method=vm, created=CREATED, loader=loader
    )
    reordered = {**signed, "credentialStatus": signed["credentialStatus"][::-1]}
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=lists.__getitem__)
    for vc in (signed, reordered):
        result = verifier.verify(vc, now=NOW)
        proof = result.check("proof")
        assert proof is not None and proof.outcome == "passed"
        [status] = _status(result)
        assert (status.outcome, status.type) == ("failed", problem_type("credential-revoked"))

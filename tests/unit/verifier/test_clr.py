"""CLR 2.0 (``ClrCredential``): the record's own checks, and each AchievementCredential it bundles in
``credentialSubject.verifiableCredential`` verified on its own and listed as ``nested-credential-N``.

The CLR 2.0.1 context is bundled (tested below under it); the other tests add a small stand-in context of
their own, under a test URL, that defines the few CLR terms they use."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, OB_CONTEXT, VC_V2, key, open_badge, passed_checks, signed
from verifier import DidResolver, UnreadableCredential, VerificationResult, Verifier
from verifier.checks.clr import MAX_NESTED, check_nested_credentials, is_clr, nested_credentials

CLR_TEST_CONTEXT = "https://shomei.test/contexts/clr-stand-in.jsonld"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
_VOCAB = "https://shomei.test/vocab/clr-stand-in#"
SIGNER = key(41)
DID = SIGNER.public_key().did_key()
VM = SIGNER.public_key().did_key_vm()


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    stand_in = {
        "@context": {
            "@protected": True,
            "ClrCredential": {"@id": _VOCAB + "ClrCredential"},
            "ClrSubject": {
                "@id": _VOCAB + "ClrSubject",
                "@context": {
                    "@protected": True,
                    "verifiableCredential": {
                        "@id": "https://www.w3.org/2018/credentials#verifiableCredential",
                        "@type": "@id",
                        "@container": ["@graph", "@set"],
                    },
                },
            },
        }
    }
    return bundled_loader().with_documents({CLR_TEST_CONTEXT: stand_in})


def _achievement(loader: DocumentLoader, n: int, **fields: Any) -> dict[str, Any]:
    unsigned = open_badge(
        DID, name=f"Course {n}", credential_id=f"urn:uuid:00000000-0000-4000-8000-00000000000{n}"
    )
    unsigned.update(fields)
    return signed(unsigned, SIGNER, VM, loader)


def _clr(loader: DocumentLoader, nested: list[Any], *, context: str = CLR_TEST_CONTEXT) -> dict[str, Any]:
    unsigned = {
        "@context": [VC_V2, context, OB_CONTEXT],
        "id": "urn:uuid:6f1c2e4a-9b7d-4c3e-8a2f-1d0e9c8b7a65",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": DID,
        "name": "Transcript",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["ClrSubject"],
            "verifiableCredential": nested,
        },
    }
    return signed(unsigned, SIGNER, VM, loader)


def _verify(loader: DocumentLoader, credential: dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(credential, now=NOW)


def _outcomes(result: VerificationResult) -> dict[str, str]:
    return {c.id: c.outcome for c in result.checks}


def test_every_nested_credential_is_verified_and_listed(loader: DocumentLoader) -> None:
    result = _verify(loader, _clr(loader, [_achievement(loader, 1), _achievement(loader, 2)]))
    assert result.verified, result.as_json()
    outcomes = _outcomes(result)
    assert outcomes["proof"] == "passed" and outcomes["issuer"] == "passed"
    assert outcomes["nested-credential-1"] == "passed" and outcomes["nested-credential-2"] == "passed"
    first = result.check("nested-credential-1")
    assert first is not None and "'Course 1'" in first.message
    assert first.details["id"] == "urn:uuid:00000000-0000-4000-8000-000000000001"
    assert {c["id"]: c["outcome"] for c in first.details["checks"]} == passed_checks(status="skipped")


def test_a_failing_nested_credential_fails_the_record(loader: DocumentLoader) -> None:
    """The CLR's own signature covers what it bundles; each bundled credential must still hold."""
    expired = _achievement(loader, 2, validUntil="2026-02-01T00:00:00Z")
    forged = _achievement(loader, 3)
    forged["credentialSubject"]["achievement"]["name"] = "Something else"  # after its issuer signed it
    result = _verify(loader, _clr(loader, [_achievement(loader, 1), expired, forged]))
    assert not result.verified
    failed = {c.id: c.type for c in result.checks if c.outcome == "failed"}
    assert failed == {
        "nested-credential-2": problem_type("nested-credential-invalid"),
        "nested-credential-3": problem_type("nested-credential-invalid"),
    }
    second, third = result.check("nested-credential-2"), result.check("nested-credential-3")
    assert second is not None and "validity" in second.message and second.details["verified"] is False
    assert third is not None and "proof" in third.message
    # Changing a bundled credential after the CLR was signed breaks the CLR's own proof too.
    clr = _clr(loader, [_achievement(loader, 1)])
    clr["credentialSubject"]["verifiableCredential"][0]["name"] = "Changed"
    assert _outcomes(_verify(loader, clr))["proof"] == "failed"


def test_a_nested_credential_about_another_learner_is_a_warning(loader: DocumentLoader) -> None:
    """A record must not list another person's achievement as its learner's without saying so."""
    other = _achievement(loader, 2)
    other["credentialSubject"]["id"] = "did:example:someone-else"
    other = signed({k: v for k, v in other.items() if k != "proof"}, SIGNER, VM, loader)
    result = _verify(loader, _clr(loader, [_achievement(loader, 1), other]))
    assert result.verified, result.as_json()  # every signature holds: the record says what it says
    first, second = result.check("nested-credential-1"), result.check("nested-credential-2")
    assert first is not None and first.outcome == "passed"
    assert second is not None and second.outcome == "warning"
    assert second.type == problem_type("nested-subject-mismatch")
    assert second.details["subjects"] == ["did:example:someone-else"]
    # A subject without an id says nothing about whom it is about: no warning.
    anonymous = _achievement(loader, 3)
    del anonymous["credentialSubject"]["id"]
    anonymous = signed({k: v for k, v in anonymous.items() if k != "proof"}, SIGNER, VM, loader)
    third = _verify(loader, _clr(loader, [anonymous])).check("nested-credential-1")
    assert third is not None and third.type != problem_type("nested-subject-mismatch")


def test_a_clr_under_the_bundled_clr_2_context() -> None:
    """The CLR 2.0.1 context is bundled (PyPI openbadgeslib 4.6.3, pinned): a record that names it verifies
    with its nested credentials, and a change after signing breaks its proof."""
    loader = bundled_loader()
    clr = _clr(loader, [_achievement(loader, 1), _achievement(loader, 2)], context=CLR_CONTEXT)
    result = _verify(loader, clr)
    assert result.verified, result.as_json()
    outcomes = _outcomes(result)
    assert outcomes["contexts"] == "passed" and outcomes["proof"] == "passed"
    assert outcomes["nested-credential-1"] == "passed" and outcomes["nested-credential-2"] == "passed"
    clr["name"] = "Another transcript"
    assert _outcomes(_verify(loader, clr))["proof"] == "failed"


def _never(item: str | Any) -> VerificationResult:
    raise AssertionError("nothing should be verified")


def test_what_a_clr_must_bundle() -> None:
    empty: dict[str, Any] = {
        "type": ["VerifiableCredential", "ClrCredential"],
        "credentialSubject": {"type": ["ClrSubject"]},
    }
    assert is_clr(empty) and nested_credentials(empty) == []
    [check] = check_nested_credentials(empty, verify=_never)
    assert check.id == "nested-credentials" and check.type == problem_type("clr-without-credentials")

    many = copy.deepcopy(empty)
    many["credentialSubject"]["verifiableCredential"] = [{}] * (MAX_NESTED + 1)
    [check] = check_nested_credentials(many, verify=_never)
    assert check.type == problem_type("clr-too-large")

    inner = copy.deepcopy(empty)
    inner["credentialSubject"]["verifiableCredential"] = [{"type": ["VerifiableCredential"]}]
    [check] = check_nested_credentials(inner, verify=_never, nested=True)
    assert check.type == problem_type("clr-inside-clr")

    assert check_nested_credentials({"type": ["VerifiableCredential"]}, verify=_never) == []


def test_unreadable_nested_credentials() -> None:
    def unreadable(item: str | Any) -> VerificationResult:
        raise UnreadableCredential("not a credential")

    clr = {
        "type": ["VerifiableCredential", "ClrCredential"],
        "credentialSubject": {"verifiableCredential": [42, "not-a-jwt"]},
    }
    first, second = check_nested_credentials(clr, verify=unreadable)
    assert (first.id, first.type) == ("nested-credential-1", problem_type("unreadable-credential"))
    assert (second.id, second.type) == ("nested-credential-2", problem_type("unreadable-credential"))


def test_a_clr_inside_a_clr_is_not_opened(loader: DocumentLoader) -> None:
    inner = _clr(loader, [_achievement(loader, 1)])
    result = _verify(loader, _clr(loader, [inner]))
    check = result.check("nested-credential-1")
    assert check is not None and check.outcome == "failed"
    assert any(c["id"] == "nested-credentials" for c in check.details["checks"])


def test_the_bundle_of_a_clr_whose_own_proof_fails_is_not_opened(loader: DocumentLoader) -> None:
    """A forged CLR is not valid whatever it bundles; verifying each bundled credential would cost as much
    as for a genuine one, so the bundle is reported as not verified instead."""
    clr = _clr(loader, [_achievement(loader, 1), _achievement(loader, 2)])
    clr["name"] = "Forged transcript"  # after it was signed
    result = _verify(loader, clr)
    outcomes = _outcomes(result)
    assert not result.verified and outcomes["proof"] == "failed"
    assert outcomes["nested-credentials"] == "skipped"
    assert not [c for c in result.checks if c.id.startswith("nested-credential-")]

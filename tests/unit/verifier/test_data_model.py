"""Issue 12 item 2, verifier side: the ``data-model`` check applies the VC Data Model rules
(:mod:`profiles.vcdm`) to every credential the pipeline verifies: JSON-LD (VCDM 2.0 and 1.1), the
credential of a VC-JWT (VC-JOSE-COSE and the VCDM 1.1 ``vc`` claim), an enveloped credential, and each
credential a CLR bundles. A correctly signed credential that breaks a rule is not verified; the failed
check carries the first violation's problem type and every violation in its details."""

from __future__ import annotations

from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.vc_jwt import sign_jws
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, OB_CONTEXT, VC_V1, VC_V2, key, open_badge, signed
from verifier import DidResolver, VerificationResult, Verifier
from verifier.checks.data_model import check_data_model

SIGNER = key(71)
DID = SIGNER.public_key().did_key()
VM = SIGNER.public_key().did_key_vm()


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _plain(**fields: Any) -> dict[str, Any]:
    """An unsigned VerifiableCredential with no OB schema (so that only the data model can fail it)."""
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": "urn:uuid:7d2e0f9a-3c1b-4e5d-8a6f-0b1c2d3e4f50",
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Alice"},
    }
    credential.update(fields)
    return credential


def _verify(loader: DocumentLoader, data: str | dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(data, now=NOW)


def _failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.id: c.type for c in result.checks if c.outcome == "failed"}


def _violations(result: VerificationResult) -> list[tuple[str, str]]:
    check = result.check("data-model")
    assert check is not None
    return [(v["type"], v["pointer"]) for v in check.details["violations"]]


BROKEN: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "status without type",
        {"credentialStatus": {"id": "https://example.edu/status/1#7"}},
        "vcdm-missing-type",
        "/credentialStatus/type",
    ),
    ("id not a URL", {"id": "https://not-a-url.example/%zz"}, "vcdm-invalid-url", "/id"),
    ("empty subject", {"credentialSubject": {}}, "vcdm-invalid-subject", "/credentialSubject"),
    ("empty subject in a list", {"credentialSubject": [{}]}, "vcdm-invalid-subject", "/credentialSubject/0"),
    (
        "validUntil before validFrom",
        {"validFrom": "2026-01-01T00:00:00Z", "validUntil": "2025-12-01T00:00:00Z"},
        "vcdm-validity-period",
        "/validUntil",
    ),
]


@pytest.mark.parametrize(("label", "changes", "kind", "where"), BROKEN, ids=[case[0] for case in BROKEN])
def test_a_signed_credential_that_breaks_the_data_model_is_not_verified(
    loader: DocumentLoader, label: str, changes: dict[str, Any], kind: str, where: str
) -> None:
    result = _verify(loader, signed(_plain(**changes), SIGNER, VM, loader))
    assert not result.verified
    outcomes = {c.id: c.outcome for c in result.checks}
    assert outcomes["proof"] == "passed" and outcomes["issuer"] == "passed"  # the signature holds
    failed = _failed(result)
    assert failed.pop("data-model") == problem_type(kind)
    assert set(failed) <= {"validity"}  # an expired period may also fail the validity check; nothing else
    check = result.check("data-model")
    assert check is not None and check.details["pointer"] == where and check.details["dataModel"] == "2.0"
    assert _violations(result) == [(problem_type(kind), where)]
    assert [c.id for c in result.checks][:4] == ["format", "contexts", "data-model", "schema"]


def test_every_violation_is_in_the_details_and_the_first_names_the_type(loader: DocumentLoader) -> None:
    broken = _plain(id="not a url", credentialSubject=[{}], termsOfUse={"id": "https://example.edu/tou"})
    check = check_data_model(broken)[0]
    assert check.outcome == "failed" and check.type == problem_type("vcdm-invalid-url")
    assert [(v["type"], v["pointer"]) for v in check.details["violations"]] == [
        (problem_type("vcdm-invalid-url"), "/id"),
        (problem_type("vcdm-invalid-subject"), "/credentialSubject/0"),
        (problem_type("vcdm-missing-type"), "/termsOfUse/type"),
    ]
    assert "/id" in check.message  # names the field


def test_a_valid_credential_has_no_data_model_check(loader: DocumentLoader) -> None:
    for credential in (_plain(), open_badge(DID)):
        result = _verify(loader, signed(credential, SIGNER, VM, loader))
        assert result.verified, result.as_json()
        assert result.check("data-model") is None


def test_no_vc_context_is_left_to_the_contexts_check() -> None:
    assert check_data_model(_plain(**{"@context": ["https://example.org/not-vc"]})) == []


def test_a_vcdm11_credential_is_judged_by_the_11_rules(loader: DocumentLoader) -> None:
    valid = _verify(loader, signed(open_badge(DID, data_model="1.1"), SIGNER, VM, loader))
    warning = valid.check("data-model")
    assert valid.verified and warning is not None and warning.outcome == "warning"
    unsigned = open_badge(DID, data_model="1.1")
    del unsigned["issuanceDate"]  # VCDM 1.1 §4.6: required
    result = _verify(loader, signed(unsigned, SIGNER, VM, loader))
    check = result.check("data-model")
    assert not result.verified and check is not None and check.outcome == "failed"
    assert check.type == problem_type("vcdm-missing-property") and check.details["dataModel"] == "1.1"
    assert _violations(result) == [(problem_type("vcdm-missing-property"), "/issuanceDate")]


def _jose(payload: dict[str, Any], typ: str = "vc+jwt") -> str:
    return sign_jws({"alg": "EdDSA", "kid": VM, "typ": typ}, payload, key=SIGNER)


def test_the_credential_of_a_vc_jwt_is_judged(loader: DocumentLoader) -> None:
    assert _verify(loader, _jose(_plain())).verified
    result = _verify(loader, _jose(_plain(credentialStatus={"id": "https://example.edu/status/1#7"})))
    assert result.format == "vc-jwt" and not result.verified
    assert {c.id: c.outcome for c in result.checks}["proof"] == "passed"
    assert _failed(result) == {"data-model": problem_type("vcdm-missing-type")}


def test_an_enveloped_credential_is_judged(loader: DocumentLoader) -> None:
    token = _jose(_plain(credentialSubject={}))
    envelope = {
        "@context": [VC_V2],
        "id": "data:application/vc+jwt," + token,
        "type": "EnvelopedVerifiableCredential",
    }
    result = _verify(loader, envelope)
    assert not result.verified
    assert _failed(result) == {"data-model": problem_type("vcdm-invalid-subject")}


def _legacy(vc: dict[str, Any]) -> str:
    """A VCDM 1.1 VC-JWT whose ``vc`` claim leaves issuanceDate, id and the subject's id to ``nbf``,
    ``jti`` and ``sub`` (VC-JWT 1.1 §6.3.1)."""
    payload = {"vc": vc, "iss": DID, "nbf": 1767225600, "jti": "urn:uuid:1", "sub": "did:example:learner"}
    return _jose(payload, typ="JWT")


def _vc_claim() -> dict[str, Any]:
    vc = open_badge(DID, data_model="1.1")
    vc["@context"] = [VC_V1, OB_CONTEXT]
    vc["type"] = ["VerifiableCredential"]  # no OB schema: it reads the claim alone, not the JWT's claims
    del vc["issuanceDate"], vc["id"], vc["credentialSubject"]["id"]
    return vc


def test_a_vcdm11_vc_claim_takes_its_members_from_the_jwt_claims(loader: DocumentLoader) -> None:
    result = _verify(loader, _legacy(_vc_claim()))
    check = result.check("data-model")
    assert result.format == "vc-jwt (VCDM 1.1)" and check is not None
    assert result.verified and check.outcome == "warning", result.as_json()
    schema = {"id": "https://example.edu/schema.json"}  # VCDM 1.1 §5.4: a credentialSchema has a type
    broken = _verify(loader, _legacy({**_vc_claim(), "credentialSchema": schema}))
    assert not broken.verified
    assert _failed(broken) == {"data-model": problem_type("vcdm-missing-type")}
    unclaimed = _vc_claim()
    token = _jose({"vc": unclaimed, "iss": DID, "sub": "did:example:learner"}, typ="JWT")  # no nbf
    assert _failed(_verify(loader, token))["data-model"] == problem_type("vcdm-missing-property")


def test_the_reported_credential_is_the_vc_claim_as_signed(loader: DocumentLoader) -> None:
    result = _verify(loader, _legacy(_vc_claim()))
    assert result.credential == _vc_claim()  # the members taken from the claims judge it, not added


_CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


def test_a_clr_bundling_a_credential_that_breaks_the_data_model_is_not_verified(
    loader: DocumentLoader,
) -> None:
    def clr(*nested: dict[str, Any]) -> dict[str, Any]:
        unsigned = {
            "@context": [VC_V2, _CLR_CONTEXT, OB_CONTEXT],
            "id": "urn:uuid:6f1c2e4a-9b7d-4c3e-8a2f-1d0e9c8b7a66",
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": DID,
            "name": "Transcript",
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "did:example:learner",
                "type": ["ClrSubject"],
                "verifiableCredential": list(nested),
            },
        }
        return signed(unsigned, SIGNER, VM, loader)

    good = signed(open_badge(DID), SIGNER, VM, loader)
    broken = signed(open_badge(DID, credentialSubject=[{}]), SIGNER, VM, loader)
    assert _verify(loader, clr(good)).verified
    result = _verify(loader, clr(good, broken))
    assert not result.verified
    outcomes = {c.id: c.outcome for c in result.checks}
    assert outcomes["proof"] == "passed" and outcomes["nested-credential-1"] == "passed"
    nested = result.check("nested-credential-2")
    assert nested is not None and nested.outcome == "failed"
    inner = {c["id"]: c.get("type") for c in nested.details["checks"] if c["outcome"] == "failed"}
    assert inner["data-model"] == problem_type("vcdm-invalid-subject")

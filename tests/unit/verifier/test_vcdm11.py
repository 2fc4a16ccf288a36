"""Open Badges 3.0 credentials of the VC Data Model 1.1 (``https://www.w3.org/2018/credentials/v1``,
``issuanceDate`` / ``expirationDate``), as JSON-LD and as a VC-JWT's ``vc`` claim: verified, with a
``data-model`` warning, and checked against the OB 3.0 schema of their era."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.vc_jwt import parse_jwt, sign_jws
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, VC_V1, key, open_badge, passed_checks, signed
from tests.unit.verifier.status_lists import LISTS, entry, status_checks, status_list
from tests.unit.verifier.status_lists import verify as status_verify
from verifier import DidResolver, Identity, VerificationResult, Verifier
from verifier.checks.schema import check_schema

SIGNER = key(31)
DID = SIGNER.public_key().did_key()
VM = SIGNER.public_key().did_key_vm()
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _verify(loader: DocumentLoader, data: str | dict[str, Any], now: dt.datetime = NOW) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(data, now=now)


def _outcomes(result: VerificationResult) -> dict[str, str]:
    return {c.id: c.outcome for c in result.checks}


def test_json_ld_vcdm11_is_verified_with_a_warning(loader: DocumentLoader) -> None:
    result = _verify(loader, signed(open_badge(DID, data_model="1.1"), SIGNER, VM, loader))
    assert result.verified, result.as_json()
    assert _outcomes(result) == {**passed_checks(status="skipped"), "data-model": "warning"}
    warning = result.check("data-model")
    assert warning is not None and "1.1" in warning.message and "issuanceDate" in warning.message
    schema = result.check("schema")
    assert schema is not None and "VCDM 1.1" in schema.message


def test_vcdm2_has_no_data_model_warning(loader: DocumentLoader) -> None:
    result = _verify(loader, signed(open_badge(DID), SIGNER, VM, loader))
    assert result.verified and result.check("data-model") is None


def test_issuance_and_expiration_dates_play_valid_from_and_until(loader: DocumentLoader) -> None:
    expired = open_badge(DID, data_model="1.1", expirationDate="2026-02-01T00:00:00Z")
    result = _verify(loader, signed(expired, SIGNER, VM, loader))
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "validity": problem_type("expired")
    }
    future = open_badge(DID, data_model="1.1", issuanceDate="2027-01-01T00:00:00Z")
    result = _verify(loader, signed(future, SIGNER, VM, loader))
    assert {c.id: c.type for c in result.checks if c.outcome == "failed"} == {
        "validity": problem_type("not-yet-valid")
    }


def test_the_vcdm11_schema(loader: DocumentLoader) -> None:
    """issuanceDate is required (validFrom is not), and a class's type may be its one name."""
    no_date = open_badge(DID, data_model="1.1")
    del no_date["issuanceDate"]
    schema = _verify(loader, signed(no_date, SIGNER, VM, loader)).check("schema")
    assert schema is not None and schema.outcome == "failed"
    assert schema.details["errors"] == [{"path": "/issuanceDate", "message": "is required"}]

    single = open_badge(DID, data_model="1.1")
    single["credentialSubject"]["type"] = "AchievementSubject"
    single["credentialSubject"]["achievement"]["type"] = "Achievement"
    assert _outcomes(_verify(loader, signed(single, SIGNER, VM, loader)))["schema"] == "passed"
    single["credentialSubject"]["type"] = "Achievement"  # one name, but not the class's
    assert check_schema(single).details["errors"] == [
        {"path": "/credentialSubject/type", "message": 'must be "AchievementSubject"'}
    ]

    # A VCDM 2.0 credential is still held to validFrom.
    mixed = open_badge(DID)
    mixed["issuanceDate"] = mixed.pop("validFrom")
    assert {"path": "/validFrom", "message": "is required"} in check_schema(mixed).details["errors"]


def _vc_claim_jwt(credential: dict[str, Any]) -> str:
    """A VCDM 1.1 VC-JWT: the credential in the ``vc`` claim, and the registered claims OB 3.0 §8.2.4 asks
    for (``nbf`` from ``issuanceDate``)."""
    issued = dt.datetime.fromisoformat(credential["issuanceDate"].replace("Z", "+00:00"))
    payload = {
        "vc": credential,
        "iss": DID,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(issued.timestamp()),
    }
    return sign_jws({"alg": "EdDSA", "kid": VM, "typ": "JWT"}, payload, key=SIGNER)


def test_vc_claim_jwt_is_verified_with_a_warning(loader: DocumentLoader) -> None:
    credential = open_badge(DID, data_model="1.1")
    credential["@context"] = [VC_V1, credential["@context"][1]]  # no Data Integrity proof inside
    result = _verify(loader, _vc_claim_jwt(credential))
    assert result.verified, result.as_json()
    assert result.format == "vc-jwt (VCDM 1.1)"
    assert _outcomes(result)["data-model"] == "warning" and _outcomes(result)["schema"] == "passed"


def test_a_vc_claim_without_the_properties_its_claims_set(loader: DocumentLoader) -> None:
    """Found by an outside fuzzing round: a ``vc`` claim leaving ``issuer`` (and ``id``, the subject's
    ``id``, ``issuanceDate``) to the registered claims was refused ("names no issuer"). VCDM 1.1 §6.3.1:
    ``iss`` MUST represent the ``issuer`` property, ``jti`` the ``id``, ``sub`` the subject's ``id``,
    ``nbf`` the ``issuanceDate``; decoding sets each from its claim."""
    credential = open_badge(DID, data_model="1.1")
    credential["@context"] = [VC_V1, credential["@context"][1]]
    token = _vc_claim_jwt(credential)  # the claims are made from the full credential first
    bare = {k: v for k, v in credential.items() if k not in ("issuer", "id", "issuanceDate")}
    bare["credentialSubject"] = {k: v for k, v in credential["credentialSubject"].items() if k != "id"}
    header = {"alg": "EdDSA", "kid": VM, "typ": "JWT"}
    payload = {**_claims_of(token), "vc": bare}
    result = _verify(loader, sign_jws(header, payload, key=SIGNER))
    assert result.verified, result.as_json()
    assert _outcomes(result)["issuer"] == "passed" and _outcomes(result)["schema"] == "passed"
    # The claims only fill what the credential leaves out: another issuer in iss is still refused.
    stranger = key(32).public_key().did_key()
    forged = sign_jws(header, {**payload, "iss": stranger}, key=SIGNER)
    assert not _verify(loader, forged).verified


def _claims_of(token: str) -> dict[str, Any]:
    return {k: v for k, v in parse_jwt(token).payload.items() if k != "vc"}


def test_a_vc_claim_without_issuer_reads_its_issuers_status_list(loader: DocumentLoader) -> None:
    """Found by an outside fuzzing round of the status check: the status check was given the ``vc`` claim
    as it is, not as its claims complete it (VCDM 1.1 §6.3.1: ``iss`` is the ``issuer``), so a VC-JWT
    leaving ``issuer`` to ``iss`` failed with status-list-issuer-mismatch against its issuer's own list."""
    credential = open_badge(DID, data_model="1.1")
    credential["@context"] = [VC_V1, credential["@context"][1], STATUS_V1]
    credential["credentialStatus"] = entry()
    token = _vc_claim_jwt(credential)
    bare = {k: v for k, v in credential.items() if k != "issuer"}
    payload = {**_claims_of(token), "vc": bare}
    lists = {LISTS + "revocation": status_list(loader, signer=SIGNER)}
    result = status_verify(
        loader, sign_jws({"alg": "EdDSA", "kid": VM, "typ": "JWT"}, payload, key=SIGNER), lists
    )
    assert [(c.outcome, c.type) for c in status_checks(result)] == [("passed", None)]
    assert result.verified, result.as_json()


def test_a_vc_claim_without_issuer_names_its_iss_as_the_issuer(loader: DocumentLoader) -> None:
    """Found by an outside fuzzing round of issuer trust: the result's issuer (what the trust section and
    the card read) was the ``vc`` claim's, none, though the checks judged ``iss`` as the issuer."""
    credential = open_badge(DID, data_model="1.1")
    credential["@context"] = [VC_V1, credential["@context"][1]]
    bare = {k: v for k, v in credential.items() if k != "issuer"}
    token = sign_jws(
        {"alg": "EdDSA", "kid": VM, "typ": "JWT"},
        {**_claims_of(_vc_claim_jwt(credential)), "vc": bare},
        key=SIGNER,
    )
    result = _verify(loader, token)
    assert result.verified, result.as_json()
    issuer = result.issuer()
    assert issuer is not None and issuer.id == DID
    assert result.credential is not None and "issuer" not in result.credential  # the claim as signed


def test_a_vc_claim_whose_subject_id_is_its_sub_is_the_learners(loader: DocumentLoader) -> None:
    """Found by an outside fuzzing round of VCDM 1.1 VC-JWTs: the ``recipient`` check read the ``vc``
    claim as it is, so a token carrying the subject's id in ``sub`` alone (VCDM 1.1 §6.3.1: "sub MUST
    represent the id property contained in the credentialSubject"; decoding sets that id from it) was
    refused for the very learner it names (recipient-mismatch), in /v1/verify and in a pathway alike."""
    credential = open_badge(DID, data_model="1.1")
    credential["@context"] = [VC_V1, credential["@context"][1]]
    learner = credential["credentialSubject"]["id"]
    bare = {
        **credential,
        "credentialSubject": {k: v for k, v in credential["credentialSubject"].items() if k != "id"},
    }
    token = sign_jws(
        {"alg": "EdDSA", "kid": VM, "typ": "JWT"},
        {**_claims_of(_vc_claim_jwt(credential)), "vc": bare},
        key=SIGNER,
    )
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None)
    result = verifier.verify(token, now=NOW, identity=Identity(learner))
    assert _outcomes(result)["recipient"] == "passed" and result.verified, result.as_json()
    judged = result.judged_credential()  # what a pathway compares with its learner
    assert judged is not None and judged["credentialSubject"]["id"] == learner
    assert result.credential is not None and "id" not in result.credential["credentialSubject"]  # as signed
    # Another learner is still not this one.
    other = verifier.verify(token, now=NOW, identity=Identity("did:example:someone-else"))
    assert _outcomes(other)["recipient"] == "failed"
    assert other.check("recipient").type == problem_type("recipient-mismatch")  # type: ignore[union-attr]


def test_a_vc_claim_is_described_with_the_members_its_claims_stand_for(loader: DocumentLoader) -> None:
    """Found by an outside fuzzing round of VCDM 1.1 VC-JWTs: the descriptor profiles read the ``vc``
    claim as it is, so a token leaving ``issuer``, ``id`` and the subject's ``id`` to ``iss``, ``jti`` and
    ``sub`` (VCDM 1.1 §6.3.1) was reported as having no issuer, no identifier and no learner
    identification, which it has: described alike with or without them in the claim."""
    credential = open_badge(DID, data_model="1.1")
    credential["@context"] = [VC_V1, credential["@context"][1]]
    token = _vc_claim_jwt(credential)
    bare = {k: v for k, v in credential.items() if k not in ("issuer", "id")}
    bare["credentialSubject"] = {k: v for k, v in credential["credentialSubject"].items() if k != "id"}
    header = {"alg": "EdDSA", "kid": VM, "typ": "JWT"}
    left_out = sign_jws(header, {**_claims_of(token), "vc": bare}, key=SIGNER)
    verifier = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None)
    full = verifier.verify(token, now=NOW, profiles=["ob3-minimal"]).profiles["ob3-minimal"]
    described = verifier.verify(left_out, now=NOW, profiles=["ob3-minimal"]).profiles["ob3-minimal"]
    assert described.failed_rules == full.failed_rules
    statuses = {r.path: r.status for r in described.rules}
    assert statuses["$.issuer"] == "pass" and statuses["$.id"] == "pass", described

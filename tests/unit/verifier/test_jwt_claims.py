"""Issue 13: the registered claims of a VC-JWT agree with its credential (OB 3.0 §8.2.4: iss, jti, sub,
nbf, and exp when the credential has an end date; VCDM 1.1 §6.3.1 for the ``vc`` claim form). A JWT of
the Open Badges profile missing one, or any JWT contradicting one, fails its ``proof`` check."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.vc_jwt import encode_ob_vc_jwt, sign_jws
from schemas.problems import problem_type
from tests.paths import ROOT
from verifier import Check, DidResolver, VerificationResult, Verifier

REFERENCE = ROOT / "bench" / "data" / "reference-mc.json"
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
KEY = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([3]) * 32)
DID = KEY.public_key().did_key()
KID = KEY.public_key().did_key_vm()
SUBJECT = "did:example:learner-1"
VALID_FROM = 1_773_997_200  # 2026-03-20T09:00:00Z
VALID_UNTIL = 1_782_777_600  # 2026-06-30T00:00:00Z


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


@pytest.fixture(scope="module")
def credential() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    for name in ("proof", "credentialStatus"):
        doc.pop(name, None)
    doc["issuer"]["id"] = DID
    doc["credentialSubject"]["id"] = SUBJECT
    doc["validFrom"] = "2026-03-20T09:00:00Z"
    doc["validUntil"] = "2026-06-30T00:00:00Z"
    return doc


def _claims(credential: dict[str, Any]) -> dict[str, Any]:
    return {
        **credential,
        "iss": DID,
        "jti": credential["id"],
        "sub": SUBJECT,
        "nbf": VALID_FROM,
        "exp": VALID_UNTIL,
    }


def _token(payload: dict[str, Any], typ: str | None = "JWT") -> str:
    header = {"alg": "EdDSA", "kid": KID, **({"typ": typ} if typ else {})}
    return sign_jws(header, {k: v for k, v in payload.items() if v is not None}, key=KEY)


def _verify(loader: DocumentLoader, token: str) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(token, now=NOW)


def _proof(result: VerificationResult) -> Check:
    found = result.check("proof")
    assert found is not None
    return found


def _failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.id: c.type for c in result.checks if c.outcome == "failed"}


def test_our_encoder_and_a_complete_token_verify(credential: dict[str, Any], loader: DocumentLoader) -> None:
    assert _verify(loader, encode_ob_vc_jwt(credential, key=KEY, kid=KID)).verified
    result = _verify(loader, _token(_claims(credential)))
    assert result.verified, result.checks
    assert _proof(result).message == "The EdDSA JWT signature is valid."
    # nbf is compared at whole seconds: a validFrom with a fraction rounds down to it.
    fraction = {**credential, "validFrom": "2026-03-20T09:00:00.750Z"}
    assert _verify(loader, _token(_claims(fraction))).verified
    assert _verify(loader, _token({**_claims(credential), "typ": None}, typ=None)).verified  # typ absent


@pytest.mark.parametrize(
    ("claim", "value", "words"),
    [
        ("sub", "did:example:someone-else", "sub is 'did:example:someone-else'"),
        ("jti", "urn:uuid:00000000-0000-4000-8000-000000000000", "jti is 'urn:uuid:00000000"),
        ("nbf", VALID_FROM - 3600, "nbf is 2026-03-20T08:00:00Z, validFrom is 2026-03-20T09:00:00Z"),
        ("nbf", "2026-03-20T09:00:00Z", "nbf is not a NumericDate"),
        ("exp", VALID_UNTIL + 86_400, "exp is 2026-07-01T00:00:00Z"),
    ],
)
def test_a_contradicting_claim_fails_the_proof(
    credential: dict[str, Any], loader: DocumentLoader, claim: str, value: Any, words: str
) -> None:
    result = _verify(loader, _token({**_claims(credential), claim: value}))
    assert _failed(result).get("proof") == problem_type("jwt-claim-mismatch"), result.checks
    proof = _proof(result)
    assert words in proof.message and proof.details["claim"] == claim
    assert proof.message.startswith("The JWT signature is valid, but its claims contradict the credential")


def test_missing_claims_fail_the_proof(credential: dict[str, Any], loader: DocumentLoader) -> None:
    none_of_three = {**_claims(credential), "sub": None, "jti": None, "nbf": None}
    result = _verify(loader, _token(none_of_three))
    assert _failed(result) == {"proof": problem_type("jwt-claim-missing")}
    assert _proof(result).details == {"claims": ["jti", "sub", "nbf"]}
    for claim in ("iss", "jti", "sub", "nbf", "exp"):
        result = _verify(loader, _token({**_claims(credential), claim: None}))
        assert _proof(result).type == problem_type("jwt-claim-missing"), claim
        assert _proof(result).details == {"claims": [claim]}
    # exp is required only with an end date; without one it stands for it.
    open_ended = {k: v for k, v in credential.items() if k != "validUntil"}
    assert _verify(loader, _token({**_claims(open_ended), "exp": None})).verified
    assert _verify(loader, _token(_claims(open_ended))).verified


def test_iss_and_issuer_disagreeing_fail_the_issuer(
    credential: dict[str, Any], loader: DocumentLoader
) -> None:
    result = _verify(loader, _token({**_claims(credential), "iss": "did:example:someone-else"}))
    assert _failed(result) == {"issuer": problem_type("issuer-mismatch")}


def test_vc_jose_claims_are_optional_but_never_contradict(
    credential: dict[str, Any], loader: DocumentLoader
) -> None:
    bare = _token({**credential}, typ="vc+jwt")
    assert _verify(loader, bare).verified
    wrong = _token({**credential, "sub": "did:example:someone-else"}, typ="vc+jwt")
    assert _failed(_verify(loader, wrong)) == {"proof": problem_type("jwt-claim-mismatch")}


def _legacy(**claims: Any) -> dict[str, Any]:
    vc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:4f7a2b1c-8d3e-4a5f-9b6c-2e1d0f3a7b8c",
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "issuanceDate": "2026-03-20T09:00:00Z",
        "credentialSubject": {"id": SUBJECT},
    }
    base = {"iss": DID, "jti": vc["id"], "sub": SUBJECT, "nbf": VALID_FROM, "vc": vc}
    return {**base, **claims}


def test_the_vcdm_1_1_vc_claim_form(loader: DocumentLoader) -> None:
    assert _verify(loader, _token(_legacy())).verified
    result = _verify(loader, _token(_legacy(nbf=VALID_FROM + 60)))
    assert _proof(result).type == problem_type("jwt-claim-mismatch")
    assert "issuanceDate" in _proof(result).message
    assert _proof(_verify(loader, _token(_legacy(nbf=None)))).type == problem_type("jwt-claim-missing")
    # In the vc form a claim stands for a property the credential leaves out (VCDM 1.1 §6.3.1).
    vc = _legacy()["vc"]
    without_id = {k: v for k, v in vc.items() if k != "id"}
    assert _verify(loader, _token(_legacy(vc=without_id))).verified
    ends = {**vc, "expirationDate": "2026-06-30T00:00:00Z"}
    assert _proof(_verify(loader, _token(_legacy(vc=ends)))).details == {"claims": ["exp"]}
    assert _verify(loader, _token(_legacy(vc=ends, exp=VALID_UNTIL))).verified


def test_a_vc_jose_payload_is_the_credential_whatever_members_it_has(
    credential: dict[str, Any], loader: DocumentLoader
) -> None:
    """Found by an outside fuzzing round: a ``vc+jwt`` whose payload also held a ``vc`` member was judged
    by that inner object. VC-JOSE-COSE §3.1.1: the payload is the credential; ``vc`` is not a term of it."""
    inner = {**credential, "validUntil": "2099-01-01T00:00:00Z"}
    token = _token({**credential, "vc": inner}, typ="vc+jwt")
    result = _verify(loader, token)
    assert result.format == "vc-jwt" and not result.verified
    assert result.credential is not None and result.credential.get("vc") == inner  # the payload was judged
    assert _failed(result)["contexts"] == problem_type("undefined-term")

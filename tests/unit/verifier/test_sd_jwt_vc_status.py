"""The status of an SD-JWT VC (IETF Token Status List): the ``status`` claim is read as §6.2 defines it
(an object whose ``status_list`` holds a non-negative integer ``idx`` and a string ``uri``), and a status
that cannot be checked fails the check (§8.3), never an exception, never "no status list"; a ``status``
(or ``cnf``) that is selectively disclosable, even in part, is refused (SD-JWT VC §2.2.2)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

import pytest

from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.sd_jwt import issue_sd_jwt, make_disclosure
from proofs.token_status_list import encode_status_list, status_list_token
from proofs.vc_jwt import sign_jws
from proofs.x509 import issue_leaf, make_ca, x5c_chain
from schemas.problems import problem_type
from verifier.sd_jwt_vc import SdJwtVcChecks

ISS = "https://issuer.example"
LIST_URI = "https://issuer.example/status/1"
NOW = dt.datetime.fromtimestamp(int(time.time()), dt.UTC)
CA_KEY = PrivateKey.generate(KeyAlgorithm.P256)
CA = make_ca("Test CA", CA_KEY, not_before=NOW - dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=30))
KEY = PrivateKey.generate(KeyAlgorithm.P256)


def leaf(key: PrivateKey, *, san_uri: str = ISS, ca_key: PrivateKey = CA_KEY, ca: bytes = CA) -> list[str]:
    """The ``x5c`` of a leaf certificate for ``key`` issued by the CA."""
    der = issue_leaf(
        ca_key,
        ca,
        key.public_key(),
        subject_name="Issuer",
        san_uri=san_uri,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=30),
    )
    return x5c_chain([der])


X5C = leaf(KEY)


def sd_jwt_vc(
    *, key: PrivateKey = KEY, x5c: list[str] = X5C, disclosable: tuple[str, ...] = (), **claims: Any
) -> str:
    payload = {"iss": ISS, "vct": "urn:eu.europa.ec.eudi:learning:credential:1", "iat": int(NOW.timestamp())}
    payload.update(claims)
    return issue_sd_jwt(payload, disclosable=disclosable, key=key, header={"x5c": x5c})


def list_token(statuses: list[int], *, key: PrivateKey = KEY, x5c: list[str] = X5C) -> str:
    return status_list_token(
        sub_uri=LIST_URI,
        iss=ISS,
        lst=encode_status_list(statuses, 2),
        iat=int(NOW.timestamp()),
        exp=int(NOW.timestamp()) + 3600,
        ttl=None,
        key=key,
        kid_or_x5c_header={"x5c": x5c},
    )


def outcomes(
    text: str, lists: Mapping[str, str] | None = None, **kwargs: Any
) -> dict[str, tuple[str, Any, Any]]:
    """Each check's (outcome, problem type, details code)."""
    served = dict(lists or {LIST_URI: list_token([0, 1, 2, 0])})
    options: dict[str, Any] = {"trust_anchors": [CA], "fetch_json": None, "skew": dt.timedelta(0)}
    options.update(kwargs)
    checks = SdJwtVcChecks(fetch_text=served.__getitem__, **options)
    found, _claims = checks.run(text, now=NOW)
    return {c["id"]: (c["outcome"], c.get("type"), (c.get("details") or {}).get("code")) for c in found}


def reference(idx: Any = 0, uri: Any = LIST_URI) -> dict[str, Any]:
    return {"status_list": {"idx": idx, "uri": uri}}


MALFORMED = ("failed", problem_type("status-unavailable"), "MALFORMED_VALUE_ERROR")


@pytest.mark.parametrize(
    "status",
    [
        "revoked",
        ["revoked"],
        7,
        True,
        None,
        {},
        {"status_list": "x"},
        {"status_list": ["x"]},
        {"status_list": None},
        reference(idx=True),
        reference(idx=False),
        reference(idx=-1),
        reference(idx=1.0),
        reference(idx="1"),
        reference(uri=7),
        reference(uri=""),
        {"status_list": {"uri": LIST_URI}},
        {"status_list": {"idx": 1}},
    ],
)
def test_a_malformed_status_fails_the_status_check(status: Any) -> None:
    found = outcomes(sd_jwt_vc(status=status))
    assert found["proof"][0] == "passed"
    assert found["status"] == MALFORMED


def test_a_status_of_another_mechanism_cannot_be_checked() -> None:
    found = outcomes(sd_jwt_vc(status={"status_assertion": {"uri": LIST_URI}}))
    assert found["status"] == (
        "failed",
        problem_type("status-method-unsupported"),
        "STATUS_VERIFICATION_ERROR",
    )


def test_no_status_claim_is_no_status_list() -> None:
    assert outcomes(sd_jwt_vc())["status"] == ("skipped", None, None)


@pytest.mark.parametrize(
    ("idx", "expected"),
    [
        (0, ("passed", None, None)),
        (1, ("failed", problem_type("credential-revoked"), None)),
        (2, ("failed", problem_type("credential-suspended"), None)),
    ],
)
def test_a_well_formed_status_is_read(idx: int, expected: tuple[str, Any, Any]) -> None:
    assert outcomes(sd_jwt_vc(status=reference(idx)))["status"] == expected


# -- a never-disclosable claim made selectively disclosable (SD-JWT VC §2.2.2) -------------------------


def signed_by_hand(payload: dict[str, Any], disclosures: list[str]) -> str:
    """An SD-JWT VC whose payload is written as given (the issuance function refuses these)."""
    header = {"alg": "ES256", "typ": "dc+sd-jwt", "x5c": X5C}
    claims = {
        "iss": ISS,
        "vct": "urn:eu.europa.ec.eudi:learning:credential:1",
        "_sd_alg": "sha-256",
        **payload,
    }
    return "~".join([sign_jws(header, claims, key=KEY), *disclosures, ""])


STATUS_LIST, STATUS_DIGEST = make_disclosure("salt-1", "status_list", reference(1)["status_list"])
STATUS, TOP_DIGEST = make_disclosure("salt-2", "status", reference(1))
JWK, JWK_DIGEST = make_disclosure("salt-3", "jwk", KEY.public_key().jwk())
FORBIDDEN = ("failed", problem_type("forbidden-disclosure"), None)


@pytest.mark.parametrize(
    ("payload", "disclosures"),
    [
        ({"status": {"_sd": [STATUS_DIGEST]}}, []),  # withheld: the list would be hidden from the verifier
        ({"status": {"_sd": [STATUS_DIGEST]}}, [STATUS_LIST]),
        ({"status": {"other": [{"...": STATUS_DIGEST}]}}, []),
        ({"status": {"status_list": {**reference(0)["status_list"], "_sd": []}}}, []),
        ({"_sd": [TOP_DIGEST]}, [STATUS]),
        ({"cnf": {"_sd": [JWK_DIGEST]}}, [JWK]),
        ({"cnf": {"_sd": [JWK_DIGEST]}}, []),
    ],
)
def test_a_never_disclosable_claim_made_disclosable_is_refused(
    payload: dict[str, Any], disclosures: list[str]
) -> None:
    found = outcomes(signed_by_hand(payload, disclosures))
    assert found["proof"] == FORBIDDEN
    assert "status" not in found


def test_a_plain_status_signed_by_hand_is_read() -> None:
    assert outcomes(signed_by_hand({"status": reference(1)}, []))["status"][1] == problem_type(
        "credential-revoked"
    )


# -- who signed the Status List Token (TSL "Key Resolution and Trust Management") -----------------------

OTHER_KEY = PrivateKey.generate(KeyAlgorithm.P256)
OTHER_CA_KEY = PrivateKey.generate(KeyAlgorithm.P256)
OTHER_CA = make_ca(
    "Other CA", OTHER_CA_KEY, not_before=NOW - dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=30)
)
MISMATCH = ("failed", problem_type("status-list-issuer-mismatch"), "STATUS_VERIFICATION_ERROR")
REVOKED = ("failed", problem_type("credential-revoked"), None)


def kid_token(statuses: list[int], key: PrivateKey) -> str:
    return status_list_token(
        sub_uri=LIST_URI,
        iss=ISS,
        lst=encode_status_list(statuses, 2),
        iat=int(NOW.timestamp()),
        exp=None,
        ttl=None,
        key=key,
        kid_or_x5c_header={"kid": "k1"},
    )


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (list_token([0, 1]), REVOKED),  # the issuer's own key and certificate
        (kid_token([0, 1], KEY), REVOKED),  # the issuer's own key, named by kid
        (list_token([0, 1], key=OTHER_KEY, x5c=leaf(OTHER_KEY)), REVOKED),  # the issuer's CA, for the issuer
        (list_token([0, 0], key=OTHER_KEY, x5c=leaf(OTHER_KEY, san_uri="https://other.example")), MISMATCH),
        (
            list_token([0, 0], key=OTHER_KEY, x5c=leaf(OTHER_KEY, ca_key=OTHER_CA_KEY, ca=OTHER_CA)),
            MISMATCH,  # a trusted CA, but not the one that certified the issuer
        ),
        (kid_token([0, 0], OTHER_KEY), ("failed", problem_type("status-unavailable"), None)),
        ("W10.e30.c2ln", ("failed", problem_type("status-unavailable"), None)),  # header [] (not an object)
    ],
)
def test_the_status_list_is_signed_by_the_issuer(token: str, expected: tuple[str, Any, Any]) -> None:
    found = outcomes(sd_jwt_vc(status=reference(1)), {LIST_URI: token}, trust_anchors=[CA, OTHER_CA])
    assert found["status"] == expected


def test_a_status_list_certificate_is_not_enough_for_an_issuer_known_by_its_metadata() -> None:
    """An issuer whose key comes from its JWT VC Issuer Metadata has no CA: a list signed with another
    key, however well certified, is not its list."""
    jwk = {**KEY.public_key().jwk(), "kid": "k1"}
    text = issue_sd_jwt(
        {"iss": ISS, "vct": "urn:example:type", "status": reference(1)},
        disclosable=(),
        key=KEY,
        header={"kid": "k1"},
    )
    signed_elsewhere = list_token([0, 0], key=OTHER_KEY, x5c=leaf(OTHER_KEY))
    fetch_json = {f"{ISS}/.well-known/jwt-vc-issuer": {"issuer": ISS, "jwks": {"keys": [jwk]}}}.__getitem__
    found = outcomes(text, {LIST_URI: signed_elsewhere}, fetch_json=fetch_json)
    assert found["proof"][0] == "passed"
    assert found["status"] == MISMATCH
    assert outcomes(text, {LIST_URI: kid_token([0, 1], KEY)}, fetch_json=fetch_json)["status"] == REVOKED


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.P256, KeyAlgorithm.P384])
def test_the_proof_check_names_the_algorithm_of_the_signature(algorithm: KeyAlgorithm) -> None:
    key = PrivateKey.generate(algorithm)
    checks = SdJwtVcChecks(trust_anchors=[CA], fetch_json=None, fetch_text=None, skew=dt.timedelta(0))
    found, _claims = checks.run(sd_jwt_vc(key=key, x5c=leaf(key)), now=NOW)
    proof = next(c for c in found if c["id"] == "proof")
    assert proof["outcome"] == "passed"
    assert proof["details"] == {"alg": algorithm.jws_alg}
    assert algorithm.jws_alg in proof["message"]


@pytest.mark.parametrize(
    ("bits", "value", "expected"),
    [
        (2, 0, ("passed", None)),
        (2, 1, ("failed", problem_type("credential-revoked"))),
        (2, 2, ("failed", problem_type("credential-suspended"))),
        (2, 3, ("failed", problem_type("status-unrecognized"))),  # application-specific
        (4, 7, ("failed", problem_type("status-unrecognized"))),  # reserved
        (4, 15, ("failed", problem_type("status-unrecognized"))),  # application-specific
        (8, 200, ("failed", problem_type("status-unrecognized"))),  # reserved
    ],
)
def test_only_status_valid_passes(bits: int, value: int, expected: tuple[str, Any]) -> None:
    """TSL §7.1: 0x00 VALID, 0x01 INVALID, 0x02 SUSPENDED; the others are application-specific or
    reserved, and a verifier that does not know what one means cannot report the credential valid."""
    token = status_list_token(
        sub_uri=LIST_URI,
        iss=ISS,
        lst=encode_status_list([0, value], bits),
        iat=int(NOW.timestamp()),
        exp=None,
        ttl=None,
        key=KEY,
        kid_or_x5c_header={"x5c": X5C},
    )
    checks = SdJwtVcChecks(
        trust_anchors=[CA], fetch_json=None, fetch_text={LIST_URI: token}.__getitem__, skew=dt.timedelta(0)
    )
    found, _claims = checks.run(sd_jwt_vc(status=reference(1)), now=NOW)
    status = next(c for c in found if c["id"] == "status")
    assert (status["outcome"], status.get("type")) == expected
    if expected[1] == problem_type("status-unrecognized"):
        assert status["details"] == {"value": value}


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"nbf": int(NOW.timestamp()) + 86400}, "not-yet-valid"),
        ({"nbf": NOW.timestamp() + 0.5}, "not-yet-valid"),
        ({"nbf": True}, "not-yet-valid"),  # an nbf that is not a NumericDate: not shown to have begun
        ({"exp": int(NOW.timestamp()) - 1}, "expired"),
    ],
)
def test_validity_dates_fail_the_validity_check_not_the_proof(claims: dict[str, Any], expected: str) -> None:
    """A genuine issuer signature with an nbf still to come is not a bad proof: like an exp passed, it is
    the validity check that fails, with its own problem type."""
    found = outcomes(sd_jwt_vc(**claims))
    assert found["validity"] == ("failed", problem_type(expected), None)
    assert "proof" not in found or found["proof"][0] == "passed"


def test_a_fractional_exp_is_a_date() -> None:
    """RFC 7519 §2: a NumericDate may be non-integer; tomorrow and a half second is not expired."""
    tomorrow = NOW.timestamp() + 86400 + 0.5
    assert outcomes(sd_jwt_vc(exp=tomorrow, nbf=NOW.timestamp() - 0.5))["validity"] == ("passed", None, None)
    assert outcomes(sd_jwt_vc(exp=NOW.timestamp() - 0.5))["validity"] == (
        "failed",
        problem_type("expired"),
        None,
    )

"""profiles.vcdm.numbers: an issuer signs no number verifiers would read as another value (an integer beyond
I-JSON's exact range, RFC 7493 §2.2; a fraction below 1e-6, which jsonld.js reads as the integer 0)."""

from __future__ import annotations

from typing import Any

import pytest

from profiles.vcdm import validate_credential

V2 = "https://www.w3.org/ns/credentials/v2"


def credential(claims: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", **claims},
    }


@pytest.mark.parametrize(
    ("claims", "where"),
    [
        ({"n": 9007199254740992}, "/credentialSubject/n"),
        ({"n": -(2**64)}, "/credentialSubject/n"),
        ({"n": 1e-7}, "/credentialSubject/n"),
        ({"n": -5e-324}, "/credentialSubject/n"),
        ({"a/b": [1, {"c~": 1.5e-9}]}, "/credentialSubject/a~1b/1/c~0"),
    ],
)
def test_numbers_verifiers_misread_are_not_issued(claims: dict[str, Any], where: str) -> None:
    violations = validate_credential(credential(claims), issuing=True)
    assert [(v.type_name, v.pointer) for v in violations] == [("non-interoperable-number", where)]
    assert validate_credential(credential(claims)) == []  # a verifier judges the proof, not this


@pytest.mark.parametrize(
    "value",
    [0, -0.0, 1, 9007199254740991, -9007199254740991, 0.5, 1e-6, -1e-6, 1.0, 1e20, 1e300, True, "1e-7"],
)
def test_numbers_read_alike_everywhere_are_issued(value: Any) -> None:
    assert validate_credential(credential({"n": value}), issuing=True) == []

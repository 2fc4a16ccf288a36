"""profiles.vcdm: each rule of the VC Data Model, one invalid case (its problem type and JSON Pointer) and the
valid forms beside it that must pass."""

from __future__ import annotations

from typing import Any

import pytest

from profiles.vcdm import Violation, validate_credential
from profiles.vcdm.violations import pointer
from schemas.problems import problem_type

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
ISSUER = "did:key:z6MkmbfPCJRVCF3LPJzFCyso53yeEcUbwMnsz3TF4189jxZk"
STATUS_CONTEXT = {"CredentialStatusList2017": "https://example.org/examples#CredentialStatusList2017"}


def credential(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "@context": [V2],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "Aiko"},
    }
    base.update(changes)
    return base


def without(*keys: str) -> dict[str, Any]:
    doc = credential()
    for key in keys:
        del doc[key]
    return doc


def found(doc: Any, *, issuing: bool = True) -> list[tuple[str, str]]:
    return [(v.type_name, v.pointer) for v in validate_credential(doc, issuing=issuing)]


INVALID: list[tuple[str, Any, list[tuple[str, str]]]] = [
    ("not an object", ["VerifiableCredential"], [("vcdm-not-an-object", "")]),
    ("JSON text", '{"type": ["VerifiableCredential"]}', [("vcdm-not-an-object", "")]),
    ("no @context", without("@context"), [("vcdm-missing-property", "/@context")]),
    ("no type", without("type"), [("vcdm-missing-property", "/type")]),
    ("no issuer", without("issuer"), [("vcdm-missing-property", "/issuer")]),
    ("no subject", without("credentialSubject"), [("vcdm-missing-property", "/credentialSubject")]),
    ("@context a string", credential(**{"@context": V2}), [("vcdm-invalid-context", "/@context")]),
    ("@context a number", credential(**{"@context": 4}), [("vcdm-invalid-context", "/@context")]),
    ("@context empty", credential(**{"@context": []}), [("vcdm-invalid-context", "/@context")]),
    (
        "@context item a number",
        credential(**{"@context": [V2, 123]}),
        [("vcdm-invalid-context", "/@context/1")],
    ),
    ("@context item null", credential(**{"@context": [V2, None]}), [("vcdm-invalid-context", "/@context/1")]),
    (
        "base context not first",
        credential(**{"@context": ["https://www.w3.org/ns/credentials/examples/v2", V2]}),
        [("vcdm-invalid-context", "/@context/0")],
    ),
    (
        "@context URL not a URL",
        credential(**{"@context": [V2, "https ://x/v1"]}),
        [("vcdm-invalid-url", "/@context/1")],
    ),
    ("id null", credential(id=None), [("vcdm-invalid-url", "/id")]),
    (
        "id an array",
        credential(id=["https://a.example/1", "https://b.example/1"]),
        [("vcdm-invalid-url", "/id")],
    ),
    ("id not a URL", credential(id="https ://not-a-url/vcs/1"), [("vcdm-invalid-url", "/id")]),
    ("type a number", credential(type=10), [("vcdm-invalid-type", "/type")]),
    ("type empty", credential(type=[]), [("vcdm-invalid-type", "/type")]),
    (
        "type item not a string",
        credential(type=["VerifiableCredential", 4]),
        [("vcdm-invalid-type", "/type")],
    ),
    ("no VerifiableCredential", credential(type=["ExampleCredential"]), [("vcdm-invalid-type", "/type")]),
    ("issuer null", credential(issuer=None), [("vcdm-invalid-issuer", "/issuer")]),
    ("issuer a number", credential(issuer=4), [("vcdm-invalid-issuer", "/issuer")]),
    ("issuer an array", credential(issuer=[ISSUER]), [("vcdm-invalid-issuer", "/issuer")]),
    ("issuer not a URL", credential(issuer="fake-issuer"), [("vcdm-invalid-url", "/issuer")]),
    ("issuer object without id", credential(issuer={"name": "U"}), [("vcdm-missing-property", "/issuer/id")]),
    ("issuer id null", credential(issuer={"id": None}), [("vcdm-invalid-url", "/issuer/id")]),
    ("issuer id not a URL", credential(issuer={"id": "fake"}), [("vcdm-invalid-url", "/issuer/id")]),
    ("subject empty", credential(credentialSubject={}), [("vcdm-invalid-subject", "/credentialSubject")]),
    (
        "subjects empty list",
        credential(credentialSubject=[]),
        [("vcdm-invalid-subject", "/credentialSubject")],
    ),
    (
        "one subject empty",
        credential(credentialSubject=[{"id": "did:example:a"}, {}]),
        [("vcdm-invalid-subject", "/credentialSubject/1")],
    ),
    (
        "subject a string",
        credential(credentialSubject="did:example:a"),
        [("vcdm-invalid-subject", "/credentialSubject")],
    ),
    (
        "subject ids",
        credential(credentialSubject={"id": ["did:example:a", "did:example:b"]}),
        [("vcdm-invalid-url", "/credentialSubject/id")],
    ),
    (
        "validFrom free text",
        credential(validFrom="Sat 25 Feb 2023"),
        [("vcdm-invalid-datetime", "/validFrom")],
    ),
    (
        "validFrom on a day its month has not",  # proofs.datetimes: the one dateTimeStamp reading
        credential(validFrom="2023-02-29T00:00:00Z"),
        [("vcdm-invalid-datetime", "/validFrom")],
    ),
    (
        "validFrom without offset",
        credential(validFrom="2023-02-26T01:02:58"),
        [("vcdm-invalid-datetime", "/validFrom")],
    ),
    (
        "validUntil RFC 2822",
        credential(validUntil="Sun, 26 Feb 2023 01:22:14 +0000"),
        [("vcdm-invalid-datetime", "/validUntil")],
    ),
    (
        "validUntil before validFrom",
        credential(validUntil="2024-12-31T23:59:59Z"),
        [("vcdm-validity-period", "/validUntil")],
    ),
    (
        "VCDM 1.1 without issuanceDate",
        credential(**{"@context": [V1]}),
        [("vcdm-missing-property", "/issuanceDate")],
    ),
    (
        "name with an extra key",
        credential(name={"@value": "N", "@language": "en", "x": 1}),
        [("vcdm-language-value", "/name")],
    ),
    ("description a number", credential(description=4), [("vcdm-language-value", "/description")]),
    (
        "issuer name an object",
        credential(issuer={"id": ISSUER, "name": {"en": "U"}}),
        [("vcdm-language-value", "/issuer/name")],
    ),
    (
        "status without type",
        credential(credentialStatus={"id": "did:example:status"}),
        [("vcdm-missing-type", "/credentialStatus/type")],
    ),
    ("terms of use empty", credential(termsOfUse={}), [("vcdm-missing-type", "/termsOfUse/type")]),
    (
        "evidence without type",
        credential(evidence=[{"id": "https://e.example/1"}]),
        [("vcdm-missing-type", "/evidence/0/type")],
    ),
    (
        "refresh without type",
        credential(refreshService={"id": "did:example:refresh/1"}),
        [("vcdm-missing-type", "/refreshService/type")],
    ),
    (
        "schema without type",
        credential(credentialSchema={"id": "did:example:schemas/1"}),
        [("vcdm-missing-type", "/credentialSchema/type")],
    ),
    (
        "status type a number",
        credential(credentialStatus={"id": "did:example:s", "type": 2}),
        [("vcdm-invalid-type", "/credentialStatus/type")],
    ),
    (
        "status a string",
        credential(credentialStatus="did:example:s"),
        [("vcdm-invalid-object", "/credentialStatus")],
    ),
    ("evidence empty list", credential(evidence=[]), [("vcdm-invalid-object", "/evidence")]),
    (
        "status ids",
        credential(
            credentialStatus={
                "id": ["did:example:s:1", "did:example:s:2"],
                "type": "CredentialStatusList2017",
            }
        ),
        [("vcdm-invalid-url", "/credentialStatus/id")],
    ),
    (
        "status id not a URL",
        credential(credentialStatus={"id": "https ://not-a-url/s/4", "type": "CredentialStatusList2017"}),
        [("vcdm-invalid-url", "/credentialStatus/id")],
    ),
    (
        "schema without id",
        credential(credentialSchema={"type": "JsonSchema"}),
        [("vcdm-missing-property", "/credentialSchema/id")],
    ),
    (
        "schema id not a URL",
        credential(credentialSchema={"type": "JsonSchema", "id": "https ://not-a-url.org/s"}),
        [("vcdm-invalid-url", "/credentialSchema/id")],
    ),
]


def _bitstring(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "https://issuer.example/credentials/1#status",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://issuer.example/status/3",
    }
    entry.update(changes)
    return entry


INVALID += [
    (
        "statusListIndex true",
        credential(credentialStatus=_bitstring(statusListIndex=True)),
        [("bitstring-status-entry", "/credentialStatus/statusListIndex")],
    ),
    (
        "statusListIndex a number",
        credential(credentialStatus=[_bitstring(statusListIndex=7)]),
        [("bitstring-status-entry", "/credentialStatus/0/statusListIndex")],
    ),
    (
        "statusListIndex negative",
        credential(credentialStatus=_bitstring(statusListIndex="-1")),
        [("bitstring-status-entry", "/credentialStatus/statusListIndex")],
    ),
    (
        "no statusPurpose",
        credential(credentialStatus=_bitstring(statusPurpose="")),
        [("bitstring-status-entry", "/credentialStatus/statusPurpose")],
    ),
    (
        "statusSize zero",
        credential(credentialStatus=_bitstring(statusSize=0)),
        [("bitstring-status-entry", "/credentialStatus/statusSize")],
    ),
    (
        "list not a URL",
        credential(credentialStatus=_bitstring(statusListCredential="status/3")),
        [("vcdm-invalid-url", "/credentialStatus/statusListCredential")],
    ),
]


@pytest.mark.parametrize(("label", "doc", "expected"), INVALID, ids=[case[0] for case in INVALID])
def test_each_rule_names_its_problem_and_place(label: str, doc: Any, expected: list[tuple[str, str]]) -> None:
    assert found(doc) == expected


VALID: list[tuple[str, dict[str, Any]]] = [
    ("minimal", credential()),
    ("VCDM 1.1", credential(**{"@context": [V1], "issuanceDate": "2020-03-16T22:37:26.544Z"})),
    (
        "contexts URLs and objects",
        credential(
            **{
                "@context": [
                    V2,
                    "https://w3id.org/security/data-integrity/v2",
                    {"Ex": "https://example.org/#Ex"},
                ]
            }
        ),
    ),
    ("type a string", credential(type="VerifiableCredential")),
    ("type URLs in any order", credential(type=["https://example.org/#A", "VerifiableCredential"])),
    ("no id", without("id")),
    ("issuer object", credential(issuer={"id": ISSUER, "name": "University", "type": ["Profile"]})),
    ("subject with only an id", credential(credentialSubject={"id": "did:example:subject"})),
    ("two subjects", credential(credentialSubject=[{"id": "did:example:a"}, {"id": "did:example:b"}])),
    (
        "milliseconds and offsets",
        credential(validFrom="2023-02-25T19:10:39.447-06:00", validUntil="2023-02-26T01:20:18.477Z"),
    ),
    ("validUntil at validFrom", credential(validUntil="2025-01-01T00:00:00Z")),
    ("far future", credential(validFrom="4023-02-26T01:02:58.447Z")),
    (
        "names in languages",
        credential(
            name=[
                {"@value": "Nom", "@language": "fr"},
                {"@value": "Name", "@language": "en", "@direction": "ltr"},
            ],
            description="plain",
        ),
    ),
    (
        "typed objects",
        credential(
            credentialStatus={"type": "CredentialStatusList2017"},
            termsOfUse=[{"type": "OdrlPolicy2017"}, {"type": "OdrlPolicy2017", "id": "did:example:terms/1"}],
            evidence={"type": "DocumentVerification2018"},
            refreshService=[{"type": "https://example.org/#R", "id": "did:example:refresh/2"}],
            credentialSchema=[
                {"type": "JsonSchema", "id": "did:example:schemas/1"},
                {"type": "JsonSchema", "id": "https://s.example/2"},
            ],
        ),
    ),
    (
        "a Bitstring Status List entry",
        credential(credentialStatus=[_bitstring(), _bitstring(statusPurpose="message", statusSize=2)]),
    ),
]


@pytest.mark.parametrize(("label", "doc"), VALID, ids=[case[0] for case in VALID])
def test_valid_forms_pass(label: str, doc: dict[str, Any]) -> None:
    assert found(doc) == []


def test_every_violation_is_reported_not_only_the_first() -> None:
    doc = credential(id=None, issuer=None, evidence={}, credentialSubject=[{}])
    assert found(doc) == [
        ("vcdm-invalid-url", "/id"),
        ("vcdm-invalid-issuer", "/issuer"),
        ("vcdm-invalid-subject", "/credentialSubject/0"),
        ("vcdm-missing-type", "/evidence/type"),
    ]


def test_a_verifier_reads_a_missing_offset_as_utc() -> None:
    """VCDM 2.0 §5.8: a value serialized without an offset MUST be read as UTC; an issuer must give one."""
    doc = credential(validFrom="2023-02-26T01:02:58", validUntil="2023-02-26T01:02:57")
    assert found(doc, issuing=True) == [
        ("vcdm-invalid-datetime", "/validFrom"),
        ("vcdm-invalid-datetime", "/validUntil"),
    ]
    assert found(doc, issuing=False) == [("vcdm-validity-period", "/validUntil")]


def test_dates_beyond_what_datetime_holds_are_not_compared() -> None:
    doc = credential(validFrom="9999-12-31T23:59:59-12:00", validUntil="10000-01-01T00:00:00Z")
    assert found(doc) == []
    assert found(credential(validFrom="2025-01-01T24:00:00Z", validUntil="2025-01-02T00:00:00Z")) == []


def test_a_violation_as_a_problem_entry() -> None:
    (violation,) = validate_credential(credential(id=None))
    assert isinstance(violation, Violation)
    assert violation.as_json() == {
        "type": problem_type("vcdm-invalid-url"),
        "pointer": "/id",
        "detail": violation.message,
    }


def test_pointers_escape_slashes_and_tildes() -> None:
    assert pointer("/evidence", "a/b~c", 0) == "/evidence/a~1b~0c/0"
    assert pointer("", "id") == "/id"

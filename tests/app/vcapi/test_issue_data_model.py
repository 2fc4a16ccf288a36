"""Issue 12 items 2 and 3: ``POST /credentials/issue`` signs nothing the VC Data Model forbids (a 422 problem
whose type is the first violation's and whose ``errors`` list each one with its JSON Pointer), requires the
issuer, and answers JSON-LD it cannot process with a 422 problem instead of a 500; on SQLite and
PostgreSQL. Nothing is stored for a refused request."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.errors import problem_type
from app.testing import SyncClient
from proofs.multibase import b64url_encode
from schemas import CONTEXTS_DIR
from tests.conftest import ADMIN, bearer, make_tenant

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
STATUS_CONTEXT = {"CredentialStatusList2017": "https://example.org/examples#CredentialStatusList2017"}
REC_V2_SHA256 = bytes.fromhex("59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734")
DRAFT_V2_SHA384 = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"  # June 2024 draft


@dataclass(frozen=True)
class VcApiIssuer:
    slug: str
    token: str
    did: str


@pytest.fixture(scope="module")
def issuer(client: SyncClient) -> VcApiIssuer:
    slug, token = make_tenant(client)
    return VcApiIssuer(slug, token, str(client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()["did"]))


def credential(who: VcApiIssuer, /, **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": who.did,
        "credentialSubject": {"id": "did:example:subject", "name": "Aiko"},
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not _ABSENT}


_ABSENT: Any = object()


def post(client: SyncClient, issuer: VcApiIssuer, doc: dict[str, Any]) -> httpx.Response:
    return client.post(
        "/credentials/issue",
        json={"credential": doc, "options": {"cryptosuite": "eddsa-rdfc-2022"}},
        headers=bearer(issuer.token),
    )


def count(client: SyncClient, issuer: VcApiIssuer) -> int:
    r = client.get(f"/v1/issuers/{issuer.slug}/credentials?limit=200", headers=bearer(issuer.token))
    return len(r.json()["items"])


def _bitstring(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": "https://issuer.example/status/1",
    }
    entry.update(changes)
    return entry


# (label, changes to the credential, problem type, JSON Pointer of the first violation)
REFUSED: list[tuple[str, dict[str, Any], str, str]] = [
    ("no issuer", {"issuer": _ABSENT}, "vcdm-missing-property", "/issuer"),
    ("issuer null", {"issuer": None}, "vcdm-invalid-issuer", "/issuer"),
    ("issuer true", {"issuer": True}, "vcdm-invalid-issuer", "/issuer"),
    ("issuer a list", {"issuer": []}, "vcdm-invalid-issuer", "/issuer"),
    ("issuer not a URL", {"issuer": "fake-issuer"}, "vcdm-invalid-url", "/issuer"),
    ("issuer id null", {"issuer": {"id": None}}, "vcdm-invalid-url", "/issuer/id"),
    ("id null", {"id": None}, "vcdm-invalid-url", "/id"),
    ("two ids", {"id": ["https://example.org/1", "https://example.net/1"]}, "vcdm-invalid-url", "/id"),
    ("id not a URL", {"id": "https ://not-a-url/vcs/343cf54b"}, "vcdm-invalid-url", "/id"),
    ("id an https URL without a host", {"id": "https:"}, "vcdm-invalid-url", "/id"),  # RFC 9110 §4.2.2
    (  # RFC 7493 §2.2: beyond what a double holds exactly (Digital Bazaar's verifier reads ...992)
        "an integer beyond 2^53",
        {"credentialSubject": {"id": "did:example:s", "name": "A"}, "credits": 9007199254740993},
        "non-interoperable-number",
        "/credits",
    ),
    (  # jsonld.js reads 1e-07 as the integer 0: another dataset than the one signed
        "a fraction below 1e-6",
        {"credentialSubject": {"id": "did:example:s", "name": "A", "weight": [0.5, 1e-7]}},
        "non-interoperable-number",
        "/credentialSubject/weight/1",
    ),
    ("@context a string", {"@context": V2}, "vcdm-invalid-context", "/@context"),
    ("@context item a number", {"@context": [V2, 123192875]}, "vcdm-invalid-context", "/@context/1"),
    (
        "@context URL not a URL",
        {"@context": [V2, "https ://not-a-url/v1"]},
        "vcdm-invalid-url",
        "/@context/1",
    ),
    (
        "status without type",
        {"credentialStatus": {"id": "did:example:status"}},
        "vcdm-missing-type",
        "/credentialStatus/type",
    ),
    (
        "terms of use without type",
        {"termsOfUse": {"id": "did:example:terms/1"}},
        "vcdm-missing-type",
        "/termsOfUse/type",
    ),
    ("evidence empty", {"evidence": {}}, "vcdm-missing-type", "/evidence/type"),
    (
        "refresh without type",
        {"refreshService": {"id": "did:example:refresh/1"}},
        "vcdm-missing-type",
        "/refreshService/type",
    ),
    (
        "schema without type",
        {"credentialSchema": {"id": "did:example:schemas/1"}},
        "vcdm-missing-type",
        "/credentialSchema/type",
    ),
    (
        "schema without id",
        {"credentialSchema": {"type": "JsonSchema"}},
        "vcdm-missing-property",
        "/credentialSchema/id",
    ),
    (
        "status ids",
        {
            "@context": [V2, STATUS_CONTEXT],
            "credentialStatus": {
                "id": ["did:example:s:1", "did:example:s:2"],
                "type": "CredentialStatusList2017",
            },
        },
        "vcdm-invalid-url",
        "/credentialStatus/id",
    ),
    (
        "status type a number",
        {"credentialStatus": {"id": "did:example:status", "type": 2}},
        "vcdm-invalid-type",
        "/credentialStatus/type",
    ),
    (
        "status a string",
        {"credentialStatus": "did:example:status"},
        "vcdm-invalid-object",
        "/credentialStatus",
    ),
    (
        "statusListIndex true",
        {"credentialStatus": _bitstring(statusListIndex=True)},
        "bitstring-status-entry",
        "/credentialStatus/statusListIndex",
    ),
    (
        "one subject empty",
        {"credentialSubject": [{"id": "did:example:a"}, {}]},
        "vcdm-invalid-subject",
        "/credentialSubject/1",
    ),
    (
        "subject ids",
        {"credentialSubject": {"id": ["did:example:a", "did:example:b"]}},
        "vcdm-invalid-url",
        "/credentialSubject/id",
    ),
    (
        "validFrom not a date",
        {"validFrom": "Sat 25 Feb 2023 07:16:31 PM CST"},
        "vcdm-invalid-datetime",
        "/validFrom",
    ),
    ("validFrom without offset", {"validFrom": "2023-02-26T01:02:58"}, "vcdm-invalid-datetime", "/validFrom"),
    (
        "validUntil first",
        {"validFrom": "2026-01-01T00:00:00Z", "validUntil": "2025-01-01T00:00:00Z"},
        "vcdm-validity-period",
        "/validUntil",
    ),
    (
        "name with an extra key",
        {"name": {"@value": "N", "@language": "en", "x": 1}},
        "vcdm-language-value",
        "/name",
    ),
    (
        "related resources as strings",
        {"relatedResource": [V2]},
        "vcdm-related-resource",
        "/relatedResource/0",
    ),
    (
        "related resource without id",
        {"relatedResource": [{"digestSRI": DRAFT_V2_SHA384}]},
        "vcdm-related-resource",
        "/relatedResource/0",
    ),
    (
        "related resource twice",
        {
            "relatedResource": [
                {"id": "https://example.org/a", "digestSRI": DRAFT_V2_SHA384},
                {"id": "https://example.org/a", "digestSRI": DRAFT_V2_SHA384},
            ]
        },
        "vcdm-related-resource",
        "/relatedResource/1/id",
    ),
    (
        "related resource without digest",
        {"relatedResource": [{"id": V2}]},
        "vcdm-related-resource",
        "/relatedResource/0",
    ),
    (
        "related resource digest of another revision",
        {"relatedResource": [{"id": V2, "digestSRI": DRAFT_V2_SHA384}]},
        "vcdm-digest-mismatch",
        "/relatedResource/0/digestSRI",
    ),
    (
        "related resource multihash of other bytes",
        {
            "relatedResource": [
                {"id": V2, "digestMultibase": "u" + b64url_encode(bytes([0x12, 32]) + bytes(32))}
            ]
        },
        "vcdm-digest-mismatch",
        "/relatedResource/0/digestMultibase",
    ),
]


@pytest.mark.parametrize(("label", "changes", "kind", "where"), REFUSED, ids=[case[0] for case in REFUSED])
def test_what_the_data_model_forbids_is_not_signed(
    client: SyncClient, issuer: VcApiIssuer, label: str, changes: dict[str, Any], kind: str, where: str
) -> None:
    before = count(client, issuer)
    r = post(client, issuer, credential(issuer, **changes))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"] == problem_type(kind)
    assert {"type": problem_type(kind), "pointer": where} == {
        k: problem["errors"][0][k] for k in ("type", "pointer")
    }
    assert count(client, issuer) == before


def test_every_violation_is_listed(client: SyncClient, issuer: VcApiIssuer) -> None:
    r = post(client, issuer, credential(issuer, id=None, evidence={}, termsOfUse={}))
    assert r.status_code == 422
    assert [(e["type"], e["pointer"]) for e in r.json()["errors"]] == [
        (problem_type("vcdm-invalid-url"), "/id"),
        (problem_type("vcdm-missing-type"), "/termsOfUse/type"),
        (problem_type("vcdm-missing-type"), "/evidence/type"),
    ]


BUNDLED_V2 = (CONTEXTS_DIR / "credentials-v2.jsonld").read_bytes()
SIGNED: list[tuple[str, dict[str, Any]]] = [
    (
        "typed status of another kind",
        {
            "@context": [V2, STATUS_CONTEXT],
            "credentialStatus": {"id": "did:example:status", "type": "CredentialStatusList2017"},
        },
    ),
    (
        "typed objects",
        {
            "@context": [
                V2,
                {
                    "OdrlPolicy2017": "https://example.org/examples#OdrlPolicy2017",
                    "DocumentVerification2018": "https://example.org/examples#DocumentVerification2018",
                },
            ],
            "termsOfUse": [{"type": "OdrlPolicy2017", "id": "did:example:terms/1"}],
            "evidence": [{"type": "DocumentVerification2018"}, {"type": "DocumentVerification2018"}],
            "refreshService": {
                "type": "https://example.org/#ExampleTestSuiteRefreshService",
                "id": "did:example:refresh/1",
            },
            "credentialSchema": [
                {"type": "https://example.org/#ExampleTestSuiteSchema", "id": "did:example:schemas/1"}
            ],
        },
    ),
    ("two subjects", {"credentialSubject": [{"id": "did:example:a"}, {"id": "did:example:b"}]}),
    (
        "names in languages",
        {
            "name": [
                {"@value": "Nom", "@language": "fr"},
                {"@value": "Name", "@language": "en", "@direction": "ltr"},
            ]
        },
    ),
    (
        "validity with offsets",
        {"validFrom": "2023-02-25T19:10:39-06:00", "validUntil": "4023-02-26T01:02:58.447Z"},
    ),
    (
        "related resource: the published v2 context and the bundled one",
        {
            "relatedResource": [
                {
                    "id": V2,
                    "mediaType": "application/ld+json",
                    "digestSRI": "sha256-" + base64.b64encode(REC_V2_SHA256).decode(),
                },
                {
                    "id": "https://w3id.org/security/data-integrity/v2",
                    "digestMultibase": "u"
                    + b64url_encode(
                        bytes([0x12, 32])
                        + hashlib.sha256((CONTEXTS_DIR / "data-integrity-v2.jsonld").read_bytes()).digest()
                    ),
                },
            ]
        },
    ),
]


@pytest.mark.parametrize(("label", "changes"), SIGNED, ids=[case[0] for case in SIGNED])
def test_what_the_data_model_allows_is_signed(
    client: SyncClient, issuer: VcApiIssuer, label: str, changes: dict[str, Any]
) -> None:
    r = post(client, issuer, credential(issuer, **changes))
    assert r.status_code == 201, r.text
    assert r.json()["verifiableCredential"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_an_issuer_object_naming_the_tenant_is_signed(client: SyncClient, issuer: VcApiIssuer) -> None:
    r = post(client, issuer, credential(issuer, issuer={"id": issuer.did, "name": "University"}))
    assert r.status_code == 201, r.text
    assert r.json()["verifiableCredential"]["issuer"]["id"] == issuer.did


def test_the_vc_api_requires_the_issuer_and_fills_in_only_the_issuance_date(
    client: SyncClient, issuer: VcApiIssuer
) -> None:
    r = post(client, issuer, credential(issuer, issuer=_ABSENT))
    assert r.status_code == 422 and r.json()["type"] == problem_type("vcdm-missing-property")
    # A VCDM 1.1 credential gets its issuanceDate (the VC-API may fill that in), never its issuer.
    r = post(
        client, issuer, credential(issuer, **{"@context": [V1]}, credentialSubject={"id": "did:example:a"})
    )
    assert r.status_code == 201, r.text
    assert r.json()["verifiableCredential"]["issuer"] == issuer.did
    assert "issuanceDate" in r.json()["verifiableCredential"]


JSON_LD_REFUSED: list[tuple[str, dict[str, Any], str, str | None]] = [
    (
        "an undefined type once @vocab is null",
        {"@context": [V2, {"@vocab": None}], "type": ["VerifiableCredential", "ExampleTestCredential"]},
        "undefined-term",
        None,
    ),
    (
        "a type mapped to an invalid IRI",
        {
            "@context": [V2, {"ExampleTestCredential": "https ://not-a-url#ExampleTestCredential"}],
            "type": ["VerifiableCredential", "ExampleTestCredential"],
        },
        "invalid-context",
        "invalid IRI mapping",
    ),
    (
        "a protected term of the base context redefined",
        {"@context": [V2, {"VerifiableCredential": "https://example.org/#BadVerifiableCredential"}]},
        "invalid-context",
        "protected term redefinition",
    ),
    (
        "a protected term of an inline context redefined",
        {
            "@context": [
                V2,
                {
                    "@protected": True,
                    "ExampleVerifiableCredential": "https://example.org/#ExampleVerifiableCredential",
                },
                {"ExampleVerifiableCredential": "https://example.org/#ExampleBadVerifiableCredential"},
            ],
            "type": ["VerifiableCredential", "ExampleVerifiableCredential"],
        },
        "invalid-context",
        "protected term redefinition",
    ),
    ("@vocab not a string", {"@context": [V2, {"@vocab": 4}]}, "invalid-context", "invalid vocab mapping"),
    (
        # RDFC-1.0 §6: two cycles of alike blank nodes, past the work bound (issue 13).
        "a dataset too costly to canonicalize",
        {
            "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
            "credentialSubject": {
                "id": "did:example:subject",
                "circle": [
                    {"id": f"_:c{i}", "knows": {"id": f"_:c{(i // 3) * 3 + (i + 1) % 3}"}} for i in range(6)
                ],
            },
        },
        "canonicalization-too-complex",
        None,
    ),
    (
        # RDFC-1.0 §6: a 90,000-character id named by 100 statements, 9 MB of canonical N-Quads (issue 13).
        "a canonical form too large to sign",
        {
            "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
            "credentialSubject": {
                "id": "https://example.org/" + "a" * 90_000,
                "circle": [f"t{i}" for i in range(100)],
            },
        },
        "canonical-form-too-large",
        None,
    ),
    (  # JSON-LD 1.1 §9.5: BCP47's lexical form (Digital Bazaar's verifier refuses any other)
        "a language tag that is not BCP47",
        {"name": {"@value": "Nom", "@language": "not a tag!"}},
        "invalid-json-ld",
        "invalid language-tagged string",
    ),
]


@pytest.mark.parametrize(
    ("label", "changes", "kind", "code"), JSON_LD_REFUSED, ids=[case[0] for case in JSON_LD_REFUSED]
)
def test_json_ld_that_cannot_be_processed_is_a_422_problem(
    client: SyncClient, issuer: VcApiIssuer, label: str, changes: dict[str, Any], kind: str, code: str | None
) -> None:
    before = count(client, issuer)
    r = post(client, issuer, credential(issuer, **changes))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == problem_type(kind)
    assert r.json().get("code") == code
    assert count(client, issuer) == before


def test_a_member_written_by_another_name_than_its_term_is_not_signed(
    client: SyncClient, issuer: VcApiIssuer
) -> None:
    """A property a published context names, written by its IRI (or a term of an inline context): the
    signature would cover it, but every reader of the JSON would miss it; 422 aliased-term, nothing kept."""
    before = count(client, issuer)
    until = {"@value": "2030-01-01T00:00:00Z", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
    for doc in (
        credential(issuer, **{"https://www.w3.org/2018/credentials#validUntil": until}),
        credential(
            issuer,
            **{
                "@context": [V2, {"ends": {"@id": "https://www.w3.org/2018/credentials#validUntil"}}],
                "ends": "2030-01-01T00:00:00Z",
            },
        ),
    ):
        r = post(client, issuer, doc)
        assert r.status_code == 422, r.text
        assert r.json()["type"] == problem_type("aliased-term")
    assert count(client, issuer) == before


def test_a_member_named_twice_is_not_signed(client: SyncClient, issuer: VcApiIssuer) -> None:
    """JSON readers disagree on which of two same-named members counts (RFC 8259 §4; I-JSON forbids them):
    what a gateway checked need not be what we sign. 400 duplicate-member, nothing kept."""
    before = count(client, issuer)
    subject = '"credentialSubject":{"id":"did:example:subject"}'
    for body in (
        f'{{"credential":{{"@context":["{V2}"],"type":["VerifiableCredential"],'
        f'"issuer":"did:example:other","issuer":"{issuer.did}",{subject}}}}}',
        '{"credential":{"type":["VerifiableCredential"]},'
        f'"credential":{{"@context":["{V2}"],"type":["VerifiableCredential"],"issuer":"{issuer.did}",{subject}}}}}',
    ):
        r = client.post(
            "/credentials/issue",
            content=body,
            headers={**bearer(issuer.token), "content-type": "application/json"},
        )
        assert r.status_code == 400, r.text
        assert r.json()["type"] == problem_type("duplicate-member")
    assert count(client, issuer) == before

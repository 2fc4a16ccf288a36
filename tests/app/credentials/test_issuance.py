"""Issue 3: templates with descriptor profiles, issuance in every format, idempotency, read-back, VC-API;
on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from app.errors import problem_type
from proofs.data_integrity import InvalidProof, verify_proof
from proofs.jsonld import bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.vc_jwt import parse_jwt, verify_jws
from tests.app.helpers import create_template, did_keys, issue, template_body
from tests.conftest import ADMIN, SyncClient, bearer, make_tenant

LOADER = bundled_loader()


def _count(client: SyncClient, slug: str, token: str) -> int:
    return len(client.get(f"/v1/issuers/{slug}/credentials?limit=200", headers=bearer(token)).json()["items"])


def _audit_actions(client: SyncClient, slug: str) -> list[str]:
    return [e["action"] for e in client.get(f"/v1/issuers/{slug}/audit?limit=1000", headers=ADMIN).json()]


def test_template_versions_and_profile_refusal(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    profiles = ["ob3-minimal", "eu-microcredential"]
    r = client.post(
        f"/v1/issuers/{slug}/achievements", json=template_body(profiles=profiles), headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["version"] == 1 and created["profiles"] == profiles
    achievement = created["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["achievementType"] == "MicroCredential"
    assert achievement["id"].endswith(f"/issuers/{slug}/achievements/{created['id']}")

    # A template that drops its assessment method no longer meets the EU profile: refused, nothing saved.
    broken = template_body(profiles=profiles)
    del broken["achievement"]["mcDescriptor"]["assessmentMethod"]
    before = len(client.get(f"/v1/issuers/{slug}/achievements", headers=bearer(token)).json())
    r = client.post(f"/v1/issuers/{slug}/achievements", json=broken, headers=bearer(token))
    assert r.status_code == 422
    problem = r.json()
    assert problem["type"] == problem_type("profile-requirements-not-met")
    assert set(problem["failed_rules"]) == {"eu-microcredential"}
    assert "EU-09" in problem["failed_rules"]["eu-microcredential"]
    assert len(client.get(f"/v1/issuers/{slug}/achievements", headers=bearer(token)).json()) == before
    # The same body claiming only the minimal profile is accepted.
    broken["profiles"] = ["ob3-minimal"]
    assert (
        client.post(f"/v1/issuers/{slug}/achievements", json=broken, headers=bearer(token)).status_code == 201
    )

    # A descriptor of the wrong shape is refused by the descriptor JSON Schema.
    bad = template_body()
    bad["achievement"]["mcDescriptor"]["notionalWorkloadHours"] = "many"
    r = client.post(f"/v1/issuers/{slug}/achievements", json=bad, headers=bearer(token))
    assert r.status_code == 422 and r.json()["type"] == problem_type("invalid-descriptor")

    # New version; credentials keep the version they were issued from.
    template_id = created["id"]
    first = issue(client, slug, token, template_id)
    update = template_body(profiles=profiles, name="Aircraft General Knowledge (2027)")
    r = client.put(f"/v1/issuers/{slug}/achievements/{template_id}", json=update, headers=bearer(token))
    assert r.status_code == 200 and r.json()["version"] == 2
    second = issue(client, slug, token, template_id)
    assert first["template_version"] == 1 and second["template_version"] == 2
    v1 = client.get(f"/v1/issuers/{slug}/achievements/{template_id}?version=1", headers=bearer(token)).json()
    assert v1["achievement"]["name"] != "Aircraft General Knowledge (2027)"
    name2 = second["credentials"]["ldp_vc"]["credentialSubject"]["achievement"]["name"]
    assert name2 == "Aircraft General Knowledge (2027)"


def test_descriptor_requirements_follow_the_claimed_profiles(client: SyncClient) -> None:
    """An EU micro-credential need not carry what only the Japanese framework asks for (stackability,
    certificate form, an internal QA entry, workload in hours when ECTS credits are given): the
    template is accepted, its credentials name the descriptor shape schema, and they verify. The
    same descriptor claiming the Japanese profile is refused."""
    slug, token = make_tenant(client)
    body = template_body(profiles=["ob3-minimal", "eu-microcredential"])
    descriptor = body["achievement"]["mcDescriptor"]
    for field in ("stackability", "certificateForm", "notionalWorkloadHours"):
        del descriptor[field]
    descriptor["credit"] = [{"type": "CreditValue", "creditSystem": "ECTS", "creditValue": 4}]
    descriptor["qualityAssurance"] = [q for q in descriptor["qualityAssurance"] if q["qaScope"] == "external"]
    r = client.post(f"/v1/issuers/{slug}/achievements", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    learner = PrivateKey.generate(KeyAlgorithm.ED25519).public_key().did_key()  # EU-01: a holder-bound id
    out = issue(client, slug, token, r.json()["id"], recipient={"id": learner, "given_name": "Aiko"})
    schemas = [s["id"] for s in out["credentials"]["ldp_vc"]["credentialSchema"]]
    assert schemas[-1] == "https://w3id.org/shomei/mc/v1/schema/descriptor.json"
    result = client.post(
        "/v1/verify?profiles=eu-microcredential", json={"credential": out["credentials"]["ldp_vc"]}
    ).json()
    assert result["verified"], result
    assert result["profiles"]["eu-microcredential"]["failed_rules"] == [], result["profiles"]

    body["profiles"] = ["ob3-minimal", "jp-mc-framework"]
    r = client.post(f"/v1/issuers/{slug}/achievements", json=body, headers=bearer(token))
    assert r.status_code == 422 and r.json()["type"] == problem_type("invalid-descriptor")
    # A template claiming the Japanese profile names the Japanese schema in its credentials.
    jp = create_template(client, slug, token, profiles=["ob3-minimal", "jp-mc-framework"])
    jp_schemas = [
        s["id"] for s in issue(client, slug, token, jp)["credentials"]["ldp_vc"]["credentialSchema"]
    ]
    assert jp_schemas[-1] == "https://w3id.org/shomei/mc/v1/schema/jp-mc-framework.json"
    # Both schemas are published (credentialSchema ids are meant to be fetchable).
    for schema_id in (schemas[-1], jp_schemas[-1]):
        published = client.get("/schemas/mc/v1/" + schema_id.rsplit("/", 1)[1])
        assert published.status_code == 200 and published.json()["$id"] == schema_id
    missing = client.get("/schemas/mc/v1/nope.json")
    assert missing.status_code == 404 and missing.json()["type"] == problem_type("schema-not-found")


def test_issue_every_format_verifies_and_reads_back(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    template_id = create_template(client, slug, token)
    formats = ["ldp_vc", "ldp_vc:ecdsa-rdfc-2019", "jwt_vc_json"]
    out = issue(client, slug, token, template_id, formats=formats)
    assert sorted(out["formats"]) == sorted(formats)
    keys = did_keys(client, slug)
    did = client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()["did"]

    for fmt, suite in (("ldp_vc", "eddsa-rdfc-2022"), ("ldp_vc:ecdsa-rdfc-2019", "ecdsa-rdfc-2019")):
        vc = out["credentials"][fmt]
        assert vc["@context"][:2] == [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ]
        assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert vc["id"] == out["id"] and vc["issuer"]["id"] == did
        assert vc["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
        purposes = [e["statusPurpose"] for e in vc["credentialStatus"]]
        assert purposes == ["revocation", "message"]
        assert len({e["statusListIndex"] for e in vc["credentialStatus"]}) == 1
        identity = vc["credentialSubject"]["identifier"][0]
        assert (
            identity["identityHash"].startswith("sha256$")
            and "learner@example.org" not in json.dumps(vc).lower()
        )
        assert (
            identity["identityHash"]
            == "sha256$" + hashlib.sha256(("learner@example.org" + identity["salt"]).encode()).hexdigest()
        )
        proof = vc["proof"]
        assert proof["cryptosuite"] == suite and proof["verificationMethod"].startswith(did + "#")
        verify_proof(vc, proof=proof, public_key=keys[proof["verificationMethod"]], loader=LOADER)

    token_jwt = out["credentials"]["jwt_vc_json"]
    parsed = parse_jwt(token_jwt)
    assert parsed.header["typ"] == "JWT" and parsed.header["alg"] == "ES256"
    verify_jws(parsed, keys[parsed.header["kid"]])
    payload = parsed.payload
    assert payload["iss"] == did and payload["jti"] == out["id"] and isinstance(payload["nbf"], int)
    assert "vc" not in payload and "AchievementSubject" in payload["credentialSubject"]["type"]

    # Read back: JSON-LD by default, the JWT on Accept; the public id URL serves the same bytes.
    cid = out["credential_id"]
    r = client.get(f"/v1/issuers/{slug}/credentials/{cid}", headers=bearer(token))
    assert r.headers["content-type"].startswith("application/vc+ld+json")
    r_pub = client.get(f"/credentials/{cid}")
    assert r_pub.content == r.content and json.loads(r.content)["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    r = client.get(f"/credentials/{cid}", headers={"Accept": "application/vc+jwt"})
    assert r.text == token_jwt
    record = client.get(f"/v1/issuers/{slug}/credentials/{cid}/record", headers=bearer(token)).json()
    assert record["status"] == "active" and record["template_id"] == template_id

    # List with filters.
    found = client.get(
        f"/v1/issuers/{slug}/credentials", params={"recipient": "learner@example.org"}, headers=bearer(token)
    ).json()["items"]
    assert [c["credential_id"] for c in found] == [cid]
    none = client.get(
        f"/v1/issuers/{slug}/credentials", params={"recipient": "other@example.org"}, headers=bearer(token)
    ).json()["items"]
    assert none == []
    assert "credential.issue" in _audit_actions(client, slug)


def test_tampered_credential_fails_verification(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    vc = out["credentials"]["ldp_vc"]
    keys = did_keys(client, slug)
    vc["credentialSubject"]["achievement"]["mcDescriptor"]["notionalWorkloadHours"] = 240
    with pytest.raises(InvalidProof):
        verify_proof(vc, proof=vc["proof"], public_key=keys[vc["proof"]["verificationMethod"]], loader=LOADER)


def test_idempotency_key(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    template_id = create_template(client, slug, token)
    body: dict[str, Any] = {"achievement_id": template_id, "recipient": {"id": "did:example:learner-1"}}
    headers = {**bearer(token), "Idempotency-Key": "batch-7/row-1"}
    first = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=headers)
    assert first.status_code == 201
    again = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = client.post(
        f"/v1/issuers/{slug}/credentials",
        json={**body, "recipient": {"id": "did:example:x"}},
        headers=headers,
    )
    assert other.status_code == 409 and other.json()["type"] == problem_type("idempotency-key-reused")
    assert _count(client, slug, token) == 1
    assert _audit_actions(client, slug).count("credential.issue") == 1


@pytest.mark.parametrize("key", ["", "a\x00b", "caf\u00e9"], ids=["empty", "nul", "not-ascii"])
def test_an_idempotency_key_that_is_no_printable_text_is_refused_and_nothing_written(
    client: SyncClient, key: str
) -> None:
    """Printable ASCII only (an sf-string): a NUL answered 500 on PostgreSQL, which cannot store it."""
    slug, token = make_tenant(client)
    body = {"achievement_id": create_template(client, slug, token), "recipient": {"id": "did:example:l"}}
    headers = [*bearer(token).items(), ("Idempotency-Key", key.encode("latin-1"))]
    r = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=headers)
    assert r.status_code == 422 and r.json()["type"] == problem_type("validation-error")
    assert _count(client, slug, token) == 0


def test_bad_issuance_input_is_refused_and_nothing_written(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    template_id = create_template(client, slug, token)
    url = f"/v1/issuers/{slug}/credentials"
    # An achievement property that no context defines: refused at issuance (JSON-LD safe mode).
    inline = template_body()["achievement"]
    inline["favouriteColour"] = "blue"
    r = client.post(
        url, json={"achievement": inline, "recipient": {"id": "did:example:1"}}, headers=bearer(token)
    )
    assert r.status_code == 422 and r.json()["type"] == problem_type("undefined-term")
    assert r.json()["term"] == "favouriteColour"
    # No P-256 key for ecdsa.
    r = client.post(
        url,
        json={
            "achievement_id": template_id,
            "recipient": {"id": "did:example:1"},
            "formats": ["jwt_vc_json"],
        },
        headers=bearer(token),
    )
    assert r.status_code == 409 and r.json()["type"] == problem_type("signing-key-missing")
    # Unknown template, unknown format, both achievement forms, naive datetime.
    r = client.post(
        url,
        json={"achievement_id": "00000000-0000-0000-0000-000000000000", "recipient": {"id": "did:example:1"}},
        headers=bearer(token),
    )
    assert r.status_code == 404 and r.json()["type"] == problem_type("achievement-not-found")
    for body in (
        {"achievement_id": template_id, "recipient": {"id": "did:example:1"}, "formats": ["mso_mdoc"]},
        {"achievement_id": template_id, "achievement": inline, "recipient": {"id": "did:example:1"}},
        {
            "achievement_id": template_id,
            "recipient": {"id": "did:example:1"},
            "valid_from": "2026-01-01T00:00:00",
        },
        {"achievement_id": template_id, "recipient": {}},
    ):
        r = client.post(url, json=body, headers=bearer(token))
        assert r.status_code == 422 and r.json()["type"] == problem_type("validation-error"), body
    # Another tenant's template is invisible.
    other_slug, other_token = make_tenant(client)
    r = client.post(
        f"/v1/issuers/{other_slug}/credentials",
        json={"achievement_id": template_id, "recipient": {"id": "did:example:1"}},
        headers=bearer(other_token),
    )
    assert r.status_code == 404
    # A read-only token cannot issue.
    _s, read_token = make_tenant(client, scopes=["read"])
    r = client.post(
        f"/v1/issuers/{_s}/credentials",
        json={"achievement": inline, "recipient": {"id": "did:example:1"}},
        headers=bearer(read_token),
    )
    assert r.status_code == 403 and r.json()["type"] == problem_type("insufficient-scope")
    assert _count(client, slug, token) == 0
    assert "credential.issue" not in _audit_actions(client, slug)


def test_vc_api_issue(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    did = client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()["did"]
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5b0c8a0e-0f7a-4a51-9f8e-1c2d3e4f5a6b",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:learner", "name": "Aiko"},
    }
    r = client.post(
        "/credentials/issue", json={"credential": credential, "options": {}}, headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert vc["id"] == credential["id"] and vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert {e["statusPurpose"] for e in vc["credentialStatus"]} == {"revocation", "message"}
    keys = did_keys(client, slug)
    verify_proof(vc, proof=vc["proof"], public_key=keys[vc["proof"]["verificationMethod"]], loader=LOADER)

    for bad, kind in (
        ({**credential, "issuer": "did:example:someone-else"}, "issuer-mismatch"),
        ({**credential, "@context": ["https://example.org/unknown"]}, "invalid-credential"),
        ({k: v for k, v in credential.items() if k != "credentialSubject"}, "invalid-credential"),
    ):
        r = client.post("/credentials/issue", json={"credential": bad}, headers=bearer(token))
        assert r.status_code == 400 and r.json()["type"] == problem_type(kind)
    r = client.post(
        "/credentials/issue",
        json={
            "credential": {**credential, "credentialSubject": {"id": "did:example:1", "undefinedThing": 1}}
        },
        headers=bearer(token),
    )
    assert r.status_code in (400, 422) and r.json()["type"] == problem_type("undefined-term")

    # Status by the credential's own id (VC-API /credentials/status).
    r = client.post(
        "/credentials/status",
        json={
            "credentialId": credential["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        },
        headers=bearer(token),
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    # A service token has no tenant to issue as.
    r = client.post("/credentials/issue", json={"credential": credential}, headers=ADMIN)
    assert r.status_code == 400 and r.json()["type"] == problem_type("tenant-required")

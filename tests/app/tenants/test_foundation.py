"""Issue 2 acceptance: tenants, tokens, keys, DID documents and JWKS, problem types — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import problem_type
from app.testing import SyncClient
from proofs.keys import PublicKey
from tests.conftest import ADMIN, bearer, make_tenant, new_slug, tenant_body


def _audit_count(client: SyncClient) -> int:
    events = client.get("/v1/audit?limit=1000", headers=ADMIN).json()
    return len(events)


def test_health_and_readiness(client: SyncClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["database"] == "ok"
    assert client.get("/openapi.json").json()["info"]["title"] == "Shomei"


def test_tenant_profile_and_update(client: SyncClient) -> None:
    slug = new_slug()
    body = tenant_body(
        slug,
        description="A university",
        image="https://www.example.edu/logo.png",
        otherIdentifier=[{"identifier": "MQA/PA12318", "identifierType": "ext:accreditation"}],
    )
    r = client.post("/v1/issuers", json=body, headers=ADMIN)
    assert r.status_code == 201
    t = r.json()
    assert t["did"] == f"did:web:shomei.test:issuers:{slug}"
    profile = t["profile"]
    assert profile["id"] == t["did"] and profile["type"] == ["Profile"]
    assert profile["address"] == {
        "type": ["Address"],
        "addressCountryCode": "NL",
        "addressLocality": "Utrecht",
    }
    assert profile["image"] == {"id": "https://www.example.edu/logo.png", "type": "Image"}
    assert profile["otherIdentifier"][0]["type"] == "IdentifierEntry"

    r = client.patch(f"/v1/issuers/{slug}", json={"name": "Renamed University"}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["name"] == "Renamed University"
    assert r.json()["email"] == "registrar@example.edu"
    actions = [e["action"] for e in client.get(f"/v1/issuers/{slug}/audit", headers=ADMIN).json()]
    assert actions == ["tenant.create", "tenant.update"]


def test_did_document_matches_jwks_and_rotation_keeps_old_keys(client: SyncClient) -> None:
    slug = new_slug()
    assert client.post("/v1/issuers", json=tenant_body(slug), headers=ADMIN).status_code == 201
    first = client.post(f"/v1/issuers/{slug}/keys", json={"type": "Ed25519"}, headers=ADMIN).json()
    p256 = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).json()
    assert p256["publicKeyMultibase"].startswith("zDna")

    rotated = client.post(f"/v1/issuers/{slug}/keys/rotate", json={"type": "Ed25519"}, headers=ADMIN)
    assert rotated.status_code == 201
    second = rotated.json()

    did_doc = client.get(f"/issuers/{slug}/did.json")
    assert did_doc.headers["content-type"].startswith("application/did+json")
    doc = did_doc.json()
    jwks = client.get(f"/issuers/{slug}/jwks.json").json()
    did = f"did:web:shomei.test:issuers:{slug}"
    assert doc["id"] == did
    vms = {vm["id"]: vm for vm in doc["verificationMethod"]}
    assert set(vms) == {
        first["verification_method"],
        p256["verification_method"],
        second["verification_method"],
    }
    assert set(doc["assertionMethod"]) == set(vms)
    by_kid = {k["kid"]: k for k in jwks["keys"]}
    assert set(by_kid) == set(vms)
    for vm_id, vm in vms.items():
        assert vm["type"] == "Multikey" and vm["controller"] == did
        jwk = {k: v for k, v in by_kid[vm_id].items() if k not in ("kid", "alg", "use")}
        assert PublicKey.from_multikey(vm["publicKeyMultibase"]) == PublicKey.from_jwk(jwk)
        assert "d" not in by_kid[vm_id]

    states = {k["id"]: k["state"] for k in client.get(f"/v1/issuers/{slug}/keys", headers=ADMIN).json()}
    assert states[first["id"]] == "published" and states[second["id"]] == "active"

    # Retiring the rotated-out key withdraws it from both documents; the active key cannot be retired.
    r = client.post(f"/v1/issuers/{slug}/keys/{second['id']}/retire", headers=ADMIN)
    assert r.status_code == 409 and r.json()["type"] == problem_type("key-active")
    assert client.post(f"/v1/issuers/{slug}/keys/{first['id']}/retire", headers=ADMIN).status_code == 200
    doc = client.get(f"/issuers/{slug}/did.json").json()
    assert first["verification_method"] not in {vm["id"] for vm in doc["verificationMethod"]}
    kids = {k["kid"] for k in client.get(f"/issuers/{slug}/jwks.json").json()["keys"]}
    assert first["verification_method"] not in kids


def test_second_active_key_of_a_type_is_a_conflict(client: SyncClient) -> None:
    slug, _ = make_tenant(client)
    before = _audit_count(client)
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "Ed25519"}, headers=ADMIN)
    assert r.status_code == 409 and r.json()["type"] == problem_type("active-key-exists")
    assert _audit_count(client) == before


def test_did_key_tenant(client: SyncClient) -> None:
    slug = new_slug()
    r = client.post("/v1/issuers", json=tenant_body(slug, did_method="key"), headers=ADMIN)
    assert r.status_code == 201 and r.json()["did"] is None
    key = client.post(f"/v1/issuers/{slug}/keys", json={"type": "Ed25519"}, headers=ADMIN).json()
    did = client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()["did"]
    assert did == "did:key:" + key["publicKeyMultibase"]
    assert key["verification_method"] == f"{did}#{key['publicKeyMultibase']}"
    r = client.post(f"/v1/issuers/{slug}/keys/rotate", json={"type": "Ed25519"}, headers=ADMIN)
    assert r.status_code == 409 and r.json()["type"] == problem_type("did-key-single-key")


def test_tokens_shown_once_hashed_revocable_and_track_last_use(client: SyncClient) -> None:
    slug, admin_token = make_tenant(client)
    created = client.post(
        f"/v1/issuers/{slug}/tokens", json={"scopes": ["read"]}, headers=bearer(admin_token)
    )
    assert created.status_code == 201
    token = created.json()["token"]
    listed = client.get(f"/v1/issuers/{slug}/tokens", headers=bearer(admin_token)).json()
    assert all("token" not in t for t in listed)
    assert token not in str(listed)

    assert client.get(f"/v1/issuers/{slug}", headers=bearer(token)).status_code == 200
    mine = next(
        t
        for t in client.get(f"/v1/issuers/{slug}/tokens", headers=ADMIN).json()
        if t["id"] == created.json()["id"]
    )
    assert mine["last_used_at"] is not None

    r = client.delete(f"/v1/issuers/{slug}/tokens/{mine['id']}", headers=bearer(admin_token))
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = client.get(f"/v1/issuers/{slug}", headers=bearer(token))
    assert r.status_code == 401 and r.json()["type"] == problem_type("invalid-token")
    r = client.delete(f"/v1/issuers/{slug}/tokens/{mine['id']}", headers=bearer(admin_token))
    assert r.json()["type"] == problem_type("token-already-revoked")


@pytest.mark.parametrize(
    ("kwargs", "status", "ptype"),
    [
        (
            {"content": b'{"slug": "x",', "headers": {"content-type": "application/json"}},
            400,
            "malformed-json",
        ),
        ({"json": {"slug": "Bad Slug!"}}, 422, "validation-error"),
        ({"json": "a string"}, 422, "validation-error"),
        (
            {"content": b"x" * 1_100_000, "headers": {"content-type": "application/json"}},
            413,
            "payload-too-large",
        ),
    ],
)
def test_bad_tenant_input_writes_nothing(
    client: SyncClient, kwargs: dict[str, Any], status: int, ptype: str
) -> None:
    before = _audit_count(client)
    tenants_before = len(client.get("/v1/issuers", headers=ADMIN).json())
    kwargs = dict(kwargs)
    headers = {**ADMIN, **kwargs.pop("headers", {})}
    r = client.post("/v1/issuers", headers=headers, **kwargs)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == problem_type(ptype)
    assert r.json()["status"] == status
    assert _audit_count(client) == before
    assert len(client.get("/v1/issuers", headers=ADMIN).json()) == tenants_before


def test_validation_errors_name_the_field(client: SyncClient) -> None:
    body = tenant_body(new_slug(), address={"addressCountryCode": "nl"})
    r = client.post("/v1/issuers", json=body, headers=ADMIN)
    assert r.status_code == 422
    assert ["body", "address", "addressCountryCode"] in [e["loc"] for e in r.json()["errors"]]


def test_duplicate_slug_is_a_conflict(client: SyncClient) -> None:
    slug = new_slug()
    assert client.post("/v1/issuers", json=tenant_body(slug), headers=ADMIN).status_code == 201
    r = client.post("/v1/issuers", json=tenant_body(slug), headers=ADMIN)
    assert r.status_code == 409 and r.json()["type"] == problem_type("slug-taken")


def test_authentication_problems(client: SyncClient) -> None:
    r = client.get("/v1/issuers")
    assert r.status_code == 401 and r.json()["type"] == problem_type("unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    r = client.get("/v1/issuers", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    r = client.get("/v1/issuers", headers=bearer("shm_nope"))
    assert r.status_code == 401 and r.json()["type"] == problem_type("invalid-token")


def test_unknown_tenant_and_routes(client: SyncClient) -> None:
    for method, path in [
        ("GET", "/v1/issuers/no-such-uni"),
        ("POST", "/v1/issuers/no-such-uni/keys"),
        ("GET", "/issuers/no-such-uni/did.json"),
        ("GET", "/no/such/route"),
    ]:
        r = client.request(
            method, path, headers=ADMIN, json={"type": "Ed25519"} if method == "POST" else None
        )
        assert r.status_code == 404, path
        assert r.json()["type"] == problem_type("not-found")


def test_wrong_scope_is_forbidden_and_writes_nothing(client: SyncClient) -> None:
    slug, _ = make_tenant(client)
    r = client.post(f"/v1/issuers/{slug}/tokens", json={"scopes": ["read"]}, headers=ADMIN)
    reader = r.json()["token"]
    before = _audit_count(client)
    keys_before = client.get(f"/v1/issuers/{slug}/keys", headers=ADMIN).json()
    for method, path, body in [
        ("POST", f"/v1/issuers/{slug}/keys/rotate", {"type": "Ed25519"}),
        ("POST", f"/v1/issuers/{slug}/tokens", {"scopes": ["admin"]}),
        ("PATCH", f"/v1/issuers/{slug}", {"name": "Hijacked"}),
        ("GET", f"/v1/issuers/{slug}/audit", None),
        ("POST", "/v1/issuers", tenant_body(new_slug())),
    ]:
        r = client.request(method, path, headers=bearer(reader), json=body)
        assert r.status_code == 403, path
        assert r.json()["type"] == problem_type("insufficient-scope")
    assert _audit_count(client) == before
    assert client.get(f"/v1/issuers/{slug}/keys", headers=ADMIN).json() == keys_before
    assert client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()["name"] != "Hijacked"


def test_tenant_isolation_matrix(client: SyncClient) -> None:
    """A token of tenant A, with every scope, can do nothing to tenant B."""
    slug_a, token_a = make_tenant(client)
    slug_b, _ = make_tenant(client)
    b_keys = client.get(f"/v1/issuers/{slug_b}/keys", headers=ADMIN).json()
    b_tokens = client.get(f"/v1/issuers/{slug_b}/tokens", headers=ADMIN).json()
    b_tenant = client.get(f"/v1/issuers/{slug_b}", headers=ADMIN).json()
    b_audit = client.get(f"/v1/issuers/{slug_b}/audit", headers=ADMIN).json()
    some_b_key = b_keys[0]["id"]
    some_b_token = b_tokens[0]["id"]
    matrix = [
        ("GET", f"/v1/issuers/{slug_b}", None),
        ("PATCH", f"/v1/issuers/{slug_b}", {"name": "Taken over"}),
        ("POST", f"/v1/issuers/{slug_b}/tokens", {"scopes": ["admin"]}),
        ("GET", f"/v1/issuers/{slug_b}/tokens", None),
        ("DELETE", f"/v1/issuers/{slug_b}/tokens/{some_b_token}", None),
        ("POST", f"/v1/issuers/{slug_b}/keys", {"type": "P-256"}),
        ("POST", f"/v1/issuers/{slug_b}/keys/rotate", {"type": "Ed25519"}),
        ("POST", f"/v1/issuers/{slug_b}/keys/{some_b_key}/retire", None),
        ("GET", f"/v1/issuers/{slug_b}/keys", None),
        ("GET", f"/v1/issuers/{slug_b}/audit", None),
        # A's own routes cannot reach B's objects by id either.
        ("DELETE", f"/v1/issuers/{slug_a}/tokens/{some_b_token}", None),
        ("POST", f"/v1/issuers/{slug_a}/keys/{some_b_key}/retire", None),
    ]
    for method, path, body in matrix:
        r = client.request(method, path, headers=bearer(token_a), json=body)
        assert r.status_code == 404, (method, path, r.status_code)
        assert r.json()["type"] == problem_type("not-found")
    # Service-wide routes are closed to tenant tokens.
    for method, path in [("GET", "/v1/issuers"), ("GET", "/v1/audit")]:
        assert client.request(method, path, headers=bearer(token_a)).status_code == 403
    assert client.get(f"/v1/issuers/{slug_b}/keys", headers=ADMIN).json() == b_keys
    assert client.get(f"/v1/issuers/{slug_b}/tokens", headers=ADMIN).json() == b_tokens
    assert client.get(f"/v1/issuers/{slug_b}", headers=ADMIN).json() == b_tenant
    assert client.get(f"/v1/issuers/{slug_b}/audit", headers=ADMIN).json() == b_audit


def test_request_id_is_echoed(client: SyncClient) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "trace-123"})
    assert r.headers["x-request-id"] == "trace-123"
    assert len(client.get("/healthz").headers["x-request-id"]) == 32

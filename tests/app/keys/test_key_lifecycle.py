"""Issue 13 §3, key lifecycle: after an issuer rotates a key and retires the rotated-out one, every status list
it publishes still verifies, so its credentials keep a status; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from app.errors import problem_type
from app.testing import SyncClient
from proofs.vc_jwt import parse_jwt, verify_jws
from tests.app.helpers import create_template, did_keys, issue
from tests.conftest import ADMIN, BASE_URL, bearer, make_tenant


def _verify(client: SyncClient, credential: Any) -> dict[str, dict[str, Any]]:
    r = client.post("/v1/verify", json={"credential": credential})
    assert r.status_code == 200, r.text
    return {c["id"]: c for c in r.json()["checks"]}


def _list_urls(out: dict[str, Any]) -> list[str]:
    return [
        e["statusListCredential"].removeprefix(BASE_URL)
        for e in out["credentials"]["ldp_vc"]["credentialStatus"]
    ]


def _keys(client: SyncClient, slug: str) -> dict[str, dict[str, Any]]:
    return {
        k["type"]: k
        for k in client.get(f"/v1/issuers/{slug}/keys", headers=ADMIN).json()
        if k["state"] == "active"
    }


def test_lists_stay_verifiable_after_rotation_and_retirement(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    template_id = create_template(client, slug, token)
    before = issue(client, slug, token, template_id, formats=["ldp_vc", "jwt_vc_json"])
    urls = _list_urls(before)
    # Each list is published (and cached) under the first keys.
    first = {url: client.get(url).json()["proof"]["verificationMethod"] for url in urls}
    old = _keys(client, slug)
    assert set(first.values()) == {old["Ed25519"]["verification_method"]}
    assert _verify(client, before["credentials"]["ldp_vc"])["status"]["outcome"] == "passed"

    for algorithm in ("Ed25519", "P-256"):
        r = client.post(f"/v1/issuers/{slug}/keys/rotate", json={"type": algorithm}, headers=ADMIN)
        assert r.status_code == 201, r.text
    new = _keys(client, slug)
    for algorithm in ("Ed25519", "P-256"):
        r = client.post(f"/v1/issuers/{slug}/keys/{old[algorithm]['id']}/retire", headers=ADMIN)
        assert r.status_code == 200, r.text

    # Nothing changed in the lists, yet each is now signed by the active key, in both forms.
    for url in urls:
        assert client.get(url).json()["proof"]["verificationMethod"] == new["Ed25519"]["verification_method"]
        jwt = parse_jwt(client.get(url, headers={"Accept": "application/vc+jwt"}).text)
        assert jwt.header["kid"] == new["P-256"]["verification_method"]
        verify_jws(jwt, did_keys(client, slug)[jwt.header["kid"]])

    after = issue(client, slug, token, template_id, formats=["ldp_vc", "jwt_vc_json"])
    for credential in after["credentials"].values():
        checks = _verify(client, credential)
        assert all(c["outcome"] == "passed" for c in checks.values() if c["id"] in ("proof", "status")), (
            checks
        )
    # The credential signed by the retired key no longer verifies (that is what retiring means), but its
    # status is still established by the re-signed lists.
    checks = _verify(client, before["credentials"]["ldp_vc"])
    assert checks["status"]["outcome"] == "passed"
    assert checks["proof"]["outcome"] == "failed"

    # Revocation still reaches the credential through the re-signed list.
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{after['credential_id']}/status",
        json={"action": "revoke", "reason": "superseded"},
        headers=bearer(token),
    )
    assert r.status_code == 200
    status = _verify(client, after["credentials"]["ldp_vc"])["status"]
    assert status["type"] == problem_type("credential-revoked")

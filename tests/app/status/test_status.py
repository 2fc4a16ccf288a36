"""Issue 4: status allocation, changes, publishing (ETag/304, JWT form), rollover; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.errors import problem_type
from app.main import create_app
from issuer.status.reasons import MESSAGE_STATUS_SIZE, REASONS
from proofs.data_integrity import verify_proof
from proofs.jsonld import bundled_loader
from proofs.statuslist import MIN_ENTRIES, decode_bitstring, get_value
from proofs.vc_jwt import parse_jwt, verify_jws
from tests.app.helpers import create_template, did_keys, issue
from tests.conftest import ADMIN, BASE_URL, SyncClient, bearer, make_settings, make_tenant

LOADER = bundled_loader()
BASE = BASE_URL


def _entries(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    vc = out["credentials"]["ldp_vc"]
    return {e["statusPurpose"]: e for e in vc["credentialStatus"]}


def _list(client: SyncClient, url: str, **headers: str) -> tuple[dict[str, Any], bytes]:
    r = client.get(url.removeprefix(BASE), headers=headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    return doc, decode_bitstring(doc["credentialSubject"]["encodedList"])


def _value(client: SyncClient, entry: dict[str, Any]) -> int:
    _doc, bits = _list(client, entry["statusListCredential"])
    return get_value(bits, int(entry["statusListIndex"]), int(entry.get("statusSize", 1)))


def _change(client: SyncClient, slug: str, token: str, cid: str, **body: str) -> dict[str, Any]:
    r = client.post(f"/v1/issuers/{slug}/credentials/{cid}/status", json=body, headers=bearer(token))
    return {"status_code": r.status_code, **r.json()}


def test_revoke_publishes_bit_and_reason(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    entries = _entries(out)
    cid = str(out["credential_id"])

    doc, bits = _list(client, entries["revocation"]["statusListCredential"])
    assert len(bits) * 8 >= MIN_ENTRIES
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = doc["credentialSubject"]
    assert subject["statusPurpose"] == "revocation" and subject["encodedList"].startswith("u")
    keys = did_keys(client, slug)
    proof = doc["proof"]
    verify_proof(doc, proof=proof, public_key=keys[proof["verificationMethod"]], loader=LOADER)
    assert _value(client, entries["revocation"]) == 0 and _value(client, entries["message"]) == 0

    result = _change(client, slug, token, cid, action="revoke", reason="academic_misconduct", note="case 12")
    assert result["status_code"] == 200 and result["status"] == "revoked"
    assert result["reason"] == "academic_misconduct"
    assert _value(client, entries["revocation"]) == 1
    assert _value(client, entries["message"]) == REASONS["academic_misconduct"].value
    message_doc, _ = _list(client, entries["message"]["statusListCredential"])
    assert message_doc["credentialSubject"]["statusPurpose"] == "message"
    assert len(entries["message"]["statusMessage"]) == 2**MESSAGE_STATUS_SIZE

    # Revoked is final: revoke again, suspend or reinstate are conflicts and change nothing.
    audit_before = client.get(f"/v1/issuers/{slug}/audit?limit=1000", headers=ADMIN).json()
    for action, reason, kind in (
        ("revoke", "issued_in_error", "already-revoked"),
        ("reinstate", "other", "already-revoked"),
    ):
        r = _change(client, slug, token, cid, action=action, reason=reason)
        assert r["status_code"] == 409 and r["type"] == problem_type(kind)
    assert client.get(f"/v1/issuers/{slug}/audit?limit=1000", headers=ADMIN).json() == audit_before
    assert _value(client, entries["message"]) == REASONS["academic_misconduct"].value
    actions = [e["action"] for e in audit_before]
    assert "credential.revoke" in actions


def test_suspend_and_reinstate(client: SyncClient) -> None:
    slug, token = make_tenant(client, suspension_enabled=True)
    out = issue(client, slug, token, create_template(client, slug, token))
    entries = _entries(out)
    assert set(entries) == {"revocation", "suspension", "message"}
    cid = str(out["credential_id"])
    r = _change(client, slug, token, cid, action="suspend", reason="under_review")
    assert r["status"] == "suspended" and _value(client, entries["suspension"]) == 1
    r = _change(client, slug, token, cid, action="suspend", reason="under_review")
    assert r["type"] == problem_type("already-suspended")
    r = _change(client, slug, token, cid, action="reinstate", reason="other")
    assert r["status"] == "active" and _value(client, entries["suspension"]) == 0
    assert _value(client, entries["message"]) == 0
    r = _change(client, slug, token, cid, action="reinstate", reason="other")
    assert r["status_code"] == 409 and r["type"] == problem_type("not-suspended")


def test_bad_status_input(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    cid = str(out["credential_id"])
    r = _change(client, slug, token, cid, action="revoke", reason="because")
    assert r["status_code"] == 422 and r["type"] == problem_type("unknown-reason")
    r = _change(client, slug, token, cid, action="revoke", reason="under_review")  # a suspension reason
    assert r["status_code"] == 422 and r["type"] == problem_type("unknown-reason")
    r = _change(client, slug, token, cid, action="suspend", reason="under_review")
    assert r["status_code"] == 409 and r["type"] == problem_type("suspension-not-enabled")
    r = _change(client, slug, token, "00000000-0000-0000-0000-000000000000", action="revoke", reason="other")
    assert r["status_code"] == 404 and r["type"] == problem_type("credential-not-found")
    r = _change(client, slug, token, cid, action="explode", reason="other")
    assert r["status_code"] == 422 and r["type"] == problem_type("validation-error")
    # Another tenant cannot touch it (404, as if it did not exist); an issue-only token lacks `revoke`.
    other_slug, other_token = make_tenant(client)
    r = _change(client, other_slug, other_token, cid, action="revoke", reason="other")
    assert r["status_code"] == 404
    r = _change(client, slug, other_token, cid, action="revoke", reason="other")
    assert r["status_code"] == 404
    issue_only = client.post(f"/v1/issuers/{slug}/tokens", json={"scopes": ["issue"]}, headers=ADMIN).json()[
        "token"
    ]
    r = _change(client, slug, issue_only, cid, action="revoke", reason="other")
    assert r["status_code"] == 403 and r["type"] == problem_type("insufficient-scope")
    record = client.get(f"/v1/issuers/{slug}/credentials/{cid}/status", headers=bearer(token)).json()
    assert record["status"] == "active" and record["reason"] is None
    assert _value(client, _entries(out)["revocation"]) == 0


def test_published_list_caching_and_jwt(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token))
    url = _entries(out)["revocation"]["statusListCredential"].removeprefix(BASE)
    first = client.get(url)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=300"
    assert client.get(url).content == first.content  # served from the cache, same bytes
    r = client.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""

    jwt = client.get(url, headers={"Accept": "application/vc+jwt"})
    assert jwt.headers["content-type"].startswith("application/vc+jwt")
    parsed = parse_jwt(jwt.text)
    verify_jws(parsed, did_keys(client, slug)[parsed.header["kid"]])
    assert parsed.payload["credentialSubject"]["statusPurpose"] == "revocation"

    _change(client, slug, token, str(out["credential_id"]), action="revoke", reason="superseded")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert client.get(url.replace("/revocation", "/suspension")).status_code == 404
    assert client.get(url.replace("/1/", "/99/")).json()["type"] == problem_type("status-list-not-found")


@pytest.fixture(scope="module")
def small_lists(database_url: str) -> Iterator[SyncClient]:
    client = SyncClient(create_app(make_settings(database_url, status_list_size=8)))
    try:
        yield client
    finally:
        client.close()


def test_full_list_rolls_over(small_lists: SyncClient) -> None:
    client = small_lists
    slug, token = make_tenant(client)
    template_id = create_template(client, slug, token)
    seen: set[tuple[str, str]] = set()
    lists: set[str] = set()
    for _ in range(19):
        entry = _entries(issue(client, slug, token, template_id))["revocation"]
        key = (entry["statusListCredential"], entry["statusListIndex"])
        assert key not in seen and 0 <= int(entry["statusListIndex"]) < 8
        seen.add(key)
        lists.add(entry["statusListCredential"])
    assert sorted(u.rsplit("/", 2)[1] for u in lists) == ["1", "2", "3"]
    # Every position of a full list is used exactly once (the permutation covers the list).
    full = [i for u, i in seen if u.endswith("/1/revocation")]
    assert sorted(int(i) for i in full) == list(range(8))

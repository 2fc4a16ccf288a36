"""Issue 15: the issuance response is built from what the request just stored (no read-back SELECTs for a
single format, no savepoint without an Idempotency-Key); it must stay the record the API reads back, on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.app.helpers import create_template, issue, template_body
from tests.conftest import ADMIN, SyncClient, bearer, make_tenant


def _record(client: SyncClient, slug: str, token: str, credential_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/issuers/{slug}/credentials/{credential_id}/record", headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_issuance_response_is_the_stored_record(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN)  # for jwt_vc_json
    assert r.status_code == 201, r.text
    template_id = create_template(client, slug, token)
    update = template_body(name="Aircraft General Knowledge (2027)")
    r = client.put(f"/v1/issuers/{slug}/achievements/{template_id}", json=update, headers=bearer(token))
    assert r.status_code == 200 and r.json()["version"] == 2

    for formats in (["ldp_vc"], ["jwt_vc_json"], ["ldp_vc", "jwt_vc_json"]):
        out = issue(client, slug, token, template_id, formats=formats)
        assert out["template_version"] == 2
        assert sorted(out["formats"]) == sorted(formats) and set(out["credentials"]) == set(formats)
        assert out == _record(client, slug, token, out["credential_id"])

    # An inline achievement: no template, no version.
    body = {
        "achievement": template_body()["achievement"],
        "recipient": {"email": "learner@example.org", "given_name": "Aiko", "family_name": "Tanaka"},
    }
    r = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    inline = r.json()
    assert inline["template_id"] is None and inline["template_version"] is None
    assert inline == _record(client, slug, token, inline["credential_id"])


def test_idempotent_issuance_still_replays_the_stored_record(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    template_id = create_template(client, slug, token)
    body = {
        "achievement_id": template_id,
        "recipient": {"email": "learner@example.org", "given_name": "Aiko", "family_name": "Tanaka"},
    }
    headers = {**bearer(token), "Idempotency-Key": "issue-15-record"}
    first = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert first.json() == again.json() == _record(client, slug, token, first.json()["credential_id"])
    # Without a key, the same body is a second credential.
    other = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=bearer(token))
    assert other.status_code == 201 and other.json()["credential_id"] != first.json()["credential_id"]

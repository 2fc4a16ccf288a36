"""A service configured with short status lists (``status_list_size`` below 131,072 entries) still
publishes Bitstring Status Lists of the Recommendation's minimum length: BSL v1.0 §2.2 encodedList "The
uncompressed bitstring MUST be at least 16KB in size", and §3.2 step "If the length of the revocation
bitstring divided by statusSize is less than minimumNumberOfEntries, raise a STATUS_LIST_LENGTH_ERROR".
The allocated positions stay below the configured size; the rest of the list is padding (zeros)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.main import create_app
from proofs.statuslist import MIN_ENTRIES, decode_bitstring, get_value
from proofs.vc_jwt import parse_jwt
from tests.app.helpers import create_template, issue
from tests.conftest import BASE_URL, SyncClient, bearer, make_settings, make_tenant


@pytest.fixture(scope="module")
def short_lists(database_url: str) -> Iterator[SyncClient]:
    client = SyncClient(create_app(make_settings(database_url, status_list_size=64)))
    try:
        yield client
    finally:
        client.close()


def _subject(client: SyncClient, url: str, accept: str | None) -> dict[str, Any]:
    r = client.get(url.removeprefix(BASE_URL), headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    doc = parse_jwt(r.text).payload if accept else r.json()
    subject: dict[str, Any] = doc["credentialSubject"]
    return subject


def test_short_configured_lists_are_published_at_the_minimum_length(short_lists: SyncClient) -> None:
    client = short_lists
    slug, token = make_tenant(client, suspension_enabled=True)
    out = issue(client, slug, token, create_template(client, slug, token))
    entries = {e["statusPurpose"]: e for e in out["credentials"]["ldp_vc"]["credentialStatus"]}
    cid = out["credential_id"]
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{cid}/status",
        json={"action": "revoke", "reason": "issued_in_error"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    for purpose, entry in entries.items():
        size = int(entry.get("statusSize", 1))
        index = int(entry["statusListIndex"])
        assert 0 <= index < 64
        for accept in (None, "application/vc+jwt"):
            bits = decode_bitstring(_subject(client, entry["statusListCredential"], accept)["encodedList"])
            assert len(bits) * 8 // size >= MIN_ENTRIES, (purpose, accept, len(bits))
            assert get_value(bits, index, size) == {"revocation": 1, "suspension": 0, "message": 1}[purpose]
    # The service's own verifier (minimumNumberOfEntries 131,072) reads the list and sees the revocation.
    result = client.post("/v1/verify", json={"credential": out["credentials"]["ldp_vc"]}).json()
    status = [c for c in result["checks"] if c["id"] == "status"]
    assert not result["verified"] and status and status[0]["outcome"] == "failed", result

"""Found by the key-lifecycle round: once an issuer retired a key, the VC-JWT and Data Integrity
credentials it had signed no longer verified (the key is withdrawn from the DID document and JWKS: that is
what retiring means), but its SD-JWT VCs still did, through the ``x5c`` certificate the service's CA had
given the key. The issuer's own record that it withdrew the key outweighs a certificate for it: an SD-JWT
VC signed by a retired key of one of our issuers is not verified either, its proof failing with the key
withdrawn."""

from __future__ import annotations

from typing import Any

from app.errors import problem_type
from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, make_tenant

FORMATS = ["dc+sd-jwt", "dc+sd-jwt:micro-credential", "jwt_vc_json"]


def _proof(client: SyncClient, credential: Any) -> tuple[bool, dict[str, Any]]:
    r = client.post("/v1/verify", json={"credential": credential})
    assert r.status_code == 200, r.text
    report = r.json()
    return report["verified"], next(c for c in report["checks"] if c["id"] == "proof")


def test_an_sd_jwt_vc_of_a_retired_key_is_not_verified(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    created = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN)
    assert created.status_code == 201, created.text
    template_id = create_template(client, slug, token)
    before = issue(client, slug, token, template_id, formats=FORMATS)
    assert (
        client.post(f"/v1/issuers/{slug}/keys/rotate", json={"type": "P-256"}, headers=ADMIN).status_code
        == 201
    )
    after = issue(client, slug, token, template_id, formats=FORMATS)
    # Rotated out but still published: everything verifies.
    for out in (before, after):
        for fmt in FORMATS:
            assert _proof(client, out["credentials"][fmt])[0] is True, fmt

    r = client.post(f"/v1/issuers/{slug}/keys/{created.json()['id']}/retire", headers=ADMIN)
    assert r.status_code == 200, r.text
    for fmt in FORMATS:
        verified, proof = _proof(client, before["credentials"][fmt])
        assert verified is False, fmt
        assert proof["outcome"] == "failed" and proof["type"] == problem_type("key-not-found"), (fmt, proof)
        assert _proof(client, after["credentials"][fmt])[0] is True, fmt

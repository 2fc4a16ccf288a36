"""Revoking an offer (``DELETE /v1/issuers/{slug}/offers/{id}``) after its pre-authorized code was
exchanged revokes the access token it gave: the credential and notification endpoints refuse it with
``invalid_token`` (RFC 6750 §3.1: "The access token provided is expired, revoked, malformed, or invalid"),
so a leaked offer that the institution revokes delivers nothing more."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.testing import SyncClient
from proofs.keys import KeyAlgorithm, PrivateKey
from tests.app.helpers import create_template, issue, key_proof
from tests.conftest import bearer, make_tenant

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def test_a_revoked_offer_access_token_is_refused(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/offers",
        json={"formats": ["ldp_vc"], "tx_code": False},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    offer = r.json()
    document = client.get(urlsplit(offer["credential_offer_uri"]).path).json()
    issuer = document["credential_issuer"]
    path = urlsplit(issuer).path
    code = document["grants"][PRE_AUTH]["pre-authorized_code"]
    r = client.post(f"{path}/oid4vci/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code})
    assert r.status_code == 200, r.text
    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}

    r = client.delete(f"/v1/issuers/{slug}/offers/{offer['id']}", headers=bearer(token))
    assert r.status_code == 200 and r.json()["revoked_at"]

    key = PrivateKey.generate(KeyAlgorithm.P256)
    nonce = client.post(f"{path}/oid4vci/nonce").json()["c_nonce"]
    r = client.post(
        f"{path}/oid4vci/credential",
        json={
            "credential_configuration_id": "ob3_ldp_vc",
            "proofs": {"jwt": [key_proof(key, aud=issuer, nonce=nonce)]},
        },
        headers=auth,
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    r = client.post(
        f"{path}/oid4vci/notification",
        json={"notification_id": f"{offer['id']}.ob3_ldp_vc", "event": "credential_accepted"},
        headers=auth,
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"

"""The OpenID4VCI issuer against a hostile wallet: key proofs whose claims no date-time holds, access
tokens of offers the institution revoked, and token requests with repeated parameters. Each is refused
with an OAuth error object (OpenID4VCI §6.3, §8.3.1.2; RFC 6749 §5.2), never a 5xx, never a credential."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.testing import SyncClient
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.vc_jwt import sign_jws
from tests.app.helpers import create_template, issue, key_proof
from tests.conftest import ADMIN, bearer, make_tenant

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class Offer:
    """A fresh pre-authorized offer of one tenant's credential (no tx_code), and its wallet's view."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client
        self.slug, self.token = make_tenant(client)
        keys = client.post(f"/v1/issuers/{self.slug}/keys", json={"type": "P-256"}, headers=ADMIN)
        assert keys.status_code == 201, keys.text
        cid = str(
            issue(client, self.slug, self.token, create_template(client, self.slug, self.token))[
                "credential_id"
            ]
        )
        offer = client.post(
            f"/v1/issuers/{self.slug}/credentials/{cid}/offers",
            json={"formats": ["ldp_vc", "jwt_vc_json"], "tx_code": False},
            headers=bearer(self.token),
        )
        assert offer.status_code == 201, offer.text
        self.id = offer.json()["id"]
        document = client.get(urlsplit(offer.json()["credential_offer_uri"]).path).json()
        self.issuer = document["credential_issuer"]
        self.path = urlsplit(self.issuer).path
        self.code = document["grants"][PRE_AUTH]["pre-authorized_code"]

    def access_token(self) -> str:
        r = self.client.post(
            f"{self.path}/oid4vci/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": self.code}
        )
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    def nonce(self) -> str:
        return str(self.client.post(f"{self.path}/oid4vci/nonce").json()["c_nonce"])

    def request(self, access_token: str, proofs: list[str]) -> httpx.Response:
        body = {"credential_configuration_id": "ob3_jwt_vc_json", "proofs": {"jwt": proofs}}
        return self.client.post(
            f"{self.path}/oid4vci/credential", json=body, headers={"Authorization": f"Bearer {access_token}"}
        )


def _oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == error


@pytest.fixture
def offer(client: SyncClient) -> Offer:
    return Offer(client)


@pytest.mark.parametrize(
    "iat",
    [10**400, -(10**400), 1e300, True, "1700000000", None],
    ids=["huge", "huge-negative", "beyond-datetime", "boolean", "text", "missing"],
)
def test_a_key_proof_iat_that_is_no_date_is_an_invalid_proof(offer: Offer, iat: Any) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    header = {"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": key.public_key().jwk()}
    payload: dict[str, Any] = {"aud": offer.issuer, "nonce": offer.nonce()}
    if iat is not None:
        payload["iat"] = iat
    token = offer.access_token()
    _oauth_error(offer.request(token, [sign_jws(header, payload, key=key)]), "invalid_proof")
    # the request kept nothing: a fresh proof still gets the credential
    fresh = key_proof(key, aud=offer.issuer, nonce=offer.nonce(), iat=time.time())
    assert offer.request(token, [fresh]).status_code == 200


def test_a_revoked_offer_issues_nothing_more_to_the_token_it_was_redeemed_for(
    client: SyncClient, offer: Offer
) -> None:
    token = offer.access_token()
    revoked = client.delete(f"/v1/issuers/{offer.slug}/offers/{offer.id}", headers=bearer(offer.token))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    key = PrivateKey.generate(KeyAlgorithm.P256)
    proof = key_proof(key, aud=offer.issuer, nonce=offer.nonce())
    _oauth_error(offer.request(token, [proof]), "invalid_token", 401)


@pytest.mark.parametrize("repeated", ["pre-authorized_code", "grant_type"])
def test_a_token_request_repeating_a_parameter_is_invalid_and_redeems_nothing(
    client: SyncClient, offer: Offer, repeated: str
) -> None:
    params = [("grant_type", PRE_AUTH), ("pre-authorized_code", offer.code)]
    params.insert(0, (repeated, "other" if repeated != "grant_type" else PRE_AUTH))
    body = "&".join(f"{name}={value}" for name, value in params)
    r = client.post(
        f"{offer.path}/oid4vci/token",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _oauth_error(r, "invalid_request")
    offer.access_token()  # the code was not spent


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.P384, KeyAlgorithm.RSA])
def test_a_key_proof_with_an_algorithm_the_metadata_does_not_list_is_an_invalid_proof(
    client: SyncClient, offer: Offer, algorithm: KeyAlgorithm
) -> None:
    meta = client.get(f"/.well-known/openid-credential-issuer{offer.path}").json()
    listed = meta["credential_configurations_supported"]["ob3_jwt_vc_json"]["proof_types_supported"]["jwt"]
    key = PrivateKey.generate(algorithm)
    assert key.algorithm.jws_alg not in listed["proof_signing_alg_values_supported"]
    token = offer.access_token()
    _oauth_error(
        offer.request(token, [key_proof(key, aud=offer.issuer, nonce=offer.nonce())]), "invalid_proof"
    )


@pytest.mark.parametrize("endpoint", ["token", "par"])
def test_a_token_or_par_request_that_is_no_form_gets_an_oauth_error(offer: Offer, endpoint: str) -> None:
    files = offer.client.post(f"{offer.path}/oid4vci/{endpoint}", files={"f": ("a.txt", b"x")})
    _oauth_error(files, "invalid_request")
    fields = "&".join(f"p{i}=v" for i in range(50))
    many = offer.client.post(
        f"{offer.path}/oid4vci/{endpoint}",
        content=fields,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _oauth_error(many, "invalid_request")


def test_a_credential_request_naming_a_member_twice_is_invalid_and_spends_nothing(offer: Offer) -> None:
    """JSON readers disagree on which of two same-named members counts (proofs.strict_json): the request
    is refused, and the access token and c_nonce it carried still get the credential afterwards."""
    key = PrivateKey.generate(KeyAlgorithm.P256)
    token = offer.access_token()
    nonce = offer.nonce()
    proof = key_proof(key, aud=offer.issuer, nonce=nonce)
    body = (
        '{"credential_configuration_id": "ob3_ldp_vc", "credential_configuration_id": "ob3_jwt_vc_json",'
        f' "proofs": {{"jwt": ["{proof}"]}}}}'
    )
    twice = offer.client.post(
        f"{offer.path}/oid4vci/credential",
        content=body,
        headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    _oauth_error(twice, "invalid_credential_request")
    assert offer.request(token, [proof]).status_code == 200

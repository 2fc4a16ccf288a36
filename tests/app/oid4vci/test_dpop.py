"""DPoP (RFC 9449) sender-constrained access tokens in the OpenID4VCI pre-authorized flow (HAIP 1.0):
a token requested with a DPoP proof is bound to the proof's key and must be used with the DPoP scheme
and a fresh proof by that key; a token requested without one stays a Bearer token."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.testing import SyncClient
from proofs.keys import KeyAlgorithm, PrivateKey
from tests.app.helpers import dpop_proof, key_proof, offer_credential, offering_tenant
from tests.conftest import bearer

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class Wallet:
    """One offer for one learner, and the requests a wallet makes with it."""

    def __init__(self, client: SyncClient, slug: str, document: dict[str, Any]) -> None:
        self.client = client
        self.slug = slug
        self.document = document
        self.issuer = document["credential_issuer"]
        self.path = urlsplit(self.issuer).path
        self.holder = PrivateKey.generate(KeyAlgorithm.P256)

    def url(self, endpoint: str) -> str:
        """The endpoint's public URL (what htu names)."""
        return f"{self.issuer}/oid4vci/{endpoint}"

    def token(self, headers: Any = None) -> httpx.Response:
        code = self.document["grants"][PRE_AUTH]["pre-authorized_code"]
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
        return self.client.post(f"{self.path}/oid4vci/token", data=form, headers=headers)

    def nonce(self) -> str:
        return str(self.client.post(f"{self.path}/oid4vci/nonce").json()["c_nonce"])

    def credential_body(self, config: str = "ob3_ldp_vc", proofs: list[str] | None = None) -> dict[str, Any]:
        if proofs is None:
            proofs = [key_proof(self.holder, aud=self.issuer, nonce=self.nonce())]
        return {"credential_configuration_id": config, "proofs": {"jwt": proofs}}

    def credential(self, headers: Any, body: dict[str, Any] | None = None, base: str = "") -> httpx.Response:
        return self.client.post(
            f"{base}{self.path}/oid4vci/credential",
            json=body if body is not None else self.credential_body(),
            headers=headers,
        )

    def notify(self, headers: Any, notification_id: str) -> httpx.Response:
        return self.client.post(
            f"{self.path}/oid4vci/notification",
            json={"notification_id": notification_id, "event": "credential_accepted"},
            headers=headers,
        )


@pytest.fixture
def tenant(client: SyncClient) -> tuple[str, str, str]:
    return offering_tenant(client)


def new_wallet(client: SyncClient, tenant: tuple[str, str, str]) -> Wallet:
    _offer, document = offer_credential(client, tenant, tx_code=False)
    return Wallet(client, tenant[0], document)


@pytest.fixture
def wallet(client: SyncClient, tenant: tuple[str, str, str]) -> Wallet:
    return new_wallet(client, tenant)


def bound_token(wallet: Wallet, key: PrivateKey) -> str:
    r = wallet.token({"DPoP": dpop_proof(key, wallet.url("token"))})
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "DPoP"
    return str(r.json()["access_token"])


def dpop_headers(wallet: Wallet, key: PrivateKey, token: str, endpoint: str = "credential") -> dict[str, str]:
    return {
        "Authorization": f"DPoP {token}",
        "DPoP": dpop_proof(key, wallet.url(endpoint), access_token=token),
    }


def refused(r: httpx.Response, status: int, error: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    if status == 401:  # RFC 6750 §3 / RFC 9449 §7.1 challenge
        challenge = r.headers["www-authenticate"]
        assert f'error="{error}"' in challenge
        if error == "invalid_dpop_proof":
            assert challenge.startswith("DPoP ") and 'algs="ES256 EdDSA"' in challenge


# -- metadata -----------------------------------------------------------------------------------------
def test_metadata_advertises_dpop_algorithms(client: SyncClient, wallet: Wallet) -> None:
    meta = client.get(f"/.well-known/oauth-authorization-server{wallet.path}").json()
    assert meta["dpop_signing_alg_values_supported"] == ["ES256", "EdDSA"]
    assert meta["token_endpoint"] == wallet.url("token")


# -- the flow -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", [KeyAlgorithm.P256, KeyAlgorithm.ED25519])
def test_dpop_flow(wallet: Wallet, algorithm: KeyAlgorithm) -> None:
    key = PrivateKey.generate(algorithm)
    token = bound_token(wallet, key)

    r = wallet.credential(dpop_headers(wallet, key, token))
    assert r.status_code == 200, r.text
    vc = r.json()["credentials"][0]["credential"]
    assert vc["credentialSubject"]["id"].startswith("did:jwk:")
    notification_id = r.json()["notification_id"]

    r = wallet.credential(dpop_headers(wallet, key, token), wallet.credential_body("ob3_jwt_vc_json"))
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["credentials"][0]["credential"], str)

    r = wallet.notify(dpop_headers(wallet, key, token, "notification"), notification_id)
    assert r.status_code == 204, r.text
    # The notification endpoint holds DPoP-bound tokens to the same rules.
    refused(wallet.notify(bearer(token), notification_id), 401, "invalid_token")
    proof_for_credential = dpop_headers(wallet, key, token, "credential")
    refused(wallet.notify(proof_for_credential, notification_id), 401, "invalid_dpop_proof")


def test_htu_is_the_public_url_not_the_request_url(wallet: Wallet) -> None:
    """Behind a proxy the request reaches the service under another host: htu names the public URL."""
    key = PrivateKey.generate(KeyAlgorithm.P256)
    token = bound_token(wallet, key)
    r = wallet.credential(dpop_headers(wallet, key, token), base="http://internal:8000")
    assert r.status_code == 200, r.text
    headers = {
        "Authorization": f"DPoP {token}",
        "DPoP": dpop_proof(key, f"http://internal:8000{wallet.path}/oid4vci/credential", access_token=token),
    }
    body = wallet.credential_body("ob3_jwt_vc_json")
    refused(wallet.credential(headers, body, base="http://internal:8000"), 401, "invalid_dpop_proof")


# -- refusals at the credential endpoint --------------------------------------------------------------
def test_bearer_use_of_a_dpop_bound_token_is_refused(wallet: Wallet) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    token = bound_token(wallet, key)
    r = wallet.credential(bearer(token))
    refused(r, 401, "invalid_token")
    assert r.headers["www-authenticate"].startswith("DPoP ")
    # Even with a valid proof alongside, the scheme must be DPoP.
    headers = {**dpop_headers(wallet, key, token), "Authorization": f"Bearer {token}"}
    refused(wallet.credential(headers), 401, "invalid_token")


def test_proof_signed_by_another_key_is_refused(wallet: Wallet) -> None:
    key, other = PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(KeyAlgorithm.P256)
    token = bound_token(wallet, key)
    r = wallet.credential(dpop_headers(wallet, other, token))
    refused(r, 401, "invalid_dpop_proof")
    assert r.headers["www-authenticate"] == 'DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"'


def test_replayed_proof_is_refused(wallet: Wallet) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    token = bound_token(wallet, key)
    headers = dpop_headers(wallet, key, token)
    assert wallet.credential(headers).status_code == 200
    refused(wallet.credential(headers, wallet.credential_body("ob3_jwt_vc_json")), 401, "invalid_dpop_proof")


def test_a_refused_request_still_spends_its_proof_and_nothing_else(wallet: Wallet) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    token = bound_token(wallet, key)
    headers = dpop_headers(wallet, key, token)
    # The first key proof consumes its c_nonce, the second one is for another audience: refused.
    nonce = wallet.nonce()
    proofs = [
        key_proof(wallet.holder, aud=wallet.issuer, nonce=nonce),
        key_proof(wallet.holder, aud="https://other.example", nonce=wallet.nonce()),
    ]
    refused(wallet.credential(headers, wallet.credential_body(proofs=proofs)), 400, "invalid_proof")
    # The DPoP proof is spent ...
    refused(wallet.credential(headers), 401, "invalid_dpop_proof")
    # ... but the c_nonce of the refused request is not.
    body = wallet.credential_body(proofs=[key_proof(wallet.holder, aud=wallet.issuer, nonce=nonce)])
    r = wallet.credential(dpop_headers(wallet, key, token), body)
    assert r.status_code == 200, r.text


def test_proof_with_wrong_htu_or_htm_is_refused(wallet: Wallet) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    token = bound_token(wallet, key)
    for htu in (wallet.url("nonce"), wallet.url("token"), "https://elsewhere.test/oid4vci/credential"):
        headers = {"Authorization": f"DPoP {token}", "DPoP": dpop_proof(key, htu, access_token=token)}
        refused(wallet.credential(headers), 401, "invalid_dpop_proof")
    headers = {
        "Authorization": f"DPoP {token}",
        "DPoP": dpop_proof(key, wallet.url("credential"), access_token=token, htm="GET"),
    }
    refused(wallet.credential(headers), 401, "invalid_dpop_proof")


def test_proof_without_ath_or_for_another_token_is_refused(wallet: Wallet) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    token = bound_token(wallet, key)
    for access_token in (None, token + "x"):
        proof = dpop_proof(key, wallet.url("credential"), access_token=access_token)
        refused(
            wallet.credential({"Authorization": f"DPoP {token}", "DPoP": proof}), 401, "invalid_dpop_proof"
        )


def test_missing_stale_or_repeated_proof_is_refused(wallet: Wallet) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    token = bound_token(wallet, key)
    refused(wallet.credential({"Authorization": f"DPoP {token}"}), 401, "invalid_dpop_proof")
    stale = dpop_proof(key, wallet.url("credential"), access_token=token, iat=int(time.time()) - 3600)
    refused(wallet.credential({"Authorization": f"DPoP {token}", "DPoP": stale}), 401, "invalid_dpop_proof")
    two = [
        ("Authorization", f"DPoP {token}"),
        ("DPoP", dpop_proof(key, wallet.url("credential"), access_token=token)),
        ("DPoP", dpop_proof(key, wallet.url("credential"), access_token=token)),
    ]
    refused(wallet.credential(two), 401, "invalid_dpop_proof")
    # None of these spent anything: a good request still works.
    assert wallet.credential(dpop_headers(wallet, key, token)).status_code == 200


def test_dpop_scheme_with_a_bearer_token_is_refused(wallet: Wallet) -> None:
    r = wallet.token()
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer"
    token = r.json()["access_token"]
    key = PrivateKey.generate(KeyAlgorithm.P256)
    r = wallet.credential(dpop_headers(wallet, key, token))
    refused(r, 401, "invalid_token")
    assert r.headers["www-authenticate"].startswith("Bearer ")
    # The Bearer token works as before (a DPoP header alongside a Bearer token is ignored).
    r = wallet.credential({**bearer(token), "DPoP": dpop_proof(key, wallet.url("credential"))})
    assert r.status_code == 200, r.text
    notification_id = r.json()["notification_id"]
    refused(
        wallet.notify(dpop_headers(wallet, key, token, "notification"), notification_id), 401, "invalid_token"
    )
    assert wallet.notify(bearer(token), notification_id).status_code == 204


# -- the token endpoint -------------------------------------------------------------------------------
def test_token_endpoint_refuses_an_invalid_proof(wallet: Wallet) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    bad = {
        "wrong htu": dpop_proof(key, wallet.url("credential")),
        "wrong htm": dpop_proof(key, wallet.url("token"), htm="GET"),
        "stale": dpop_proof(key, wallet.url("token"), iat=int(time.time()) - 3600),
        "not a JWS": "not-a-proof",
    }
    for proof in bad.values():
        refused(wallet.token({"DPoP": proof}), 400, "invalid_dpop_proof")
    two = [("DPoP", dpop_proof(key, wallet.url("token"))), ("DPoP", dpop_proof(key, wallet.url("token")))]
    refused(wallet.token(two), 400, "invalid_dpop_proof")
    # A refused proof does not use up the offer.
    assert bound_token(wallet, key)


def test_token_endpoint_refuses_a_replayed_proof(client: SyncClient, tenant: tuple[str, str, str]) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    first, second = new_wallet(client, tenant), new_wallet(client, tenant)
    proof = dpop_proof(key, first.url("token"))
    assert first.token({"DPoP": proof}).json()["token_type"] == "DPoP"
    refused(second.token({"DPoP": proof}), 400, "invalid_dpop_proof")
    assert second.token({"DPoP": dpop_proof(key, second.url("token"))}).status_code == 200

"""HAIP wallet attestations at the OpenID4VCI endpoints: the wallet (client) attestation with its PoP
at the token endpoint, and key attestations in jwt proofs, against the configured wallet-provider
trust anchors; optional by default, required with SHOMEI_REQUIRE_WALLET_ATTESTATIONS."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.main import create_app
from app.testing import SyncClient
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.vc_jwt import sign_jws
from proofs.x509 import issue_leaf, make_ca, pem_chain, x5c_chain
from tests.app.helpers import create_template, issue, key_proof
from tests.app.oid4vci.test_authorization_code import CLIENT_ID, new_wallet
from tests.conftest import ADMIN, bearer, make_settings, make_tenant

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
NOW = dt.datetime.now(dt.UTC)


class Provider:
    """A wallet provider: a CA (the trust anchor) and the key that signs its attestations."""

    def __init__(self, name: str) -> None:
        ca_key, self.key = PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(KeyAlgorithm.P256)
        start, end = NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=30)
        self.ca = make_ca(name, ca_key, not_before=start, not_after=end)
        leaf = issue_leaf(
            ca_key,
            self.ca,
            self.key.public_key(),
            subject_name=f"{name} attestations",
            san_dns="wallet-provider.example",
            not_before=start,
            not_after=end,
        )
        self.x5c = x5c_chain([leaf])

    @property
    def pem(self) -> str:
        return pem_chain(self.ca)

    def client_attestation(
        self, instance: PrivateKey, client_id: str, *, audience: str, jti: str
    ) -> dict[str, str]:
        now = int(time.time())
        attestation = sign_jws(
            {"alg": "ES256", "typ": "oauth-client-attestation+jwt", "x5c": self.x5c},
            {
                "iss": "https://wallet-provider.example",
                "sub": client_id,
                "iat": now,
                "exp": now + 3600,
                "cnf": {"jwk": instance.public_key().jwk()},
                "wallet_name": "Example Wallet",
            },
            key=self.key,
        )
        pop = sign_jws(
            {"alg": instance.algorithm.jws_alg, "typ": "oauth-client-attestation-pop+jwt"},
            {"iss": client_id, "aud": audience, "jti": jti, "iat": now, "exp": now + 60},
            key=instance,
        )
        return {"OAuth-Client-Attestation": attestation, "OAuth-Client-Attestation-PoP": pop}

    def key_attestation(self, *attested: PrivateKey, nonce: str | None = None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iat": now,
            "exp": now + 3600,
            "attested_keys": [k.public_key().jwk() for k in attested],
            "key_storage": ["iso_18045_moderate"],
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return sign_jws({"alg": "ES256", "typ": "key-attestation+jwt", "x5c": self.x5c}, claims, key=self.key)


PROVIDER = Provider("Trusted Wallet Provider")
STRANGER = Provider("Unknown Wallet Provider")
INSTANCE = PrivateKey.generate(KeyAlgorithm.P256)


@pytest.fixture
def attesting(database_url: str, tmp_path: Path) -> Iterator[SyncClient]:
    """The service trusting PROVIDER and requiring wallet attestations."""
    anchors = tmp_path / "wallet-anchors.pem"
    anchors.write_text(PROVIDER.pem)
    settings = make_settings(
        database_url, wallet_trust_anchors_file=anchors, require_wallet_attestations=True
    )
    client = SyncClient(create_app(settings))
    try:
        yield client
    finally:
        client.close()


def _offer(client: SyncClient) -> dict[str, Any]:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/offers",
        json={"formats": ["ldp_vc"], "tx_code": False},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    document = client.get(urlsplit(r.json()["credential_offer_uri"]).path).json()
    issuer = document["credential_issuer"]
    return {
        "slug": slug,
        "issuer": issuer,
        "path": urlsplit(issuer).path,
        "code": document["grants"][PRE_AUTH]["pre-authorized_code"],
    }


def _token(
    client: SyncClient, offer: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": offer["code"]}
    return client.post(f"{offer['path']}/oid4vci/token", data=form, headers=headers or {})


def _proof(client: SyncClient, offer: dict[str, Any], key: PrivateKey, key_attestation: str | None) -> str:
    nonce = client.post(f"{offer['path']}/oid4vci/nonce").json()["c_nonce"]
    return key_proof(key, aud=offer["issuer"], nonce=nonce, key_attestation=key_attestation)


def _refused(response: httpx.Response, status: int, error: str) -> None:
    assert (response.status_code, response.json()["error"]) == (status, error), response.text


def test_required_wallet_and_key_attestations(attesting: SyncClient) -> None:
    offer = _offer(attesting)
    meta = attesting.get(f"/.well-known/oauth-authorization-server{offer['path']}").json()
    assert meta["token_endpoint_auth_methods_supported"] == ["attest_jwt_client_auth"]
    configs = attesting.get(f"/.well-known/openid-credential-issuer{offer['path']}").json()
    assert all(
        "key_attestations_required" in c["proof_types_supported"]["jwt"]
        for c in configs["credential_configurations_supported"].values()
    )

    _refused(_token(attesting, offer), 401, "invalid_client")  # no attestation
    foreign = STRANGER.client_attestation(INSTANCE, "wallet-1", audience=offer["issuer"], jti="a")
    _refused(_token(attesting, offer, foreign), 401, "invalid_client")  # untrusted wallet provider
    elsewhere = PROVIDER.client_attestation(INSTANCE, "wallet-1", audience="https://other.example", jti="b")
    _refused(_token(attesting, offer, elsewhere), 401, "invalid_client")  # PoP for another server
    attested = PROVIDER.client_attestation(INSTANCE, "wallet-1", audience=offer["issuer"], jti="c")
    r = _token(attesting, offer, attested)
    assert r.status_code == 200, r.text
    access = {"Authorization": f"Bearer {r.json()['access_token']}"}
    # The same PoP cannot authenticate another token request.
    _refused(_token(attesting, _offer(attesting), attested), 401, "invalid_client")

    holder, other = PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(KeyAlgorithm.P256)
    url = f"{offer['path']}/oid4vci/credential"

    def credential(proof: str) -> httpx.Response:
        body = {"credential_configuration_id": "ob3_ldp_vc", "proofs": {"jwt": [proof]}}
        return attesting.post(url, json=body, headers=access)

    _refused(credential(_proof(attesting, offer, holder, None)), 400, "invalid_proof")
    _refused(
        credential(_proof(attesting, offer, holder, PROVIDER.key_attestation(other))), 400, "invalid_proof"
    )
    _refused(
        credential(_proof(attesting, offer, holder, STRANGER.key_attestation(holder))), 400, "invalid_proof"
    )
    # A key attestation made for a c_nonce must be used with that c_nonce (OpenID4VCI Appendix F.1).
    _refused(
        credential(_proof(attesting, offer, holder, PROVIDER.key_attestation(holder, nonce="another"))),
        400,
        "invalid_proof",
    )
    nonce = attesting.post(f"{offer['path']}/oid4vci/nonce").json()["c_nonce"]
    attestation = PROVIDER.key_attestation(holder, other, nonce=nonce)
    r = credential(key_proof(holder, aud=offer["issuer"], nonce=nonce, key_attestation=attestation))
    assert r.status_code == 200, r.text
    assert r.json()["credentials"][0]["credential"]["credentialSubject"]["id"].startswith("did:jwk:")

    audit = attesting.get(f"/v1/issuers/{offer['slug']}/audit", headers=ADMIN).json()
    redeemed = next(e for e in audit if e["action"] == "offer.redeem")
    assert redeemed["details"]["wallet"] == {
        "client_id": "wallet-1",
        "provider": "https://wallet-provider.example",
        "name": "Example Wallet",
    }


def test_attestations_are_optional_but_checked_by_default(client: SyncClient) -> None:
    """Without the requirement a wallet needs no attestation, but one it sends must verify: here no
    wallet provider is trusted, so any attestation is refused."""
    offer = _offer(client)
    attested = PROVIDER.client_attestation(INSTANCE, "wallet-1", audience=offer["issuer"], jti="d")
    _refused(_token(client, offer, attested), 401, "invalid_client")
    half = {"OAuth-Client-Attestation": attested["OAuth-Client-Attestation"]}
    _refused(_token(client, offer, half), 401, "invalid_client")
    r = _token(client, offer)
    assert r.status_code == 200, r.text
    access = {"Authorization": f"Bearer {r.json()['access_token']}"}
    holder = PrivateKey.generate(KeyAlgorithm.P256)
    body = {
        "credential_configuration_id": "ob3_ldp_vc",
        "proofs": {"jwt": [_proof(client, offer, holder, PROVIDER.key_attestation(holder))]},
    }
    _refused(
        client.post(f"{offer['path']}/oid4vci/credential", json=body, headers=access), 400, "invalid_proof"
    )
    body["proofs"] = {"jwt": [_proof(client, offer, holder, None)]}
    assert client.post(f"{offer['path']}/oid4vci/credential", json=body, headers=access).status_code == 200


def test_attested_wallet_in_the_authorization_code_flow(attesting: SyncClient) -> None:
    """The PAR and token requests authenticate with a wallet attestation; an attested wallet may
    leave client_id out of the token request (RFC 6749 §4.1.3), and one it sends must be the
    attested client."""
    slug, token = make_tenant(attesting)
    assert (
        attesting.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    )
    credential_id = str(
        issue(attesting, slug, token, create_template(attesting, slug, token))["credential_id"]
    )
    wallet = new_wallet(attesting, (slug, token, credential_id))

    def attested(jti: str, client_id: str = CLIENT_ID) -> dict[str, str]:
        return PROVIDER.client_attestation(INSTANCE, client_id, audience=wallet.issuer, jti=jti)

    _refused(wallet.par(), 401, "invalid_client")
    _refused(wallet.par(attested("par-0", "someone-else")), 401, "invalid_client")  # client_id is not sub
    code = wallet.code(attested("par-1"))
    _refused(wallet.token(code), 401, "invalid_client")
    _refused(
        wallet.token(code, attested("token-0", "someone-else"), client_id=CLIENT_ID), 401, "invalid_client"
    )
    r = wallet.token(code, attested("token-1"), client_id="")  # client_id left out: the attested sub
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "Bearer"

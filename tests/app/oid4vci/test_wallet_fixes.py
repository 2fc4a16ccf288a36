"""Issue 19, the issuance fixes found by independent wallet libraries: did:jwk kids in key proofs, one
c_nonce for a batch request, offers refused when a format cannot be delivered, OAuth error objects
(never problem+json) at the credential endpoint, and metadata that describes every issued claim."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import update

from app.db.models import SigningKey
from app.errors import problem_type
from app.state import app_state
from app.testing import SyncClient
from issuer.sd_jwt_vc import LEARNING_CREDENTIAL_CLAIMS, MICRO_CREDENTIAL_CLAIMS
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_decode, b64url_encode
from proofs.sd_jwt import parse_sd_jwt
from proofs.vc_jwt import parse_jwt, sign_jws
from tests.app.helpers import create_template, issue, key_proof
from tests.conftest import ADMIN, bearer, make_tenant

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
ALL_FORMATS = ["ldp_vc", "jwt_vc_json", "dc+sd-jwt", "dc+sd-jwt:micro-credential"]


def _tenant(client: SyncClient, *, p256: bool = True) -> tuple[str, str]:
    slug, token = make_tenant(client)
    if p256:
        assert (
            client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
        )
    return slug, token


def _offer(client: SyncClient, slug: str, token: str, cid: str, formats: list[str]) -> httpx.Response:
    return client.post(
        f"/v1/issuers/{slug}/credentials/{cid}/offers",
        json={"formats": formats, "tx_code": False},
        headers=bearer(token),
    )


class Wallet:
    """A wallet that redeemed an offer (pre-authorized code): its access token and the issuer's URLs."""

    def __init__(self, client: SyncClient, offer: dict[str, Any]) -> None:
        self.client = client
        document = client.get(urlsplit(offer["credential_offer_uri"]).path).json()
        self.issuer = document["credential_issuer"]
        self.path = urlsplit(self.issuer).path
        code = document["grants"][PRE_AUTH]["pre-authorized_code"]
        token = client.post(
            f"{self.path}/oid4vci/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code}
        )
        assert token.status_code == 200, token.text
        self.auth = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def nonce(self) -> str:
        return str(self.client.post(f"{self.path}/oid4vci/nonce").json()["c_nonce"])

    def request(self, config: str, proofs: list[str]) -> httpx.Response:
        body = {"credential_configuration_id": config, "proofs": {"jwt": proofs}}
        return self.client.post(f"{self.path}/oid4vci/credential", json=body, headers=self.auth)


def _oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    """An OpenID4VCI error object (§8.3.1.2), not problem+json."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"error", "error_description"} and response.json()["error"] == error


@pytest.fixture
def wallet(client: SyncClient) -> Wallet:
    slug, token = _tenant(client)
    cid = str(issue(client, slug, token, create_template(client, slug, token))["credential_id"])
    offer = _offer(client, slug, token, cid, ALL_FORMATS)
    assert offer.status_code == 201, offer.text
    return Wallet(client, offer.json())


def _did_jwk(key: PrivateKey) -> str:
    public = {k: v for k, v in key.public_key().jwk().items() if k != "kid"}
    return "did:jwk:" + b64url_encode(json.dumps(public, separators=(",", ":")).encode())


def _kid_proof(key: PrivateKey, kid: str, *, aud: str, nonce: str, **extra: Any) -> str:
    header = {"alg": key.algorithm.jws_alg, "typ": "openid4vci-proof+jwt", "kid": kid, **extra}
    return sign_jws(header, {"aud": aud, "iat": int(time.time()), "nonce": nonce}, key=key)


# -- did:jwk kids -------------------------------------------------------------------------------------
def test_did_jwk_kid_is_accepted_for_every_format_that_advertises_it(
    client: SyncClient, wallet: Wallet
) -> None:
    meta = client.get(f"/.well-known/openid-credential-issuer{wallet.path}").json()
    configs = meta["credential_configurations_supported"]
    advertising = [
        cid for cid, c in configs.items() if "did:jwk" in c["cryptographic_binding_methods_supported"]
    ]
    assert sorted(advertising) == ["ob3_jwt_vc_json", "ob3_ldp_vc"]
    for config in advertising:
        # A P-256 key as the DID URL #0, an Ed25519 key (EdDSA proof) as the bare DID: one batch.
        keys = [PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(KeyAlgorithm.ED25519)]
        dids = [_did_jwk(k) for k in keys]
        nonce = wallet.nonce()
        proofs = [
            _kid_proof(keys[0], f"{dids[0]}#0", aud=wallet.issuer, nonce=nonce),
            _kid_proof(keys[1], dids[1], aud=wallet.issuer, nonce=nonce),
        ]
        r = wallet.request(config, proofs)
        assert r.status_code == 200, r.text
        subjects = []
        for item in r.json()["credentials"]:
            credential = item["credential"]
            vc = credential if isinstance(credential, dict) else parse_jwt(credential).payload
            subjects.append(vc["credentialSubject"]["id"])
        assert subjects == dids  # each bound to the DID the wallet named


def test_kids_that_name_no_usable_did_jwk_key_are_invalid_proofs(client: SyncClient, wallet: Wallet) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    did = _did_jwk(key)
    other = _did_jwk(PrivateKey.generate(KeyAlgorithm.P256))
    private = "did:jwk:" + b64url_encode(json.dumps(key.private_jwk()).encode())
    refused = [
        _kid_proof(key, f"{other}#0", aud=wallet.issuer, nonce=wallet.nonce()),  # signed by another key
        _kid_proof(key, f"{did}#1", aud=wallet.issuer, nonce=wallet.nonce()),  # did:jwk has only #0
        _kid_proof(key, private, aud=wallet.issuer, nonce=wallet.nonce()),  # a private key in the DID
        _kid_proof(key, key.public_key().did_key_vm(), aud=wallet.issuer, nonce=wallet.nonce()),  # did:key
        _kid_proof(key, "did:jwk:!!", aud=wallet.issuer, nonce=wallet.nonce()),
        # kid and jwk together (Appendix F.1: kid MUST NOT be present with jwk)
        _kid_proof(key, did, aud=wallet.issuer, nonce=wallet.nonce(), jwk=key.public_key().jwk()),
    ]
    for proof in refused:
        _oauth_error(wallet.request("ob3_ldp_vc", [proof]), "invalid_proof")
    # SD-JWT VCs bind to a jwk (cnf): the configuration does not advertise did:jwk, so a kid is refused.
    proof = _kid_proof(key, f"{did}#0", aud=wallet.issuer, nonce=wallet.nonce())
    _oauth_error(wallet.request("eudi_learning_credential_dc_sd_jwt", [proof]), "invalid_proof")
    good = _kid_proof(key, f"{did}#0", aud=wallet.issuer, nonce=wallet.nonce())
    assert wallet.request("ob3_ldp_vc", [good]).status_code == 200


# -- one c_nonce for a batch ---------------------------------------------------------------------------
def test_a_batch_shares_one_c_nonce_which_serves_one_request(wallet: Wallet) -> None:
    keys = [PrivateKey.generate(KeyAlgorithm.P256) for _ in range(3)]
    nonce = wallet.nonce()
    r = wallet.request(
        "eudi_learning_credential_dc_sd_jwt", [key_proof(k, aud=wallet.issuer, nonce=nonce) for k in keys]
    )
    assert r.status_code == 200, r.text
    bound = [
        parse_sd_jwt(c["credential"]).issuer_jwt.payload["cnf"]["jwk"]["x"] for c in r.json()["credentials"]
    ]
    assert bound == [k.public_key().jwk()["x"] for k in keys]  # one credential per proof, in order
    # The nonce was spent by that request: another request cannot use it.
    _oauth_error(
        wallet.request("ob3_ldp_vc", [key_proof(keys[0], aud=wallet.issuer, nonce=nonce)]), "invalid_nonce"
    )


def test_a_batch_with_an_unknown_c_nonce_is_refused_whole(wallet: Wallet) -> None:
    keys = [PrivateKey.generate(KeyAlgorithm.P256) for _ in range(2)]
    nonce = wallet.nonce()
    proofs = [
        key_proof(keys[0], aud=wallet.issuer, nonce=nonce),
        key_proof(keys[1], aud=wallet.issuer, nonce="x"),
    ]
    _oauth_error(wallet.request("ob3_ldp_vc", proofs), "invalid_nonce")
    _oauth_error(
        wallet.request("ob3_ldp_vc", [key_proof(keys[0], aud=wallet.issuer, nonce=None)]), "invalid_nonce"
    )
    # Nothing was issued and nothing kept: the valid nonce still serves a (whole) request.
    r = wallet.request("ob3_ldp_vc", [key_proof(k, aud=wallet.issuer, nonce=nonce) for k in keys])
    assert r.status_code == 200 and len(r.json()["credentials"]) == 2


# -- offers for what cannot be delivered; OAuth errors only at the credential endpoint -------------------
def test_offer_for_a_format_the_credential_cannot_be_delivered_in_is_refused(client: SyncClient) -> None:
    slug, token = _tenant(client)
    template = create_template(client, slug, token)
    only_sd_jwt = str(issue(client, slug, token, template, formats=["dc+sd-jwt"])["credential_id"])
    for formats in (["ldp_vc"], ["dc+sd-jwt"], ["jwt_vc_json", "ldp_vc"]):
        r = _offer(client, slug, token, only_sd_jwt, formats)
        assert r.status_code == 409 and r.json()["type"] == problem_type("credential-not-copyable"), r.text
    # A credential whose achievement has no level the EU type can carry: no EU Learning Credential
    # offer; our own type (whose level is optional) and the W3C formats can be offered.
    no_level = create_template(client, slug, token, alignment=[])
    cid = str(issue(client, slug, token, no_level)["credential_id"])
    r = _offer(client, slug, token, cid, ["ldp_vc", "dc+sd-jwt"])
    assert r.status_code == 422 and r.json()["type"] == problem_type("sd-jwt-projection-failed"), r.text
    assert r.json()["format"] == "dc+sd-jwt" and "level_of_learning_experience" in r.json()["detail"]
    formats = ["ldp_vc", "jwt_vc_json", "dc+sd-jwt:micro-credential"]
    wallet = Wallet(client, _offer(client, slug, token, cid, formats).json())
    holder = PrivateKey.generate(KeyAlgorithm.P256)
    r = wallet.request(
        "shomei_micro_credential_dc_sd_jwt", [key_proof(holder, aud=wallet.issuer, nonce=wallet.nonce())]
    )
    assert r.status_code == 200, r.text
    sd = parse_sd_jwt(r.json()["credentials"][0]["credential"])
    names = set(sd.issuer_jwt.payload) | {json.loads(b64url_decode(d))[1] for d in sd.disclosures}
    assert "level_of_learning_experience" not in names and "achievement_title" in names
    # A tenant without the key a format is signed with.
    ed_only, ed_token = _tenant(client, p256=False)
    cid = str(issue(client, ed_only, ed_token, create_template(client, ed_only, ed_token))["credential_id"])
    r = _offer(client, ed_only, ed_token, cid, ["ldp_vc", "jwt_vc_json"])
    assert r.status_code == 409 and r.json()["type"] == problem_type("signing-key-missing")
    assert r.json()["format"] == "jwt_vc_json"
    # The same refusal at issuance with an offer stores nothing.
    before = client.get(f"/v1/issuers/{slug}/credentials", headers=bearer(token)).json()["items"]
    body = {
        "achievement_id": no_level,
        "recipient": {"email": "learner@example.org", "given_name": "Aiko", "family_name": "Tanaka"},
        "offer": {"formats": ["dc+sd-jwt"]},
    }
    r = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=bearer(token))
    assert r.status_code == 422 and r.json()["type"] == problem_type("sd-jwt-projection-failed")
    assert client.get(f"/v1/issuers/{slug}/credentials", headers=bearer(token)).json()["items"] == before


def test_credential_endpoint_answers_oauth_errors_only(client: SyncClient) -> None:
    """What the credential endpoint cannot issue is credential_request_denied (an OpenID4VCI error
    object), never a problem: here the P-256 key was withdrawn after the offer was made."""
    slug, token = _tenant(client)
    cid = str(issue(client, slug, token, create_template(client, slug, token))["credential_id"])
    offer = _offer(client, slug, token, cid, ["dc+sd-jwt", "ldp_vc"])
    assert offer.status_code == 201
    wallet = Wallet(client, offer.json())
    p256 = next(
        k for k in client.get(f"/v1/issuers/{slug}/keys", headers=ADMIN).json() if k["type"] == "P-256"
    )
    with app_state(client.app).sessionmaker() as session, session.begin():  # withdrawn out of band
        session.execute(
            update(SigningKey).where(SigningKey.id == uuid.UUID(p256["id"])).values(state="retired")
        )
    holder = PrivateKey.generate(KeyAlgorithm.P256)
    r = wallet.request(
        "eudi_learning_credential_dc_sd_jwt", [key_proof(holder, aud=wallet.issuer, nonce=wallet.nonce())]
    )
    _oauth_error(r, "credential_request_denied")
    assert "signing-key-missing" in r.json()["error_description"]
    # The refused request kept nothing: the other configuration is still issued with the same token.
    r = wallet.request("ob3_ldp_vc", [key_proof(holder, aud=wallet.issuer, nonce=wallet.nonce())])
    assert r.status_code == 200, r.text


def test_credential_endpoint_answers_unknown_issuers_and_oversized_bodies_as_oauth_errors(
    client: SyncClient,
) -> None:
    """Even before the issuer is known or the body read, a wallet gets an OpenID4VCI error object."""
    r = client.post("/issuers/no-such-issuer/oid4vci/credential", json={"credential_configuration_id": "x"})
    _oauth_error(r, "invalid_request", 404)
    limit = app_state(client.app).settings.max_body_bytes
    big = b'{"proofs": {"jwt": ["' + b"a" * (limit + 10) + b'"]}}'
    r = client.post(
        "/issuers/no-such-issuer/oid4vci/credential",
        content=big,
        headers={"content-type": "application/json"},
    )
    _oauth_error(r, "invalid_credential_request", 413)
    # Elsewhere an oversized body is still a problem.
    r = client.post("/v1/verify", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")


# -- metadata: every issued claim, with mandatory and display -----------------------------------------
def test_metadata_describes_every_issued_claim(client: SyncClient, wallet: Wallet) -> None:
    configs = client.get(f"/.well-known/openid-credential-issuer{wallet.path}").json()[
        "credential_configurations_supported"
    ]
    for config, table in (
        ("eudi_learning_credential_dc_sd_jwt", LEARNING_CREDENTIAL_CLAIMS),
        ("shomei_micro_credential_dc_sd_jwt", MICRO_CREDENTIAL_CLAIMS),
    ):
        described = {c["path"][0]: c for c in configs[config]["credential_metadata"]["claims"]}
        assert list(described) == [claim.name for claim in table]
        assert all(c["display"][0]["locale"] == "en" and c["display"][0]["name"] for c in described.values())
        assert {n for n, c in described.items() if c["mandatory"]} == {c.name for c in table if c.mandatory}
        holder = PrivateKey.generate(KeyAlgorithm.P256)
        r = wallet.request(config, [key_proof(holder, aud=wallet.issuer, nonce=wallet.nonce())])
        assert r.status_code == 200, r.text
        sd = parse_sd_jwt(r.json()["credentials"][0]["credential"])
        disclosed = {json.loads(b64url_decode(d))[1] for d in sd.disclosures}
        issued = (set(sd.issuer_jwt.payload) | disclosed) - {
            "iss",
            "vct",
            "vct#integrity",
            "iat",
            "exp",
            "cnf",
        }
        issued -= {"status", "_sd", "_sd_alg"}
        assert issued <= set(described), issued - set(described)
        assert {n for n, c in described.items() if c["mandatory"]} <= issued
    eu = configs["eudi_learning_credential_dc_sd_jwt"]["credential_metadata"]["claims"]
    assert {c["path"][0] for c in eu if c["mandatory"]} >= {
        "learner_identification",
        "level_of_learning_experience",
    }

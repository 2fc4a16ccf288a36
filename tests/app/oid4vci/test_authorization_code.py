"""HAIP 1.0: the OpenID4VCI authorization code flow next to the pre-authorized one, started from our
offers (``issuer_state``), with Pushed Authorization Requests (RFC 9126), PKCE S256 (RFC 7636), the
learner's consent page (tx_code), ``iss`` in the response (RFC 9207) and DPoP (RFC 9449 §10).
wallet-sim does only the pre-authorized flow: the wallet here is our own client."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from app.db.models import Oid4vciAuthorization
from app.state import app_state
from app.testing import SyncClient
from proofs.keys import KeyAlgorithm, PrivateKey, jwk_thumbprint
from proofs.multibase import b64url_encode
from tests.app.helpers import (
    create_template,
    dpop_proof,
    example_achievement,
    issue,
    key_proof,
    offer_credential,
    offering_tenant,
)
from tests.conftest import ADMIN, bearer, make_tenant

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
AUTH_CODE = "authorization_code"
CLIENT_ID = "https://wallet.example/client"
REDIRECT_URI = "https://wallet.example/callback?from=issuer"
PAGE = {"Accept": "text/html"}


def s256(verifier: str) -> str:
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def oauth_error(r: httpx.Response, error: str, status: int = 400) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"] == error, r.text


def error_page(r: httpx.Response, error: str = "invalid_request") -> None:
    """A refusal at the authorization endpoint that must not redirect: an HTML page naming the code."""
    assert r.status_code == 400, r.text
    assert "location" not in r.headers
    assert r.headers["content-type"].startswith("text/html")
    assert f"<code>{error}</code>" in r.text


def redirect_params(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 303, r.text
    location = urlsplit(r.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI.split("?")[0]
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params.pop("from") == "issuer"  # the redirect_uri's own query is kept
    return params


class Wallet:
    """Our wallet for one offer: PAR, the browser at the authorization endpoint, token, credential."""

    def __init__(self, client: SyncClient, offered: dict[str, Any]) -> None:
        self.client = client
        self.offer = offered["offer"]
        self.document = offered["document"]
        self.issuer = self.document["credential_issuer"]
        self.path = urlsplit(self.issuer).path
        self.issuer_state = self.document["grants"][AUTH_CODE]["issuer_state"]
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(12)
        self.holder = PrivateKey.generate(KeyAlgorithm.P256)

    def url(self, endpoint: str) -> str:
        return f"{self.issuer}/oid4vci/{endpoint}"

    def par(self, headers: dict[str, str] | None = None, **changes: str | None) -> httpx.Response:
        form: dict[str, str | None] = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "code_challenge": s256(self.verifier),
            "code_challenge_method": "S256",
            "issuer_state": self.issuer_state,
            "scope": "ob3_ldp_vc",
            "state": self.state,
        }
        form.update(changes)
        data = {k: v for k, v in form.items() if v is not None}
        return self.client.post(f"{self.path}/oid4vci/par", data=data, headers=headers)

    def request_uri(self, headers: dict[str, str] | None = None, **changes: str | None) -> str:
        r = self.par(headers, **changes)
        assert r.status_code == 201, r.text
        assert r.headers["cache-control"] == "no-store"
        body = r.json()
        assert body["expires_in"] == 60 and body["request_uri"].startswith(
            "urn:ietf:params:oauth:request_uri:"
        )
        return str(body["request_uri"])

    def page(self, request_uri: str, client_id: str = CLIENT_ID) -> httpx.Response:
        return self.client.get(
            f"{self.path}/oid4vci/authorize",
            params={"client_id": client_id, "request_uri": request_uri},
            headers=PAGE,
        )

    def decide(
        self,
        request_uri: str,
        action: str = "approve",
        tx_code: str | None = None,
        client_id: str = CLIENT_ID,
    ) -> httpx.Response:
        form = {"request_uri": request_uri, "client_id": client_id, "action": action}
        if tx_code is not None:
            form["tx_code"] = tx_code
        return self.client.post(f"{self.path}/oid4vci/authorize", data=form, headers=PAGE)

    def code(self, headers: dict[str, str] | None = None, **changes: str | None) -> str:
        """PAR, the consent page, approval (with the tx_code if the offer has one) → the code."""
        request_uri = self.request_uri(headers, **changes)
        assert self.page(request_uri).status_code == 200
        params = redirect_params(self.decide(request_uri, tx_code=self.offer.get("tx_code")))
        assert params["state"] == self.state and params["iss"] == self.issuer
        return params["code"]

    def token(self, code: str, headers: dict[str, str] | None = None, **changes: str) -> httpx.Response:
        form = {
            "grant_type": AUTH_CODE,
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": self.verifier,
            "client_id": CLIENT_ID,
        }
        form.update(changes)
        return self.client.post(f"{self.path}/oid4vci/token", data=form, headers=headers)

    def pre_authorized_token(self) -> httpx.Response:
        form = {
            "grant_type": PRE_AUTH,
            "pre-authorized_code": self.document["grants"][PRE_AUTH]["pre-authorized_code"],
        }
        if "tx_code" in self.offer:
            form["tx_code"] = self.offer["tx_code"]
        return self.client.post(f"{self.path}/oid4vci/token", data=form)

    def credential(self, headers: dict[str, str], **request: str) -> httpx.Response:
        nonce = self.client.post(f"{self.path}/oid4vci/nonce").json()["c_nonce"]
        body = {**request, "proofs": {"jwt": [key_proof(self.holder, aud=self.issuer, nonce=nonce)]}}
        return self.client.post(f"{self.path}/oid4vci/credential", json=body, headers=headers)


@pytest.fixture
def tenant(client: SyncClient) -> tuple[str, str, str]:
    return offering_tenant(client)


def new_wallet(client: SyncClient, tenant: tuple[str, str, str], *, tx_code: bool = True) -> Wallet:
    offer, document = offer_credential(client, tenant, tx_code=tx_code)
    return Wallet(client, {"offer": offer, "document": document, "slug": tenant[0]})


@pytest.fixture
def wallet(client: SyncClient, tenant: tuple[str, str, str]) -> Wallet:
    return new_wallet(client, tenant)


def audit_actions(client: SyncClient, slug: str) -> list[str]:
    return [e["action"] for e in client.get(f"/v1/issuers/{slug}/audit", headers=ADMIN).json()]


def set_expiry(client: SyncClient, offer_id: str, **values: dt.datetime) -> None:
    """Move the offer's pushed requests (or codes) into the past, as a clock would."""
    factory = app_state(client.app).sessionmaker
    with factory.begin() as session:
        session.execute(
            update(Oid4vciAuthorization)
            .where(Oid4vciAuthorization.offer_id == uuid.UUID(offer_id))
            .values(**values)
        )


def lifetime(client: SyncClient, request_uri: str) -> dt.timedelta:
    """How long after its push a request_uri is accepted (it is stored as its SHA-256 only)."""
    factory = app_state(client.app).sessionmaker
    with factory() as session:
        row = session.scalars(
            select(Oid4vciAuthorization).where(
                Oid4vciAuthorization.request_uri_hash == hashlib.sha256(request_uri.encode()).hexdigest()
            )
        ).one()
        return row.expires_at - row.created_at


# -- metadata and the offer -----------------------------------------------------------------------------
def test_metadata_and_offer(client: SyncClient, wallet: Wallet) -> None:
    meta = client.get(f"/.well-known/oauth-authorization-server{wallet.path}").json()
    assert meta["issuer"] == wallet.issuer
    assert meta["authorization_endpoint"] == wallet.url("authorize")
    assert meta["pushed_authorization_request_endpoint"] == wallet.url("par")
    assert meta["require_pushed_authorization_requests"] is True
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert set(meta["grant_types_supported"]) == {AUTH_CODE, PRE_AUTH}
    assert meta["response_types_supported"] == ["code"]
    assert meta["token_endpoint_auth_methods_supported"] == ["attest_jwt_client_auth", "none"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["token_endpoint"] == wallet.url("token")
    issuer_meta = client.get(f"/.well-known/openid-credential-issuer{wallet.path}").json()
    for config_id, config in issuer_meta["credential_configurations_supported"].items():
        assert config["scope"] == config_id
    grants = wallet.document["grants"]
    state = grants[AUTH_CODE]["issuer_state"]
    assert set(grants[AUTH_CODE]) == {"issuer_state"}
    assert len(state) > 40 and state != grants[PRE_AUTH]["pre-authorized_code"]
    # Bound to the offer: the same offer gives the same value, another offer another one.
    assert client.get(urlsplit(wallet.offer["credential_offer_uri"]).path).json()["grants"] == grants


# -- the flow -------------------------------------------------------------------------------------------
def test_flow_with_scope_and_a_bearer_token(client: SyncClient, wallet: Wallet) -> None:
    request_uri = wallet.request_uri(scope="ob3_ldp_vc")
    page = wallet.page(request_uri)
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert example_achievement()["name"] in page.text
    assert "Open Badge 3.0 (Data Integrity)" in page.text and "Open Badge 3.0 (VC-JWT)" not in page.text
    assert '<label for="tx_code">' in page.text and 'id="tx_code"' in page.text
    assert wallet.offer["tx_code"] not in page.text
    assert page.text.count("<button") == 2 and "<script" not in page.text
    # Reloading the page is fine (RFC 9126 §4 allows it).
    assert wallet.page(request_uri).status_code == 200

    params = redirect_params(wallet.decide(request_uri, tx_code=wallet.offer["tx_code"]))
    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == wallet.state and params["iss"] == wallet.issuer

    r = wallet.token(params["code"])
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert "authorization_details" not in body  # asked for by scope
    token = body["access_token"]

    r = wallet.credential(bearer(token), credential_configuration_id="ob3_ldp_vc")
    assert r.status_code == 200, r.text
    vc = r.json()["credentials"][0]["credential"]
    assert vc["credentialSubject"]["id"].startswith("did:jwk:")
    assert vc["credentialSubject"]["achievement"]["name"] == example_achievement()["name"]
    # Only what was authorized, although the offer has more.
    r = wallet.credential(bearer(token), credential_configuration_id="ob3_jwt_vc_json")
    oauth_error(r, "invalid_credential_request")
    # The offer is redeemed: the pre-authorized code is refused now.
    oauth_error(wallet.pre_authorized_token(), "invalid_grant")
    actions = audit_actions(client, urlsplit(wallet.issuer).path.rsplit("/", 1)[1])
    assert "offer.authorize" in actions and "offer.redeem" in actions


def test_flow_with_authorization_details_and_dpop(client: SyncClient, tenant: tuple[str, str, str]) -> None:
    wallet = new_wallet(client, tenant, tx_code=False)
    key, other = PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(KeyAlgorithm.ED25519)
    details = [{"type": "openid_credential", "credential_configuration_id": "ob3_jwt_vc_json"}]
    request_uri = wallet.request_uri(
        {"DPoP": dpop_proof(key, wallet.url("par"))}, scope=None, authorization_details=json.dumps(details)
    )
    page = wallet.page(request_uri)
    assert page.status_code == 200 and 'id="tx_code"' not in page.text  # the offer has no tx_code
    assert "Open Badge 3.0 (VC-JWT)" in page.text
    code = redirect_params(wallet.decide(request_uri))["code"]

    # The code is bound to the PAR's DPoP key (RFC 9449 §10): no proof, or another key's, is refused
    # (and does not use up the code).
    oauth_error(wallet.token(code), "invalid_dpop_proof")
    oauth_error(wallet.token(code, {"DPoP": dpop_proof(other, wallet.url("token"))}), "invalid_dpop_proof")
    r = wallet.token(code, {"DPoP": dpop_proof(key, wallet.url("token"))})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "DPoP"
    assert body["authorization_details"] == [
        {
            "type": "openid_credential",
            "credential_configuration_id": "ob3_jwt_vc_json",
            "credential_identifiers": ["ob3_jwt_vc_json"],
        }
    ]
    token = body["access_token"]

    def dpop(endpoint: str = "credential") -> dict[str, str]:
        return {
            "Authorization": f"DPoP {token}",
            "DPoP": dpop_proof(key, wallet.url(endpoint), access_token=token),
        }

    oauth_error(
        wallet.credential(bearer(token), credential_identifier="ob3_jwt_vc_json"), "invalid_token", 401
    )
    # With credential identifiers, credential requests name them (OpenID4VCI §8.2).
    oauth_error(
        wallet.credential(dpop(), credential_configuration_id="ob3_jwt_vc_json"), "invalid_credential_request"
    )
    oauth_error(
        wallet.credential(dpop(), credential_identifier="ob3_ldp_vc"), "unknown_credential_identifier"
    )
    r = wallet.credential(dpop(), credential_identifier="ob3_jwt_vc_json")
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["credentials"][0]["credential"], str)
    r = client.post(
        f"{wallet.path}/oid4vci/notification",
        json={"notification_id": r.json()["notification_id"], "event": "credential_accepted"},
        headers=dpop("notification"),
    )
    assert r.status_code == 204, r.text


def test_dpop_jkt_parameter(client: SyncClient, tenant: tuple[str, str, str]) -> None:
    key, other = PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(KeyAlgorithm.P256)
    jkt = jwk_thumbprint(key.public_key().jwk())
    wallet = new_wallet(client, tenant, tx_code=False)
    # dpop_jkt and a DPoP proof of another key disagree (RFC 9449 §10.1).
    r = wallet.par({"DPoP": dpop_proof(other, wallet.url("par"))}, dpop_jkt=jkt)
    oauth_error(r, "invalid_dpop_proof")
    oauth_error(wallet.par(dpop_jkt="not-a-thumbprint"), "invalid_request")
    # Both agreeing is fine; so is dpop_jkt alone.
    assert wallet.par({"DPoP": dpop_proof(key, wallet.url("par"))}, dpop_jkt=jkt).status_code == 201
    code = wallet.code(dpop_jkt=jkt)
    oauth_error(wallet.token(code, {"DPoP": dpop_proof(other, wallet.url("token"))}), "invalid_dpop_proof")
    r = wallet.token(code, {"DPoP": dpop_proof(key, wallet.url("token"))})
    assert r.status_code == 200 and r.json()["token_type"] == "DPoP", r.text


def test_a_dpop_proof_at_the_token_endpoint_alone_binds_the_token(wallet: Wallet) -> None:
    key = PrivateKey.generate(KeyAlgorithm.ED25519)
    code = wallet.code()
    r = wallet.token(code, {"DPoP": dpop_proof(key, wallet.url("token"))})
    assert r.status_code == 200 and r.json()["token_type"] == "DPoP", r.text
    token = r.json()["access_token"]
    oauth_error(
        wallet.credential(bearer(token), credential_configuration_id="ob3_ldp_vc"), "invalid_token", 401
    )
    headers = {
        "Authorization": f"DPoP {token}",
        "DPoP": dpop_proof(key, wallet.url("credential"), access_token=token),
    }
    assert wallet.credential(headers, credential_configuration_id="ob3_ldp_vc").status_code == 200


# -- refusals at the PAR endpoint -----------------------------------------------------------------------
def test_par_refusals(client: SyncClient, tenant: tuple[str, str, str], wallet: Wallet) -> None:
    oauth_error(wallet.par(issuer_state=None), "invalid_request")
    oauth_error(wallet.par(issuer_state=wallet.issuer_state[:-2] + "xx"), "invalid_request")
    # The pre-authorized code is not an issuer_state.
    oauth_error(
        wallet.par(issuer_state=wallet.document["grants"][PRE_AUTH]["pre-authorized_code"]), "invalid_request"
    )
    # Another tenant's offer.
    other_slug, other_token = make_tenant(client)
    assert (
        client.post(f"/v1/issuers/{other_slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code
        == 201
    )
    foreign = new_wallet(
        client,
        (
            other_slug,
            other_token,
            str(
                issue(client, other_slug, other_token, create_template(client, other_slug, other_token))[
                    "credential_id"
                ]
            ),
        ),
    )
    oauth_error(wallet.par(issuer_state=foreign.issuer_state), "invalid_request")

    oauth_error(wallet.par(code_challenge_method="plain", code_challenge=wallet.verifier), "invalid_request")
    oauth_error(wallet.par(code_challenge_method=None), "invalid_request")
    oauth_error(wallet.par(code_challenge=None), "invalid_request")
    oauth_error(wallet.par(code_challenge="short"), "invalid_request")
    oauth_error(wallet.par(response_type=None), "invalid_request")
    oauth_error(wallet.par(response_type="token"), "unsupported_response_type")
    oauth_error(wallet.par(client_id=None), "invalid_request")
    oauth_error(wallet.par(client_id="x" * 201), "invalid_request")
    oauth_error(wallet.par(request_uri="urn:ietf:params:oauth:request_uri:x"), "invalid_request")
    for bad in (
        None,
        "/callback",
        "http://wallet.example/callback",
        "https://wallet.example/callback#frag",
        "javascript:alert(1)",
        "https:///nohost",
    ):
        oauth_error(wallet.par(redirect_uri=bad), "invalid_request")
    for good in ("http://127.0.0.1:8123/cb", "http://[::1]/cb", "eu.europa.ec.wallet:/callback", "haip://cb"):
        assert wallet.par(redirect_uri=good).status_code == 201, good
    # Configurations not in the offer (which has ob3_ldp_vc and ob3_jwt_vc_json).
    oauth_error(wallet.par(scope="eudi_learning_credential_dc_sd_jwt"), "invalid_scope")
    oauth_error(wallet.par(scope="ob3_ldp_vc openid"), "invalid_scope")
    oauth_error(wallet.par(scope=None), "invalid_scope")
    oauth_error(wallet.par(scope=""), "invalid_scope")
    for details in (
        [{"type": "openid_credential", "credential_configuration_id": "eudi_learning_credential_dc_sd_jwt"}],
        [{"type": "openid_credential"}],
        [{"type": "payment_initiation", "credential_configuration_id": "ob3_ldp_vc"}],
        [],
        {"type": "openid_credential", "credential_configuration_id": "ob3_ldp_vc"},
    ):
        oauth_error(
            wallet.par(scope=None, authorization_details=json.dumps(details)), "invalid_authorization_details"
        )
    oauth_error(wallet.par(authorization_details="[not json"), "invalid_authorization_details")
    # A member named twice: JSON readers disagree on which one counts (the genuine one last here).
    twice = (
        '[{"type": "openid_credential", "credential_configuration_id": "eudi_learning_credential_dc_sd_jwt",'
    )
    twice += ' "credential_configuration_id": "ob3_ldp_vc"}]'
    oauth_error(wallet.par(scope=None, authorization_details=twice), "invalid_authorization_details")
    # Each parameter once (RFC 6749 §3.1).
    r = client.post(
        f"{wallet.path}/oid4vci/par",
        content="response_type=code&response_type=code",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    oauth_error(r, "invalid_request")
    # The PAR endpoint takes POST only.
    assert client.get(f"{wallet.path}/oid4vci/par").status_code == 405
    # A spent or revoked offer cannot start the flow.
    slug, token, _ = tenant
    assert (
        client.delete(f"/v1/issuers/{slug}/offers/{wallet.offer['id']}", headers=bearer(token)).status_code
        == 200
    )
    oauth_error(wallet.par(), "invalid_request")


# -- refusals at the authorization endpoint -------------------------------------------------------------
def test_authorization_endpoint_refusals(client: SyncClient, wallet: Wallet) -> None:
    # A plain authorization request (not pushed): refused, and not redirected (RFC 9126 §4).
    plain = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "code_challenge": s256(wallet.verifier),
        "code_challenge_method": "S256",
        "issuer_state": wallet.issuer_state,
        "scope": "ob3_ldp_vc",
    }
    error_page(client.get(f"{wallet.path}/oid4vci/authorize", params=plain, headers=PAGE))
    error_page(wallet.page("urn:ietf:params:oauth:request_uri:made-up"))
    request_uri = wallet.request_uri()
    # Another client_id than the pushed request's.
    error_page(wallet.page(request_uri, client_id="another-wallet"))
    error_page(wallet.decide(request_uri, tx_code=wallet.offer["tx_code"], client_id="another-wallet"))
    error_page(
        client.get(f"{wallet.path}/oid4vci/authorize", params={"request_uri": request_uri}, headers=PAGE)
    )
    # Another tenant's authorization endpoint does not know it.
    other_slug, _ = make_tenant(client)
    r = client.get(
        f"/issuers/{other_slug}/oid4vci/authorize",
        params={"client_id": CLIENT_ID, "request_uri": request_uri},
        headers=PAGE,
    )
    error_page(r)
    # Single use: once decided, the request_uri is spent.
    assert wallet.page(request_uri).status_code == 200
    redirect_params(wallet.decide(request_uri, tx_code=wallet.offer["tx_code"]))
    error_page(wallet.page(request_uri))
    error_page(wallet.decide(request_uri, tx_code=wallet.offer["tx_code"]))


def test_expired_request_uri(client: SyncClient, wallet: Wallet) -> None:
    request_uri = wallet.request_uri()
    set_expiry(client, wallet.offer["id"], expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    error_page(wallet.page(request_uri))
    error_page(wallet.decide(request_uri, tx_code=wallet.offer["tx_code"]))
    # The request_uri lives 60 s; once the page was shown in time, the learner has until 10 minutes
    # after the push to find the code and decide.
    request_uri = wallet.request_uri()
    assert lifetime(client, request_uri) == dt.timedelta(seconds=60)
    assert wallet.page(request_uri).status_code == 200
    assert lifetime(client, request_uri) == dt.timedelta(minutes=10)
    assert wallet.page(request_uri).status_code == 200
    assert lifetime(client, request_uri) == dt.timedelta(minutes=10)
    assert redirect_params(wallet.decide(request_uri, tx_code=wallet.offer["tx_code"]))["code"]


def test_cancel(client: SyncClient, wallet: Wallet) -> None:
    request_uri = wallet.request_uri()
    assert wallet.page(request_uri).status_code == 200
    params = redirect_params(wallet.decide(request_uri, action="deny"))
    assert params["error"] == "access_denied" and "code" not in params
    assert params["state"] == wallet.state and params["iss"] == wallet.issuer
    error_page(wallet.decide(request_uri, tx_code=wallet.offer["tx_code"]))
    slug = urlsplit(wallet.issuer).path.rsplit("/", 1)[1]
    assert "offer.deny" in audit_actions(client, slug)
    # Cancelling does not spend the offer: the learner may start again.
    assert wallet.code()


def test_wrong_tx_code_three_times_burns_the_offer(client: SyncClient, wallet: Wallet) -> None:
    tx = wallet.offer["tx_code"]
    wrong = "000000" if tx != "000000" else "111111"
    request_uri = wallet.request_uri()
    r = wallet.decide(request_uri, tx_code="")
    assert r.status_code == 400 and 'aria-invalid="true"' in r.text  # an empty code does not count
    for _ in range(2):
        r = wallet.decide(request_uri, tx_code=wrong)
        assert r.status_code == 400 and "location" not in r.headers
        assert (
            'role="alert"' in r.text and 'aria-invalid="true"' in r.text and '<label for="tx_code">' in r.text
        )
    params = redirect_params(wallet.decide(request_uri, tx_code=wrong))
    assert params["error"] == "access_denied" and params["state"] == wallet.state
    # The offer is burnt for both flows.
    oauth_error(wallet.pre_authorized_token(), "invalid_grant")
    oauth_error(wallet.par(), "invalid_request")
    assert client.get(urlsplit(wallet.offer["credential_offer_uri"]).path).status_code == 409


def test_wrong_tx_codes_count_across_both_flows(client: SyncClient, wallet: Wallet) -> None:
    tx = wallet.offer["tx_code"]
    wrong = "000000" if tx != "000000" else "111111"
    grant = wallet.document["grants"][PRE_AUTH]["pre-authorized_code"]
    for _ in range(2):
        r = client.post(
            f"{wallet.path}/oid4vci/token",
            data={"grant_type": PRE_AUTH, "pre-authorized_code": grant, "tx_code": wrong},
        )
        oauth_error(r, "invalid_grant")
    request_uri = wallet.request_uri()
    assert redirect_params(wallet.decide(request_uri, tx_code=wrong))["error"] == "access_denied"


# -- refusals at the token endpoint ---------------------------------------------------------------------
def test_token_refusals_and_a_reused_code(client: SyncClient, wallet: Wallet) -> None:
    code = wallet.code()
    oauth_error(wallet.token(code, code_verifier=secrets.token_urlsafe(48)), "invalid_grant")
    oauth_error(wallet.token(code, code_verifier="short"), "invalid_request")
    oauth_error(wallet.token(code, redirect_uri="https://wallet.example/other"), "invalid_grant")
    oauth_error(wallet.token(code, client_id="another-wallet"), "invalid_grant")
    oauth_error(wallet.token(code, code_verifier=""), "invalid_request")
    oauth_error(wallet.token("made-up-code"), "invalid_grant")
    # None of these used the code up.
    r = wallet.token(code)
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    # A code used twice is refused, and the token it gave is revoked (RFC 6749 §4.1.2).
    oauth_error(wallet.token(code), "invalid_grant")
    oauth_error(
        wallet.credential(bearer(token), credential_configuration_id="ob3_ldp_vc"), "invalid_token", 401
    )
    slug = urlsplit(wallet.issuer).path.rsplit("/", 1)[1]
    assert "offer.token_revoked" in audit_actions(client, slug)


def test_code_from_another_tenant_or_expired(client: SyncClient, tenant: tuple[str, str, str]) -> None:
    wallet = new_wallet(client, tenant, tx_code=False)
    code = wallet.code()
    other_slug, _ = make_tenant(client)
    form = {
        "grant_type": AUTH_CODE,
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": wallet.verifier,
        "client_id": CLIENT_ID,
    }
    oauth_error(client.post(f"/issuers/{other_slug}/oid4vci/token", data=form), "invalid_grant")
    set_expiry(client, wallet.offer["id"], code_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    oauth_error(wallet.token(code), "invalid_grant")


def test_an_offer_is_redeemed_once_by_either_flow(client: SyncClient, tenant: tuple[str, str, str]) -> None:
    # Pre-authorized first: a code approved before is refused afterwards.
    wallet = new_wallet(client, tenant)
    code = wallet.code()
    assert wallet.pre_authorized_token().status_code == 200
    oauth_error(wallet.token(code), "invalid_grant")
    oauth_error(wallet.par(), "invalid_request")
    # Authorization code first: the pre-authorized code is refused afterwards.
    wallet = new_wallet(client, tenant)
    assert wallet.token(wallet.code()).status_code == 200
    oauth_error(wallet.pre_authorized_token(), "invalid_grant")
    # A learner who reaches the page after the offer was redeemed goes back to the wallet, denied.
    wallet = new_wallet(client, tenant)
    request_uri = wallet.request_uri()
    assert wallet.pre_authorized_token().status_code == 200
    assert redirect_params(wallet.page(request_uri))["error"] == "access_denied"
    error_page(wallet.page(request_uri))
    # A second approved code for the same offer gets nothing either.
    wallet = new_wallet(client, tenant, tx_code=False)
    first, second = wallet.code(), wallet.code()
    assert wallet.token(first).status_code == 200
    oauth_error(wallet.token(second), "invalid_grant")


def test_pre_authorized_flow_is_unchanged(wallet: Wallet) -> None:
    r = wallet.pre_authorized_token()
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer", r.text
    assert "authorization_details" not in r.json()
    token = r.json()["access_token"]
    for config_id in ("ob3_ldp_vc", "ob3_jwt_vc_json"):
        r = wallet.credential(bearer(token), credential_configuration_id=config_id)
        assert r.status_code == 200, r.text
    oauth_error(
        wallet.credential(bearer(token), credential_identifier="ob3_ldp_vc"), "unknown_credential_identifier"
    )
    oauth_error(
        wallet.client.post(f"{wallet.path}/oid4vci/token", data={"grant_type": "client_credentials"}),
        "unsupported_grant_type",
    )

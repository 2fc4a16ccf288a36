"""Issue 19: the OpenID4VP 1.0 verifier. A tenant asks a wallet for credentials with a DCQL query; the
wallet (tests/app/oid4vp/holder.py: jwcrypto for JWS and JWE) fetches the signed request object,
answers with SD-JWT VCs (the EU Learning Credential and our micro-credential type, received through our
OpenID4VCI issuer and bound to the holder's key) or an ``ldp_vp``, encrypted (direct_post.jwt) or not
(direct_post), cross-device or same-device; each refusal carries its reason. SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography import x509

from app.errors import problem_type
from app.main import create_app
from app.testing import SyncClient
from proofs.data_integrity import hash_data
from proofs.keys import KeyAlgorithm, PrivateKey, PublicKey
from proofs.multibase import multibase_encode
from proofs.sd_jwt import issue_sd_jwt
from proofs.x509 import issue_leaf, make_ca, pem_chain, x5c_chain
from tests.app.helpers import create_template, issue, key_proof
from tests.app.keys.test_certificates import _leaf, _root
from tests.app.oid4vp.holder import Request, fetch_request, path_of, present_sd_jwt, replay, respond
from tests.app.presentations.test_verify_presentation import LOADER, presentation, sign_presentation
from tests.conftest import ADMIN, bearer, make_settings, make_tenant

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
LEARNING_VCT = "urn:eu.europa.ec.eudi:learning:credential:1"
HOLDER = PrivateKey.generate(KeyAlgorithm.P256)
LDP_HOLDER = PrivateKey.generate(KeyAlgorithm.ED25519)


def _tenant(client: SyncClient) -> tuple[str, str]:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    return slug, token


def _receive(
    client: SyncClient | httpx.Client,
    slug: str,
    token: str,
    cid: str,
    formats: tuple[str, ...] = ("dc+sd-jwt", "dc+sd-jwt:micro-credential"),
) -> dict[str, Any]:
    """Our OpenID4VCI issuer's copies of credential ``cid`` in ``formats``, bound to HOLDER:
    configuration -> credential."""
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{cid}/offers",
        json={"formats": list(formats), "tx_code": False},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    document = client.get(urlsplit(r.json()["credential_offer_uri"]).path).json()
    issuer = document["credential_issuer"]
    path = urlsplit(issuer).path
    code = document["grants"][PRE_AUTH]["pre-authorized_code"]
    r = client.post(f"{path}/oid4vci/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code})
    assert r.status_code == 200, r.text
    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
    out = {}
    for config in document["credential_configuration_ids"]:
        nonce = client.post(f"{path}/oid4vci/nonce").json()["c_nonce"]
        proof = key_proof(HOLDER, aud=issuer, nonce=nonce)
        r = client.post(
            f"{path}/oid4vci/credential",
            json={"credential_configuration_id": config, "proofs": {"jwt": [proof]}},
            headers=auth,
        )
        assert r.status_code == 200, r.text
        out[config] = r.json()["credentials"][0]["credential"]
    return out


@pytest.fixture(scope="module")
def world(client: SyncClient) -> dict[str, Any]:
    """An issuer with one credential in both SD-JWT VC types and as an OB 3.0 ldp_vc, a verifier
    tenant, and the deployment's CA certificate (what wallets trust for request objects)."""
    slug, token = _tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    cid = str(out["credential_id"])
    received = _receive(client, slug, token, cid)
    ldp = client.get(f"/credentials/{cid}", headers={"Accept": "application/ld+json"}).json()
    vslug, vtoken = _tenant(client)
    micro_vct = client.get(f"/.well-known/openid-credential-issuer/issuers/{slug}").json()[
        "credential_configurations_supported"
    ]["shomei_micro_credential_dc_sd_jwt"]["vct"]
    return {
        "issuer": (slug, token, cid),
        "issuer_id": f"https://shomei.test/issuers/{slug}",
        "learning": received["eudi_learning_credential_dc_sd_jwt"],
        "micro": received["shomei_micro_credential_dc_sd_jwt"],
        "micro_vct": micro_vct,
        "ldp": ldp,
        "verifier": (vslug, vtoken),
        "ca": client.get("/ca.pem").text,
    }


def _sd_query(qid: str, vct: str, claims: list[str]) -> dict[str, Any]:
    return {
        "id": qid,
        "format": "dc+sd-jwt",
        "meta": {"vct_values": [vct]},
        "claims": [{"path": [c]} for c in claims],
    }


def _ask(client: SyncClient, world: dict[str, Any], query: dict[str, Any], **body: Any) -> dict[str, Any]:
    slug, token = world["verifier"]
    r = client.post(
        f"/v1/issuers/{slug}/presentation-requests",
        json={"dcql_query": query, "purpose": "Hiring: check the applicant's micro-credential", **body},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _status(client: SyncClient, world: dict[str, Any], made: dict[str, Any]) -> dict[str, Any]:
    r = client.get(path_of(made["status_url"]), headers=bearer(world["verifier"][1]))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _learning_query(claims: list[str] | None = None) -> dict[str, Any]:
    names = claims if claims is not None else ["given_name", "family_name", "achievement_title"]
    return {"credentials": [_sd_query("learning", LEARNING_VCT, names)]}


def test_sd_jwt_vc_both_types_cross_device_encrypted(client: SyncClient, world: dict[str, Any]) -> None:
    query = {
        "credentials": [
            _sd_query("learning", LEARNING_VCT, ["given_name", "achievement_title"]),
            _sd_query("micro", world["micro_vct"], ["family_name", "achievement_title"]),
        ],
        "credential_sets": [{"options": [["learning", "micro"]], "required": True}],
    }
    made = _ask(client, world, query, trusted_issuers=[world["issuer_id"]])
    assert set(made) >= {"id", "request_uri", "deep_link", "qr_svg_url", "status_url", "page_url"}
    assert made["deep_link"].startswith("openid4vp://?client_id=x509_hash%3A")
    assert made["status"] == "pending" and _status(client, world, made)["result"] is None
    assert client.get(path_of(made["qr_svg_url"])).text.startswith("<svg")
    # The employer's screen shows the QR code and polls until the wallet answers.
    page = client.get(path_of(made["page_url"]))
    assert page.status_code == 200 and "openid4vp://" in page.text and 'id="waiting"' in page.text
    view = parse_qs(urlsplit(made["page_url"]).query)["view"][0]
    poll = f"{path_of(made['request_uri'])}/poll"
    assert client.get(poll, params={"view": view}).json() == {"status": "pending"}
    assert client.get(poll, params={"view": "guess"}).status_code == 404

    request = fetch_request(client, made["deep_link"], world["ca"])
    payload = request.payload
    assert payload["response_mode"] == "direct_post.jwt" and payload["aud"] == "https://self-issued.me/v2"
    assert payload["client_metadata"]["jwks"]["keys"][0]["kty"] == "EC"
    assert "d" not in payload["client_metadata"]["jwks"]["keys"][0]
    assert client.get(poll, params={"view": view}).json() == {"status": "retrieved"}
    vp_token = {
        **_learning(world["learning"])(request),
        "micro": [
            present_sd_jwt(
                world["micro"], HOLDER, aud=request.client_id, nonce=request.nonce, disclose={"family_name"}
            )
        ],
    }
    answer = respond(client, request, vp_token)
    assert answer.response.status_code == 200, answer.response.text
    assert "redirect_uri" not in answer.response.json()  # cross-device: nothing to redirect

    status = _status(client, world, made)
    result = status["result"]
    assert status["status"] == "verified" and result["verified"], result
    assert result["reasons"] == [] and result["unanswered"] == []
    by_query = {p["query_id"]: p for p in result["presentations"]}
    assert by_query["learning"]["claims"]["given_name"] == "Aiko"
    assert "family_name" not in by_query["learning"]["claims"]  # not disclosed: not seen
    assert by_query["micro"]["claims"]["family_name"] == "Tanaka"
    assert by_query["micro"]["claims"]["vct"] == world["micro_vct"]
    for entry in by_query.values():
        assert entry["issuer"] == world["issuer_id"]
        # The issuer trust of POST /v1/verify, for an SD-JWT VC too: our test issuer is on no list.
        assert (
            entry["issuer_trust"]["issuer"] == world["issuer_id"] and entry["issuer_trust"]["known"] is False
        )
        outcomes = {c["id"]: c["outcome"] for c in entry["checks"]}
        for check in ("proof", "issuer", "holder", "status", "disclosure", "query-type", "trusted-issuer"):
            assert outcomes[check] == "passed", (check, entry["checks"])
    # The page shows the result (disclosed claims, the issuer, every check).
    page = client.get(path_of(made["page_url"]))
    assert 'class="verdict valid"' in page.text and "Aiko" in page.text and world["issuer_id"] in page.text
    japanese = client.get(path_of(made["page_url"]) + "&lang=ja")  # the employer's page in Japanese too
    assert (
        '<html lang="ja">' in japanese.text and "開示された項目" in japanese.text and "Aiko" in japanese.text
    )
    assert client.get(poll, params={"view": view}).json() == {"status": "verified"}

    # The same response again is a replay: refused, and the stored result is unchanged.
    again = replay(client, request, answer)
    assert again.status_code == 400 and again.json()["reason"] == "replayed-response"
    assert again.json()["error"] == "invalid_request"
    assert _status(client, world, made)["result"] == result
    # The request object is spent too.
    assert client.get(path_of(made["request_uri"])).json()["reason"] == "request-verified"
    actions = [
        e["action"] for e in client.get(f"/v1/issuers/{world['verifier'][0]}/audit", headers=ADMIN).json()
    ]
    assert {"presentation-request.create", "presentation-request.answer"} <= set(actions)


def test_same_device_plain_direct_post_and_ldp_vp(client: SyncClient, world: dict[str, Any]) -> None:
    query = {
        "credentials": [
            {
                "id": "badge",
                "format": "ldp_vc",
                "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
                "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
                # The public copy names no holder DID: only a query that does not require Cryptographic
                # Holder Binding (OpenID4VP 1.0 §6.1) accepts it.
                "require_cryptographic_holder_binding": False,
            }
        ]
    }
    made = _ask(client, world, query, flow="same_device", response_mode="direct_post")
    request = fetch_request(client, made["deep_link"], world["ca"])
    assert request.payload["response_mode"] == "direct_post"
    assert "encrypted_response_enc_values_supported" not in request.payload["client_metadata"]
    vp = sign_presentation(
        presentation(world["ldp"], holder=LDP_HOLDER.public_key().did_key()),
        LDP_HOLDER,
        challenge=request.nonce,
        domain=request.client_id,
    )
    answer = respond(client, request, {"badge": [vp]})
    assert answer.response.status_code == 200, answer.response.text
    redirect = answer.response.json()["redirect_uri"]
    assert "response_code=" in redirect
    status = _status(client, world, made)
    assert status["status"] == "verified", status["result"]
    entry = status["result"]["presentations"][0]
    assert entry["format"] == "ldp_vc" and entry["issuer"].startswith("did:")
    outcomes = {c["id"]: c["outcome"] for c in entry["checks"]}
    assert outcomes["challenge"] == outcomes["domain"] == outcomes["disclosure"] == "passed"
    assert outcomes["subject-binding"] == "warning"
    # The issuer trust of POST /v1/verify: a test tenant is on no trust list.
    assert entry["issuer_trust"]["issuer"] == entry["issuer"] and entry["issuer_trust"]["known"] is False
    # The wallet's browser lands on the result page with the response code; without it there is none.
    page = client.get(path_of(redirect))
    assert page.status_code == 200 and 'class="verdict valid"' in page.text
    assert 'class="issuer-trust" data-known="false"' in page.text
    assert client.get(path_of(made["request_uri"]) + "/page?response_code=other").status_code == 404


Answerer = Callable[[Request], dict[str, Any]]


def _learning(credential: str, disclose: frozenset[str] = frozenset({"given_name"})) -> Answerer:
    """The vp_token presenting ``credential`` for the query ``learning``, bound to the request."""

    def token(request: Request) -> dict[str, Any]:
        presented = present_sd_jwt(
            credential, HOLDER, aud=request.client_id, nonce=request.nonce, disclose=set(disclose)
        )
        return {"learning": [presented]}

    return token


def _refused(
    client: SyncClient, world: dict[str, Any], made: dict[str, Any], vp_token: Answerer
) -> dict[str, Any]:
    request = fetch_request(client, made["deep_link"], world["ca"])
    answer = respond(client, request, vp_token(request))
    assert answer.response.status_code == 200, answer.response.text
    status = _status(client, world, made)
    assert status["status"] == "rejected" and not status["result"]["verified"], status
    # The employer's page says so, naming each reason.
    page = client.get(path_of(made["page_url"]))
    assert 'class="verdict invalid"' in page.text
    assert all(f"({reason})" in page.text for reason in status["result"]["reasons"])
    return dict(status["result"])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"nonce": "another-nonce"}, "nonce-mismatch"),
        ({"aud": "x509_hash:someone-else"}, "audience-mismatch"),
        ({"iat": int(time.time()) - 3600}, "key-binding-stale"),
        ({"disclose": {"given_name"}}, "claim-not-disclosed"),
    ],
)
def test_sd_jwt_refusals(
    client: SyncClient, world: dict[str, Any], change: dict[str, Any], reason: str
) -> None:
    made = _ask(client, world, _learning_query(["given_name", "family_name"]))

    def token(request: Request) -> dict[str, Any]:
        options: dict[str, Any] = {
            "aud": request.client_id,
            "nonce": request.nonce,
            "disclose": {"given_name", "family_name"},
            **change,
        }
        return {"learning": [present_sd_jwt(world["learning"], HOLDER, **options)]}

    result = _refused(client, world, made, token)
    assert result["reasons"] == [reason]
    failed = [c for c in result["presentations"][0]["checks"] if c["outcome"] == "failed"]
    assert failed and all(c["type"] == problem_type(reason) or c["id"] == "holder" for c in failed)
    if reason == "claim-not-disclosed":
        assert failed[0]["details"]["missing"] == ["family_name"]


def test_a_presentation_with_a_non_ascii_disclosure_is_refused_and_recorded(
    client: SyncClient, world: dict[str, Any]
) -> None:
    """A character outside base64url in a Disclosure is an unreadable presentation (RFC 9901 §7.1): the
    answer is recorded as refused, not a 500 that leaves the request retrieved and unanswered."""
    made = _ask(client, world, _learning_query(["given_name"]))

    def token(request: Request) -> dict[str, Any]:
        presented = _learning(world["learning"])(request)["learning"][0]
        jwt, rest = presented.split("~", 1)
        return {"learning": [f"{jwt}~\u00e9{rest}"]}

    result = _refused(client, world, made, token)
    assert result["reasons"] == ["unreadable-credential"]


def _without_kb(presented: str) -> str:
    return presented.rsplit("~", 1)[0] + "~"


def test_an_sd_jwt_vc_without_key_binding_answers_a_query_that_does_not_require_it(
    client: SyncClient, world: dict[str, Any]
) -> None:
    """OpenID4VP 1.0 §6.1: with require_cryptographic_holder_binding false the verifier accepts a
    credential without a holder binding proof (an SD-JWT VC without a KB-JWT); a KB-JWT that is there
    anyway is still checked against the request (aud, nonce); by default one is required."""
    relaxed = {
        **_sd_query("learning", LEARNING_VCT, ["given_name"]),
        "require_cryptographic_holder_binding": False,
    }
    made = _ask(client, world, {"credentials": [relaxed]})
    request = fetch_request(client, made["deep_link"], world["ca"])
    presented = _learning(world["learning"])(request)["learning"][0]
    assert respond(client, request, {"learning": [_without_kb(presented)]}).response.status_code == 200
    status = _status(client, world, made)
    assert status["status"] == "verified" and status["result"]["verified"], status
    holder = [c for c in status["result"]["presentations"][0]["checks"] if c["id"] == "holder"]
    assert [c["outcome"] for c in holder] == ["warning"]

    made = _ask(client, world, {"credentials": [relaxed]})

    def stale_nonce(request: Request) -> dict[str, Any]:
        nonce = "not-this-request"
        return {
            "learning": [
                present_sd_jwt(
                    world["learning"], HOLDER, aud=request.client_id, nonce=nonce, disclose={"given_name"}
                )
            ]
        }

    assert _refused(client, world, made, stale_nonce)["reasons"] == ["nonce-mismatch"]

    made = _ask(client, world, _learning_query(["given_name"]))
    result = _refused(
        client,
        world,
        made,
        lambda r: {"learning": [_without_kb(_learning(world["learning"])(r)["learning"][0])]},
    )
    assert result["reasons"] == ["key-binding-missing"]


def test_untrusted_issuers_are_refused(client: SyncClient, world: dict[str, Any]) -> None:
    # An issuer the request does not name among its trusted issuers.
    made = _ask(
        client, world, _learning_query(["given_name"]), trusted_issuers=["https://other.example/issuer"]
    )
    result = _refused(client, world, made, _learning(world["learning"]))
    assert result["reasons"] == ["untrusted-issuer"]

    # A well-formed SD-JWT VC whose x5c chain ends at a CA the deployment does not trust.
    now = dt.datetime.now(dt.UTC)
    ca_key, leaf_key = PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(KeyAlgorithm.P256)
    ca = make_ca(
        "Rogue CA", ca_key, not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=9)
    )
    iss = "https://rogue.example/issuer"
    leaf = issue_leaf(
        ca_key,
        ca,
        leaf_key.public_key(),
        subject_name="Rogue",
        san_uri=iss,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=9),
    )
    claims = {
        "iss": iss,
        "vct": LEARNING_VCT,
        "iat": int(time.time()),
        "given_name": "Aiko",
        "cnf": {"jwk": HOLDER.public_key().jwk()},
    }
    rogue = issue_sd_jwt(
        claims,
        disclosable={"given_name"},
        key=leaf_key,
        header={"typ": "dc+sd-jwt", "alg": "ES256", "x5c": x5c_chain([leaf, ca])},
    )
    made = _ask(client, world, _learning_query(["given_name"]))
    result = _refused(client, world, made, _learning(rogue))
    assert result["reasons"] == ["untrusted-issuer"]


def test_revoked_credential_is_refused(client: SyncClient, world: dict[str, Any]) -> None:
    slug, token = world["issuer"][:2]
    out = issue(client, slug, token, create_template(client, slug, token))
    cid = str(out["credential_id"])
    learning = _receive(client, slug, token, cid)["eudi_learning_credential_dc_sd_jwt"]
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{cid}/status",
        json={"action": "revoke", "reason": "other"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    made = _ask(client, world, _learning_query(["given_name"]))
    result = _refused(client, world, made, _learning(learning))
    assert result["reasons"] == ["credential-revoked"]


def test_protocol_refusals(client: SyncClient, world: dict[str, Any]) -> None:
    made = _ask(client, world, _learning_query(["given_name"]))
    request = fetch_request(client, made["deep_link"], world["ca"])
    token = {
        "learning": [
            present_sd_jwt(
                world["learning"], HOLDER, aud=request.client_id, nonce=request.nonce, disclose={"given_name"}
            )
        ]
    }
    response_path = path_of(request.payload["response_uri"])
    # Not encrypted although the request asked for direct_post.jwt; a wrong state; garbage JWE: each
    # refused without spending the request.
    r = client.post(response_path, data={"vp_token": "{}", "state": request.payload["state"]})
    assert r.status_code == 400 and r.json()["reason"] == "encryption-required"
    assert respond(client, request, token, state="wrong").response.json()["reason"] == "state-mismatch"
    r = client.post(response_path, data={"response": "a.b.c.d.e"})
    assert r.status_code == 400 and r.json()["reason"] == "undecryptable-response"
    assert _status(client, world, made)["status"] == "retrieved"
    # An answer to a query the request did not make spends it.
    r = respond(client, request, {"other": token["learning"]}).response
    assert r.status_code == 400 and r.json()["reason"] == "unknown-query-id"
    assert _status(client, world, made)["result"]["reasons"] == ["unknown-query-id"]
    assert respond(client, request, token).response.json()["reason"] == "replayed-response"


def test_creation_is_checked(client: SyncClient, world: dict[str, Any]) -> None:
    slug, token = world["verifier"]
    bad = [
        {"credentials": []},
        {"credentials": [{"id": "x", "format": "mso_mdoc", "meta": {"doctype_value": "x"}}]},
        {"credentials": [{"id": "x", "format": "dc+sd-jwt", "meta": {}}]},
        {
            "credentials": [_sd_query("a", LEARNING_VCT, ["given_name"])],
            "credential_sets": [{"options": [["b"]]}],
        },
        # §6.1: require_cryptographic_holder_binding is a boolean.
        {
            "credentials": [
                {**_sd_query("a", LEARNING_VCT, ["given_name"]), "require_cryptographic_holder_binding": "no"}
            ]
        },
    ]
    for query in bad:
        r = client.post(
            f"/v1/issuers/{slug}/presentation-requests", json={"dcql_query": query}, headers=bearer(token)
        )
        assert r.status_code == 422 and r.json()["type"] == problem_type("invalid-dcql-query"), r.text
    # Another tenant's request is not found; a read token may read, not create.
    made = _ask(client, world, _learning_query())
    other_slug, other_token = make_tenant(client)
    r = client.get(
        f"/v1/issuers/{other_slug}/presentation-requests/{made['id']}", headers=bearer(other_token)
    )
    assert r.status_code == 404
    # A verifier without a P-256 key cannot sign a request object.
    r = client.post(
        f"/v1/issuers/{other_slug}/presentation-requests",
        json={"dcql_query": _learning_query()},
        headers=bearer(other_token),
    )
    assert r.status_code == 409 and r.json()["type"] == problem_type("signing-key-missing")
    # x509_san_dns: the client identifier is the DNS name in the certificate.
    made = _ask(client, world, _learning_query(), client_id_prefix="x509_san_dns")
    assert fetch_request(client, made["deep_link"], world["ca"]).client_id == "x509_san_dns:shomei.test"


class _Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.at = dt.datetime.now(dt.UTC)

    def now(self) -> dt.datetime:
        return self.at


def test_expired_requests_are_refused(database_url: str, world: dict[str, Any]) -> None:
    clock = _Clock()
    late = SyncClient(create_app(make_settings(database_url), clock=clock))
    try:
        made = _ask(late, world, _learning_query(["given_name"]), expires_in=60)
        request = fetch_request(late, made["deep_link"], world["ca"])
        clock.at += dt.timedelta(seconds=61)
        r = late.get(path_of(made["request_uri"]))
        assert r.status_code == 400 and r.json()["reason"] == "request-expired"
        token = _learning(world["learning"])(request)
        r = respond(late, request, token).response
        assert r.status_code == 400 and r.json()["reason"] == "request-expired"
        assert _status(late, world, made)["status"] == "expired"
        assert _status(late, world, made)["result"] is None
        page = late.get(path_of(made["page_url"]))
        assert page.status_code == 200 and "Expired" in page.text
        assert late.get(path_of(made["qr_svg_url"])).status_code == 404
    finally:
        late.close()


def test_revoked_ldp_vc_is_refused(client: SyncClient, world: dict[str, Any]) -> None:
    slug, token = world["issuer"][:2]
    cid = str(issue(client, slug, token, create_template(client, slug, token))["credential_id"])
    ldp = client.get(f"/credentials/{cid}", headers={"Accept": "application/ld+json"}).json()
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{cid}/status",
        json={"action": "revoke", "reason": "other"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    query = {
        "credentials": [
            {
                "id": "badge",
                "format": "ldp_vc",
                "meta": {"type_values": [["OpenBadgeCredential"]]},
                "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
                "require_cryptographic_holder_binding": False,  # the public copy is bound to no one
            }
        ]
    }
    made = _ask(client, world, query)

    def token_for(request: Request) -> dict[str, Any]:
        vp = sign_presentation(
            presentation(ldp, holder=LDP_HOLDER.public_key().did_key()),
            LDP_HOLDER,
            challenge=request.nonce,
            domain=request.client_id,
        )
        return {"badge": [vp]}

    result = _refused(client, world, made, token_for)
    assert result["reasons"] == ["credential-revoked"]


def test_trusted_authorities_aki(client: SyncClient, world: dict[str, Any]) -> None:
    """DCQL trusted_authorities of type aki: the issuer's x5c chain must have an authority the query
    names (our CA's key identifier passes, another is refused as an untrusted issuer)."""
    ca = x509.load_pem_x509_certificate(world["ca"].encode())
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    ours = base64.urlsafe_b64encode(ski).rstrip(b"=").decode()

    def query(values: list[str]) -> dict[str, Any]:
        credential = _sd_query("learning", LEARNING_VCT, ["given_name"])
        credential["trusted_authorities"] = [{"type": "aki", "values": values}]
        return {"credentials": [credential]}

    def answer(made: dict[str, Any]) -> dict[str, Any]:
        request = fetch_request(client, made["deep_link"], world["ca"])
        token = present_sd_jwt(
            world["learning"], HOLDER, aud=request.client_id, nonce=request.nonce, disclose={"given_name"}
        )
        assert respond(client, request, {"learning": [token]}).response.status_code == 200
        return _status(client, world, made)

    made = _ask(client, world, query([ours]))
    assert made["dcql_query"]["credentials"][0]["trusted_authorities"][0]["values"] == [ours]
    done = answer(made)
    assert done["status"] == "verified", done["result"]
    checks = {c["id"]: c["outcome"] for c in done["result"]["presentations"][0]["checks"]}
    assert checks["trusted-authority"] == "passed"
    done = answer(_ask(client, world, query(["c29tZW9uZS1lbHNl"])))
    assert done["status"] == "rejected" and done["result"]["reasons"] == ["untrusted-issuer"]
    # aki names an X.509 authority: it cannot hold an ldp_vc to anything.
    slug, token = world["verifier"]
    ldp = {
        "id": "badge",
        "format": "ldp_vc",
        "meta": {"type_values": [["OpenBadgeCredential"]]},
        "trusted_authorities": [{"type": "aki", "values": [ours]}],
    }
    r = client.post(
        f"/v1/issuers/{slug}/presentation-requests",
        json={"dcql_query": {"credentials": [ldp]}},
        headers=bearer(token),
    )
    assert r.status_code == 422 and r.json()["type"] == problem_type("invalid-dcql-query")
    assert r.json()["rule"] == "unsupported-trusted-authority"


def test_hostile_plain_responses_are_refused_not_errors(client: SyncClient, world: dict[str, Any]) -> None:
    made = _ask(client, world, _learning_query(["given_name"]), response_mode="direct_post")
    request = fetch_request(client, made["deep_link"], world["ca"])
    path = path_of(request.payload["response_uri"])
    deep = '{"learning": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = client.post(path, data={"vp_token": deep, "state": request.payload["state"]})
    assert r.status_code == 400 and r.json()["reason"] == "malformed-response"
    # A member named twice (JSON readers disagree on which one counts; issue 13): refused as malformed.
    twice = '{"learning": [{"type": ["VerifiablePresentation"], "holder": "a", "holder": "b"}]}'
    r = client.post(path, data={"vp_token": twice, "state": request.payload["state"]})
    assert r.status_code == 400 and r.json()["reason"] == "duplicate-member"
    # A state that is not ASCII is another state (compared as text: it was a TypeError, a 500).
    r = client.post(path, data={"vp_token": '{"learning": []}', "state": "état"})
    assert r.status_code == 400 and r.json()["reason"] == "state-mismatch"
    # Not an object of presentations: the state was right, so the answer spends the request.
    r = client.post(path, data={"vp_token": '"just text"', "state": request.payload["state"]})
    assert r.status_code == 400 and r.json()["reason"] == "malformed-response"
    assert _status(client, world, made)["status"] == "rejected"
    # Text neither database stores, in an answer: refused or recorded, never a 5xx.
    made = _ask(client, world, _learning_query(["given_name"]), response_mode="direct_post")
    request = fetch_request(client, made["deep_link"], world["ca"])
    path = path_of(request.payload["response_uri"])
    r = client.post(path, data={"vp_token": '{"\\ud800": ["x"]}', "state": request.payload["state"]})
    assert r.status_code == 400 and r.json()["reason"] == "unknown-query-id"
    made = _ask(client, world, _learning_query(["given_name"]), response_mode="direct_post")
    request = fetch_request(client, made["deep_link"], world["ca"])
    r = client.post(
        path_of(request.payload["response_uri"]),
        data={"error": "access\x00denied", "state": request.payload["state"]},
    )
    assert r.status_code == 200, r.text
    assert _status(client, world, made)["result"]["wallet_error"] == "access\ufffddenied"
    # The wallet's error response (the holder declined) is its answer: 200, recorded.
    made = _ask(client, world, _learning_query(["given_name"]), response_mode="direct_post")
    request = fetch_request(client, made["deep_link"], world["ca"])
    r = client.post(
        path_of(request.payload["response_uri"]),
        data={"error": "access_denied", "state": request.payload["state"]},
    )
    assert r.status_code == 200, r.text
    done = _status(client, world, made)
    assert done["status"] == "rejected" and done["result"]["reasons"] == ["wallet-declined"]
    assert done["result"]["wallet_error"] == "access_denied"


def _sign_with_did_jwk(
    vp: dict[str, Any], key: PrivateKey, did: str, *, challenge: str, domain: str
) -> dict[str, Any]:
    """An ecdsa-rdfc-2019 Data Integrity proof for authentication by ``key`` as ``did`` (its did:jwk)."""
    assert json.loads(base64.urlsafe_b64decode(did.removeprefix("did:jwk:") + "==")) == key.public_key().jwk()
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": f"{did}#0",
        "proofPurpose": "authentication",
        "challenge": challenge,
        "domain": domain,
    }
    vp = {**vp, "holder": did}
    data = hash_data(vp, {"@context": vp["@context"], **options}, algorithm=key.algorithm, loader=LOADER)
    return {**vp, "proof": {**options, "proofValue": multibase_encode(key.sign(data), base="z")}}


def test_ldp_vc_holder_binding(client: SyncClient, world: dict[str, Any]) -> None:
    """An ldp_vc issued to the holder's did:jwk (through OpenID4VCI) is accepted from that holder only."""
    slug, token, cid = world["issuer"]
    bound = _receive(client, slug, token, cid, ("ldp_vc",))["ob3_ldp_vc"]
    assert bound["credentialSubject"]["id"].startswith("did:jwk:")
    query = {
        "credentials": [
            {"id": "badge", "format": "ldp_vc", "meta": {"type_values": [["OpenBadgeCredential"]]}}
        ]
    }

    def answer(sign: Callable[[dict[str, Any], Request], dict[str, Any]]) -> dict[str, Any]:
        made = _ask(client, world, query)
        request = fetch_request(client, made["deep_link"], world["ca"])
        vp = sign(presentation(bound), request)
        assert respond(client, request, {"badge": [vp]}).response.status_code == 200
        return _status(client, world, made)

    subject = bound["credentialSubject"]["id"]
    done = answer(
        lambda vp, r: _sign_with_did_jwk(vp, HOLDER, subject, challenge=r.nonce, domain=r.client_id)
    )
    checks = {c["id"]: c["outcome"] for c in done["result"]["presentations"][0]["checks"]}
    assert done["status"] == "verified", done["result"]
    assert checks["subject-binding"] == "passed"
    # Someone else presenting the holder's credential, with a valid proof of their own.
    done = answer(
        lambda vp, r: sign_presentation(
            {**vp, "holder": LDP_HOLDER.public_key().did_key()},
            LDP_HOLDER,
            challenge=r.nonce,
            domain=r.client_id,
        )
    )
    assert done["status"] == "rejected" and done["result"]["reasons"] == ["holder-mismatch"]


def test_a_public_copy_is_not_holder_bound(client: SyncClient, world: dict[str, Any]) -> None:
    """OpenID4VP 1.0 §6.1: require_cryptographic_holder_binding is true by default. A credential fetched
    from its public URL names no holder DID, so anyone can wrap it in a presentation signed by their own
    did:key, with the right challenge and domain: refused (holder-binding-missing) unless the query sets
    it false, when it is accepted with a warning."""

    def answer(query: dict[str, Any]) -> dict[str, Any]:
        made = _ask(client, world, {"credentials": [query]})
        request = fetch_request(client, made["deep_link"], world["ca"])
        vp = sign_presentation(
            presentation(world["ldp"], holder=LDP_HOLDER.public_key().did_key()),
            LDP_HOLDER,
            challenge=request.nonce,
            domain=request.client_id,
        )
        assert respond(client, request, {"badge": [vp]}).response.status_code == 200
        done = _status(client, world, made)
        done["page"] = client.get(path_of(made["page_url"])).text
        return done

    assert "id" not in world["ldp"]["credentialSubject"]
    query = {"id": "badge", "format": "ldp_vc", "meta": {"type_values": [["OpenBadgeCredential"]]}}
    for asked in (query, {**query, "require_cryptographic_holder_binding": True}):
        done = answer(asked)
        assert done["status"] == "rejected", done["result"]
        assert done["result"]["reasons"] == ["holder-binding-missing"]
        binding = next(
            c for c in done["result"]["presentations"][0]["checks"] if c["id"] == "subject-binding"
        )
        assert binding["outcome"] == "failed" and binding["type"] == problem_type("holder-binding-missing")
        assert 'class="verdict invalid"' in done["page"] and "(holder-binding-missing)" in done["page"]
    done = answer({**query, "require_cryptographic_holder_binding": False})
    assert done["status"] == "verified", done["result"]
    outcomes = {c["id"]: c["outcome"] for c in done["result"]["presentations"][0]["checks"]}
    assert outcomes["subject-binding"] == "warning"


def test_presented_credentials_carry_issuer_trust(client: SyncClient, world: dict[str, Any]) -> None:
    """Each presented credential carries the issuer trust of POST /v1/verify (issue 18): a vouched issuer
    is known; another issuer whose name reads the same (Cyrillic е) is unknown and a look-alike, and the
    result page says so, as /verify's page does."""
    name = f"Utrecht University {uuid.uuid4().hex[:6]}"
    real, real_token = make_tenant(client, name=name)
    fake, fake_token = make_tenant(client, name=name.replace("e", "е"))
    assert client.put(f"/v1/issuers/{real}/vouched", json={"vouched": True}, headers=ADMIN).status_code == 200
    query = {
        "credentials": [
            {
                "id": "badge",
                "format": "ldp_vc",
                "meta": {"type_values": [["OpenBadgeCredential"]]},
                "require_cryptographic_holder_binding": False,
            }
        ]
    }
    seen = {}
    for slug, token in ((real, real_token), (fake, fake_token)):
        cid = issue(client, slug, token, create_template(client, slug, token))["credential_id"]
        ldp = client.get(f"/credentials/{cid}", headers={"Accept": "application/ld+json"}).json()
        made = _ask(client, world, query)
        request = fetch_request(client, made["deep_link"], world["ca"])
        vp = sign_presentation(
            presentation(ldp, holder=LDP_HOLDER.public_key().did_key()),
            LDP_HOLDER,
            challenge=request.nonce,
            domain=request.client_id,
        )
        assert respond(client, request, {"badge": [vp]}).response.status_code == 200
        done = _status(client, world, made)
        assert done["status"] == "verified", done["result"]
        seen[slug] = (
            done["result"]["presentations"][0]["issuer_trust"],
            client.get(path_of(made["page_url"])).text,
        )
    trusted, page = seen[real]
    assert trusted["known"] is True and trusted["listed_as"]["list"] == "this service"
    assert 'data-known="true"' in page and 'class="lookalike"' not in page
    impostor, page = seen[fake]
    assert impostor["known"] is False and [e["name"] for e in impostor["lookalike_of"]] == [name]
    assert 'data-known="false"' in page and 'class="lookalike"' in page


def test_imported_certificate_is_the_verifier_identity(client: SyncClient, world: dict[str, Any]) -> None:
    """A verifier whose P-256 key carries the institution's own certificate signs its requests with that
    chain: x509_hash names that leaf; x509_san_dns is refused when the leaf does not name our host."""
    slug, token = make_tenant(client)
    p256 = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).json()
    root = _root()
    leaf = _leaf(root, PublicKey.from_jwk(p256["publicKeyJwk"]), slug)
    r = client.put(
        f"/v1/issuers/{slug}/keys/{p256['id']}/certificate",
        json={"pem": pem_chain(leaf, root[1])},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    body = {"dcql_query": _learning_query()}
    r = client.post(f"/v1/issuers/{slug}/presentation-requests", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    digest = base64.urlsafe_b64encode(hashlib.sha256(leaf).digest()).rstrip(b"=").decode()
    assert r.json()["client_id"] == f"x509_hash:{digest}"
    jar = client.get(path_of(r.json()["request_uri"])).text
    header = json.loads(base64.urlsafe_b64decode(jar.split(".")[0] + "=="))
    assert header["x5c"] == [base64.b64encode(leaf).decode()]  # the institution's root is not sent
    r = client.post(
        f"/v1/issuers/{slug}/presentation-requests",
        json={**body, "client_id_prefix": "x509_san_dns"},
        headers=bearer(token),
    )
    assert r.status_code == 409 and r.json()["type"] == problem_type("verifier-certificate-mismatch")


def test_a_rotated_verifier_key_ends_open_requests(client: SyncClient) -> None:
    slug, token = _tenant(client)
    r = client.post(
        f"/v1/issuers/{slug}/presentation-requests",
        json={"dcql_query": _learning_query()},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    request_uri = path_of(r.json()["request_uri"])
    assert client.get(request_uri).status_code == 200
    rotated = client.post(f"/v1/issuers/{slug}/keys/rotate", json={"type": "P-256"}, headers=bearer(token))
    assert rotated.status_code == 201, rotated.text
    r = client.get(request_uri)
    assert r.status_code == 400 and r.json()["reason"] == "verifier-key-changed"

"""Issue 6: OpenID4VCI 1.0 pre-authorized flow. The independent wallet (wallet-sim, on the OpenWallet
Foundation packages) receives and verifies our credentials; protocol abuse gets the right error codes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.errors import problem_type
from app.testing import SyncClient
from issuer.build import MC_CONTEXT
from proofs.jsonld import CONTEXTS_DIR
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.sd_jwt import parse_compact_jwt, parse_sd_jwt
from proofs.token_status_list import get_status
from proofs.x509 import issue_leaf, make_ca, pem_chain, split_pem_chain, verify_chain, x5c_chain
from tests.app.helpers import create_template, issue, key_proof, template_body
from tests.conftest import ADMIN, ADMIN_TOKEN, IN_CI, bearer, make_tenant
from tests.live import live_server
from tests.paths import DATA, ROOT

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def _offer(client: SyncClient, slug: str, token: str, cid: str, **body: Any) -> dict[str, Any]:
    r = client.post(f"/v1/issuers/{slug}/credentials/{cid}/offers", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
def offered(client: SyncClient) -> dict[str, Any]:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token))
    offer = _offer(client, slug, token, str(out["credential_id"]), formats=["ldp_vc", "jwt_vc_json"])
    document = client.get(urlsplit(offer["credential_offer_uri"]).path).json()
    issuer = document["credential_issuer"]
    return {
        "slug": slug,
        "token": token,
        "out": out,
        "offer": offer,
        "document": document,
        "issuer": issuer,
        "path": urlsplit(issuer).path,
    }


def _token(client: SyncClient, offered: dict[str, Any], tx_code: str | None) -> httpx.Response:
    grant = offered["document"]["grants"][PRE_AUTH]
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": grant["pre-authorized_code"]}
    if tx_code is not None:
        form["tx_code"] = tx_code
    return client.post(f"{offered['path']}/oid4vci/token", data=form)


def test_metadata_and_offer(client: SyncClient, offered: dict[str, Any]) -> None:
    path = offered["path"]
    meta = client.get(f"/.well-known/openid-credential-issuer{path}").json()
    assert meta["credential_issuer"] == offered["issuer"]
    assert set(meta["credential_configurations_supported"]) >= {"ob3_ldp_vc", "ob3_jwt_vc_json"}
    assert client.get(f"{path}/.well-known/openid-credential-issuer").json() == meta
    auth = client.get(f"/.well-known/oauth-authorization-server{path}").json()
    assert auth["token_endpoint"].endswith("/oid4vci/token")
    assert offered["offer"]["offer_uri"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert offered["document"]["grants"][PRE_AUTH]["tx_code"]["length"] == 6
    assert len(offered["offer"]["tx_code"]) == 6
    claim = client.get(urlsplit(offered["offer"]["claim_page_url"]).path, headers={"Accept": "text/html"})
    assert claim.status_code == 200 and offered["offer"]["tx_code"] not in claim.text
    assert "openid-credential-offer://" in claim.text
    assert client.get(urlsplit(offered["offer"]["qr_svg_url"]).path).text.startswith("<svg")


def test_protocol_errors(client: SyncClient, offered: dict[str, Any]) -> None:
    path, issuer = offered["path"], offered["issuer"]
    tx = offered["offer"]["tx_code"]
    wrong = "000000" if tx != "000000" else "111111"
    r = _token(client, offered, wrong)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert _token(client, offered, None).json()["error"] == "invalid_request"
    r = _token(client, offered, tx)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    access = r.json()["access_token"]
    # The code is single use.
    assert _token(client, offered, tx).json()["error"] == "invalid_grant"
    # A code with a letter that is not ASCII is another code (it was a TypeError in the comparison: a 500),
    # and so is an issuer_state at the pushed authorization endpoint.
    code = offered["offer"]["pre_authorized_code"] if "pre_authorized_code" in offered["offer"] else "x"
    r = client.post(
        f"{path}/oid4vci/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": code + "é",
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = client.post(
        f"{path}/oid4vci/par",
        data={
            "response_type": "code",
            "client_id": "x",
            "code_challenge": "a" * 43,
            "code_challenge_method": "S256",
            "issuer_state": "0" * 32 + ".é",
            "redirect_uri": "https://wallet.example/cb",
        },
    )
    assert r.status_code == 400 and r.json()["error"] in ("invalid_request", "invalid_client")

    key = PrivateKey.generate(KeyAlgorithm.P256)
    auth = {"Authorization": f"Bearer {access}"}
    url = f"{path}/oid4vci/credential"

    def request(proof: str, config: str = "ob3_ldp_vc") -> httpx.Response:
        return client.post(
            url, json={"credential_configuration_id": config, "proofs": {"jwt": [proof]}}, headers=auth
        )

    def nonce() -> str:
        return str(client.post(f"{path}/oid4vci/nonce").json()["c_nonce"])

    assert request(key_proof(key, aud=issuer, nonce="made-up")).json()["error"] == "invalid_nonce"
    assert (
        request(key_proof(key, aud="https://other.example", nonce=nonce())).json()["error"] == "invalid_proof"
    )
    assert (
        request(key_proof(key, aud=issuer, nonce=nonce(), iat=time.time() - 3600)).json()["error"]
        == "invalid_proof"
    )
    r = client.post(
        url,
        json={
            "credential_configuration_id": "ob3_ldp_vc",
            "proofs": {"jwt": [key_proof(key, aud=issuer, nonce=nonce())]},
        },
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    assert request(key_proof(key, aud=issuer, nonce=nonce()), "nope").json()["error"] == (
        "unknown_credential_configuration"
    )

    used = nonce()
    r = request(key_proof(key, aud=issuer, nonce=used))
    assert r.status_code == 200, r.text
    vc = r.json()["credentials"][0]["credential"]
    assert vc["credentialSubject"]["id"].startswith("did:jwk:")
    assert vc["id"] != offered["out"]["id"]
    # A nonce is single use; the configuration was already issued with this token.
    assert (
        request(key_proof(key, aud=issuer, nonce=used), "ob3_jwt_vc_json").json()["error"] == "invalid_nonce"
    )
    assert request(key_proof(key, aud=issuer, nonce=nonce())).json()["error"] == "invalid_credential_request"

    # Revoking the original revokes the wallet's copy (the same status, published in the copy's lists).
    r = client.post(
        f"/v1/issuers/{offered['slug']}/credentials/{offered['out']['credential_id']}/status",
        json={"action": "revoke", "reason": "issued_in_error"},
        headers=bearer(offered["token"]),
    )
    assert r.status_code == 200
    result = client.post("/v1/verify", json={"credential": vc}).json()
    status = next(c for c in result["checks"] if c["id"] == "status")
    assert status["type"] == problem_type("credential-revoked")


def test_signed_issuer_metadata(client: SyncClient) -> None:
    """OpenID4VCI 1.0 §12.2.2: the metadata as a JWT for Accept: application/jwt, signed ES256 with the
    tenant's x5c chain (HAIP); JSON otherwise, and JSON when the tenant has no P-256 key to sign with."""
    slug, _token = make_tenant(client)
    path = f"/.well-known/openid-credential-issuer/issuers/{slug}"
    assert (
        client.get(path, headers={"Accept": "application/jwt"})
        .headers["content-type"]
        .startswith("application/json")
    )  # no P-256 key yet
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    plain = client.get(path).json()
    r = client.get(path, headers={"Accept": "application/jwt, application/json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/jwt")
    jwt = parse_compact_jwt(r.text, typs={"openidvci-issuer-metadata+jwt"})
    assert jwt.header["alg"] == "ES256"
    leaf = verify_chain(
        jwt.header["x5c"], split_pem_chain(client.get("/ca.pem").text), dt.datetime.now(dt.UTC)
    )
    leaf.verify(jwt.signature, jwt.signing_input)
    payload = dict(jwt.payload)
    assert payload.pop("sub") == plain["credential_issuer"] == payload.pop("iss")
    assert payload.pop("exp") > payload.pop("iat")
    assert payload == plain
    for accept in ("application/json", "application/json, application/jwt;q=0.5", "*/*", "text/html"):
        assert client.get(path, headers={"Accept": accept}).json() == plain, accept
    assert (
        client.get(path, headers={"Accept": "application/jwt;q=0.9, application/json;q=0.1"})
        .headers["content-type"]
        .startswith("application/jwt")
    )


def test_offer_management(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    cid = str(out["credential_id"])
    offer = _offer(client, slug, token, cid, formats=["ldp_vc"], tx_code=False)
    assert "tx_code" not in offer
    r = client.delete(f"/v1/issuers/{slug}/offers/{offer['id']}", headers=bearer(token))
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = client.get(urlsplit(offer["credential_offer_uri"]).path)
    assert r.status_code == 409 and r.json()["type"] == problem_type("offer-not-usable")
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{cid}/offers", json={"formats": ["mso_mdoc"]}, headers=bearer(token)
    )
    assert r.status_code == 422 and r.json()["type"] == problem_type("unsupported-format")
    other_slug, other_token = make_tenant(client)
    r = client.post(
        f"/v1/issuers/{other_slug}/credentials/{cid}/offers", json={}, headers=bearer(other_token)
    )
    assert r.status_code == 404
    actions = [e["action"] for e in client.get(f"/v1/issuers/{slug}/audit", headers=ADMIN).json()]
    assert "offer.create" in actions and "offer.revoke" in actions


def test_offer_made_with_the_issuance(client: SyncClient) -> None:
    """Issue 6 §3: "when a credential is issued ... the institution gets a credential offer"."""
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    template = create_template(client, slug, token)
    body = {
        "achievement_id": template,
        "recipient": {"email": "learner@example.org", "given_name": "Aiko", "family_name": "Tanaka"},
        "offer": {"formats": ["ldp_vc", "jwt_vc_json"], "tx_code": True},
    }
    headers = {**bearer(token), "Idempotency-Key": "batch-7/row-1"}
    first = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=headers)
    assert first.status_code == 201, first.text
    offer = first.json()["offer"]
    assert offer["offer_uri"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert offer["configurations"] == ["ob3_ldp_vc", "ob3_jwt_vc_json"] and len(offer["tx_code"]) == 6
    document = client.get(urlsplit(offer["credential_offer_uri"]).path).json()
    assert document["credential_configuration_ids"] == offer["configurations"]

    # A retry gets the same credential and the same offer, with a new tx_code (the first is stored
    # hashed only); the first code stops working.
    again = client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["credential_id"] == first.json()["credential_id"]
    replayed = again.json()["offer"]
    assert replayed["id"] == offer["id"] and len(replayed["tx_code"]) == 6
    path = urlsplit(document["credential_issuer"]).path
    code = document["grants"][PRE_AUTH]["pre-authorized_code"]
    if replayed["tx_code"] != offer["tx_code"]:
        r = client.post(
            f"{path}/oid4vci/token",
            data={"grant_type": PRE_AUTH, "pre-authorized_code": code, "tx_code": offer["tx_code"]},
        )
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = client.post(
        f"{path}/oid4vci/token",
        data={"grant_type": PRE_AUTH, "pre-authorized_code": code, "tx_code": replayed["tx_code"]},
    )
    assert r.status_code == 200 and r.json()["access_token"]
    # Once redeemed, a replay has no offer to give.
    assert client.post(f"/v1/issuers/{slug}/credentials", json=body, headers=headers).json()["offer"] is None

    # An offer for a format wallets cannot take refuses the whole issuance: nothing is stored.
    before = client.get(f"/v1/issuers/{slug}/credentials", headers=bearer(token)).json()["items"]
    bad = {**body, "offer": {"formats": ["mso_mdoc"]}}
    r = client.post(f"/v1/issuers/{slug}/credentials", json=bad, headers=bearer(token))
    assert r.status_code == 422 and r.json()["type"] == problem_type("unsupported-format")
    after = client.get(f"/v1/issuers/{slug}/credentials", headers=bearer(token)).json()["items"]
    assert len(after) == len(before)
    actions = [e["action"] for e in client.get(f"/v1/issuers/{slug}/audit", headers=ADMIN).json()]
    assert actions.count("offer.create") == 1 and "offer.tx_code_reissued" in actions


def _wallet_dir() -> Path:
    tool = ROOT / ".tools" / "wallet-sim"
    if not (tool / "node_modules").is_dir() or shutil.which("node") is None:
        if IN_CI:
            pytest.fail("wallet-sim is not installed (make tools): required in CI")
        pytest.skip("wallet-sim not installed (run `make tools`)")
    return tool


def _node_result(*args: str | Path) -> tuple[int, dict[str, Any]]:
    """``node ARGS``: its exit code, 0 or 1 (a result, not a crash), and the JSON result it printed."""
    proc = subprocess.run(["node", *map(str, args)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _live_issuer(
    http: httpx.Client, slug: str, name: str, **tenant: Any
) -> tuple[dict[str, str], dict[str, Any]]:
    """On a live server: a tenant with Ed25519 and P-256 keys, an issuer token, a template and one
    issued credential. Returns the token's headers and the issuance response."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    body = {
        "slug": slug,
        "name": name,
        "url": "https://www.example.edu",
        "email": "r@example.edu",
        "address": {"addressCountryCode": "NL"},
        **tenant,
    }
    http.post("/v1/issuers", json=body, headers=admin).raise_for_status()
    for kind in ("Ed25519", "P-256"):
        http.post(f"/v1/issuers/{slug}/keys", json={"type": kind}, headers=admin).raise_for_status()
    scopes = {"scopes": ["issue", "revoke", "read"]}
    token = http.post(f"/v1/issuers/{slug}/tokens", json=scopes, headers=admin).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    template = http.post(f"/v1/issuers/{slug}/achievements", json=template_body(), headers=auth).json()["id"]
    recipient = {"email": "learner@example.org", "given_name": "Aiko", "family_name": "Tanaka"}
    issued = http.post(
        f"/v1/issuers/{slug}/credentials",
        headers=auth,
        json={"achievement_id": template, "recipient": recipient},
    )
    issued.raise_for_status()
    return auth, dict(issued.json())


@pytest.mark.interop
@pytest.mark.xdist_group("wallet")
def test_wallet_receives_and_verifies(tmp_path: Path) -> None:
    wallet = _wallet_dir()
    with live_server(tmp_path) as base, httpx.Client(base_url=base, timeout=60) as http:
        slug = "wallet-uni"
        auth, issued = _live_issuer(http, slug, "Wallet University", suspension_enabled=True)
        offer = http.post(
            f"/v1/issuers/{slug}/credentials/{issued['credential_id']}/offers",
            json={"formats": ["ldp_vc", "jwt_vc_json", "dc+sd-jwt", "dc+sd-jwt:micro-credential"]},
            headers=auth,
        ).json()
        anchor = tmp_path / "ca.pem"
        anchor.write_text(http.get("/ca.pem").text)

        def receive(tx_code: str) -> tuple[int, dict[str, Any]]:
            return _node_result(
                wallet / "wallet.mjs",
                "receive",
                offer["offer_uri"],
                "--tx-code",
                tx_code,
                "--allow-loopback-http",
                "--trust-anchor",
                anchor,
                "--context",
                f"{MC_CONTEXT}={CONTEXTS_DIR / 'shomei-mc-v1.jsonld'}",
                "--out-dir",
                tmp_path / "received",
            )

        wrong = "000000" if offer["tx_code"] != "000000" else "111111"
        code, result = receive(wrong)
        token_step = next(s for s in result["steps"] if s["step"] == "token")
        assert code == 1 and not token_step["ok"] and "invalid_grant" in json.dumps(token_step["error"])

        code, result = receive(offer["tx_code"])
        assert code == 0 and result["ok"], json.dumps(result)[:3000]
        received = {r["credential_configuration_id"]: r for r in result["received"]}
        assert set(received) == {
            "ob3_ldp_vc",
            "ob3_jwt_vc_json",
            "eudi_learning_credential_dc_sd_jwt",
            "shomei_micro_credential_dc_sd_jwt",
        }
        assert all(r["verified"] and not r["errors"] for r in result["received"])
        assert all(
            "holder key" in str(received[f].get("holderBinding", ""))
            for f in ("ob3_ldp_vc", "ob3_jwt_vc_json")
        )
        for config in ("eudi_learning_credential_dc_sd_jwt", "shomei_micro_credential_dc_sd_jwt"):
            sd = received[config]
            assert sd["format"] == "dc+sd-jwt"
            assert sd["issuerKey"]["source"] == "x5c" and sd["issuerKey"]["anchored"]
            assert sd["claims"]["achievement_title"] == "Micro-Certification in Aircraft General Knowledge"
            assert "KB-JWT" in sd["keyBinding"]
        assert received["eudi_learning_credential_dc_sd_jwt"]["claims"]["vct"] == (
            "urn:eu.europa.ec.eudi:learning:credential:1"
        )
        # The EU type as the EUDI reference issuer has it (issue 19), read by the OpenWallet Foundation's
        # SD-JWT VC library: the level as an integer (MQF 4), the learner id (the holder's DID here),
        # the languages as a list; each copy bound to its own holder key.
        eu = received["eudi_learning_credential_dc_sd_jwt"]["claims"]
        assert eu["level_of_learning_experience"] == 4 and eu["language_of_classes"] == ["en"]
        assert eu["learner_identification"].startswith("did:jwk:")
        assert eu["types_of_quality_assurance"] and eu["expected_study_time"]
        # Our own type: the wallet checked its vct against the configuration; its Type Metadata is
        # served at the vct URL, and the credential's vct#integrity commits to those exact bytes.
        own = received["shomei_micro_credential_dc_sd_jwt"]["claims"]
        assert own["vct"] == base.replace("http://", "https://", 1) + "/vct/micro-credential/v1"
        type_metadata = http.get(urlsplit(own["vct"]).path)
        assert type_metadata.status_code == 200 and type_metadata.json()["vct"] == own["vct"]
        digest = base64.b64encode(hashlib.sha256(type_metadata.content).digest()).decode()
        assert own["vct#integrity"] == f"sha256-{digest}"
        assert own["assessment_methods"] and own["form_of_participation"]
        own_text = (tmp_path / "received" / "shomei_micro_credential_dc_sd_jwt.sd-jwt").read_text()
        verdict = http.post("/v1/verify", json={"credential": own_text.strip()}).json()
        assert verdict["verified"], verdict
        assert next(c for c in verdict["checks"] if c["id"] == "schema")["outcome"] == "passed"

        # Revoking the original shows in the copies' Bitstring and Token Status Lists.
        http.post(
            f"/v1/issuers/{slug}/credentials/{issued['credential_id']}/status",
            headers=auth,
            json={"action": "revoke", "reason": "issued_in_error"},
        ).raise_for_status()
        ldp = json.loads((tmp_path / "received" / "ob3_ldp_vc.json").read_text())
        verdict = http.post("/v1/verify", json={"credential": ldp}).json()
        assert [c["type"] for c in verdict["checks"] if c["outcome"] == "failed"] == [
            problem_type("credential-revoked")
        ]
        sd_jwt = (tmp_path / "received" / "eudi_learning_credential_dc_sd_jwt.sd-jwt").read_text()
        reference = parse_sd_jwt(sd_jwt.strip()).issuer_jwt.payload["status"]["status_list"]
        token = http.get(urlsplit(reference["uri"]).path).text
        lst = parse_compact_jwt(token, typs={"statuslist+jwt"}).payload["status_list"]
        assert get_status(lst, reference["idx"]) == 1  # INVALID
        # Signed issuer metadata, read by the OpenWallet Foundation's client (it asks for
        # application/jwt, checks typ, iat and sub itself; the script checks the x5c chain and ES256).
        issuer_url = base.replace("http://", "https://", 1) + f"/issuers/{slug}"
        proc = subprocess.run(
            [
                "node",
                str(DATA / "signed-metadata.mjs"),
                str(wallet),
                issuer_url,
                str(anchor),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        signed = json.loads(proc.stdout)
        assert signed["signed"] and signed["signer"] == "x5c" and signed["credential_issuer"] == issuer_url, (
            proc.stdout
        )
        assert "shomei_micro_credential_dc_sd_jwt" in signed["configurations"]
        assert signed["requests"][0]["contentType"].startswith("application/jwt")

        # Replaying the same offer: it is spent (the offer URI answers 409; the code itself is refused
        # with invalid_grant, see test_protocol_errors).
        code, result = receive(offer["tx_code"])
        failed = [s["step"] for s in result["steps"] if not s["ok"]]
        assert code == 1 and failed == ["credential-offer"]


@pytest.mark.interop
@pytest.mark.xdist_group("wallet")
def test_owf_client_batch_with_one_nonce_and_did_jwk_kids(tmp_path: Path) -> None:
    """Issue 19: the OpenWallet Foundation's OpenID4VCI client asks for two credentials of each format
    with proofs sharing one c_nonce, naming the holder keys as did:jwk DID URLs where the
    configuration advertises did:jwk (ldp_vc, jwt_vc_json) and as jwk for the SD-JWT VCs."""
    wallet = _wallet_dir()
    with live_server(tmp_path) as base, httpx.Client(base_url=base, timeout=60) as http:
        slug = "batch-uni"
        auth, issued = _live_issuer(http, slug, "Batch University")
        offer = http.post(
            f"/v1/issuers/{slug}/credentials/{issued['credential_id']}/offers",
            json={"formats": ["ldp_vc", "jwt_vc_json", "dc+sd-jwt"], "tx_code": False},
            headers=auth,
        )
        assert offer.status_code == 201, offer.text
        code, result = _node_result(DATA / "did-jwk-batch-wallet.mjs", wallet, offer.json()["offer_uri"])
        assert code == 0 and result["ok"], json.dumps(result)[:3000]
        received = {r["credential_configuration_id"]: r for r in result["received"]}
        for config in ("ob3_ldp_vc", "ob3_jwt_vc_json"):
            batch = received[config]
            assert batch["signer"] == "did" and [k.removesuffix("#0") for k in batch["kids"]] == batch["dids"]
            subjects = [
                c["credentialSubject"]["id"]
                if isinstance(c, dict)
                else parse_compact_jwt(c, typs={"vc+jwt", "JWT"}).payload["credentialSubject"]["id"]
                for c in batch["credentials"]
            ]
            assert subjects == batch["dids"]  # each copy bound to the DID its proof named
            for credential in batch["credentials"]:
                verdict = http.post("/v1/verify", json={"credential": credential}).json()
                assert verdict["verified"], (config, verdict)
        sd = received["eudi_learning_credential_dc_sd_jwt"]
        assert sd["signer"] == "jwk" and len({c.split("~")[0] for c in sd["credentials"]}) == 2


def _wallet_provider(directory: Path, name: str) -> tuple[str, Path]:
    """A wallet provider for haip-wallet.mjs: its CA certificate (PEM: what the issuer trusts) and the
    PROVIDER_FILE with its attestation signing key (private JWK) and ``x5c`` chain."""
    now = dt.datetime.now(dt.UTC)
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=30)
    ca_key, signing_key = PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(KeyAlgorithm.P256)
    ca = make_ca(name, ca_key, not_before=start, not_after=end)
    leaf = issue_leaf(
        ca_key,
        ca,
        signing_key.public_key(),
        subject_name=f"{name} attestations",
        san_dns="wallet-provider.example",
        not_before=start,
        not_after=end,
    )
    provider_file = directory / f"wallet-provider-{secrets.token_hex(4)}.json"
    provider_file.write_text(
        json.dumps(
            {
                "jwk": signing_key.private_jwk(),
                "x5c": x5c_chain([leaf]),
                "iss": "https://wallet-provider.example",
            }
        )
    )
    return pem_chain(ca), provider_file


def _step(result: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(next(s for s in result["steps"] if s["step"] == name))


@pytest.mark.interop
@pytest.mark.xdist_group("wallet")
def test_haip_wallet_dpop_attestations_and_authorization_code(tmp_path: Path) -> None:
    """The OpenWallet Foundation's OpenID4VCI client (tests/api/data/haip-wallet.mjs) receives credentials
    as HAIP asks, in both flows: DPoP-bound tokens, a wallet attestation at PAR and token endpoint,
    key attestations in the jwt proofs; in the authorization code flow PAR + PKCE + issuer_state and
    our consent page with the tx_code. A wallet attested by an untrusted provider gets no token."""
    wallet = _wallet_dir()
    script = DATA / "haip-wallet.mjs"
    anchor, trusted = _wallet_provider(tmp_path, "HAIP Test Wallet Provider")
    _, untrusted = _wallet_provider(tmp_path, "Unknown Wallet Provider")
    anchors = tmp_path / "wallet-anchors.pem"
    anchors.write_text(anchor)
    env = {"SHOMEI_WALLET_TRUST_ANCHORS_FILE": str(anchors), "SHOMEI_REQUIRE_WALLET_ATTESTATIONS": "true"}
    with live_server(tmp_path, env=env) as base, httpx.Client(base_url=base, timeout=60) as http:
        slug = "haip-uni"
        auth, issued = _live_issuer(http, slug, "HAIP University")

        def run(mode: str, provider: Path) -> tuple[int, dict[str, Any]]:
            """A fresh offer (ldp_vc and dc+sd-jwt, with a tx_code) received by the HAIP wallet."""
            offer = http.post(
                f"/v1/issuers/{slug}/credentials/{issued['credential_id']}/offers",
                json={"formats": ["ldp_vc", "dc+sd-jwt"], "tx_code": True},
                headers=auth,
            )
            assert offer.status_code == 201, offer.text
            made = offer.json()
            return _node_result(script, wallet, mode, made["offer_uri"], provider, made["tx_code"])

        for mode in ("pre-authorized", "authorization-code"):
            code, result = run(mode, trusted)
            assert code == 0 and result["ok"] and not result["errors"], json.dumps(result)[:4000]
            assert result["mode"] == mode and result["token_type"] == "DPoP"
            received = {r["credential_configuration_id"]: r for r in result["received"]}
            assert set(received) == {"ob3_ldp_vc", "eudi_learning_credential_dc_sd_jwt"}
            # The library sent what HAIP asks for: DPoP and the wallet attestation to the authorization
            # server, the DPoP-bound token with a DPoP proof to the credential endpoint.
            haip = ["dpop", "oauth-client-attestation", "oauth-client-attestation-pop"]
            as_steps = ["token"] if mode == "pre-authorized" else ["pushed-authorization-request", "token"]
            for name in as_steps:
                assert [r["headers"] for r in _step(result, name)["requests"]] == [haip], name
            for config in received:
                requests = _step(result, f"credential:{config}")["requests"]
                assert [(r["authorization"], r["headers"]) for r in requests] == [("DPoP", ["dpop"])]
                assert _step(result, f"proof:{config}")["key_attestation_typ"] in (
                    "key-attestation+jwt",
                    "keyattestation+jwt",
                )
            if mode == "authorization-code":
                consent = _step(result, "consent")
                assert consent["tx_code_asked"] and consent["status"] == 303 and consent["state_matches"]
                assert consent["iss"] == base.replace("http://", "https://", 1) + f"/issuers/{slug}"
            # Our own verifier accepts both copies; each is bound to the wallet's holder key.
            ldp = received["ob3_ldp_vc"]
            assert ldp["format"] == "ldp_vc"
            assert ldp["credential"]["credentialSubject"]["id"].startswith("did:jwk:")
            sd = received["eudi_learning_credential_dc_sd_jwt"]
            assert sd["format"] == "dc+sd-jwt"
            assert "jwk" in parse_sd_jwt(sd["credential"]).issuer_jwt.payload["cnf"]
            for copy in (ldp, sd):
                verdict = http.post("/v1/verify", json={"credential": copy["credential"]}).json()
                assert verdict["verified"], (copy["credential_configuration_id"], verdict)

        # The audit log names the attested wallet for both redemptions.
        entries = http.get(f"/v1/issuers/{slug}/audit", headers=ADMIN).json()
        redeemed = [e["details"] for e in entries if e["action"] == "offer.redeem"]
        assert len(redeemed) == 2
        assert all(
            d["token_type"] == "DPoP" and d["wallet"]["client_id"] == "haip-wallet-1" for d in redeemed
        )

        # A wallet attested by a provider the issuer does not trust gets no access token.
        code, result = run("pre-authorized", untrusted)
        token_step = _step(result, "token")
        assert code == 1 and not result["ok"] and not token_step["ok"], json.dumps(result)[:3000]
        assert "invalid_client" in json.dumps(token_step["error"])
        assert result["received"] == []

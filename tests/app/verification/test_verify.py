"""Issue 5: the verification API on our own credentials and on ones made by an independent implementation."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import subprocess
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.errors import problem_type
from app.state import app_state
from app.testing import SyncClient
from app.verification.cache import TtlCache
from proofs.jsonld import CONTEXTS_DIR
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_decode, b64url_encode
from proofs.sd_jwt import parse_sd_jwt
from proofs.vc_jwt import encode_ob_vc_jwt
from tests.app.helpers import create_template, issue, mocked_http
from tests.conftest import ADMIN, bearer, make_tenant
from tests.paths import DATA
from tests.unit.verifier.builders import passed_checks


def _verify(client: SyncClient, credential: Any, query: str = "", **extra: Any) -> dict[str, Any]:
    r = client.post(f"/v1/verify{query}", json={"credential": credential, **extra})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _outcomes(result: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["outcome"] for c in result["checks"]}


def _failed(result: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["type"] for c in result["checks"] if c["outcome"] == "failed"}


@pytest.fixture(scope="module")
def issued(client: SyncClient) -> dict[str, Any]:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    template_id = create_template(client, slug, token, profiles=["ob3-minimal", "eu-microcredential"])
    out = issue(client, slug, token, template_id, formats=["ldp_vc", "ldp_vc:ecdsa-rdfc-2019", "jwt_vc_json"])
    return {"slug": slug, "token": token, "template_id": template_id, "out": out}


def test_valid_in_every_format(client: SyncClient, issued: dict[str, Any]) -> None:
    for fmt, credential in issued["out"]["credentials"].items():
        result = _verify(client, credential, "?profiles=eu-microcredential,ob3-minimal")
        assert result["verified"], (fmt, result)
        assert _outcomes(result) == passed_checks()
        assert result["format"] == ("vc-jwt" if fmt == "jwt_vc_json" else "json-ld")
        assert result["profiles"]["ob3-minimal"]["outcome"] in ("pass", "pass-with-warnings")
        # Issued to a hashed email, not to a DID: EU-01 (a holder-bound learner id) is the one gap.
        assert result["profiles"]["eu-microcredential"]["failed_rules"] == ["EU-01"]
    # By URL: the credential's own id.
    r = client.post("/v1/verify", json={"url": issued["out"]["id"]})
    assert r.status_code == 200 and r.json()["verified"]


def test_recipient_match(client: SyncClient, issued: dict[str, Any]) -> None:
    vc = issued["out"]["credentials"]["ldp_vc"]
    ok = _verify(client, vc, identity={"value": "learner@example.org", "type": "emailAddress"})
    assert _outcomes(ok)["recipient"] == "passed"
    other = _verify(client, vc, identity={"value": "someone@example.org"})
    assert _failed(other) == {"recipient": problem_type("recipient-mismatch")}


def test_each_defect_fails_its_check(client: SyncClient, issued: dict[str, Any]) -> None:
    vc = issued["out"]["credentials"]["ldp_vc"]

    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    assert _failed(_verify(client, tampered)) == {"proof": problem_type("invalid-proof")}

    unknown = copy.deepcopy(vc)
    unknown["@context"].append("https://example.org/contexts/unknown.jsonld")
    result = _verify(client, unknown)
    assert _failed(result) == {"contexts": problem_type("unknown-context")}
    assert _outcomes(result)["proof"] == "skipped" and not result["verified"]

    dropped = copy.deepcopy(vc)
    dropped["credentialSubject"]["favouriteColour"] = "blue"
    assert _failed(_verify(client, dropped))["contexts"] == problem_type("undefined-term")

    jwt = issued["out"]["credentials"]["jwt_vc_json"]
    header, payload, signature = jwt.split(".")
    assert _failed(_verify(client, f"{header}.{payload}.{signature[:-6]}AAAAAA")) == {
        "proof": problem_type("invalid-proof")
    }


def test_validity_window(client: SyncClient, issued: dict[str, Any]) -> None:
    slug, token, template_id = issued["slug"], issued["token"], issued["template_id"]
    expired = issue(
        client,
        slug,
        token,
        template_id,
        valid_from="2020-01-01T00:00:00Z",
        valid_until="2021-01-01T00:00:00Z",
    )
    assert _failed(_verify(client, expired["credentials"]["ldp_vc"])) == {"validity": problem_type("expired")}
    future = issue(client, slug, token, template_id, valid_from="2099-01-01T00:00:00Z")
    assert _failed(_verify(client, future["credentials"]["ldp_vc"])) == {
        "validity": problem_type("not-yet-valid")
    }


def test_revoked_with_reason(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    assert _verify(client, out["credentials"]["ldp_vc"])["verified"]
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/status",
        json={"action": "revoke", "reason": "issued_in_error"},
        headers=bearer(token),
    )
    assert r.status_code == 200
    result = _verify(client, out["credentials"]["ldp_vc"])
    assert not result["verified"]
    status = next(c for c in result["checks"] if c["id"] == "status")
    assert status["type"] == problem_type("credential-revoked")
    assert status["details"]["reason"] == "Revoked: issued in error"


def test_vc_api_verify_and_bad_input(client: SyncClient, issued: dict[str, Any]) -> None:
    vc = issued["out"]["credentials"]["ldp_vc"]
    r = client.post("/credentials/verify", json={"verifiableCredential": vc, "options": {}})
    assert r.status_code == 200 and r.json()["verified"] and r.json()["errors"] == []
    bad = copy.deepcopy(vc)
    bad["issuer"]["name"] = "Fake University"
    r = client.post("/credentials/verify", json={"verifiableCredential": bad})
    assert r.status_code == 400 and not r.json()["verified"] and r.json()["errors"]

    for body in ({"credential": "not a credential"}, {"credential": {"type": ["Thing"]}}):
        r = client.post("/v1/verify", json=body)
        assert r.status_code == 400 and r.json()["type"] == problem_type("unreadable-credential")
    r = client.post("/v1/verify", json={"credential": vc, "url": "https://example.org/x"})
    assert r.status_code == 422
    r = client.post("/v1/verify?profiles=nope", json={"credential": vc})
    assert r.status_code == 422 and r.json()["type"] == problem_type("unknown-profile")
    r = client.post("/v1/verify", json={"url": "http://127.0.0.1:9/credential"})
    assert r.status_code == 400 and r.json()["type"] == problem_type("fetch-failed")


@pytest.mark.interop
def test_credentials_signed_elsewhere(client: SyncClient, crosscheck: Path, tmp_path: Path) -> None:
    fixture = crosscheck / "fixtures" / "ob3-unsigned.json"
    seed = crosscheck / "fixtures" / "issuer-seed.hex"
    # P-384: RDFC-1.0 runs with SHA-384 (VC-DI-ECDSA §3.3); the badge's blank nodes (its achievement,
    # criteria, result) get labels from that hash, so SHA-256 labels would not be what was signed.
    for key_args in (["--seed-file", str(seed)], ["--curve", "P-256"], ["--curve", "P-384"]):
        proc = subprocess.run(
            ["node", str(crosscheck / "sign.mjs"), str(fixture), *key_args],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        signed = json.loads(proc.stdout)
        result = _verify(client, signed)
        assert result["verified"], result
        assert _outcomes(result)["proof"] == "passed" and _outcomes(result)["issuer"] == "passed"
        signed["credentialSubject"]["achievement"]["name"] = "Changed"
        assert _failed(_verify(client, signed)) == {"proof": problem_type("invalid-proof")}


def _bundled_contexts() -> dict[str, Any]:
    manifest = json.loads((CONTEXTS_DIR / "manifest.json").read_text())
    return {
        url: json.loads((CONTEXTS_DIR / entry["file"]).read_text())
        for url, entry in manifest["contexts"].items()
    }


@pytest.mark.interop
def test_legacy_and_jwt_forms_signed_elsewhere(client: SyncClient, crosscheck: Path, tmp_path: Path) -> None:
    """Issue 5 inputs made by other implementations: the legacy Ed25519Signature2020 suite (Digital
    Bazaar's packages), the VCDM 1.1 VC-JWT form (``vc`` claim, EdDSA), VC-JOSE with ES256, and RS256
    with the key from the issuer's JWKS. Each verifies; each fails its proof once changed."""
    fixture = json.loads((crosscheck / "fixtures" / "ob3-unsigned.json").read_text())
    seed = (crosscheck / "fixtures" / "issuer-seed.hex").read_text().strip()

    legacy_input = copy.deepcopy(fixture)
    legacy_input["@context"].append("https://w3id.org/security/suites/ed25519-2020/v1")
    contexts = tmp_path / "contexts.json"
    contexts.write_text(json.dumps(_bundled_contexts()))
    proc = subprocess.run(
        [
            "node",
            str(DATA / "sign-ed25519-2020.mjs"),
            str(crosscheck),
            str(contexts),
            seed,
        ],
        input=json.dumps(legacy_input),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    legacy = json.loads(proc.stdout)
    assert legacy["proof"]["type"] == "Ed25519Signature2020"
    result = _verify(client, legacy)
    assert result["verified"], result
    assert _outcomes(result)["proof"] == "passed" and _outcomes(result)["issuer"] == "passed"
    legacy["credentialSubject"]["achievement"]["name"] = "Changed"
    assert _failed(_verify(client, legacy)) == {"proof": problem_type("invalid-proof")}

    def sign_jwt(credential: dict[str, Any], *args: str) -> str:
        return subprocess.run(
            ["node", str(crosscheck / "sign.mjs"), "-", "--jwt", *args],
            input=json.dumps(credential),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()

    def tampered(token: str) -> str:
        header, payload, signature = token.split(".")
        claims = json.loads(b64url_decode(payload))
        target = claims["vc"] if "vc" in claims else claims
        target["credentialSubject"]["achievement"]["name"] = "Changed"
        return ".".join([header, b64url_encode(json.dumps(claims).encode()), signature])

    for args, form in (
        (["--vc-jwt", "--seed", seed], "vc-claim"),
        (["--curve", "P-256"], "payload"),
    ):
        token = sign_jwt(fixture, *args)
        claims = json.loads(b64url_decode(token.split(".")[1]))
        assert ("vc" in claims) is (form == "vc-claim")
        result = _verify(client, token)
        assert result["verified"], (form, result)
        assert _failed(_verify(client, tampered(token))) == {"proof": problem_type("invalid-proof")}

    # RS256, kid not a DID: the key comes from the issuer's /.well-known/jwks.json.
    https_issuer = copy.deepcopy(fixture)
    https_issuer["issuer"]["id"] = "https://university.example"
    jwks = tmp_path / "jwks.json"
    token = sign_jwt(https_issuer, "--rsa", "--kid", "uni-rsa-1", "--jwks-out", str(jwks), "--keep-issuer")
    assert json.loads(b64url_decode(token.split(".")[0]))["alg"] == "RS256"

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == "https://university.example/.well-known/jwks.json":
            return httpx.Response(
                200, content=jwks.read_bytes(), headers={"content-type": "application/json"}
            )
        return httpx.Response(404)

    with mocked_http(client, handler):
        result = _verify(client, token)
        assert result["verified"], result
        assert _failed(_verify(client, tampered(token))) == {"proof": problem_type("invalid-proof")}


@pytest.mark.interop
def test_did_web_issuer_resolved_over_https_and_cached(
    client: SyncClient, crosscheck: Path, tmp_path: Path
) -> None:
    did = "did:web:badges.example.edu"
    doc_file = tmp_path / "did.json"
    proc = subprocess.run(
        [
            "node",
            str(crosscheck / "sign.mjs"),
            str(crosscheck / "fixtures" / "ob3-unsigned.json"),
            "--seed-file",
            str(crosscheck / "fixtures" / "issuer-seed.hex"),
            "--did-web",
            did,
            "--did-doc-out",
            str(doc_file),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    signed = json.loads(proc.stdout)
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        if str(request.url) == "https://badges.example.edu/.well-known/did.json":
            return httpx.Response(
                200, content=doc_file.read_bytes(), headers={"content-type": "application/json"}
            )
        return httpx.Response(404)

    state = app_state(client.app)
    original_cache, state.did_cache = state.did_cache, TtlCache(ttl=300)
    try:
        with mocked_http(client, handler):
            first = _verify(client, signed)
            assert first["verified"], first
            assert _outcomes(first)["issuer"] == "passed"
            assert _verify(client, signed)["verified"]
            # the second came from the cache; so did the issuer's domain linkage (its url's origin
            # publishes no DID configuration: asked once, the failure cached too)
            assert requests == [
                "https://badges.example.edu/.well-known/did.json",
                "https://continuing.example.edu/.well-known/did-configuration.json",
            ]
            assert first["issuer_trust"]["verified_domains"] == []
            # Signed with a did:key while naming the did:web issuer: a valid signature by someone else.
            proc = subprocess.run(
                ["node", str(crosscheck / "sign.mjs"), "-", "--curve", "P-256", "--keep-issuer"],
                input=json.dumps({k: v for k, v in signed.items() if k != "proof"}),
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            impostor = _verify(client, json.loads(proc.stdout))
            assert _outcomes(impostor)["proof"] == "passed"
            assert _failed(impostor) == {"issuer": problem_type("issuer-mismatch")}
    finally:
        state.did_cache = original_cache


def test_sd_jwt_vc_verifies_and_follows_token_status_list(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc", "dc+sd-jwt"])
    sd_jwt = out["credentials"]["dc+sd-jwt"]
    assert sd_jwt.endswith("~") and sd_jwt.count("~") >= 2
    result = _verify(client, sd_jwt)
    assert result["verified"] and result["format"] == "dc+sd-jwt", result
    assert _outcomes(result) == {
        "format": "passed",
        "proof": "passed",
        "issuer": "passed",
        "schema": "passed",
        "validity": "passed",
        "status": "passed",
    }
    # A disclosure swapped for one the issuer never signed.
    jws, *disclosures = sd_jwt.split("~")[:-1]
    forged = "~".join([jws, *disclosures[:-1], "WyJzYWx0IiwgImZhbWlseV9uYW1lIiwgIk1hbGxvcnkiXQ", ""])
    assert _failed(_verify(client, forged)) == {"proof": problem_type("invalid-proof")}
    # A character outside base64url in a disclosure (RFC 9901 §7.1): not the compact form of an SD-JWT,
    # so unreadable (400), not a 500.
    for bad in ("\u00e9", "\u3042", "+"):
        garbled = "~".join([jws, bad + disclosures[0], *disclosures[1:], ""])
        r = client.post("/v1/verify", json={"credential": garbled})
        assert r.status_code == 400 and r.json()["type"] == problem_type("unreadable-credential")
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/status",
        json={"action": "revoke", "reason": "issued_in_error"},
        headers=bearer(token),
    )
    assert r.status_code == 200
    assert _failed(_verify(client, sd_jwt)) == {"status": problem_type("credential-revoked")}


def test_own_sd_jwt_vc_type_with_type_metadata(client: SyncClient) -> None:
    """Issue 6: our own vct is an https URL serving its Type Metadata; credentials pin it with
    vct#integrity; the verifier reads it; the OpenID4VCI metadata offers the type."""
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    fmt = "dc+sd-jwt:micro-credential"
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc", fmt])
    sd = parse_sd_jwt(out["credentials"][fmt])
    payload = sd.issuer_jwt.payload
    vct = payload["vct"]
    assert vct.startswith("https://") and vct.endswith("/vct/micro-credential/v1")
    served = client.get(urlsplit(vct).path)
    assert served.status_code == 200 and served.headers["content-type"] == "application/json"
    digest = base64.b64encode(hashlib.sha256(served.content).digest()).decode()
    assert payload["vct#integrity"] == f"sha256-{digest}"
    metadata = served.json()
    assert metadata["vct"] == vct
    mandatory = {c["path"][0] for c in metadata["claims"] if c["mandatory"]}
    always = {c["path"][0] for c in metadata["claims"] if c["mandatory"] and c["sd"] == "always"}
    assert mandatory - always <= payload.keys()  # in the payload, or (the holder may withhold them)
    disclosed = {json.loads(b64url_decode(d))[1] for d in sd.disclosures}
    assert always <= disclosed and {"family_name", "given_name", "learner_identification"} <= disclosed
    assert {"assessment_methods", "form_of_participation"} <= payload.keys()

    result = _verify(client, out["credentials"][fmt])
    assert result["verified"] and result["format"] == "dc+sd-jwt", result
    assert _outcomes(result)["schema"] == "passed"

    issuer = client.get(f"/.well-known/openid-credential-issuer/issuers/{slug}").json()
    config = issuer["credential_configurations_supported"]["shomei_micro_credential_dc_sd_jwt"]
    assert config["format"] == "dc+sd-jwt" and config["vct"] == vct
    assert {c["path"][0] for c in config["credential_metadata"]["claims"] if c["mandatory"]} == mandatory


def test_jwt_key_from_the_issuers_jwks(client: SyncClient) -> None:
    """OB 3.0 key provenance for a VC-JWT whose kid is not a DID: the issuer's /.well-known/jwks.json."""
    key = PrivateKey.generate(KeyAlgorithm.P256)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:7d0c7a52-2a3e-4a0e-9a55-0c3f6f0f2a11",
        "type": ["VerifiableCredential"],
        "issuer": "https://university.example",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    published = {"keys": [{**key.public_key().jwk(), "kid": "uni-key-1"}]}
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        if str(request.url) == "https://university.example/.well-known/jwks.json":
            return httpx.Response(200, json=published)
        return httpx.Response(404)

    with mocked_http(client, handler):
        token = encode_ob_vc_jwt(credential, key=key, kid="uni-key-1")
        result = _verify(client, token)
        assert result["verified"], result
        assert requests == ["https://university.example/.well-known/jwks.json"]
        unknown = encode_ob_vc_jwt(credential, key=key, kid="retired-key")
        assert _failed(_verify(client, unknown)) == {"proof": problem_type("key-not-found")}
        impostor = encode_ob_vc_jwt(credential, key=PrivateKey.generate(KeyAlgorithm.P256), kid="uni-key-1")
        assert _failed(_verify(client, impostor)) == {"proof": problem_type("invalid-proof")}


def test_one_of_our_issuers_is_read_once_per_verification(client: SyncClient, issued: dict[str, Any]) -> None:
    """The proof's key, each status list (revocation and suspension) and the issuer trust section all ask
    for our issuer's tenant row, DID document and status list; one verification reads each once (issue 15)."""
    from sqlalchemy import event

    engine = app_state(client.app).engine
    statements: list[str] = []
    credential = issued["out"]["credentials"]["ldp_vc"]
    assert _verify(client, credential)["verified"] is True  # the status lists published (and signed) once

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The app's own background threads (webhook dispatcher, job worker) poll the same engine.
        if not threading.current_thread().name.startswith("shomei-"):
            statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        result = _verify(client, credential)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert result["verified"] is True
    # The tenant and the keys of its DID document, in one statement.
    by_slug = [s for s in statements if "tenants.slug =" in s]
    keys = [s for s in statements if "signing_keys.public_jwk" in s]
    assert len(by_slug) == 1 and keys == by_slug, statements
    # Its revocation and suspension entries name one list: the list's version, the keys' last change and
    # both publications, read once, in one statement (not the list's bitstrings).
    lists = [s for s in statements if "status_lists" in s]
    assert len(lists) == 1 and "bits" not in lists[0] and "signing_keys.created_at" in lists[0], statements
    assert not [s for s in statements if s.startswith("SELECT max(signing_keys.created_at)")], statements
    assert len(statements) <= 5, statements  # BEGIN, tenant with its keys, list, trust (vouched, lists)
    status = {c["id"]: c["outcome"] for c in result["checks"]}["status"]
    assert status == "passed"

"""Issue 13 part 1 over HTTP: what is forged or inconsistent is refused. Duplicate member names (in the
POSTed body, which FastAPI would otherwise collapse, and in a JWT header), oversized values, proof sets
with a bad proof, proofs refused for a plain reason, JWT claims that contradict the credential, and a
status list published by another issuer."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from app.errors import problem_type
from app.testing import SyncClient
from app.vcapi.endpoints import router as vcapi
from app.verification.service import strict_json_body
from proofs.data_integrity import add_proof
from proofs.jsonld import bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.multibase import b64url_decode, b64url_encode
from proofs.vc_jwt import encode_ob_vc_jwt, sign_jws
from tests.app.helpers import create_template, issue, mocked_http
from tests.conftest import ADMIN, make_tenant
from tests.unit.verifier.builders import controller_document, open_badge, signed
from verifier.limits import MAX_VALUES, shape
from verifier.presentation import PRESENTATION_FACTOR

VC_V2 = "https://www.w3.org/ns/credentials/v2"

KEY = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([9]) * 32)
_MARK = "__duplicate__"


@pytest.fixture(scope="module")
def issued(client: SyncClient) -> dict[str, Any]:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc", "jwt_vc_json"])
    return dict(out["credentials"])


def _post(client: SyncClient, body: str, path: str = "/v1/verify") -> tuple[int, dict[str, Any]]:
    r = client.post(path, content=body.encode(), headers={"content-type": "application/json"})
    return r.status_code, dict(r.json())


def _failed(result: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["type"] for c in result["checks"] if c["outcome"] == "failed"}


def _forged_name_first(vc: dict[str, Any]) -> str:
    forged = copy.deepcopy(vc)
    achievement = forged["credentialSubject"]["achievement"]
    forged["credentialSubject"]["achievement"] = {_MARK: 0, **achievement}
    return json.dumps(forged).replace(f'"{_MARK}": 0', '"name": "Doctorate in Medicine"')


def test_a_duplicate_member_in_the_posted_credential_is_refused(
    client: SyncClient, issued: dict[str, Any]
) -> None:
    vc = issued["ldp_vc"]
    text = _forged_name_first(vc)
    assert json.loads(text) == vc  # what pydantic (and the signature) would read: the genuine one
    status, body = _post(client, '{"credential": ' + text + "}")
    assert status == 400 and body["type"] == problem_type("duplicate-member")
    assert body["member"] == "name" and body["path"] == ["credential", "credentialSubject", "achievement"]
    # The same credential as JSON text in a string.
    status, body = _post(client, json.dumps({"credential": text}))
    assert status == 400 and body["type"] == problem_type("duplicate-member")
    # A duplicate in the request itself.
    status, body = _post(client, '{"credential": "x", "credential": ' + json.dumps(vc) + "}")
    assert status == 400 and body["type"] == problem_type("duplicate-member")
    # The genuine credential, once: verified.
    status, body = _post(client, json.dumps({"credential": vc}))
    assert status == 200 and body["verified"]


def test_a_jwt_with_alg_twice_none_first_is_refused(client: SyncClient, issued: dict[str, Any]) -> None:
    token = issued["jwt_vc_json"]
    header_b64, payload_b64, signature = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    fields = ", ".join(f'"{k}": {json.dumps(v)}' for k, v in header.items() if k != "alg")
    doubled = b64url_encode(f'{{"alg": "none", "alg": "{header["alg"]}", {fields}}}'.encode())
    status, body = _post(client, json.dumps({"credential": f"{doubled}.{payload_b64}.{signature}"}))
    assert status == 400 and body["type"] == problem_type("duplicate-member")


def test_the_vc_api_route_refuses_a_duplicate_member(client: SyncClient, issued: dict[str, Any]) -> None:
    route = next(r for r in vcapi.routes if isinstance(r, APIRoute) and r.path == "/credentials/verify")
    if not any(d.call is strict_json_body for d in route.dependant.dependencies):
        pytest.skip("/credentials/verify does not read its body strictly yet (app/vcapi/endpoints.py)")
    status, body = _post(client, '{"verifiableCredential": ' + _forged_name_first(issued["ldp_vc"]) + "}")
    assert status == 400 and body["type"] == problem_type("duplicate-member")


def test_a_300_kb_proof_value_is_refused(client: SyncClient, issued: dict[str, Any]) -> None:
    huge = copy.deepcopy(issued["ldp_vc"])
    huge["proof"]["proofValue"] = "z" + "2" * 300_000
    status, body = _post(client, json.dumps({"credential": huge}))
    assert status == 400 and body["type"] == problem_type("value-too-large")


def test_a_proof_set_with_one_bad_proof_is_not_valid(client: SyncClient, issued: dict[str, Any]) -> None:
    vc = issued["ldp_vc"]
    bad = {**vc["proof"], "proofValue": vc["proof"]["proofValue"][:-4] + "AAAA"}
    status, body = _post(client, json.dumps({"credential": {**vc, "proof": [vc["proof"], bad]}}))
    assert status == 200 and not body["verified"]
    assert _failed(body) == {"proof": problem_type("invalid-proof")}
    proof = next(c for c in body["checks"] if c["id"] == "proof")
    assert [p["outcome"] for p in proof["details"]["proofs"]] == ["passed", "failed"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"proofPurpose": "authentication"}, "wrong-proof-purpose"),
        ({"cryptosuite": "bbs-2023"}, "unsupported-cryptosuite"),
        ({"verificationMethod": "key-1"}, "invalid-verification-method"),
        ({"proofValue": None}, "incomplete-proof"),
    ],
)
def test_each_refused_proof_says_why(
    client: SyncClient, issued: dict[str, Any], change: dict[str, Any], problem: str
) -> None:
    vc = copy.deepcopy(issued["ldp_vc"])
    vc["proof"] = {k: v for k, v in {**vc["proof"], **change}.items() if v is not None}
    status, body = _post(client, json.dumps({"credential": vc}))
    assert status == 200 and _failed(body) == {"proof": problem_type(problem)}
    status, body = _post(client, json.dumps({"credential": {**vc, "proof": "not a map"}}))
    assert status == 200 and _failed(body) == {"proof": problem_type("malformed-proof")}


def _did_key_credential(**changes: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:7d0c7a52-2a3e-4a0e-9a55-0c3f6f0f2a12",
        "type": ["VerifiableCredential"],
        "issuer": KEY.public_key().did_key(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
        **changes,
    }


def test_jwt_claims_that_contradict_or_are_missing(client: SyncClient) -> None:
    credential = _did_key_credential()
    kid = KEY.public_key().did_key_vm()
    token = encode_ob_vc_jwt(credential, key=KEY, kid=kid)
    status, body = _post(client, json.dumps({"credential": token}))
    assert status == 200 and body["verified"], body
    claims = json.loads(b64url_decode(token.split(".")[1]))
    header = {"alg": "EdDSA", "kid": kid, "typ": "JWT"}
    wrong_sub = sign_jws(header, {**claims, "sub": "did:example:someone-else"}, key=KEY)
    status, body = _post(client, json.dumps({"credential": wrong_sub}))
    assert _failed(body) == {"proof": problem_type("jwt-claim-mismatch")}
    bare = sign_jws(header, {k: v for k, v in claims.items() if k not in ("sub", "jti", "nbf")}, key=KEY)
    status, body = _post(client, json.dumps({"credential": bare}))
    assert _failed(body) == {"proof": problem_type("jwt-claim-missing")}


def test_a_status_list_of_another_issuer_fails_the_status(client: SyncClient, issued: dict[str, Any]) -> None:
    """A credential signed by a did:key that points at a real issuer's (never revoked) status list."""
    entry = issued["ldp_vc"]["credentialStatus"]
    entries = entry if isinstance(entry, list) else [entry]
    revocation = next(e for e in entries if e["statusPurpose"] == "revocation")
    unsigned = _did_key_credential(
        **{"@context": [*_did_key_credential()["@context"]], "credentialStatus": revocation}
    )
    loader = bundled_loader()
    vm = KEY.public_key().did_key_vm()
    created = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    forged = add_proof(unsigned, key=KEY, verification_method=vm, created=created, loader=loader)
    status, body = _post(client, json.dumps({"credential": forged}))
    assert status == 200 and not body["verified"]
    assert _failed(body) == {"status": problem_type("status-list-issuer-mismatch")}
    assert not [c for c in body["checks"] if c["outcome"] == "warning"]


def test_a_credential_of_too_many_values_is_refused_unread(
    client: SyncClient, issued: dict[str, Any]
) -> None:
    """Past SHOMEI_VERIFY_MAX_VALUES JSON values a credential is refused before it is expanded (its
    refusal would otherwise cost an expansion and a canonicalization of all of it)."""
    crowded = copy.deepcopy(issued["ldp_vc"])
    crowded["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": f"Skill {i}", "targetUrl": f"https://skills.example/{i}"}
        for i in range(MAX_VALUES // 4)
    ]
    for path, member in (("/v1/verify", "credential"), ("/credentials/verify", "verifiableCredential")):
        status, body = _post(client, json.dumps({member: crowded}), path)
        assert status == 400 and body["type"] == problem_type("too-many-values"), (path, body)


def test_a_presentation_of_too_many_values_is_not_verified(
    client: SyncClient, issued: dict[str, Any]
) -> None:
    """The presentation's own values are bounded, each credential it holds is bounded when it is read, and
    the whole presentation (what its proof signs) holds at most PRESENTATION_FACTOR times the bound."""
    vc = issued["ldp_vc"]
    crowded = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": {"id": "did:example:holder", "name": [f"n{i}" for i in range(MAX_VALUES)]},
        "verifiableCredential": [vc],
    }
    r = client.post("/presentations/verify", json={"verifiablePresentation": crowded})
    assert r.status_code == 422  # the VC-API's "does not verify"
    errors = {(e["where"], e["type"]) for e in r.json()["errors"]}
    assert ("presentation", problem_type("too-many-values")) in errors
    copies = MAX_VALUES // shape(vc)[1] + 1  # over the bound together, each under it
    many = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [vc] * copies}
    assert client.post("/presentations/verify", json={"verifiablePresentation": many}).status_code == 200
    copies = PRESENTATION_FACTOR * MAX_VALUES // shape(vc)[1] + 1  # over the presentation's bound
    many["verifiableCredential"] = [vc] * copies
    r = client.post("/presentations/verify", json={"verifiablePresentation": many})
    assert r.status_code == 422
    assert {(e["where"], e["type"]) for e in r.json()["errors"]} == {
        ("presentation", problem_type("too-many-values"))
    }
    assert r.json()["credentialResults"] == []  # not one was read


def test_a_lone_surrogate_in_a_credential_sent_as_text_is_refused(
    client: SyncClient, issued: dict[str, Any]
) -> None:
    """A credential sent as JSON text whose strings hold a ``\\ud800`` escape (a lone surrogate once read:
    not Unicode text) is refused as unreadable: 400, not the 500 its canonicalization raised."""
    text = json.dumps(issued["ldp_vc"]).replace('"name": "', '"name": "\\ud800', 1)
    for path, member in (("/v1/verify", "credential"), ("/credentials/verify", "verifiableCredential")):
        status, body = _post(client, json.dumps({member: text}), path)
        assert status == 400, (path, body)
        # The VC-API takes a credential as an object only (vcdm-not-an-object); ours reads the text.
        expected = "unreadable-credential" if path == "/v1/verify" else "vcdm-not-an-object"
        assert body["type"] == problem_type(expected), (path, body)


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("did:web:hostile.example#k", "[" * 5000 + "]" * 5000),  # deeper than Python's reader goes
        ("did:web:hostile.example#k", None),  # a DID document whose method's type is a list
        ("https://hostile.example/key", "[" * 5000 + "]" * 5000),
        ("https://hostile.example/key", None),  # a key document whose type is a list
    ],
)
def test_a_hostile_key_document_fails_the_proof_not_the_request(
    client: SyncClient, method: str, body: str | None
) -> None:
    """Anyone may name a did:web DID or an https key URL in a proof and serve what they like there: a
    document nested thousands deep (RecursionError) or a verification method whose ``type`` is a list
    (TypeError, unhashable) was a 500. The key is not resolved: the proof check fails."""
    holder = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([7]) * 32)
    issuer = method.split("#")[0]
    typed: dict[str, Any] = {
        "id": method,
        "type": ["Multikey"],
        "controller": issuer,
        "publicKeyMultibase": holder.public_key().multikey(),
    }
    document = body or json.dumps(
        typed
        if "#" not in method
        else {"id": issuer, "verificationMethod": [typed], "assertionMethod": [method]}
    )
    credential = {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    signed = add_proof(
        credential,
        key=holder,
        verification_method=method,
        created=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        loader=bundled_loader(),
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=document.encode(), headers={"content-type": "application/json"})

    with mocked_http(client, handler):
        status, result = _post(client, json.dumps({"credential": signed}))
    assert status == 200, result
    assert not result["verified"]
    assert _failed(result).get("proof") is not None


def test_a_status_written_by_its_iri_does_not_hide_a_revocation(client: SyncClient) -> None:
    """A revoked credential of ours with ``credentialStatus`` renamed to its IRI: the same RDF, so its proof
    holds, and the status check found no entry ("skipped"): it verified, at every route and in a pathway.
    Now the contexts check refuses the renamed member (aliased-term)."""
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{out['credential_id']}/status",
        json={"action": "revoke", "reason": "issued_in_error"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    forged = copy.deepcopy(out["credentials"]["ldp_vc"])
    forged["https://www.w3.org/2018/credentials#credentialStatus"] = forged.pop("credentialStatus")
    status, body = _post(client, json.dumps({"credential": forged}))
    assert status == 200 and not body["verified"]
    assert _failed(body) == {"contexts": problem_type("aliased-term")}
    status, body = _post(client, json.dumps({"verifiableCredential": forged}), "/credentials/verify")
    assert status == 400 and {e["type"] for e in body["errors"]} == {problem_type("aliased-term")}


@pytest.mark.parametrize(
    "issuer",
    [
        "did:web:victim.example%40evil.example",  # read from https://victim.example@evil.example/.well-known/...
        "did:web:evil.example%3Fvictim.example",
        "https://victim.example@evil.example/issuers/1",  # an https key URL with userinfo
    ],
)
def test_a_key_is_not_fetched_from_a_host_the_issuer_id_hides(client: SyncClient, issuer: str) -> None:
    """An outside fuzzing round: a did:web host decoded whole (``%40`` became userinfo) and an https issuer id
    with userinfo made the service fetch the key from evil.example, and the credential verified as by the
    "issuer" victim.example... (did:web §3.2 decodes only the port's colon; RFC 9110 §4.2.4). Nothing is
    fetched now, and the proof fails for want of a key."""
    method = {"type": "Multikey", "publicKeyMultibase": KEY.public_key().multikey()}
    document = controller_document(issuer, {"k": method})
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        return httpx.Response(200, json=document)

    credential = signed(open_badge(issuer), KEY, f"{issuer}#k", bundled_loader())
    with mocked_http(client, handler):
        status, result = _post(client, json.dumps({"credential": credential}))
    assert status == 200 and not result["verified"], result
    assert _failed(result) == {"proof": problem_type("key-not-found")} and requests == []

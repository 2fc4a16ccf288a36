"""Issue 12 items 1-3 on ``POST /credentials/verify``: 200 only for a credential that verifies, else 400 with the
same members (``verified``, ``checks``, ``warnings``, ``errors``) in an RFC 9457 problem; JSON text instead of
an object, data-model violations and ``"type": 10`` are refused, never a 500. ``POST /v1/verify`` keeps its
200-with-report. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from app.errors import problem_type
from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, make_tenant

V2 = "https://www.w3.org/ns/credentials/v2"
DRAFT_V2_SHA384 = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"


@pytest.fixture(scope="module")
def issued(client: SyncClient) -> dict[str, Any]:
    """A credential issued through /v1 in both securing formats (JSON-LD with a proof, and a VC-JWT)."""
    slug, token = make_tenant(client)
    r = client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc", "jwt_vc_json"])
    return dict(out["credentials"])


def verify(client: SyncClient, vc: Any) -> httpx.Response:
    return client.post(
        "/credentials/verify", json={"verifiableCredential": vc, "options": {"checks": ["proof"]}}
    )


def assert_not_verified(r: httpx.Response, kind: str) -> dict[str, Any]:
    """A 400 problem whose type is the first error's, carrying the VC-API members."""
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == 400 and body["type"] == problem_type(kind)
    assert body["verified"] is False
    assert {"checks", "warnings", "errors"} <= set(body)
    assert body["errors"][0]["type"] == problem_type(kind)
    return body


def test_a_credential_that_verifies_is_200(client: SyncClient, issued: dict[str, Any]) -> None:
    for vc in (issued["ldp_vc"], issued["jwt_vc_json"]):  # an object, and a compact JWS as text
        r = verify(client, vc)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()
        assert body["verified"] is True and body["errors"] == [] and "proof" in body["checks"]
    enveloped = {
        "@context": V2,
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{issued['jwt_vc_json']}",
    }
    assert verify(client, enveloped).status_code == 200


def test_a_credential_that_does_not_verify_is_400_with_the_same_members(
    client: SyncClient, issued: dict[str, Any]
) -> None:
    tampered = copy.deepcopy(issued["ldp_vc"])
    tampered["name"] = "Doctorate in Medicine"
    body = assert_not_verified(verify(client, tampered), "invalid-proof")
    assert "proof" not in body["checks"] and body["problemDetails"]
    unsigned = {k: v for k, v in issued["ldp_vc"].items() if k != "proof"}
    assert_not_verified(verify(client, unsigned), "no-proof")


def test_v1_verify_keeps_its_200_report(client: SyncClient, issued: dict[str, Any]) -> None:
    tampered = copy.deepcopy(issued["ldp_vc"])
    tampered["name"] = "Doctorate in Medicine"
    r = client.post("/v1/verify", json={"credential": tampered})
    assert r.status_code == 200 and r.json()["verified"] is False
    # Our own API reads text: JSON text, as the verification page sends it, is still a credential there.
    r = client.post("/v1/verify", json={"credential": json.dumps(issued["ldp_vc"])})
    assert r.status_code == 200 and r.json()["verified"] is True


def test_json_text_instead_of_an_object_is_refused(client: SyncClient, issued: dict[str, Any]) -> None:
    for text in (json.dumps(issued["ldp_vc"]), "  " + json.dumps([issued["ldp_vc"]])):
        body = assert_not_verified(verify(client, text), "vcdm-not-an-object")
        assert body["checks"] == []


def test_text_that_is_no_credential_is_refused(client: SyncClient) -> None:
    assert_not_verified(verify(client, "not a credential"), "unreadable-credential")
    assert_not_verified(verify(client, {"type": ["NonconformingDocument"]}), "vcdm-missing-property")


MALFORMED: list[tuple[str, dict[str, Any], str, str]] = [
    ("type a number", {"type": 10}, "vcdm-invalid-type", "/type"),
    ("no issuer", {"issuer": None}, "vcdm-invalid-issuer", "/issuer"),
    ("@context a string", {"@context": V2}, "vcdm-invalid-context", "/@context"),
    ("id null", {"id": None}, "vcdm-invalid-url", "/id"),
    (
        "status without type",
        {"credentialStatus": {"id": "did:example:status"}},
        "vcdm-missing-type",
        "/credentialStatus/type",
    ),
    ("empty subject", {"credentialSubject": [{}]}, "vcdm-invalid-subject", "/credentialSubject/0"),
    (
        "a related resource digest that does not match",
        {"relatedResource": [{"id": V2, "digestSRI": DRAFT_V2_SHA384}]},
        "vcdm-digest-mismatch",
        "/relatedResource/0/digestSRI",
    ),
]


@pytest.mark.parametrize(
    ("label", "changes", "kind", "where"), MALFORMED, ids=[case[0] for case in MALFORMED]
)
def test_a_credential_that_breaks_the_data_model_is_refused(
    client: SyncClient, issued: dict[str, Any], label: str, changes: dict[str, Any], kind: str, where: str
) -> None:
    vc = {**copy.deepcopy(issued["ldp_vc"]), **changes}
    body = assert_not_verified(verify(client, vc), kind)
    assert body["errors"][0]["id"] == "data-model"
    assert body["errors"][0]["details"] == {"pointer": where}


def test_v1_verify_refuses_a_type_that_is_not_a_string_without_a_500(
    client: SyncClient, issued: dict[str, Any]
) -> None:
    r = client.post("/v1/verify", json={"credential": {**issued["ldp_vc"], "type": 10}})
    assert r.status_code == 400 and r.json()["type"] == problem_type("unreadable-credential")


def _envelope(envelope_id: str) -> dict[str, Any]:
    return {"@context": [V2], "type": "EnvelopedVerifiableCredential", "id": envelope_id}


def test_an_enveloped_credential_in_base64_or_percent_encoded_is_200(
    client: SyncClient, issued: dict[str, Any]
) -> None:
    """RFC 2397 data: URLs (VCDM 2.0 §4.13.1): ``;base64`` content and percent-encoded JSON are read as what
    they encode, as /v1/verify reads them (found by an outside fuzzing round: both were refused here)."""
    jwt = issued["jwt_vc_json"]
    for envelope_id in (
        "data:application/vc+jwt;base64," + base64.b64encode(jwt.encode()).decode(),
        "data:application/vc," + quote(json.dumps(issued["ldp_vc"])),
        "data:application/vc+ld+json;base64,"
        + base64.b64encode(json.dumps(issued["ldp_vc"]).encode()).decode(),
    ):
        r = verify(client, _envelope(envelope_id))
        assert r.status_code == 200, (envelope_id[:40], r.text)
        assert r.json()["verified"] is True


def test_an_envelope_whose_id_is_no_data_url_is_400(client: SyncClient, issued: dict[str, Any]) -> None:
    """VCDM 2.0 §4.13.1: "The id value of the object MUST be a data: URL" (found by an outside fuzzing round:
    any id was read from its first comma on, and a bare JWT as the id verified)."""
    jwt = issued["jwt_vc_json"]
    for envelope_id in (f"https://evil.example/,{jwt}", jwt):
        body = assert_not_verified(verify(client, _envelope(envelope_id)), "invalid-enveloped-credential")
        assert body["checks"] == []
